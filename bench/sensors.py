"""Sensors: what 10,000 facility sensors read once a second cost the control room, against plotting the naive way.

1. **Apply**: readings taken into the facility monitor (health rules, history, limits, alarms) in frame-sized
   batches, headless: readings per CPU second.
2. **The window**: a ``MainWindow`` on the demo city, offscreen, its only feed the sensor publisher (a
   separate process: ``python -m bench.sensors --publish``, the demo backend's signals plus an alarm every
   ``--alarm-every`` seconds, a smoke detector crossing its limit). Facility panels holding 20 plots between
   them are opened, each floating and large enough for all its plots to be on screen. The GUI thread's CPU
   time is measured over the wall time, first with the window settled at rest (before the publisher starts),
   then with the sensors: ``core_share_10k`` is what they add, ``gui_core_share_total`` the whole
   (``process_share_10k`` includes the feed thread's decoding). ``alarm_on_screen_*`` is, per alarm raised,
   the time from the reading that raised it (its source time) to the alarm listed on screen.
3. **Plots against the naive way**, about 20 plots and their curves, large, all on screen: ours updated from
   the history once a second (arrays updated in place, one path per curve); the baseline calls ``setData``
   on every curve with its whole history (an hour) for each reading. ``speedup_vs_naive``: the naive CPU
   time over ours.
4. **The map**: a full repaint (caches invalidated) of the demo city's basemap and facilities (many of them in
   alarm, with badges) at city extent and at street zoom (buildings drawn, facilities' buildings shaded).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

import numpy as np

from bench import common

GOAL_CORE_SHARE = 0.10
GOAL_P99_MS = 1000.0
GOAL_FRAME_MS = 33.0
PLOTS = 20
NAIVE_HISTORY_S = 3600


# ---------------------------------------------------------------- the publisher (a process of its own)


def publish(endpoint: str, sensors: int, seconds: float, alarm_every: float) -> None:
    """The demo backend's readings, and a smoke detector crossing its alarm limit every ``alarm_every`` s."""
    from sitroom.services.facilities import wire
    from sitroom.services.feeds.protocol import Kind, snapshot_endpoint
    from sitroom.services.feeds.publisher import Publisher
    from sitroom.services.sim.sensors import SensorSim

    kit = common.load_city()
    sim = SensorSim(kit, sensors, seed=5)
    pub = Publisher(endpoint, "bench-sensors", snapshot=snapshot_endpoint(endpoint))
    for i in range(len(sim.facilities)):
        pub.send_map(wire.FACILITY_TOPIC, wire.FACILITY_KIND, sim.metadata(i))
    topics = [wire.readings_topic(f.id) for f in sim.facilities]
    smoke = np.flatnonzero(sim.kind == "smoke")
    rng = np.random.default_rng(1)
    raised: dict[int, float] = {}
    start = time.monotonic()
    next_alarm = start + 3.0
    tick = start
    while time.monotonic() - start < seconds:
        now = time.monotonic()
        if now >= next_alarm and len(smoke):
            row = int(rng.choice(smoke))
            raised[row] = now
            next_alarm = now + alarm_every
        for row, since in list(raised.items()):
            sim.offset[row] = 5.0 if now - since < 4.0 else 0.0
            if now - since >= 4.0:
                del raised[row]
        rec, on = sim.step(time.time())
        bounds = np.searchsorted(sim.fac[on], np.arange(len(sim.facilities) + 1))
        for i, topic in enumerate(topics):
            part = rec[bounds[i]:bounds[i + 1]]
            if len(part):
                pub.send_records(topic, Kind.SENSOR, part)
        pub.heartbeat()
        tick += 1.0
        while time.monotonic() < tick:
            pub.heartbeat()
            time.sleep(min(0.05, max(0.0, tick - time.monotonic())))
    pub.close()


# ---------------------------------------------------------------- 1. apply


def apply_rate(kit, sensors: int, seconds: int) -> dict:
    from sitroom.services.facilities.monitor import FacilityMonitor
    from sitroom.services.sim.sensors import SensorSim

    sim = SensorSim(kit, sensors, seed=7)
    monitor = FacilityMonitor()
    for i in range(len(sim.facilities)):
        monitor.describe(sim.metadata(i), 0.0, 0.0, now_ms=0)
    wall = 1_750_000_000.0
    frames = 30
    cpu = 0.0
    for s in range(seconds):
        rec, _on = sim.step(wall + s)
        parts = np.array_split(rec, frames)  # what one frame's pump takes in
        t0 = time.process_time()
        for f, part in enumerate(parts):
            now = int((wall + s + f / frames) * 1000)
            monitor.readings_in(part, now)
            if f % 8 == 0:
                monitor.tick(now)
        cpu += time.process_time() - t0
    return {"readings_per_s": monitor.readings / cpu if cpu else math.nan, "apply_cpu_per_s": cpu / seconds,
            "history_mb": monitor.history.nbytes / 1e6}


# ---------------------------------------------------------------- 2. the window


def window_run(app, kit, sensors: int, seconds: float, alarm_every: float, work: str) -> dict:
    from PySide6 import QtCore

    from sitroom.app.capabilities.facilities import monitor_of
    from sitroom.app.core.room import Room
    from sitroom.app.core.session import LiveSession
    from sitroom.app.main_window import MainWindow
    from sitroom.services.facilities.wire import FACILITY_TOPIC
    from sitroom.services.feeds.client import FeedConfig
    from sitroom.services.feeds.protocol import Topic

    endpoint = f"ipc://{work}/sensors.sock"
    session = LiveSession(kit, [FeedConfig("sensors", endpoint, (FACILITY_TOPIC, Topic.SENSOR_PREFIX))])
    window = MainWindow(Room(session), language="en")
    window.resize(1600, 1000)
    window.show()
    window.start()

    def measure(s: float) -> tuple[float, float, float]:
        loop = QtCore.QEventLoop()
        QtCore.QTimer.singleShot(int(s * 1000), loop.quit)
        t_wall, t_gui, t_proc = time.monotonic(), time.thread_time(), time.process_time()
        loop.exec()
        return time.monotonic() - t_wall, time.thread_time() - t_gui, time.process_time() - t_proc

    # The same window before any sensor speaks, once it has settled: what it costs at rest (frames, panels, its
    # other docks).
    measure(3.0)
    idle_wall, idle_gui, _ = measure(min(seconds / 2, 20.0))
    pub = subprocess.Popen([sys.executable, "-m", "bench.sensors", "--publish", endpoint, "--sensors", str(sensors),
                            "--seconds", str(seconds + 60), "--alarm-every", str(alarm_every)],
                           env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    monitor = monitor_of(session)
    latencies: list[float] = []

    def heard(alarm, action: str, who: str, detail: str) -> None:
        if action == "shown" and alarm.reading_ms:
            latencies.append(alarm.shown_ms - alarm.reading_ms)

    monitor.engine.listeners.append(heard)
    deadline = time.monotonic() + 60
    while monitor.stats()["sensors"] < sensors * 0.99 or monitor.readings < sensors:
        app.processEvents()
        time.sleep(0.01)
        if time.monotonic() > deadline:
            raise RuntimeError("the sensor publisher did not come up")
    # Facilities whose panels hold 20 plots between them (a plot per kind of sensor).
    kinds = {f.id: len({monitor.catalog.info[r].kind for r in f.sensors})
             for f in monitor.catalog.facilities.values() if f.sensors}
    plots = 0
    for fid in pick_plots(kinds, PLOTS):
        panel = window.facilities.open_facility(fid)
        plots += len(panel.plots)
        dock = window.facilities.panels[fid]
        dock.setFloating(True)  # big enough for every plot of it to be on screen, and drawn
        dock.resize(700, 120 + 260 * len(panel.plots))
    app.processEvents()
    window.stats.frame_ms.clear()
    latencies.clear()
    readings0 = monitor.readings
    wall, gui, proc = measure(seconds)
    out = {"plots": plots, "window_s": wall, "core_share": gui / wall, "process_share": proc / wall,
           "idle_core_share": idle_gui / idle_wall, "sensor_core_share": gui / wall - idle_gui / idle_wall,
           "readings_in_window": monitor.readings - readings0, "alarms_measured": len(latencies),
           "alarm_on_screen_p50_ms": common.percentile(latencies, 50),
           "alarm_on_screen_p99_ms": common.percentile(latencies, 99),
           "window_frame_median_ms": common.median(window.stats.frame_ms),
           "decode_errors": session.decode_errors(), "facilities": len(monitor.catalog.facilities)}
    window.close()
    import shiboken6

    shiboken6.delete(window)  # now, not at the interpreter's exit (see app/gui.py run_control_room)
    pub.terminate()
    pub.wait(10)
    return out


def pick_plots(kinds: dict[str, int], want: int) -> list[str]:
    """Facilities (most kinds first) whose plots add up to ``want`` exactly when some do, else as near below."""
    ids = sorted(kinds, key=lambda f: -kinds[f])
    best: list[str] = []

    def search(i: int, chosen: list[str], total: int) -> bool:
        nonlocal best
        if total > sum(kinds[f] for f in best):
            best = list(chosen)
        if total == want:
            return True
        seen: set[int] = set()
        for j in range(i, len(ids)):
            k = kinds[ids[j]]
            if k in seen or total + k > want or len(chosen) >= 6:
                continue
            seen.add(k)
            if search(j + 1, [*chosen, ids[j]], total + k):
                return True
        return False

    search(0, [], 0)
    return best


# ---------------------------------------------------------------- 3. plots, ours and naive


def plot_costs(app, kit, seconds: int) -> dict:
    import pyqtgraph as pg
    from PySide6 import QtWidgets

    from sitroom.services.facilities.monitor import FacilityMonitor
    from sitroom.services.sim.sensors import SensorSim
    from sitroom.widgets.facility_panel import FacilityPanel

    sim = SensorSim(kit, 10_000, seed=9)
    monitor = FacilityMonitor()
    for i in range(len(sim.facilities)):
        monitor.describe(sim.metadata(i), 0.0, 0.0, now_ms=0)
    wall0 = time.time() - NAIVE_HISTORY_S
    for s in range(0, NAIVE_HISTORY_S, 5):  # an hour of history behind the plots
        rec, _on = sim.step(wall0 + s)
        monitor.readings_in(rec, int((wall0 + s) * 1000))
    host = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(host)
    panels = []
    plots = 0
    for f in sorted(monitor.catalog.facilities.values(), key=lambda f: -len(f.sensors)):
        if plots >= PLOTS:
            break
        panel = FacilityPanel(lambda: monitor, f.id)
        panel.refresh(int(time.time() * 1000))
        panel.setMinimumHeight(120 + 360 * len(panel.plots))  # every plot of it on screen
        layout.addWidget(panel)
        panels.append(panel)
        plots += len(panel.plots)
    host.resize(1200, sum(panel.minimumHeight() for panel in panels))
    host.show()
    app.processEvents()
    curves = [(p, c) for panel in panels for p in panel.plots for c in p.curves]

    # Ours: only the plot work is timed (the apply is the same for both and measured in part 1).
    cpu_ours = 0.0
    for s in range(seconds):
        now = time.time() + s
        rec, _on = sim.step(now)
        monitor.readings_in(rec, int(now * 1000))
        t1 = time.thread_time()
        for _half in range(2):
            for panel in panels:
                panel.refresh(int(now * 1000))
            app.processEvents()
        cpu_ours += time.thread_time() - t1
    sizes = [len(plot.curves) for panel in panels for plot in panel.plots]
    host.close()
    # Naive, on plots of the same size with the same curves: every curve, for each of its readings, is given
    # its whole history again (an hour at 1 Hz), absolute times, pyqtgraph's auto-range.
    naive_host = QtWidgets.QWidget()
    naive_layout = QtWidgets.QVBoxLayout(naive_host)
    naive: list = []
    for k, n_curves in enumerate(sizes):
        widget = pg.PlotWidget()
        widget.setMinimumHeight(330)
        naive_layout.addWidget(widget)
        for c in range(n_curves):
            rng = np.random.default_rng(k * 100 + c)
            x = np.arange(NAIVE_HISTORY_S, dtype=np.float64) + wall0
            naive.append([widget.plot(x, rng.normal(size=NAIVE_HISTORY_S), pen=pg.mkPen("#4fb3ff")), x,
                          rng.normal(size=NAIVE_HISTORY_S)])
    naive_host.resize(1200, 360 * len(sizes))
    naive_host.show()
    app.processEvents()
    cpu_naive = 0.0
    for s in range(seconds):
        t1 = time.thread_time()
        for entry in naive:
            curve, x, y = entry
            entry[1] = x = np.append(x, wall0 + NAIVE_HISTORY_S + s)
            entry[2] = y = np.append(y, 0.0)
            curve.setData(x, y)
            app.processEvents()
        cpu_naive += time.thread_time() - t1
    naive_host.close()
    return {"plot_plots": plots, "plot_curves": len(curves), "plot_ms_per_s": 1000 * cpu_ours / seconds,
            "naive_ms_per_s": 1000 * cpu_naive / seconds, "speedup_vs_naive": common.ratio(cpu_naive, cpu_ours)}


# ---------------------------------------------------------------- 4. the map


def map_frames(app, kit, frames: int) -> dict:
    from sitroom.layers.base import Moment
    from sitroom.layers.basemap import BasemapLayer
    from sitroom.layers.facilities import FacilityLayer
    from sitroom.services.alarms.model import AlarmSpec
    from sitroom.services.facilities.monitor import FacilityMonitor
    from sitroom.services.sensors.catalog import FacilityInfo

    monitor = FacilityMonitor()
    monitor.place([FacilityInfo(f.id, f.kind, f.name, f.x, f.y, footprint=f.footprint) for f in kit.facilities])
    for i, f in enumerate(kit.facilities[::2]):  # half of them in alarm, several alarms each
        for j in range(1 + i % 4):
            monitor.engine.condition(AlarmSpec(f"S{i * 10 + j}:alarm_hi", f.id, i * 10 + j, "alarm_hi", "co",
                                               1 + j % 4), True, 0)
    basemap, facilities = BasemapLayer(kit), FacilityLayer(monitor, kit.footprints)
    scene = common.CanvasScene(app, kit, [basemap, facilities])
    base_item, item = scene.items
    with_buildings = [f for f in kit.facilities if f.footprint >= 0]
    street = (with_buildings[0].x, with_buildings[0].y) if with_buildings else None
    out = {}
    for zoom, centre, width in (("city", None, 0.0), ("street", street, 1500.0)):
        scene.view(centre, width)
        times = []
        for k in range(frames + 2):
            t0 = time.perf_counter()
            item.refresh(Moment(time.monotonic(), 0))
            for it in (base_item, *base_item.overlays, item):
                it.update()
            scene.paint()
            if k >= 2:
                times.append((time.perf_counter() - t0) * 1000)
        out[f"map_frame_ms_{zoom}"] = common.median(times)
        out[f"badges_{zoom}"] = item.badges
        out[f"buildings_cells_{zoom}"] = base_item.buildings_drawn
    scene.close()
    out["map_frame_ms"] = max(out["map_frame_ms_city"], out["map_frame_ms_street"])
    return out


# ---------------------------------------------------------------- main


def main(argv: list[str]) -> dict:
    p = common.parser("sensors", __doc__.splitlines()[0])
    p.add_argument("--sensors", type=int, default=None, help="sensors read once a second (default 10000; quick 2000)")
    p.add_argument("--seconds", type=float, default=None, help="the window's measured run (default 60; quick 8)")
    p.add_argument("--alarm-every", type=float, default=None, help="a smoke alarm every so many seconds (default 2)")
    p.add_argument("--publish", metavar="ENDPOINT", help=argparse_hidden())
    args = p.parse_args(argv)
    sensors = args.sensors or (2000 if args.quick else 10_000)
    seconds = args.seconds or (8.0 if args.quick else 60.0)
    alarm_every = args.alarm_every or 2.0
    if args.publish:
        publish(args.publish, sensors, seconds, alarm_every)
        return {"benchmark": "sensors-publisher"}
    app = common.qt_app()
    kit = common.load_city()
    import tempfile

    work = tempfile.mkdtemp(prefix="sitroom-bench-sensors-")
    common.heading(f"sensors: {sensors:,} sensors at 1 Hz on the demo city's {len(kit.facilities)} facilities")
    a = apply_rate(kit, sensors, 5 if args.quick else 30)
    common.say(f"  apply: {a['readings_per_s']:,.0f} readings per CPU second ({a['apply_cpu_per_s'] * 100:.2f}% of a "
               f"core at 1 Hz); history kept: {a['history_mb']:.0f} MB")
    w = window_run(app, kit, sensors, seconds, alarm_every, work)
    common.say(f"  window, {w['window_s']:.0f} s with {w['plots']} plots on screen: GUI thread "
               f"{w['core_share'] * 100:.1f}% of a core (at rest before the sensors: "
               f"{w['idle_core_share'] * 100:.1f}%; "
               f"the sensors' share {w['sensor_core_share'] * 100:.1f}%), whole process "
               f"{w['process_share'] * 100:.1f}% (goal ≤ {GOAL_CORE_SHARE * 100:.0f}% for the sensors: "
               f"{common.check_at_most(w['sensor_core_share'], GOAL_CORE_SHARE)})")
    common.say(f"  reading → alarm on screen: p50 {w['alarm_on_screen_p50_ms']:.0f} ms, p99 "
               f"{w['alarm_on_screen_p99_ms']:.0f} ms over {w['alarms_measured']} alarms (goal p99 ≤ "
               f"{GOAL_P99_MS:.0f} ms: {common.check_at_most(w['alarm_on_screen_p99_ms'], GOAL_P99_MS)})")
    pc = plot_costs(app, kit, 3 if args.quick else 15)
    common.say(f"  {pc['plot_plots']} plots, {pc['plot_curves']} curves: ours {pc['plot_ms_per_s']:.1f} ms per second, "
               f"naive (whole history per reading) {pc['naive_ms_per_s']:.1f} ms → {pc['speedup_vs_naive']:.1f}×")
    m = map_frames(app, kit, 3 if args.quick else 15)
    met = common.check_at_most(m["map_frame_ms"], GOAL_FRAME_MS)
    common.say(f"  map frame (full repaint): city {m['map_frame_ms_city']:.1f} ms, street "
               f"{m['map_frame_ms_street']:.1f} ms (goal ≤ {GOAL_FRAME_MS:.0f} ms: {met})")
    result = {"benchmark": "sensors", "quick": args.quick, "sensors": sensors, "facilities": w["facilities"],
              # What the sensors cost the GUI thread: its share of a core with them, less the same window's at rest.
              "readings_per_s": a["readings_per_s"], "core_share_10k": w["sensor_core_share"],
              "gui_core_share_total": w["core_share"], "idle_core_share": w["idle_core_share"],
              "process_share_10k": w["process_share"], "plots": w["plots"],
              "alarm_on_screen_p50_ms": w["alarm_on_screen_p50_ms"],
              "alarm_on_screen_p99_ms": w["alarm_on_screen_p99_ms"], "alarms_measured": w["alarms_measured"],
              "map_frame_ms": m["map_frame_ms"], "map_frame_ms_city": m["map_frame_ms_city"],
              "map_frame_ms_street": m["map_frame_ms_street"], "speedup_vs_naive": pc["speedup_vs_naive"],
              "plot_ms_per_s": pc["plot_ms_per_s"], "naive_ms_per_s": pc["naive_ms_per_s"],
              "history_mb": a["history_mb"], "decode_errors": w["decode_errors"],
              "goal_core_share": GOAL_CORE_SHARE, "goal_alarm_on_screen_p99_ms": GOAL_P99_MS,
              "goal_map_frame_ms": GOAL_FRAME_MS}
    return result


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
