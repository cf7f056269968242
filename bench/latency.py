"""Latency: from a publisher's send to the painted frame showing it, at the TOPIS taxi load.

72,000 taxis report every 2 s, half of them each second: 36,000 updates/s in 2048-record messages, sent by a
publisher process in one burst per second as the demo AVL backend sends them (``--even`` spreads each
second's messages over the second). The receiving side is the real application: a ``MainWindow`` on a
``LiveSession`` of the demo city, offscreen, painting from its own 30 Hz frame timer.

Clocks: the publisher writes each message's send time (``time.monotonic()``, CLOCK_MONOTONIC, shared by every
process on a Linux machine) into a shared array indexed by the message's ``seq``, just before encoding it.
The window side notes, per ``seq``:

- *received*: the feed client's own receive time, taken right after ``recv_multipart`` (the ``now`` it hands
  to ``FeedHealth.accept``);
- *painted*: the end of the first canvas ``paintEvent`` after the frame whose ``pump`` applied it (that frame
  snapshots the vehicle layer before it returns, so that paint shows the message).

Latency per update is painted − sent; the baseline, on the same messages, is the socket transit alone,
received − sent. Percentiles are over updates (a message's records share its latency). The first seconds
(warm-up, every vehicle new) are left out.
"""

from __future__ import annotations

import math
import shutil
import time

import numpy as np

from bench import common
from bench.publishers import PacedLink, endpoint_for, paced_publisher, spawn_context
from sitroom.services.vocabulary import VehicleType

GOAL_P99_MS = 100.0
CHUNK = 2048


def _records(n: int) -> np.ndarray:
    """n taxis on the demo city's roads (an all-taxi demo fleet; statuses vacant/occupied)."""

    from sitroom.services.sim.fleet import FleetSim

    sim = FleetSim(common.load_city(), n + 2000)
    rows = np.flatnonzero(sim.fleet.type == VehicleType.TAXI)
    if len(rows) < n:  # the demo fleet is 70% taxis: top up with buses re-labelled as taxis
        rows = np.concatenate([rows, np.flatnonzero(sim.fleet.type == VehicleType.BUS)])
    recs = sim.records(rows[:n], 0)
    recs["type"] = VehicleType.TAXI
    return recs


def _timed_window(session):
    """The main window, built with a canvas that reports the end of each paintEvent."""
    from sitroom.app import main_window
    from sitroom.app.core.room import Room
    from sitroom.widgets.map.canvas import MapCanvas

    class TimedCanvas(MapCanvas):
        on_painted = None

        def paintEvent(self, ev) -> None:
            super().paintEvent(ev)
            if self.on_painted is not None:
                self.on_painted()

    original = main_window.MapCanvas
    main_window.MapCanvas = TimedCanvas
    try:
        window = main_window.MainWindow(Room(session), language="en")
    finally:
        main_window.MapCanvas = original
    return window


def main(argv: list[str]) -> dict:
    p = common.parser("latency", __doc__.splitlines()[0])
    p.add_argument("--vehicles", type=int, default=72_000, help="fleet size (default 72000)")
    p.add_argument("--every", type=int, default=2, help="seconds between a vehicle's reports (default 2)")
    p.add_argument("--seconds", type=float, default=None, help="measured seconds (default 20; quick 5)")
    p.add_argument("--warmup", type=float, default=None, help="seconds left out first (default 3; quick 1)")
    p.add_argument("--even", action="store_true", help="spread each second's messages over the second")
    p.add_argument("--transport", choices=("ipc", "tcp"), default="ipc")
    args = p.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else (5.0 if args.quick else 20.0)
    warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 3.0)
    rate = args.vehicles / args.every

    app = common.qt_app()
    from PySide6 import QtCore

    from sitroom.app.core.session import LiveSession
    from sitroom.services.feeds.client import FeedConfig
    from sitroom.services.feeds.protocol import Topic

    kit = common.load_city()
    common.heading(f"latency: {args.vehicles:,} vehicles reporting every {args.every} s ({rate:,.0f} updates/s) in "
                   f"{CHUNK}-record messages, {'even' if args.even else 'one burst per second'}, {args.transport}; "
                   f"{seconds:g} s measured after {warmup:g} s warm-up")
    records = _records(args.vehicles)
    msgs_per_tick = math.ceil(math.ceil(args.vehicles / args.every) / CHUNK)
    max_messages = int((seconds + warmup + 10) * msgs_per_tick) + 64

    ctx = spawn_context()
    endpoint, tmpdir = endpoint_for(args.transport)
    link = PacedLink.create(ctx, max_messages)
    proc = ctx.Process(target=paced_publisher, name="bench-latency-publisher",
                       args=(endpoint, records, args.every, CHUNK, args.even, link), daemon=True)
    proc.start()

    session = LiveSession(kit, [FeedConfig("avl", endpoint, (Topic.AVL,))])
    health = session.client.health[0]
    received = np.full(max_messages + 1, np.nan)
    drained = np.full(max_messages + 1, np.nan)
    painted = np.full(max_messages + 1, np.nan)
    counts = np.zeros(max_messages + 1, dtype=np.int64)
    applied_not_painted: list[int] = []
    paint_ms: list[float] = []

    accept = health.accept

    def timed_accept(topic, env, now, nbytes, n_records):  # socket thread
        ok = accept(topic, env, now, nbytes, n_records)
        if ok and topic == Topic.AVL and env.seq <= max_messages:
            received[env.seq] = now
            counts[env.seq] = n_records
        return ok

    health.accept = timed_accept
    drain = session.client.drain

    def timed_drain(limit=None):  # GUI thread, inside LiveSession.pump: all of it is applied right after
        out = drain(limit)
        t = time.monotonic()
        for d in out:
            if d.message.topic == Topic.AVL and d.message.env.seq <= max_messages:
                drained[d.message.env.seq] = t
                applied_not_painted.append(d.message.env.seq)
        return out

    session.client.drain = timed_drain
    window = _timed_window(session)
    canvas = window.canvas

    def on_painted() -> None:
        t = time.monotonic()
        paint_ms.append(canvas.paint_ms)
        painted[applied_not_painted] = t
        applied_not_painted.clear()

    canvas.on_painted = on_painted
    window.resize(1600, 1000)
    try:
        if not link.ready.wait(30):
            raise RuntimeError("publisher process did not start")
        window.show()
        window.start()
        deadline = time.monotonic() + 10
        while health.last_rx is None:  # the slow joiner: wait for a heartbeat before any data is sent
            if time.monotonic() > deadline:
                raise RuntimeError("no heartbeat from the publisher within 10 s")
            app.processEvents()
            time.sleep(0.01)
        frames0 = window.stats.frames
        link.go.set()
        loop = QtCore.QEventLoop()
        QtCore.QTimer.singleShot(int((warmup + seconds) * 1000) + 200, loop.quit)
        loop.exec()
        link.stop.set()
        link.finished.wait(5)
        tail = QtCore.QEventLoop()  # let what is in flight be painted
        QtCore.QTimer.singleShot(500, tail.quit)
        tail.exec()
        window.shutdown()
    finally:
        link.stop.set()
        link.release.set()
        proc.join(10)
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)

    sent_msgs = int(link.sent_msgs.value)
    sent = np.frombuffer(link.send_times, dtype=np.float64)[: max_messages + 1].copy()
    t0, ticks = link.started.value, int(link.ticks.value)
    seqs = np.arange(1, sent_msgs + 1)
    first = math.ceil(warmup)
    last = min(ticks, first + math.ceil(seconds))  # whole ticks inside the measured window
    in_window = (sent[seqs] >= t0 + first) & (sent[seqs] < t0 + last)
    sel = seqs[in_window]
    done = sel[np.isfinite(painted[sel])]
    lost = sel[~np.isfinite(received[sel])]
    unpainted = int(len(sel) - len(done) - len(lost))
    weights = counts[done]
    lat = np.repeat((painted[done] - sent[done]) * 1000, weights)
    transit = np.repeat((received[done] - sent[done]) * 1000, weights)
    waiting = np.repeat((drained[done] - received[done]) * 1000, weights)
    drawing = np.repeat((painted[done] - drained[done]) * 1000, weights)
    span = max(last - first, 1)
    achieved = float(weights.sum()) / span

    p50, p99 = common.percentile(lat, 50), common.percentile(lat, 99)
    t50, t99 = common.percentile(transit, 50), common.percentile(transit, 99)
    frames = window.stats.frames - frames0
    common.say(f"  measured {span} s: {len(done):,} messages, {int(weights.sum()):,} updates painted "
               f"({achieved:,.0f} updates/s; target {rate:,.0f}); lost in transport {len(lost)}, "
               f"never painted {unpainted}, seq gaps {health.seq_gaps}, inbox overflow {health.dropped_overflow}")
    frame_ms = list(getattr(window.stats, "frame_ms", ()))
    common.say(f"  frames with new data {frames:,}, canvas paints {len(paint_ms):,} "
               f"(median paint {common.median(paint_ms):.1f} ms), frame (tick + paint) median "
               f"{common.median(frame_ms):.1f} ms, worst {window.stats.max_frame_ms:.1f} ms, "
               f"{session.vehicles.n:,} vehicles, {window.stats.vehicles_drawn:,} drawn")
    common.say(f"  socket transit (baseline): p50 {t50:7.2f} ms   p99 {t99:7.2f} ms")
    common.say(f"  of which: in the inbox until a frame's pump p50 {common.percentile(waiting, 50):.1f} ms, "
               f"p99 {common.percentile(waiting, 99):.1f} ms; pump → painted p50 {common.percentile(drawing, 50):.1f} "
               f"ms, p99 {common.percentile(drawing, 99):.1f} ms")
    common.say(f"  publish → painted:         p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
               f"({common.ratio(p50, t50):.1f}× / {common.ratio(p99, t99):.1f}× transit)")
    common.say(f"  p99 goal ≤ {GOAL_P99_MS:g} ms: {common.check_at_most(p99 if lat.size else None, GOAL_P99_MS)}")
    return {
        "benchmark": "latency",
        "quick": args.quick,
        "vehicles": args.vehicles,
        "pattern": "even" if args.even else "burst",
        "transport": args.transport,
        "seconds": float(span),
        "p50_ms": p50,
        "p99_ms": p99,
        "max_ms": float(lat.max()) if lat.size else float("nan"),
        "updates_per_s": achieved,
        "target_updates_per_s": rate,
        "transit_p50_ms": t50,
        "transit_p99_ms": t99,
        "ratio_p50_vs_transit": common.ratio(p50, t50),
        "ratio_p99_vs_transit": common.ratio(p99, t99),
        "inbox_p50_ms": common.percentile(waiting, 50),
        "inbox_p99_ms": common.percentile(waiting, 99),
        "pump_to_painted_p50_ms": common.percentile(drawing, 50),
        "pump_to_painted_p99_ms": common.percentile(drawing, 99),
        "messages": len(done),
        "lost": len(lost),
        "unpainted": unpainted,
        "paint_ms_median": common.median(paint_ms),
        "median_frame_ms": common.median(frame_ms),
        "max_frame_ms": window.stats.max_frame_ms,
        "goal_p99_ms": GOAL_P99_MS,
    }


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
