"""Road coverage within a time limit, against a hand count and a brute force over finely subdivided roads."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
import shapely

from sitroom.services.routing.coverage import CoverageModel
from sitroom.services.routing.engine import RoutingEngine
from sitroom.services.sim.congestion import link_speeds_kmh
from sitroom.services.store.kit import District, RoadGraph
from tests.kits import grid_kit
from tests.services.test_engine import random_roads

PIECES = 40  # each road cut into this many pieces for the brute force


def brute_force(roads: RoadGraph, seconds: np.ndarray, sources: list[tuple[int, int, int]],
                limit: float) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float]]:
    """Covered share and midpoint seconds of every road {u, v}, by a multi-source heapq Dijkstra over the
    roads cut into PIECES pieces, sources standing on piece ends: (u, v, i) is i pieces from u towards v.
    A piece counts as covered when its midpoint is reached within the limit."""
    roads_uv = sorted({(min(a, b), max(a, b)) for a, b in zip(roads.edge_src.tolist(), roads.edge_dst.tolist(),
                                                                strict=True)})

    def node(u: int, v: int, i: int) -> tuple:
        lo, hi = min(u, v), max(u, v)
        i = i if u == lo else PIECES - i
        return ("n", lo) if i == 0 else ("n", hi) if i == PIECES else ("p", lo, hi, i)

    adj: dict[tuple, list[tuple[tuple, float]]] = {}
    for e in range(roads.n_edges):
        if not np.isfinite(seconds[e]):
            continue
        u, v, step = int(roads.edge_src[e]), int(roads.edge_dst[e]), float(seconds[e]) / PIECES
        for i in range(PIECES):
            adj.setdefault(node(u, v, i), []).append((node(u, v, i + 1), step))
    best: dict[tuple, float] = {}
    heap = [(0.0, node(*s)) for s in sources]
    for d, x in heap:
        best[x] = d
    heapq.heapify(heap)
    while heap:
        d, x = heapq.heappop(heap)
        if d > best[x]:
            continue
        for y, w in adj.get(x, ()):
            if d + w < best.get(y, np.inf):
                best[y] = d + w
                heapq.heappush(heap, (d + w, y))
    share, middle = {}, {}
    for lo, hi in roads_uv:
        t = np.array([best.get(node(lo, hi, i), np.inf) for i in range(PIECES + 1)])
        fwd = min((float(seconds[e]) for e in range(roads.n_edges)
                   if (roads.edge_src[e], roads.edge_dst[e]) == (lo, hi)), default=np.inf) / PIECES
        back = min((float(seconds[e]) for e in range(roads.n_edges)
                    if (roads.edge_src[e], roads.edge_dst[e]) == (hi, lo)), default=np.inf) / PIECES
        mid = np.minimum(t[:-1] + fwd / 2, t[1:] + back / 2)
        share[(lo, hi)] = float((mid <= limit).mean())
        middle[(lo, hi)] = float(t[PIECES // 2])
    return share, middle


def test_hand_count_on_a_grid() -> None:
    kit = grid_kit(5, spacing=100.0)
    roads = kit.roads
    engine = RoutingEngine(roads, np.full(roads.n_edges, 10.0))
    model = CoverageModel.for_kit(kit)
    cov = model.compute(engine, roads.node_xy[[12]], limit_s=15.0)
    # 40 roads of 100 m. From the centre: its 4 roads whole (10 s), then half of each of the 12 roads leaving
    # its 4 neighbours (reached at 10 s, 5 s more to go).
    assert cov.road_km == pytest.approx(4.0)
    assert cov.covered_km == pytest.approx(0.4 + 12 * 0.05)
    assert cov.share == pytest.approx(0.25)
    assert cov.sources == 1 and cov.version == engine.version
    assert cov.districts[0].share == pytest.approx(0.25) and cov.districts[0].uncovered_km == pytest.approx(3.0)
    centre_roads = (roads.edge_src == 12) | (roads.edge_dst == 12)
    assert np.allclose(cov.minutes[centre_roads], 5 / 60) and np.allclose(cov.covered[centre_roads], 1.0)
    # Midpoints beyond twice the limit (30 s) have no colour.
    far = (roads.edge_src == 0) | (roads.edge_dst == 0)
    assert np.isnan(cov.minutes[far]).all() and np.all(cov.covered[far] == 0)
    assert np.nanmax(cov.minutes) <= 30 / 60


@pytest.mark.parametrize("seed", range(3))
def test_matches_the_brute_force_on_random_graphs(seed: int) -> None:
    roads, seconds = random_roads(seed, n=50, oneway=0.3)
    engine = RoutingEngine(roads, seconds)
    model = CoverageModel(roads)
    rng = np.random.default_rng(seed)
    first, seg_of_edge = engine.segments
    picks = rng.choice(len(first), 3, replace=False)
    sources = [(int(roads.edge_src[first[s]]), int(roads.edge_dst[first[s]]), int(rng.integers(1, PIECES)))
               for s in picks]
    xy = np.array([roads.node_xy[u] + i / PIECES * (roads.node_xy[v] - roads.node_xy[u]) for u, v, i in sources])
    for limit in (60.0, 150.0, 400.0):
        cov = model.compute(engine, xy, limit_s=limit)
        share, middle = brute_force(roads, seconds, sources, limit)
        lo = np.minimum(roads.edge_src[first], roads.edge_dst[first])
        hi = np.maximum(roads.edge_src[first], roads.edge_dst[first])
        got = cov.covered[first]
        want = np.array([share[(a, b)] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)])
        # A piece counts whole or not at all: each boundary inside a road costs at most one piece.
        assert np.abs(got - want).max() <= 4.0 / PIECES + 1e-9
        length = roads.edge_length[first]
        assert cov.share == pytest.approx(float((want * length).sum() / length.sum()), abs=1.0 / PIECES)
        mid = np.array([middle[(a, b)] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)])
        shown = np.where(mid <= 2 * limit, mid / 60, np.nan)
        assert np.allclose(cov.minutes[first], shown, equal_nan=True, rtol=1e-9, atol=1e-9)
        # Both directions of a road carry its figures.
        assert np.array_equal(cov.covered, cov.covered[first][seg_of_edge])


def _two_district_kit():
    kit = grid_kit(7, spacing=100.0)
    xy = kit.roads.node_xy
    (x0, y0), (x1, y1) = xy.min(0) - 50, xy.max(0) + 50
    xm = (x0 + x1) / 2
    districts = (
        District("W", "서", "West", "gu", "", shapely.box(x0, y0, xm, y1)),
        District("E", "동", "East", "gu", "", shapely.box(xm, y0, x1, y1)),
        District("W1", "서1", "West 1", "dong", "W", shapely.box(x0, y0, xm, (y0 + y1) / 2)),
        District("X", "밖", "Nowhere", "dong", "", shapely.box(x1 + 1000, y1 + 1000, x1 + 2000, y1 + 2000)),
    )
    return kit.roads, districts


def test_per_district_shares_and_vulnerable_list() -> None:
    roads, districts = _two_district_kit()
    engine = RoutingEngine(roads)
    model = CoverageModel(roads, districts)
    station = roads.node_xy[[8]]  # low on the west side
    cov = model.compute(engine, station, limit_s=45.0)
    first, _ = engine.segments
    mid = roads.node_xy[roads.edge_src[first]] / 2 + roads.node_xy[roads.edge_dst[first]] / 2
    length = roads.edge_length[first].astype(float)
    covered = cov.covered[first] * length
    for d in cov.districts:
        inside = shapely.intersects(shapely.points(mid), next(x.geometry for x in districts if x.code == d.code))
        if d.code == "E":  # roads on the border belong to the first district holding them, the west
            inside &= ~shapely.intersects(shapely.points(mid), districts[0].geometry)
        if not inside.any():
            assert d.road_km == 0 and np.isnan(d.share)
            continue
        assert d.road_km == pytest.approx(length[inside].sum() / 1000)
        assert d.share == pytest.approx(covered[inside].sum() / length[inside].sum())
        assert d.uncovered_km == pytest.approx((length[inside].sum() - covered[inside].sum()) / 1000)
    west, east = cov.district("W"), cov.district("E")
    assert west.share > east.share > 0
    assert [d.code for d in cov.vulnerable][:1] == ["E"] and "X" not in [d.code for d in cov.vulnerable]
    assert [d.share for d in cov.vulnerable] == sorted(d.share for d in cov.vulnerable)
    assert west.road_km + east.road_km == pytest.approx(cov.road_km)


def test_monotone_in_the_limit_and_lowered_by_closures() -> None:
    kit = grid_kit(9, spacing=150.0)
    roads = kit.roads
    engine = RoutingEngine(roads)
    model = CoverageModel.for_kit(kit)
    stations = roads.node_xy[[10, 70]]
    shares = [model.compute(engine, stations, limit_s=s).share for s in (0.0, 20.0, 40.0, 80.0, 160.0, 320.0)]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] == pytest.approx(1.0)
    open_share = model.compute(engine, stations, limit_s=80.0)
    engine.close_area(shapely.Point(*roads.node_xy[10]).buffer(80.0))
    closed = model.compute(engine, stations, limit_s=80.0)
    assert closed.share < open_share.share
    assert closed.version > open_share.version
    assert np.all(closed.covered[engine.closed] == 0)
    engine.reopen()
    assert model.compute(engine, stations, limit_s=80.0).share == pytest.approx(open_share.share)
    with pytest.raises(ValueError, match="different road graphs"):
        model.compute(RoutingEngine(grid_kit(4).roads), stations)


def test_units_far_from_roads_are_left_out() -> None:
    kit = grid_kit(5, spacing=100.0)
    roads = kit.roads
    engine = RoutingEngine(roads)
    model = CoverageModel.for_kit(kit)
    near = model.compute(engine, roads.node_xy[[12]], limit_s=30.0)
    both = model.compute(engine, np.vstack([roads.node_xy[[12]], [[0.0, 0.0]]]), limit_s=30.0)
    assert both.sources == 1 and both.share == near.share
    none = model.compute(engine, np.zeros((0, 2)), limit_s=30.0)
    assert none.share == 0.0 and np.isnan(none.minutes).all()


def test_time_of_day_report() -> None:
    kit = grid_kit(9, spacing=150.0)
    roads = kit.roads
    engine = RoutingEngine(roads)
    engine.close_edges([0])
    version, seconds = engine.version, engine.seconds.copy()
    model = CoverageModel.for_kit(kit)
    speeds = {h: link_speeds_kmh(h, roads.edge_class, roads.edge_link, roads.edge_speed) for h in range(24)}
    report = model.time_of_day_report(engine, roads.node_xy[[40]], speeds, limit_s=60.0)
    assert [h for h, _ in report] == list(range(24))
    assert all(0.0 <= s <= 1.0 for _, s in report)
    night, rush = dict(report)[3], dict(report)[18]
    assert night > rush
    # The hours run on a fork: the engine keeps its times and closures.
    assert engine.version == version and np.array_equal(engine.seconds, seconds) and engine.closed[0]
    # Each hour equals a coverage computed directly with that hour's speeds.
    direct = RoutingEngine(roads, roads.edge_length / (np.maximum(speeds[18], 3.0) / 3.6))
    direct.close_edges([0])
    assert rush == pytest.approx(model.compute(direct, roads.node_xy[[40]], limit_s=60.0).share)
    from_roads = model.time_of_day_report(roads, roads.node_xy[[40]], {18: speeds[18]}, limit_s=60.0)
    assert from_roads[0][0] == 18 and from_roads[0][1] >= rush


def test_demo_city_fire_stations_by_hour() -> None:
    from sitroom.services.sim.demo_kit import open_demo_city

    kit = open_demo_city()
    roads = kit.roads
    engine = RoutingEngine(roads)
    model = CoverageModel.for_kit(kit)
    stations = np.array([(p.x, p.y) for p in kit.pois_of("fire")])
    cov = model.compute(engine, stations)
    assert 0.0 < cov.share < 1.0 and cov.sources == len(stations)
    assert {d.level for d in cov.vulnerable} == {"gu", "dong"}
    gu = [d for d in cov.districts if d.level == "gu"]
    assert sum(d.road_km for d in gu) <= cov.road_km + 1e-6
    speeds = {h: link_speeds_kmh(h, roads.edge_class, roads.edge_link, roads.edge_speed) for h in (3, 13)}
    report = dict(model.time_of_day_report(engine, stations, speeds))
    assert report[3] > report[13]
