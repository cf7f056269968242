"""Coverage: share of the road network within 5 minutes of 30 stations, against an unbounded search per station.

Stations: the demo city's 20 fire stations and its first 10 EMS stations. One timed update is what the app
pays when speeds or unit states change: ``RoutingEngine.set_seconds`` with the next hour's travel times (the
demo day's congestion, cycling through the hours so no two runs search the same weights) and
``CoverageModel.compute`` (snapping the stations, one multi-source Dijkstra bounded at twice the limit, the
covered share of every road, city and district totals, the minutes per edge for the map layer).

Baseline, same run, same stations and times: one unbounded scipy Dijkstra per station (all rows in one call),
then the minimum over stations per node: only the search part of the work, not the shares. The ratio is the
baseline's median over the update's.

Also: the time-of-day report (24 hours) for the fire stations on the demo city, and the update on the
200k-node synthetic graph of ``bench routing`` (``--quick``: its 150 × 150 version).
"""

from __future__ import annotations

import time

import numpy as np

from bench import common

GOAL_COVERAGE_MS = 1000.0
STATIONS = 30
LIMIT_S = 300.0


def _hourly_seconds(roads, hours) -> dict[int, np.ndarray]:
    from sitroom.services.sim.congestion import link_speeds_kmh

    return {h: link_speeds_kmh(h, roads.edge_class, roads.edge_link, roads.edge_speed) for h in hours}


def measure(roads, districts, stations: np.ndarray, runs: int) -> dict:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from sitroom.services.routing.coverage import CoverageModel
    from sitroom.services.routing.engine import RoutingEngine

    t0 = time.perf_counter()
    model = CoverageModel(roads, districts)
    model_s = time.perf_counter() - t0
    engine = RoutingEngine(roads)
    speeds = _hourly_seconds(roads, range(24))
    seconds = {h: roads.edge_length / (np.maximum(kmh, 3.0) / 3.6) for h, kmh in speeds.items()}
    model.compute(engine, stations, LIMIT_S)  # the snapper and the segment index, built once per kit
    ours, base, shares = [], [], []
    snap = engine.snapper.snap(stations[:, 0], stations[:, 1], 500.0)
    start = roads.edge_dst[snap.edge[snap.edge >= 0]]
    for i in range(runs):
        w = seconds[i % 24]
        t0 = time.perf_counter()
        engine.set_seconds(w)
        cov = model.compute(engine, stations, LIMIT_S)
        ours.append((time.perf_counter() - t0) * 1000.0)
        shares.append(cov.share)
        t0 = time.perf_counter()
        m = csr_matrix((np.maximum(w, 1e-6), (roads.edge_src, roads.edge_dst)), shape=(roads.n_nodes,) * 2)
        dijkstra(m, indices=start).min(axis=0)
        base.append((time.perf_counter() - t0) * 1000.0)
    return {"coverage_ms": common.median(ours), "coverage_p90_ms": common.percentile(ours, 90),
            "unbounded_ms": common.median(base), "model_ms": model_s * 1000.0, "share_min": min(shares),
            "share_max": max(shares), "nodes": roads.n_nodes, "edges": roads.n_edges, "road_km": cov.road_km,
            "last": cov}


def main(argv: list[str]) -> dict:
    p = common.parser("coverage", __doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=None, help="timed updates, median (default 48; quick 6)")
    args = p.parse_args(argv)
    runs = args.runs or (6 if args.quick else 48)
    from bench.routing import near_roads, synthetic_roads
    from sitroom.services.routing.coverage import CoverageModel
    from sitroom.services.routing.engine import RoutingEngine
    from sitroom.services.sim.demo_kit import open_demo_city

    kit = open_demo_city()
    fire = np.array([(q.x, q.y) for q in kit.pois_of("fire")])
    ems = np.array([(q.x, q.y) for q in kit.pois_of("ems")])
    stations = np.vstack([fire, ems])[:STATIONS]
    result: dict = {"benchmark": "coverage", "quick": args.quick, "stations": len(stations), "limit_s": LIMIT_S,
                    "runs": runs}
    common.heading(f"coverage: {len(stations)} stations, {LIMIT_S / 60:g} min, {runs} updates (new hour's times + "
                   f"compute, median); baseline: unbounded Dijkstra per station + min")
    m = measure(kit.roads, kit.districts, stations, runs)
    speedup = common.ratio(m["unbounded_ms"], m["coverage_ms"])
    common.say(f"  demo city: {m['nodes']:,} nodes, {m['edges']:,} edges, {m['road_km']:,.0f} km of road, "
               f"{len(kit.districts)} districts (model built in {m['model_ms']:.0f} ms)")
    common.say(f"  update {m['coverage_ms']:.2f} ms (p90 {m['coverage_p90_ms']:.2f} ms)   unbounded "
               f"{m['unbounded_ms']:.1f} ms   → {speedup:.1f}× faster   (goal ≤ {GOAL_COVERAGE_MS:g} ms: "
               f"{common.check_at_most(m['coverage_ms'], GOAL_COVERAGE_MS)})")
    common.say(f"  city share over the day: {m['share_min']:.0%} to {m['share_max']:.0%}")
    worst = [f"{d.name_en} {d.share:.0%} ({d.uncovered_km:.0f} km)" for d in m["last"].vulnerable if d.level == "dong"]
    common.say(f"  least covered dong at {(runs - 1) % 24:02d}h: {', '.join(worst[:4])}")
    result.update({"coverage_ms_30": m["coverage_ms"], "coverage_p90_ms_30": m["coverage_p90_ms"],
                   "unbounded_ms_30": m["unbounded_ms"], "speedup_vs_unbounded": speedup,
                   "model_ms": m["model_ms"], "road_km": m["road_km"]})

    common.heading(f"time of day: fire stations ({len(fire)}), {LIMIT_S / 60:g} min, 24 hours of the demo day")
    model = CoverageModel.for_kit(kit)
    engine = RoutingEngine(kit.roads)
    t0 = time.perf_counter()
    report = model.time_of_day_report(engine, fire, _hourly_seconds(kit.roads, range(24)), LIMIT_S)
    report_ms = (time.perf_counter() - t0) * 1000.0
    common.say("  " + "  ".join(f"{h:02d}h {s:.0%}" for h, s in report[:12]))
    common.say("  " + "  ".join(f"{h:02d}h {s:.0%}" for h, s in report[12:]))
    by_hour = dict(report)
    common.say(f"  night (03h) {by_hour[3]:.0%} against {by_hour[13]:.0%} at 13h; report in {report_ms:.0f} ms")
    result.update({"report_ms": report_ms, "fire_share_03h": by_hour[3], "fire_share_13h": by_hour[13],
                   "fire_share_18h": by_hour[18]})

    side = 150 if args.quick else 450
    big = synthetic_roads(side)
    big_stations = near_roads(big, np.random.default_rng(5), STATIONS)
    b = measure(big, (), big_stations, max(runs // 4, 3))
    big_speedup = common.ratio(b["unbounded_ms"], b["coverage_ms"])
    common.heading(f"coverage on the synthetic {side}×{side} graph ({b['nodes']:,} nodes, {b['edges']:,} edges)")
    common.say(f"  update {b['coverage_ms']:.1f} ms   unbounded {b['unbounded_ms']:.1f} ms   → {big_speedup:.1f}× "
               f"faster; city share {b['share_min']:.0%} to {b['share_max']:.0%}")
    result.update({"coverage_ms_30_200k": b["coverage_ms"], "unbounded_ms_30_200k": b["unbounded_ms"],
                   "speedup_vs_unbounded_200k": big_speedup, "nodes_200k": b["nodes"],
                   "goal_coverage_ms": GOAL_COVERAGE_MS})
    return result


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
