"""Cameras: what a full 4×4 video wall costs the control room, against decoding on the GUI thread.

16 cameras × 10 fps of 640×480 JPEG come from the demo CCTV backend (``sitroom sim cctv``, frames rendered
once and cycled so the sender's drawing does not compete) and 3,000 vehicles from the demo AVL backend, both
processes of their own. The receiving side is the real window (a ``MainWindow`` on a ``LiveSession`` of the
demo city, offscreen, 1600×1000) with its video wall dock filled 4×4. Three phases of the same length:

- *no wall*: the wall empty (nothing subscribed): the cost of the map and the vehicles alone;
- *wall*: the 16 cameras on the wall, decoded on the hub's threads at the tile's size (libjpeg scaling in
  the DCT), newest frame wins;
- *naive*: the same wall, each frame decoded at full size on the GUI thread (once per frame of the window's
  30 Hz loop, every frame waiting) and scaled when painted.

CPU is the process's (every thread) over each phase; a wall's cost is its phase's CPU minus the no-wall
phase's, in cores; per tile, that over 16. Frame age is the time from the sender's timestamp (same machine,
same clock) to the window taking the picture for the paint that shows it, over every picture shown. The
map's frame time is the canvas's (snapshot and paint) while the full wall runs beside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common

GOAL_CORES = 1.0
GOAL_AGE_P99_MS = 200.0
GOAL_MAP_MS = 33.0
ROOT = Path(__file__).resolve().parents[1]


def _spawn(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sitroom", "sim", *args, "--parent-pid", str(os.getpid())],
                            cwd=ROOT, stdin=subprocess.DEVNULL)


def _run_phase(app, window, seconds: float, ages: list[float]) -> tuple[float, float, list[float]]:
    """(CPU seconds of the whole process, wall seconds, canvas frame times) over ``seconds`` of the event loop."""
    stats = window.canvas.stats
    before = len(stats.frame_ms)
    ages.clear()
    cpu0, t0 = time.process_time(), time.monotonic()
    while time.monotonic() - t0 < seconds:
        app.processEvents()
        time.sleep(0.002)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
    return cpu, wall, list(stats.frame_ms)[before:]


def main(argv: list[str]) -> dict:
    p = common.parser("cctv", __doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=None, help="measured seconds per phase (default 15; quick 3)")
    p.add_argument("--tiles", type=int, default=16, help="cameras on the wall (default 16: 4×4)")
    p.add_argument("--fps", type=float, default=10.0)
    p.add_argument("--size", default="640x480", help="frame size (default 640x480)")
    p.add_argument("--vehicles", type=int, default=3000)
    p.add_argument("--decoders", type=int, default=None, help="decoder threads (default: the app's, 2)")
    args = p.parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 15.0)
    app = common.qt_app()

    from sitroom.app.capabilities.cameras import cameras_of
    from sitroom.app.core.room import Room
    from sitroom.app.core.session import LiveSession
    from sitroom.app.main_window import MainWindow
    from sitroom.services.feeds.client import FeedConfig
    from sitroom.services.video import wire
    from sitroom.widgets.video.decoder import qt_decode

    if args.decoders:
        from sitroom.app import cameras_ui

        cameras_ui.DECODER_THREADS = args.decoders
    kit = common.load_city()
    run_dir = Path(tempfile.mkdtemp(prefix="sitroom-bench-cctv-"))
    cctv_ep, avl_ep = f"ipc://{run_dir}/cctv.sock", f"ipc://{run_dir}/avl.sock"
    procs = [_spawn(["cctv", "--endpoint", cctv_ep, "--cameras", str(args.tiles), "--fps", f"{args.fps},{args.fps}",
                     "--size", args.size, "--no-faults", "--prerender", "30"]),
             _spawn(["avl", "--endpoint", avl_ep, "--vehicles", str(args.vehicles)])]
    window = None
    try:
        session = LiveSession(kit, [FeedConfig("avl", avl_ep), FeedConfig("cctv", cctv_ep, (wire.CAM_TOPIC,))])
        window = MainWindow(Room(session), language="en")
        window.resize(1600, 1000)
        window.show()
        window.start()
        cams = cameras_of(session)
        hub, wall = cams.hub, window.cameras.wall
        decoders = len(hub._threads)
        window.cameras.dock.setFloating(True)  # a wall the size of a second screen's quarter
        window.cameras.dock.resize(1280, 960)
        ages: list[float] = []

        def shown(pic) -> None:
            cams.frames_shown += 1
            ages.append(time.time() * 1000 - pic.ts_ms)

        wall.on_shown = shown
        deadline = time.monotonic() + 60
        while (len(cams.layer) < args.tiles or session.vehicles.n < args.vehicles) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        cameras = sorted(c.id for c in cams.layer.cameras)[: args.tiles]
        common.heading(f"cctv: {len(cameras)} cameras × {args.fps:g} fps of {args.size} JPEG, "
                       f"{session.vehicles.n} vehicles; {seconds:g} s per phase")
        wall.clear()
        _run_phase(app, window, 2.0, ages)  # settle
        cpu_none, t_none, plain_frames = _run_phase(app, window, seconds, ages)

        wall.fill(cameras)
        deadline = time.monotonic() + 30
        while not all(t.state.value == "live" for t in wall.visible_tiles()) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        live = sum(t.state.value == "live" for t in wall.visible_tiles())
        _run_phase(app, window, 1.0, ages)
        shown_before = cams.frames_shown
        cpu_wall, t_wall, map_frames = _run_phase(app, window, seconds, ages)
        wall_ages = list(ages)
        shown_wall = cams.frames_shown - shown_before
        tile_px = wall.tiles[0].draw_size()

        # The naive baseline: the GUI thread decodes every waiting frame at full size, each frame of the loop.
        hub.pause_decoders(True)

        def naive(_moment) -> None:
            hub.decode_pending(lambda data, _size: qt_decode(data, None))

        window.loop.sig_frame.connect(naive)
        _run_phase(app, window, 1.0, ages)
        shown_before = cams.frames_shown
        cpu_naive, t_naive, naive_frames = _run_phase(app, window, seconds, ages)
        naive_ages = list(ages)
        shown_naive = cams.frames_shown - shown_before
        window.loop.sig_frame.disconnect(naive)
        hub.pause_decoders(False)
    finally:
        if window is not None:
            window.close()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(run_dir, ignore_errors=True)

    base = cpu_none / t_none
    wall_cores = max(cpu_wall / t_wall - base, 0.0)
    naive_cores = max(cpu_naive / t_naive - base, 0.0)
    n = max(len(cameras), 1)
    age_p99 = common.percentile(wall_ages, 99)
    naive_age_p99 = common.percentile(naive_ages, 99)
    map_ms = common.median(map_frames)
    map_p99 = common.percentile(map_frames, 99)
    common.say(f"tiles live: {live}/{len(cameras)}, each drawn at {tile_px[0]}×{tile_px[1]} px")
    common.say(f"no wall: {base:.3f} cores (map, {session.vehicles.n} vehicles, feeds)")
    common.say(f"wall: +{wall_cores:.3f} cores ({wall_cores / n * 1000:.1f} millicores per tile), "
               f"{shown_wall / t_wall:.0f} pictures/s shown, frame age p50 {common.median(wall_ages):.0f} ms, "
               f"p99 {age_p99:.0f} ms  [{common.check_at_most(wall_cores, GOAL_CORES)} ≤ {GOAL_CORES:g} core; "
               f"{common.check_at_most(age_p99, GOAL_AGE_P99_MS)} ≤ {GOAL_AGE_P99_MS:g} ms]")
    common.say(f"naive: +{naive_cores:.3f} cores ({naive_cores / n * 1000:.1f} millicores per tile), "
               f"{shown_naive / t_naive:.0f} pictures/s shown, frame age p50 {common.median(naive_ages):.0f} ms, "
               f"p99 {naive_age_p99:.0f} ms")
    common.say(f"map with the wall: {map_ms:.1f} ms per frame median, p99 {map_p99:.1f} ms "
               f"[{common.check_at_most(map_ms, GOAL_MAP_MS)} ≤ {GOAL_MAP_MS:g} ms]; without a wall "
               f"{common.median(plain_frames):.1f} ms; beside the naive wall {common.median(naive_frames):.1f} ms")
    return {
        "benchmark": "cctv", "quick": bool(args.quick), "tiles": len(cameras), "tiles_live": live,
        "fps": args.fps, "frame_size": args.size, "vehicles": int(session.vehicles.n), "seconds": seconds,
        "base_cores": base, "wall_cores": wall_cores, "cpu_per_tile_cores": wall_cores / n,
        "frame_age_p50_ms": common.median(wall_ages), "frame_age_p99_ms": age_p99,
        "pictures_per_s": shown_wall / t_wall,
        "naive_cores": naive_cores, "naive_cpu_per_tile_cores": naive_cores / n,
        "naive_frame_age_p99_ms": naive_age_p99, "naive_pictures_per_s": shown_naive / t_naive,
        "speedup_vs_naive": common.ratio(naive_cores, wall_cores),
        "map_frame_ms": map_ms, "map_frame_p99_ms": map_p99, "map_frame_ms_no_wall": common.median(plain_frames),
        "naive_map_frame_ms": common.median(naive_frames),
        "tile_px": f"{tile_px[0]}x{tile_px[1]}", "decoders": decoders, "frames_shown_total": cams.frames_shown,
    }
