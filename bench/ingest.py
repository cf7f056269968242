"""Ingest: vehicle updates per second received, decoded and applied to the vehicle model.

A publisher process sends AVL batches of 2048 records cycling over 50,000 vehicle ids, over a real ipc (or
tcp) loopback socket. Two consumers take the same messages on the same transport, one after the other:

- **raw** (the baseline): a bare pyzmq SUB socket, ``recv_multipart`` and count, nothing else;
- **sitroom**: the production path, ``FeedClient`` (socket thread: receive, decode, feed health, inbox)
  drained by ``LiveSession.pump`` into ``VehicleLayer.apply`` (id lookup, projection, trails), pumped at the
  main window's 30 Hz frame rate (``--pump-hz``).

The publisher stays at most ``--window`` messages ahead of what the consumer has taken (a credit counter in
shared memory), so neither high-water mark is ever reached; every record sent is still counted against every
record received, and any difference is reported as dropped. The first pass over the ids (which creates
them) is warm-up and not timed.
"""

from __future__ import annotations

import shutil
import time

import numpy as np

from bench import common
from bench.publishers import CreditLink, endpoint_for, ingest_publisher, spawn_context

GOAL_UPDATES_PER_S = 300_000
GOAL_RATIO_VS_RAW = 0.5


def _records(n_ids: int) -> np.ndarray:
    """AVL records of an n-vehicle demo fleet, placed on the demo city's roads."""
    from sitroom.services.sim.fleet import FleetSim

    sim = FleetSim(common.load_city(), n_ids)
    recs = sim.records(np.arange(len(sim.fleet)), int(time.time() * 1000))
    if len(np.unique(recs["id"])) != n_ids:
        raise RuntimeError(f"demo fleet gave {len(np.unique(recs['id']))} distinct ids, wanted {n_ids}")
    return recs


class _Run:
    """One consumer against a fresh publisher process."""

    def __init__(self, transport: str, records: np.ndarray, batch: int, window: int) -> None:
        self.ctx = spawn_context()
        self.endpoint, self._dir = endpoint_for(transport)
        self.link = CreditLink.create(self.ctx)
        self.proc = self.ctx.Process(target=ingest_publisher, name="bench-ingest-publisher",
                                     args=(self.endpoint, records, batch, window, self.link), daemon=True)
        self.proc.start()
        if not self.link.ready.wait(30):
            self.close()
            raise RuntimeError("publisher process did not start")

    def close(self) -> None:
        self.link.stop.set()
        self.link.release.set()
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def _result(name: str, records: int, seconds: float, messages: int, sent: int, received: int) -> dict:
    rate = records / seconds if seconds > 0 else float("nan")
    dropped = sent - received
    common.say(f"  {name:<8} {rate:>13,.0f} updates/s  ({messages / seconds:,.0f} msg/s, "
               f"{rate * 40 / 1e6:,.0f} MB/s over {seconds:.1f} s)   sent {sent:,}  received {received:,}  "
               f"dropped {dropped:,}")
    return {"rate": rate, "seconds": seconds, "records": records, "sent": sent, "received": received,
            "dropped": dropped}


def run_raw(transport: str, records: np.ndarray, batch: int, window: int, warm_msgs: int,
            seconds: float) -> dict:
    """Baseline: recv_multipart on a SUB socket with the FeedClient's options, and nothing else."""
    import zmq

    from sitroom.services.feeds.protocol import AVL_DTYPE, Topic

    run = _Run(transport, records, batch, window)
    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    try:
        sock.setsockopt(zmq.RCVHWM, 100_000)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, 200)
        for prefix in (Topic.AVL, Topic.HEARTBEAT):
            sock.setsockopt(zmq.SUBSCRIBE, prefix)
        sock.connect(run.endpoint)
        deadline = time.monotonic() + 10
        while True:  # the slow joiner: nothing counts until a heartbeat has come through
            try:
                if sock.recv_multipart()[0] == Topic.HEARTBEAT:
                    break
            except zmq.Again:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("raw: no heartbeat from the publisher within 10 s")
        run.link.go.set()
        consumed = run.link.consumed
        itemsize = AVL_DTYPE.itemsize
        msgs = got = 0
        t0 = t1 = 0.0
        got0 = msgs0 = got1 = msgs1 = 0
        timing = stopped = False
        drain_deadline = None
        while True:
            try:
                frames = sock.recv_multipart()
            except zmq.Again:
                frames = None
            if frames is not None and frames[0] == Topic.AVL:
                msgs += 1
                got += len(frames[2]) // itemsize
                consumed.value = msgs
            now = time.perf_counter()
            if not timing and msgs >= warm_msgs:
                timing, t0, got0, msgs0 = True, now, got, msgs
            elif timing and not stopped and now - t0 >= seconds:
                stopped, t1, got1, msgs1 = True, now, got, msgs
                run.link.stop.set()
                drain_deadline = time.monotonic() + 5
            if stopped:
                if run.link.finished.is_set() and msgs >= run.link.sent_msgs.value:
                    break
                if time.monotonic() > drain_deadline:
                    break
            elif frames is None and time.monotonic() > deadline + seconds + 30:
                raise RuntimeError("raw: the publisher went silent")
        run.link.finished.wait(5)
        return _result("raw", got1 - got0, t1 - t0, msgs1 - msgs0, run.link.sent_records.value, got)
    finally:
        sock.close(0)
        ctx.term()
        run.close()


def run_sitroom(transport: str, records: np.ndarray, batch: int, window: int, warm_msgs: int,
                seconds: float, pump_hz: float) -> dict:
    """Production path: FeedClient → LiveSession.pump → VehicleLayer.apply."""
    from sitroom.app.core.session import LiveSession
    from sitroom.services.feeds.client import FeedConfig
    from sitroom.services.feeds.protocol import Topic

    kit = common.load_city()
    run = _Run(transport, records, batch, window)
    session = LiveSession(kit, [FeedConfig("avl", run.endpoint, (Topic.AVL,))])
    health = session.client.health[0]
    try:
        session.start()
        deadline = time.monotonic() + 10
        while health.last_rx is None:  # a heartbeat got through: the subscription is in place
            if time.monotonic() > deadline:
                raise RuntimeError("sitroom: no heartbeat from the publisher within 10 s")
            time.sleep(0.005)
        session.pump()
        run.link.go.set()
        consumed = run.link.consumed
        period = 1.0 / pump_hz if pump_hz > 0 else 0.0
        t0 = t1 = 0.0
        rec0 = msgs0 = rec1 = msgs1 = 0
        timing = stopped = False
        drain_deadline = None
        next_pump = time.perf_counter()
        stats = session.stats
        while True:
            applied = session.pump()
            consumed.value = stats.messages
            now = time.perf_counter()
            if not timing and stats.messages >= warm_msgs:
                timing, t0, rec0, msgs0 = True, now, stats.records, stats.messages
            elif timing and not stopped and now - t0 >= seconds:
                stopped, t1, rec1, msgs1 = True, now, stats.records, stats.messages
                run.link.stop.set()
                drain_deadline = time.monotonic() + 5
            if stopped:
                if run.link.finished.is_set() and stats.messages >= run.link.sent_msgs.value:
                    break
                if time.monotonic() > drain_deadline:
                    break
            elif time.monotonic() > deadline + seconds + 30:
                raise RuntimeError("sitroom: the run did not finish (publisher silent?)")
            if period:
                next_pump += period
                time.sleep(max(0.0, next_pump - time.perf_counter()))
                if next_pump < time.perf_counter():
                    next_pump = time.perf_counter()
            elif not applied:
                time.sleep(0.0005)
        run.link.finished.wait(5)
        v = session.vehicles
        out = _result("sitroom", rec1 - rec0, t1 - t0, msgs1 - msgs0, run.link.sent_records.value, stats.records)
        out.update(vehicles=v.n, seq_gaps=health.seq_gaps, overflow=health.dropped_overflow,
                   decode_errors=health.decode_errors, out_of_order=v.updates_out_of_order)
        common.say(f"           {v.n:,} vehicles in the model, seq gaps {health.seq_gaps}, inbox overflow "
                   f"{health.dropped_overflow}, decode errors {health.decode_errors}, "
                   f"out of order {v.updates_out_of_order}")
        return out
    finally:
        session.stop()
        run.close()


def main(argv: list[str]) -> dict:
    p = common.parser("ingest", __doc__.splitlines()[0])
    p.add_argument("--transport", choices=("ipc", "tcp"), default="ipc")
    p.add_argument("--ids", type=int, default=50_000, help="distinct vehicle ids (default 50000)")
    p.add_argument("--batch", type=int, default=2048, help="records per message (default 2048)")
    p.add_argument("--seconds", type=float, default=None, help="timed seconds per consumer (default 12)")
    p.add_argument("--window", type=int, default=256, help="messages the publisher may run ahead")
    p.add_argument("--pump-hz", type=float, default=30.0,
                   help="LiveSession.pump rate (default 30, the frame rate; 0: pump continuously)")
    args = p.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else (1.5 if args.quick else 12.0)
    warm_msgs = -(-args.ids // args.batch)  # one pass over every id

    common.heading(f"ingest: {args.ids:,} vehicle ids, batches of {args.batch}, {args.transport} loopback, "
                   f"publisher in its own process, {seconds:g} s timed per consumer")
    t = time.perf_counter()
    records = _records(args.ids)
    common.say(f"  fleet records built in {time.perf_counter() - t:.1f} s; first {warm_msgs} messages are warm-up")
    raw = run_raw(args.transport, records, args.batch, args.window, warm_msgs, seconds)
    ours = run_sitroom(args.transport, records, args.batch, args.window, warm_msgs, seconds, args.pump_hz)
    ratio = common.ratio(ours["rate"], raw["rate"])
    common.say(f"  updates/s decoded+applied: {ours['rate']:,.0f}  "
               f"(goal ≥ {GOAL_UPDATES_PER_S:,}: {common.check_at_least(ours['rate'], GOAL_UPDATES_PER_S)})")
    common.say(f"  ratio vs raw recv:         {ratio:.3f}×  "
               f"(goal ≥ {GOAL_RATIO_VS_RAW}×: {common.check_at_least(ratio, GOAL_RATIO_VS_RAW)})")
    return {
        "benchmark": "ingest",
        "quick": args.quick,
        "transport": args.transport,
        "ids": args.ids,
        "batch": args.batch,
        "pump_hz": args.pump_hz,
        "seconds": seconds,
        "updates_per_s": ours["rate"],
        "raw_updates_per_s": raw["rate"],
        "ratio_vs_raw": ratio,
        "dropped": int(ours["dropped"]),
        "raw_dropped": int(raw["dropped"]),
        "seq_gaps": int(ours["seq_gaps"]),
        "inbox_overflow": int(ours["overflow"]),
        "decode_errors": int(ours["decode_errors"]),
        "vehicles": int(ours["vehicles"]),
        "goal_updates_per_s": GOAL_UPDATES_PER_S,
        "goal_ratio_vs_raw": GOAL_RATIO_VS_RAW,
    }


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
