"""Journal: disk per hour, writer CPU and replay seek time at city scale, against the uncompressed writer.

The stream is the demo's, built with the simulation: the demo fleet (``FleetSim`` on the demo city,
72,000 vehicles by default) driving at the congestion model's link speeds, buses reporting every second and
taxis every two, sent as the AVL feed sends it (batches of 2,048), one heartbeat per second, and the
traffic feed's link speeds (every road, every 5 s; a smaller fleet, as in ``--quick``, gets the same
share of the roads and its figures are scaled to 72,000 vehicles), and the CAD's incidents (the demo's
calls, ``IncidentGenerator``, each acknowledged, dispatched and closed a few minutes on, every open one
sent again every 10 s). Received times are the simulated seconds plus a few milliseconds; the writer is
flushed once per simulated second, as its 200 ms tick groups a live feed's burst.

The same stream is written twice, in the same run: by today's writer (format 2, compressed) and by the
uncompressed writer (format 1, the baseline). For each: bytes on disk, the CPU time the journal costs
(``append`` calls plus the writer thread: encoding, compressing, writing) per second of stream, as a share
of one core, and the median time of a replay seek (``JournalPlayer.seek`` to random places, back and
forth, after the background checkpoints are built; their number and packed size are reported).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench import common

GOAL_GB_PER_HOUR = 0.85  # 24 hours of 72,000 vehicles within the 20 GiB retention
GOAL_CPU_SHARE = 0.05
GOAL_SEEK_MS = 100.0
CITY_VEHICLES = 72_000
_LIFE = ((600_000, "closed"), (120_000, "dispatched"), (40_000, "acknowledged"))  # ms after the call, newest first
RETENTION_BYTES = 20 * 1024**3


def stream(vehicles: int, seconds: int, t0_ms: int) -> Iterator[list[tuple[str, list[bytes], int]]]:
    """One list of (feed, frames, recv_ms) per simulated second."""
    from sitroom.services.feeds import protocol
    from sitroom.services.feeds.protocol import LINK_DTYPE, Kind, Topic
    from sitroom.services.sim import congestion
    from sitroom.services.sim.fleet import FleetSim
    from sitroom.services.sim.incidents import IncidentGenerator

    kit = common.load_city()
    sim = FleetSim(kit, vehicles)
    calls = IncidentGenerator(kit, seed=1, start_s=t0_ms / 1000)
    incidents: dict[str, dict] = {}
    g = kit.roads
    # A smaller fleet gets the same share of the road network, so its figures scale to 72k vehicles.
    n_links = g.n_edges if vehicles >= CITY_VEHICLES else max(1, g.n_edges * vehicles // CITY_VEHICLES)
    links = np.zeros(n_links, LINK_DTYPE)
    links["link"] = g.edge_link[:n_links]
    seq = {"avl": 0, "tr": 0, "cad": 0}

    def cad(inc: dict, t: int) -> tuple[str, list[bytes], int]:
        seq["cad"] += 1
        return "cad", protocol.encode_map(Topic.INCIDENT, Kind.INCIDENT, inc, src="sim-cad", sess="c1",
                                          seq=seq["cad"], ts=t), t + 520
    for n in range(seconds):
        t = t0_ms + n * 1000
        hour = congestion.local_hour(t / 1000)
        if n % 10 == 0:
            sim.set_link_speeds(congestion.link_speeds_kmh(hour, g.edge_class, g.edge_link, g.edge_speed))
        sim.step(1.0 if n else 0.0)
        recs = sim.records(sim.due(n), t)
        out = []
        for a in range(0, len(recs), 2048):
            seq["avl"] += 1
            frames = protocol.encode_array(Topic.AVL, Kind.AVL_BATCH, recs[a:a + 2048], src="sim-avl",
                                           sess="s1", seq=seq["avl"], ts=t)
            out.append(("avl", [bytes(f) for f in frames], t + 4 + a // 20_000))
        out.append(("avl", protocol.encode_heartbeat(src="sim-avl", sess="s1", seq=n + 1,
                                                     seqs={"avl": seq["avl"]}, ts=t + 10), t + 11))
        if n % 5 == 0:
            links["kmh"] = congestion.link_speeds_kmh(hour, g.edge_class, g.edge_link, g.edge_speed)[:n_links]
            for a in range(0, len(links), 8192):
                seq["tr"] += 1
                frames = protocol.encode_array(Topic.LINK, Kind.LINK_SPEEDS, links[a:a + 8192], src="sim-traffic",
                                               sess="t1", seq=seq["tr"], ts=t + 300)
                out.append(("traffic", [bytes(f) for f in frames], t + 305))
        changed = []
        for inc in calls.advance(t / 1000):
            incidents[inc["id"]] = inc
            changed.append(inc)
        for inc in list(incidents.values()):
            age = t - inc["reported"]
            status = next((st for after, st in _LIFE if age >= after), inc["status"])
            if status != inc["status"]:
                inc["status"] = status
                changed.append(inc)
        out += [cad(inc, t) for inc in changed]
        if n % 10 == 0:
            out += [cad(inc, t) for inc in incidents.values() if inc not in changed]
        for key in [k for k, inc in incidents.items() if inc["status"] == "closed"]:
            del incidents[key]
        yield out


def write(directory: Path, version: int, vehicles: int, seconds: int, t0_ms: int) -> dict:
    from sitroom.services.journal import JournalWriter

    w = JournalWriter(directory, flush_ms=3_600_000, version=version, meta={"bench": "journal"})
    append_cpu = 0.0
    records = 0
    for second in stream(vehicles, seconds, t0_ms):
        c = time.thread_time()
        for feed, frames, ms in second:
            w.append(feed, frames, ms)
        append_cpu += time.thread_time() - c
        records += len(second)
        w.flush(timeout=120)
    w.close()
    if w.written != records:
        raise RuntimeError(f"format {version}: {w.written} of {records} records written ({w.stats()})")
    disk = sum(p.stat().st_size for p in directory.glob("journal-*.seg"))
    cpu = append_cpu + w.cpu_s
    return {"bytes": disk, "frame_bytes": w.frame_bytes, "cpu_s": cpu, "cpu_share": cpu / seconds,
            "records": records}


def seeks(directory: Path, n: int, seed: int = 7) -> tuple[list[float], tuple[int, int]]:
    """Milliseconds of ``n`` seeks to random places, each one rebuilding (a jump back or far forward), and the
    number and packed bytes of the checkpoints they start from."""
    from sitroom.services.journal import JournalPlayer

    p = JournalPlayer(directory)
    try:
        p.start()
        if p._thread is not None:  # the background checkpoints, as a session has them after a while
            p._thread.join()
        rng = np.random.default_rng(seed)
        span = p.end_ms - p.start_ms
        checkpoints = p.checkpoints
        times = []
        for _ in range(n):
            target = p.start_ms + int(rng.uniform(0.05, 1.0) * span)
            if abs(target - p.position_ms) <= 20_000:
                target = p.start_ms + (target - p.start_ms + span // 2) % span
            t = time.perf_counter()
            p.seek(target)
            times.append((time.perf_counter() - t) * 1000)
            p.drain(limit=64)
        return times, checkpoints
    finally:
        p.close()


def main(argv: list[str]) -> dict:
    p = common.parser("journal", __doc__.splitlines()[0])
    p.add_argument("--vehicles", type=int, default=None, help=f"fleet size (default {CITY_VEHICLES:,})")
    p.add_argument("--seconds", type=int, default=None, help="simulated seconds written (default 300)")
    p.add_argument("--seeks", type=int, default=None, help="seeks timed per journal (default 21)")
    args = p.parse_args(argv)
    vehicles = args.vehicles or (3_000 if args.quick else CITY_VEHICLES)
    seconds = args.seconds or (40 if args.quick else 300)
    n_seeks = args.seeks or (5 if args.quick else 21)
    t0_ms = 1_767_225_600_000 + 8 * 3_600_000  # a weekday morning, the congestion model's peak
    scale = CITY_VEHICLES / vehicles

    common.heading(f"journal: {vehicles:,} vehicles for {seconds} s of the demo stream, format 2 (compressed) "
                   f"against format 1 (uncompressed), {n_seeks} seeks each")
    work = Path(tempfile.mkdtemp(prefix="sitroom-bench-journal-"))
    try:
        out = {}
        for version, name in ((1, "uncompressed"), (2, "compressed")):
            d = work / f"v{version}"
            r = write(d, version, vehicles, seconds, t0_ms)
            r["gb_per_hour"] = r["bytes"] / seconds * 3600 / 1e9 * scale
            ms, (r["checkpoints"], r["checkpoint_bytes"]) = seeks(d, n_seeks)
            r["seek_ms_median"] = statistics.median(ms)
            r["seek_ms_max"] = max(ms)
            common.say(f"  format {version} ({name:<12}) {r['bytes'] / 1e6:8.1f} MB on disk "
                       f"({r['bytes'] / r['frame_bytes'] * 100:5.1f}% of the frames), "
                       f"{r['gb_per_hour']:.2f} GB/hour at 72k, CPU {r['cpu_share'] * 100:.2f}% of a core, "
                       f"seek median {r['seek_ms_median']:.1f} ms (max {r['seek_ms_max']:.1f}) from "
                       f"{r['checkpoints']} checkpoints of {r['checkpoint_bytes'] / 1e6:.1f} MB")
            out[version] = r
            shutil.rmtree(d, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    new, old = out[2], out[1]
    ratio = common.ratio(old["bytes"], new["bytes"])
    hours = RETENTION_BYTES / (new["gb_per_hour"] * 1e9)
    common.say(f"  compression vs format 1:   {ratio:.2f}×  ({hours:.1f} hours of 72k vehicles in 20 GiB, "
               f"format 1: {RETENTION_BYTES / (old['gb_per_hour'] * 1e9):.1f})")
    common.say(f"  GB/hour at 72k vehicles:   {new['gb_per_hour']:.3f}  "
               f"(goal ≤ {GOAL_GB_PER_HOUR}: {common.check_at_most(new['gb_per_hour'], GOAL_GB_PER_HOUR)})")
    common.say(f"  journal CPU, share of one core: {new['cpu_share']:.4f}  "
               f"(goal ≤ {GOAL_CPU_SHARE}: {common.check_at_most(new['cpu_share'], GOAL_CPU_SHARE)})")
    common.say(f"  seek median:               {new['seek_ms_median']:.1f} ms  "
               f"(goal ≤ {GOAL_SEEK_MS:g}: {common.check_at_most(new['seek_ms_median'], GOAL_SEEK_MS)})")
    return {
        "benchmark": "journal",
        "quick": args.quick,
        "vehicles": vehicles,
        "seconds": seconds,
        "records": new["records"],
        "frame_bytes": new["frame_bytes"],
        "bytes": new["bytes"],
        "baseline_bytes": old["bytes"],
        "gb_per_hour_72k": new["gb_per_hour"],
        "baseline_gb_per_hour_72k": old["gb_per_hour"],
        "compression_ratio": ratio,
        "hours_in_20gib_72k": hours,
        "append_cpu_share": new["cpu_share"],
        "baseline_append_cpu_share": old["cpu_share"],
        "seek_ms_median": new["seek_ms_median"],
        "baseline_seek_ms_median": old["seek_ms_median"],
        "seek_ms_max": new["seek_ms_max"],
        "checkpoints": new["checkpoints"],
        "checkpoint_mb": new["checkpoint_bytes"] / 1e6,
        "goal_gb_per_hour": GOAL_GB_PER_HOUR,
        "goal_cpu_share": GOAL_CPU_SHARE,
        "goal_seek_ms": GOAL_SEEK_MS,
    }


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
