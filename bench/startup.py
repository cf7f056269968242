"""Startup: from launching ``sitroom demo`` to its first frame with live vehicles on the map.

Each run starts ``python -m sitroom demo --exit-after S --stats`` with ``QT_QPA_PLATFORM=offscreen`` and a fresh,
empty ``SITROOM_CONFIG``, and reads ``first_live_frame_s`` from the last stdout line, the ``--stats`` JSON:
the app measures it from its own process start (``app.settings.process_age_s``: the kernel's start time of
the process, 10 ms ticks), so interpreter start-up, imports, the demo kit and the backends are all in it.

``--probe`` runs ``python -m bench.startup_probe`` instead (``python -m sitroom`` plus clock readings in the stats
line, see ``bench/startup_probe.py``), which also times the same frame from this process's launch of the
child: a check on the app's own figure with an outside clock.

Baseline, same run: ``python -c "import PySide6.QtWidgets, pyqtgraph"``, launch to exit. Each figure is
the median of ``--runs`` runs (default 3). The demo kit is generated first if it is not cached yet, so every
run measures a start with the kit on disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common

GOAL_S = 3.0
ROOT = Path(__file__).resolve().parent.parent


def _env(config_dir: str) -> dict:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["SITROOM_CONFIG"] = config_dir
    env["PYTHONUNBUFFERED"] = "1"
    return env


def bare_import() -> float:
    with tempfile.TemporaryDirectory(prefix="sitroom-bench-config-") as cfg:
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets, pyqtgraph"], env=_env(cfg), cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        return time.monotonic() - t0


def demo_run(exit_after: float, probe: bool, vehicles: int | None) -> dict:
    module = "bench.startup_probe" if probe else "sitroom"
    cmd = [sys.executable, "-m", module, "demo", "--exit-after", str(exit_after), "--stats"]
    if vehicles is not None:
        cmd += ["--vehicles", str(vehicles)]
    with tempfile.TemporaryDirectory(prefix="sitroom-bench-config-") as cfg:
        t0 = time.monotonic()
        proc = subprocess.run(cmd, env=_env(cfg), cwd=ROOT, capture_output=True, text=True,
                              timeout=exit_after + 120)
        wall = time.monotonic() - t0
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}"
                           f"\n--- stderr\n{proc.stderr[-5000:]}")
    stats = json.loads(lines[-1])
    stats["wall_s"] = wall
    first = stats.get("first_live_frame_monotonic")
    stats["launch_to_first_live_frame_s"] = None if first is None else first - t0
    started = stats.get("process_started_monotonic")
    stats["launch_to_process_start_s"] = None if started is None else started - t0
    return stats


def _median_or_none(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return common.median(values) if values else None


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f} s"


def main(argv: list[str]) -> dict:
    p = common.parser("startup", __doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=None, help="runs of each (default 3; quick 1)")
    p.add_argument("--exit-after", type=float, default=None, help="--exit-after of each demo run (default 8)")
    p.add_argument("--vehicles", type=int, default=None, help="--vehicles of the demo (default: the app's)")
    p.add_argument("--probe", action="store_true",
                   help="run through bench.startup_probe to time the first live frame from the launch as well")
    args = p.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    exit_after = args.exit_after or (5.0 if args.quick else 8.0)

    t = time.perf_counter()
    common.load_city()
    common.heading(f"startup: `python -m {'bench.startup_probe' if args.probe else 'sitroom'} demo "
                   f"--exit-after {exit_after:g} --stats`, {runs} run(s), median "
                   f"(demo kit cached; checked in {time.perf_counter() - t:.1f} s)")
    bases, results = [], []
    for i in range(runs):
        bases.append(bare_import())
        r = demo_run(exit_after, args.probe, args.vehicles)
        results.append(r)
        probe = (f" (from launch: {_fmt(r['launch_to_first_live_frame_s'])})" if args.probe else "")
        common.say(f"  run {i + 1}: bare import {bases[-1]:.2f} s | app: first live frame at "
                   f"{_fmt(r.get('first_live_frame_s'))}{probe}; {r.get('vehicles_drawn', 0):,} drawn, "
                   f"{r.get('frames', 0)} frames, worst frame {r.get('max_frame_ms', float('nan')):.1f} ms, "
                   f"wall {r['wall_s']:.1f} s")
    base = common.median(bases)
    first = _median_or_none([r.get("first_live_frame_s") for r in results])
    launch = _median_or_none([r["launch_to_first_live_frame_s"] for r in results])
    pre = _median_or_none([r["launch_to_process_start_s"] for r in results])
    common.say(f"  bare `import PySide6.QtWidgets, pyqtgraph` (baseline): {base:.2f} s")
    common.say(f"  first live frame (app's figure, from process start): {_fmt(first)}   "
               f"({common.ratio(first or float('nan'), base):.2f}× baseline; goal ≤ {GOAL_S:g} s: "
               f"{common.check_at_most(first, GOAL_S)})")
    if args.probe:
        common.say(f"  first live frame from launch (outside clock):       {_fmt(launch)}   "
                   f"({common.ratio(launch or float('nan'), base):.2f}× baseline; goal ≤ {GOAL_S:g} s: "
                   f"{common.check_at_most(launch, GOAL_S)})")
    return {
        "benchmark": "startup",
        "quick": args.quick,
        "runs": runs,
        "first_live_frame_s": first,
        "launch_to_first_live_frame_s": launch,
        "launch_to_process_start_s": pre,
        "baseline_import_s": base,
        "ratio_vs_import": common.ratio(first, base) if first is not None else None,
        "launch_ratio_vs_import": common.ratio(launch, base) if launch is not None else None,
        "goal_s": GOAL_S,
    }


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
