"""The link-cut drill: the demo backends behind a network link that is cut for a while during dispatching.

    sitroom drill link-cut [--cut SECONDS] [--vehicles N] [--kit DIR]

Runs headless in a private network namespace (services/sim/netlab.py; re-executed under ``unshare -rn``).
A control room (the app's own session, journal, outbox and dispatch desk) follows the backends, then:

1. dispatches a unit while the link is up;
2. cuts the link: every feed must turn stale and the CAD link down; meanwhile the desk takes a call, gets
   recommendations from last-known positions (flagged) and queues two dispatches; no position moves;
3. restores the link: the feeds come back by themselves, the queued commands are delivered and carried
   out exactly once (the CAD's own execution log says so);
4. checks the recovered fleet state against a fresh subscriber's, record for record, with the AVL backend
   frozen so both see the same publisher state; and reads the journal back: the whole episode, the cut
   showing as a gap.

Prints one JSON line of figures and exits 0 if every check held, 1 otherwise (the failed checks are named).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import msgpack
import numpy as np

import sitroom
from sitroom.app.core.desk import DispatchDesk
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.services.dispatch.link import DispatchLink
from sitroom.services.dispatch.outbox import Outbox
from sitroom.services.feeds import protocol
from sitroom.services.feeds.health import FeedState
from sitroom.services.journal import JournalReader, JournalWriter
from sitroom.services.sim.launcher import CAD_STATE_FILE, DemoBackends
from sitroom.services.sim.netlab import NetLab, can_unshare, in_private_netns, reexec_in_private_netns
from sitroom.services.store.kit import Kit


class Drill:
    def __init__(self, kit: Kit, *, vehicles: int, cut_s: float, work: Path) -> None:
        self.kit, self.vehicles, self.cut_s, self.work = kit, vehicles, cut_s, work
        self.netlab = NetLab()
        # Calls every few seconds, so there is always one to dispatch to.
        self.backends = DemoBackends(kit.path, vehicles=vehicles, runtime_dir=work / "backends", netlab=self.netlab,
                                     incident_rate=1200.0)
        self.figures: dict[str, object] = {"cut_s": cut_s, "vehicles": vehicles}
        self.failed: list[str] = []
        self.cut_ms = self.restore_ms = 0
        self.session: LiveSession | None = None
        self.link: DispatchLink | None = None

    # ------------------------------------------------------------ helpers

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.failed.append(what)

    def pump_until(self, pred: Callable[[], bool], timeout: float, what: str = "") -> float | None:
        """Pump the session (and the desk) until ``pred``; returns the seconds it took, None on timeout, which
        is a failed check when ``what`` names the awaited condition."""
        assert self.session is not None
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            self.room.tick()
            if pred():
                return round(time.monotonic() - t0, 2)
            time.sleep(0.05)
        if what:
            self.failed.append(f"timed out after {timeout:.0f} s waiting for {what}")
        return None

    def _hold(self, seconds: float) -> None:
        self.pump_until(lambda: False, seconds)

    def per_feed(self, counter: str) -> dict[str, int]:
        assert self.session is not None
        client = self.session.client
        return {f.name: getattr(h, counter) for f, h in zip(client.feeds, client.health, strict=True)}

    def feeds_in(self, state: FeedState) -> bool:
        assert self.session is not None
        now = time.monotonic()
        return all(h.state(now) == state for h in self.session.client.health)

    def calls(self) -> list[str]:
        """Incidents from the CAD that no unit has been sent to yet, oldest first."""
        return [i.id for i in sorted(self.desk.book.open_incidents(), key=lambda i: i.reported_ms)
                if i.source != "local" and not i.units and not any(p.incident == i.id for p in
                                                                   self.desk.link.outbox.pending())]

    def open_call(self) -> str | None:
        """The oldest such incident, acknowledged here."""
        calls = self.calls()
        if not calls:
            return None
        if self.desk.book.get(calls[0]).status == "new":
            self.desk.book.acknowledge(calls[0], "drill")
        return calls[0]

    def dispatch_best(self, incident: str) -> tuple[str, int, bool] | None:
        ranking = self.desk.recommend(incident)
        if not ranking.options:
            self.failed.append(f"no unit recommended for {incident}")
            return None
        best = ranking.options[0]
        return self.desk.dispatch(incident, best.unit), best.unit, best.last_known

    # ------------------------------------------------------------ the drill

    def run(self) -> dict:
        self.netlab.start()
        self.backends.start()
        session = self.session = LiveSession(self.kit, self.backends.feeds())
        session.journal = JournalWriter(self.work / "journal", meta=session.journal_meta())
        outbox = Outbox(self.work / "outbox.sqlite")
        self.link = DispatchLink(self.backends.cad_endpoint(), outbox, resend_after_s=0.5)
        self.link.start()
        self.desk = DispatchDesk(session, link=self.link, who="drill")
        self.room = Room(session, self.desk)
        session.start()
        try:
            self._drill(outbox)
        finally:
            session.stop()
            self.link.stop()
            session.journal.close()
            self.backends.stop()
            self.netlab.stop()
        self._read_journal()
        self.figures["failed"] = self.failed
        return self.figures

    def _drill(self, outbox: Outbox) -> None:
        session, desk, link = self.session, self.desk, self.link
        assert session is not None and link is not None
        self.figures["live_after_start_s"] = self.pump_until(
            lambda: session.vehicles.n >= self.vehicles and self.feeds_in(FeedState.LIVE) and link.state.up
            and len(self.calls()) >= 2, 90, "every feed live, the CAD link up and two calls")
        if self.failed:
            return
        commands: list[str] = []
        first = self.dispatch_best(self.open_call() or "")
        if first:
            commands.append(first[0])
            self.pump_until(lambda: outbox.counts()["pending"] == 0, 20, "the first dispatch acknowledged")

        # ---- cut
        self.netlab.cut()
        t_cut = time.monotonic()
        self.cut_ms = protocol.now_ms()
        self.figures["stale_after_cut_s"] = self.pump_until(lambda: self.feeds_in(FeedState.STALE), 15,
                                                            "every feed stale after the cut")
        self.figures["link_down_after_cut_s"] = self.pump_until(lambda: not link.state.up, 15,
                                                                "the CAD link down after the cut")
        n = session.vehicles.n
        frozen = session.vehicles.x[:n].copy(), session.vehicles.ts[:n].copy()
        during: list[bool] = []
        # A call taken at the desk while cut off, and a CAD incident known from before the cut.
        station = next(p for p in self.kit.pois if p.kind == "fire")
        lon, lat = session.projector.inverse(station.x + 400.0, station.y + 300.0)
        call = desk.book.create("fire", 2, float(lon), float(lat), station.x + 400.0, station.y + 300.0,
                                "smoke reported by phone during the outage", "drill")
        for incident in (call.id, self.open_call()):
            if incident is None:
                self.failed.append("no call from the CAD left to dispatch during the cut")
                continue
            sent = self.dispatch_best(incident)
            if sent:
                commands.append(sent[0])
                during.append(sent[2])
        self.check(bool(during) and all(during), "recommendations during the cut are flagged last-known")
        rest = self.cut_s - (time.monotonic() - t_cut)
        self._hold(rest)
        self.check(outbox.counts()["pending"] == len(during), "dispatches during the cut wait in the outbox")
        self.check(np.array_equal(session.vehicles.x[:n], frozen[0]) and
                   np.array_equal(session.vehicles.ts[:n], frozen[1]), "no position changes while cut off")
        self.check(self.feeds_in(FeedState.OFFLINE) or self.cut_s < 30, "feeds offline after 30 s of silence")
        self.figures["commands_queued_during_cut"] = len(during)

        # ---- restore
        self.netlab.restore()
        self.restore_ms = protocol.now_ms()
        self.figures["live_after_restore_s"] = self.pump_until(lambda: self.feeds_in(FeedState.LIVE), 30,
                                                               "every feed live after the restore")
        self.figures["delivered_after_restore_s"] = self.pump_until(
            lambda: outbox.counts()["pending"] == 0, 30, "the queued commands delivered")
        mine = [outbox.get(c) for c in commands]
        self.pump_until(lambda: all(p is not None and p.unit in desk.book.get(p.incident).units for p in mine), 15,
                        "the units assigned in the incident book")
        self.figures["redials"] = self.per_feed("redials")
        self.figures["resyncs"] = self.per_feed("resyncs")
        self.figures["rejected"] = outbox.counts()["rejected"]
        self.check(outbox.counts()["rejected"] == 0, "no dispatch rejected")
        with sqlite3.connect(self.backends.runtime_dir / CAD_STATE_FILE) as db:
            runs = dict(db.execute("SELECT cmd_id, COUNT(*) FROM executions GROUP BY cmd_id").fetchall())
        self.figures["commands"] = len(commands)
        self.figures["executions"] = sum(runs.get(c, 0) for c in commands)
        self.check(all(runs.get(c) == 1 for c in commands), "each command carried out exactly once by the CAD")
        self.check(call.id in {i["id"] for i in self._cad_incidents()}, "the call taken offline reached the CAD")
        self._compare_with_a_fresh_subscriber()

    def _cad_incidents(self) -> list[dict]:
        with sqlite3.connect(self.backends.runtime_dir / CAD_STATE_FILE) as db:
            return [msgpack.unpackb(b) for (b,) in db.execute("SELECT body FROM incidents")]

    def _compare_with_a_fresh_subscriber(self) -> None:
        """The recovered state must be the publisher's: a subscriber that never saw the cut agrees exactly."""
        session = self.session
        assert session is not None
        avl = [f for f in self.backends.feeds() if f.name == "avl"]
        ref = LiveSession(self.kit, avl)
        ref.start()
        try:
            deadline = time.monotonic() + 30
            while not (ref.vehicles.n >= self.vehicles and ref.client.health[0].snapshots >= 1):
                if time.monotonic() > deadline:
                    self.failed.append("a fresh subscriber got no snapshot in 30 s")
                    return
                ref.pump()
                self._hold(0.1)
            pid = self.backends.pid("avl")
            assert pid is not None
            os.kill(pid, signal.SIGSTOP)  # the publisher's state holds still while both catch up
            try:
                self._hold(1.5)
                ref.pump()
            finally:
                os.kill(pid, signal.SIGCONT)
        finally:
            ref.stop()
        a, b = session.vehicles, ref.vehicles
        ra, rb = np.argsort(a.ids[: a.n]), np.argsort(b.ids[: b.n])
        same_ids = np.array_equal(a.ids[: a.n][ra], b.ids[: b.n][rb])
        mismatches = a.n if not same_ids else int(np.count_nonzero(
            (a.ts[: a.n][ra] != b.ts[: b.n][rb]) | (a.status[: a.n][ra] != b.status[: b.n][rb]) |
            (a.x[: a.n][ra] != b.x[: b.n][rb]) | (a.y[: a.n][ra] != b.y[: b.n][rb])))
        self.figures["vehicles_compared"] = int(b.n)
        self.figures["state_mismatches"] = mismatches
        self.check(same_ids and mismatches == 0, f"recovered fleet state equals the publisher's ({mismatches} differ)")

    def _read_journal(self) -> None:
        """The journal holds the episode: every feed before the cut and after it, the cut as a gap."""
        with JournalReader(self.work / "journal", verify_all=True) as r:
            records = [(rec.feed, rec.recv_ms) for rec in r]
            corrupt = r.stats.corrupt_records
        times = np.array([ms for feed, ms in records if feed == "avl"], dtype=np.int64)
        gap = float(np.diff(times).max()) / 1000 if len(times) > 1 else 0.0
        self.figures["journal_records"] = len(records)
        self.figures["journal_longest_avl_gap_s"] = round(gap, 1)
        self.figures["journal_corrupt_records"] = corrupt
        self.check(corrupt == 0, "the journal reads back without a corrupt record")
        self.check(gap >= self.cut_s * 0.5, "the journal shows the cut as a gap")
        for feed in ("avl", "traffic", "incidents"):
            ms = [t for f, t in records if f == feed]
            self.check(bool(ms) and min(ms) < self.cut_ms and max(ms) > self.restore_ms,
                       f"the journal has {feed} from before the cut and after the restore")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="sitroom drill link-cut", description=__doc__.split("\n\n")[0])
    p.add_argument("--cut", type=float, default=60.0, metavar="SECONDS", help="how long the link is cut (60)")
    p.add_argument("--vehicles", type=int, default=400)
    p.add_argument("--kit", type=Path, help="kit directory (default: the demo city)")
    args = p.parse_args(argv)
    if not in_private_netns():
        why = can_unshare()
        if why:
            print(f"sitroom drill link-cut: cannot make a private network here: {why}", file=sys.stderr)
            return 2
        options = sys.argv[1:] if argv is None else argv  # `sitroom drill link-cut` passes its own, maybe none
        return reexec_in_private_netns(sitroom.command("drill", "link-cut", *options))
    from sitroom.services.sim.demo_kit import open_demo_city
    from sitroom.services.store.kit import load_kit

    kit = load_kit(args.kit) if args.kit else open_demo_city()
    with tempfile.TemporaryDirectory(prefix="sitroom-drill-") as work:
        figures = Drill(kit, vehicles=args.vehicles, cut_s=args.cut, work=Path(work)).run()
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    for what in figures["failed"]:
        print(f"FAILED: {what}", file=sys.stderr)
    return 1 if figures["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
