"""Shift: a scripted dispatcher works a busy shift on the real window, with the keyboard alone.

The demo backends run as real processes, the CAD calling at several times the demo's rate (P1s among the
calls, by its own mix of types and hours); the control room's main window runs offscreen on the demo city
with a real CAD link. The dispatcher's script presses a key about once a second, as a person who knows the
console: N (the most urgent call waiting), A (acknowledge: the response plan is ranked), D (the plan goes
out in one action), then the next call. Sampled at every panel refresh: the seconds any waiting call was
not wholly visible in the queue (goal 0). At the end: arrival-to-acknowledgement times, keys per dispatch,
and from the CAD's own execution log whether every unit of every plan was carried out exactly once.

Baseline, same run, same seed of the CAD's calls: the same dispatcher taking calls in the order they came
(first come, first served, with the mouse-free equivalent of clicking the oldest row), which is what a queue
without an urgency order leaves a dispatcher to do; ``p1_ack_ratio`` is its P1 acknowledgement p90 over ours.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter

import numpy as np

from bench import common

GOAL_OUT_OF_VIEW_S = 0.0
KEY_INTERVAL_S = 1.0  # a practised dispatcher's pace: one key a second, reading the screen in between


def run_shift(app, kit, seconds: float, rate: float, seed: int, vehicles: int, urgent_first: bool) -> dict:
    from PySide6 import QtCore, QtWidgets
    from PySide6.QtTest import QTest

    from sitroom.app.core.desk import DispatchDesk
    from sitroom.app.core.room import Room
    from sitroom.app.core.session import LiveSession
    from sitroom.app.main_window import MainWindow
    from sitroom.services.dispatch.link import DispatchLink
    from sitroom.services.dispatch.outbox import Outbox
    from sitroom.services.incidents.order import waiting_calls
    from sitroom.services.sim.launcher import CAD_STATE_FILE, DemoBackends

    # A shift taken over with a minute's calls waiting, not the demo's five minutes at five times the rate.
    backends = DemoBackends(kit.path, vehicles=vehicles, incident_rate=rate, seed=seed, opening_queue_s=60.0)
    backends.start()
    session = LiveSession(kit, backends.feeds())
    link = DispatchLink(backends.cad_endpoint(), Outbox(backends.runtime_dir / "outbox.sqlite"))
    link.start()
    window = MainWindow(Room(session, DispatchDesk(session, link=link, who="bench")), language="en")
    window.resize(1600, 1000)
    window.show()
    window.start()
    ui, queue = window.dispatch, window.dispatch.queue
    keys = Counter()
    out_of_view_s = 0.0
    refusals = 0

    def press(key: QtCore.Qt.Key) -> None:
        target = QtWidgets.QApplication.focusWidget() or window.canvas
        QTest.keyClick(target, key)
        keys[key] += 1

    def spin(s: float) -> None:
        end = time.monotonic() + s
        while time.monotonic() < end:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.005)

    try:
        deadline = time.monotonic() + 60
        while session.vehicles.n < vehicles and time.monotonic() < deadline:
            spin(0.2)
        start = time.monotonic()
        last = start
        while time.monotonic() - start < seconds:
            waiting = waiting_calls(session.incidents)
            now = time.monotonic()
            window.refresh_panels()
            visible = set(queue.visible_waiting())
            out_of_view_s += sum(i.id not in visible for i in waiting) * (now - last)
            last = now
            if waiting:
                if urgent_first:
                    press(QtCore.Qt.Key.Key_N)
                else:  # the oldest call, as a first-come-first-served dispatcher would take it
                    ui.select_incident(min(waiting, key=lambda i: i.reported_ms).id)
                spin(KEY_INTERVAL_S)
                press(QtCore.Qt.Key.Key_A)
                spin(KEY_INTERVAL_S)
                before = len(link.outbox.recent(10_000))
                press(QtCore.Qt.Key.Key_D)
                if len(link.outbox.recent(10_000)) == before:
                    refusals += 1
            spin(KEY_INTERVAL_S)
        spin(3.0)  # the last answers come in
        book = session.incidents
        acked = [i for i in book.incidents.values() if "acknowledged" in i.changed_ms and i.source != "local"]
        ack_s = [(i.changed_ms["acknowledged"] - i.reported_ms) / 1000.0 for i in acked]
        p1_ack_s = [(i.changed_ms["acknowledged"] - i.reported_ms) / 1000.0 for i in acked if i.priority == 1]
        commands = link.outbox.recent(100_000)
        with sqlite3.connect(backends.runtime_dir / CAD_STATE_FILE) as db:
            executed = Counter(r[0] for r in db.execute("SELECT cmd_id FROM executions"))
        answered = [c for c in commands if c.state == "acked"]
        once = all(executed[c.cmd_id] == 1 for c in answered) and all(
            executed[c.cmd_id] == 0 for c in commands if c.state != "acked")
        return {
            "calls": len([i for i in book.incidents.values() if i.source != "local"]),
            "acknowledged": len(acked),
            "dispatched": len({c.incident for c in answered}),
            "commands": len(commands), "commands_acked": len(answered), "refusals": refusals,
            "keys": sum(keys.values()),
            "keys_per_dispatch": common.ratio(sum(keys.values()), max(len({c.incident for c in commands}), 1)),
            "waiting_out_of_view_s": round(out_of_view_s, 2),
            "ack_p50_s": common.median(ack_s), "ack_p90_s": common.percentile(ack_s, 90),
            "p1_calls": len(p1_ack_s), "p1_ack_p90_s": common.percentile(p1_ack_s, 90),
            "plan_units_once": bool(once and answered),
            "alerts": ui.alert.raised,
        }
    finally:
        window.shutdown()
        window.close()
        link.stop()
        backends.stop()
        app.processEvents()


def main(argv: list[str]) -> dict:
    p = common.parser("shift", __doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=None, help="length of each shift (default 180; quick 15)")
    p.add_argument("--rate", type=float, default=600.0, help="calls per hour (default 600: 5× the demo's)")
    p.add_argument("--vehicles", type=int, default=1500, help="the demo fleet (default 1500)")
    p.add_argument("--seed", type=int, default=11, help="the CAD's call generator")
    args = p.parse_args(argv)
    seconds = args.seconds or (15.0 if args.quick else 180.0)
    common.qt_app()
    from sitroom.app.gui import make_app

    app, _lang = make_app("en")  # the real theme: sizes and layout decide what is in view
    from sitroom.services.sim.demo_kit import open_demo_city

    kit = open_demo_city()
    common.heading(f"shift: {seconds:g} s at {args.rate:g} calls/hour, {args.vehicles:,} vehicles, a key every "
                   f"{KEY_INTERVAL_S:g} s; baseline: the same calls taken in arrival order")
    ours = run_shift(app, kit, seconds, args.rate, args.seed, args.vehicles, urgent_first=True)
    common.say(f"  urgent first: {ours['calls']} calls, {ours['dispatched']} dispatched, "
               f"{ours['keys_per_dispatch']:.1f} keys/dispatch, ack p90 {ours['ack_p90_s']:.0f} s "
               f"(P1 {ours['p1_ack_p90_s']:.0f} s of {ours['p1_calls']}), waiting out of view "
               f"{ours['waiting_out_of_view_s']:.1f} s, plan units once: {ours['plan_units_once']}")
    fifo = run_shift(app, kit, seconds, args.rate, args.seed, args.vehicles, urgent_first=False)
    common.say(f"  arrival order: {fifo['calls']} calls, ack p90 {fifo['ack_p90_s']:.0f} s "
               f"(P1 {fifo['p1_ack_p90_s']:.0f} s of {fifo['p1_calls']})")
    ratio = common.ratio(fifo["p1_ack_p90_s"], ours["p1_ack_p90_s"])
    common.say(f"  P1 acknowledged {ratio:.2f}× sooner at p90; waiting calls out of view: "
               f"{ours['waiting_out_of_view_s']:.1f} s ({common.check_at_most(ours['waiting_out_of_view_s'], 0.0)})")
    result = {"benchmark": "shift", "quick": args.quick, "seconds": seconds, "rate_per_hour": args.rate,
              **ours, "baseline_ack_p90_s": fifo["ack_p90_s"], "baseline_p1_ack_p90_s": fifo["p1_ack_p90_s"],
              "p1_ack_ratio": ratio, "goal_waiting_out_of_view_s": GOAL_OUT_OF_VIEW_S}
    return {k: (round(v, 3) if isinstance(v, float) and np.isfinite(v) else v) for k, v in result.items()}


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
