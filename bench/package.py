"""Package: the installed build's size (what takes the space) and its start-up against the venv's.

Needs a build (``packaging/build``): the one-folder app in ``dist/sitroom-VERSION-linux-ARCH/`` (or ``--app``)
and the .deb beside it. Start-up is ``sitroom demo --exit-when-live 1 --stats`` with ``QT_QPA_PLATFORM=offscreen``
and a fresh ``SITROOM_CONFIG``, ``first_live_frame_s`` of its stats line (from the process's own start: the
kernel's start time, so the bootloader's unpacking and the imports are in it). Baseline, same run: the same
command from the venv (``python -m sitroom``). Both share one demo-kit cache (generated first, so neither run
pays for it) and run alternately, one untimed run of each first (the page cache is warm for both: a cold
start from disk depends on the disk more than on the build). Each figure is the median of ``--runs`` (3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import common

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 400.0
GOAL_RATIO = 1.2


def find_app(given: Path | None) -> Path:
    if given is not None:
        return given
    import sitroom

    apps = sorted((ROOT / "dist").glob(f"sitroom-{sitroom.__version__}-linux-*"))
    if not apps or not (apps[-1] / "sitroom").is_file():
        raise SystemExit("bench package: no dist/sitroom-VERSION-linux-*/sitroom: run packaging/build first")
    return apps[-1]


def _size(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def space(app: Path) -> list[tuple[str, int]]:
    """What takes the space: each top-level entry of ``_internal`` (Qt split into its parts), largest first;
    entries under 2 MB are summed as "the rest"."""
    internal = app / "_internal"
    parts: dict[str, int] = {}
    for entry in internal.iterdir():
        if entry.name == "PySide6":
            qt = entry / "Qt"
            for sub in ("lib", "plugins", "translations"):
                if (qt / sub).exists():
                    parts[f"Qt {sub} (PySide6/Qt/{sub})"] = _size(qt / sub)
            parts["PySide6 bindings"] = _size(entry) - sum(_size(qt / s) for s in ("lib", "plugins", "translations")
                                                           if (qt / s).exists())
        else:
            parts[entry.name] = _size(entry)
    parts["sitroom (the binary)"] = _size(app / "sitroom")
    parts["licenses"] = _size(app / "licenses") if (app / "licenses").exists() else 0
    rest = sum(v for v in parts.values() if v < 2_000_000)
    big = sorted(((k, v) for k, v in parts.items() if v >= 2_000_000), key=lambda kv: -kv[1])
    return [*big, (f"the rest ({sum(1 for v in parts.values() if v < 2_000_000)} entries)", rest)]


def start(cmd: list[str], cache: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="sitroom-bench-config-") as cfg:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SITROOM_CONFIG=cfg, SITROOM_CACHE=cache,
                   PYTHONUNBUFFERED="1")
        done = subprocess.run([*cmd, "demo", "--exit-when-live", "1", "--exit-after", "90", "--stats"], env=env,
                              capture_output=True, text=True, timeout=240, cwd=cfg)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} demo exited {done.returncode}:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def main(argv: list[str]) -> dict:
    p = common.parser("package", __doc__.splitlines()[0])
    p.add_argument("--app", type=Path, help="the one-folder app (default: dist/sitroom-VERSION-linux-*)")
    p.add_argument("--runs", type=int, default=None, help="timed runs of each (default 3; quick 1)")
    args = p.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    app = find_app(args.app)
    debs = sorted(app.parent.glob("sitroom_*.deb"))
    installed = _size(app)
    deb = debs[-1].stat().st_size if debs else None

    common.heading(f"package: {app.name}, installed {installed / 1e6:.1f} MB"
                   + (f", {debs[-1].name} {deb / 1e6:.1f} MB" if deb else ", no .deb beside it"))
    table = space(app)
    common.say(f"  {'what':<44} {'MB':>7} {'share':>6}")
    for name, size in table:
        common.say(f"  {name:<44} {size / 1e6:7.1f} {size / installed:6.1%}")
    common.say(f"  installed: {installed / 1e6:.1f} MB (goal ≤ {GOAL_MB:g} MB: "
               f"{common.check_at_most(installed / 1e6, GOAL_MB)})")

    with tempfile.TemporaryDirectory(prefix="sitroom-bench-cache-") as cache:
        os.environ["SITROOM_CACHE"] = cache
        common.load_city()  # the venv makes the demo kit the installed build then finds under the same key
        venv_cmd, app_cmd = [sys.executable, "-m", "sitroom"], [str(app / "sitroom")]
        start(venv_cmd, cache), start(app_cmd, cache)  # untimed: warm the page cache for both
        venv, frozen = [], []
        for i in range(runs):
            venv.append(start(venv_cmd, cache)["first_live_frame_s"])
            frozen.append(start(app_cmd, cache)["first_live_frame_s"])
            common.say(f"  run {i + 1}: first live frame, venv {venv[-1]:.2f} s | installed build {frozen[-1]:.2f} s")
    v, f = common.median(venv), common.median(frozen)
    ratio = common.ratio(f, v)
    common.say(f"  first live frame: installed {f:.2f} s against the venv's {v:.2f} s (baseline) = {ratio:.2f}× "
               f"(goal ≤ {GOAL_RATIO:g}×: {common.check_at_most(ratio, GOAL_RATIO)})")
    return {
        "benchmark": "package",
        "quick": args.quick,
        "runs": runs,
        "installed_mb": installed / 1e6,
        "deb_mb": None if deb is None else deb / 1e6,
        "largest": {name: round(size / 1e6, 1) for name, size in table[:8]},
        "first_live_frame_s": f,
        "baseline_venv_first_live_frame_s": v,
        "ratio_vs_venv": ratio,
        "goal_mb": GOAL_MB,
        "goal_ratio": GOAL_RATIO,
        "size_goal_met": installed / 1e6 <= GOAL_MB,
        "startup_goal_met": bool(ratio <= GOAL_RATIO),
    }


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
