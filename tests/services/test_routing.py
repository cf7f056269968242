"""Fastest routes under live travel times, against a plain reference Dijkstra."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from sitroom.layers.traffic import TrafficLayer
from sitroom.services.feeds.protocol import LINK_DTYPE
from sitroom.services.routing.paths import RouteError, fastest_route
from sitroom.services.store.kit import RoadGraph
from sitroom.services.store.snap import EdgeSnapper
from tests.kits import grid_kit


def reference(roads: RoadGraph, seconds: np.ndarray, a: int, b: int) -> float:
    best = {a: 0.0}
    heap = [(0.0, a)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == b:
            return d
        if d > best.get(u, np.inf):
            continue
        for e in range(roads.out_ptr[u], roads.out_ptr[u + 1]):
            v, nd = int(roads.edge_dst[e]), d + float(seconds[e])
            if nd < best.get(v, np.inf):
                best[v] = nd
                heapq.heappush(heap, (nd, v))
    return np.inf


def test_node_to_node_routes_match_the_reference() -> None:
    kit = grid_kit(9, spacing=150.0)
    roads = kit.roads
    rng = np.random.default_rng(3)
    seconds = roads.free_flow_seconds() * rng.uniform(0.5, 3.0, roads.n_edges)
    snapper = EdgeSnapper(roads)
    for _ in range(25):
        a, b = rng.choice(roads.n_nodes, 2, replace=False)
        r = fastest_route(roads, seconds, snapper, tuple(roads.node_xy[a]), tuple(roads.node_xy[b]))
        assert r.seconds == pytest.approx(reference(roads, seconds, int(a), int(b)), rel=1e-9, abs=1e-6)
        # The route is a connected chain of edges whose times add up.
        inner = r.edges[1:-1]
        assert np.array_equal(roads.edge_dst[r.edges[:-1]], roads.edge_src[r.edges[1:]])
        assert r.metres >= np.hypot(*(roads.node_xy[b] - roads.node_xy[a])) - 1e-6
        assert len(inner) == 0 or r.seconds >= seconds[inner].sum() - 1e-6


def test_live_link_speeds_change_the_route() -> None:
    kit = grid_kit(9, spacing=150.0)
    roads = kit.roads
    traffic = TrafficLayer(roads)
    snapper = EdgeSnapper(roads)
    a, b = roads.node_xy[0] + [0, 10], roads.node_xy[8 * 9] + [0, 10]  # along the first column's edge row
    free = fastest_route(roads, traffic.seconds, snapper, tuple(a), tuple(b))
    jam = np.zeros(len(free.edges), dtype=LINK_DTYPE)
    jam["link"] = roads.edge_link[free.edges]
    jam["kmh"] = 4.0
    traffic.apply(jam)
    assert np.allclose(traffic.seconds[free.edges], roads.edge_length[free.edges] / (4.0 / 3.6))
    around = fastest_route(roads, traffic.seconds, snapper, tuple(a), tuple(b))
    assert not set(around.edges[1:-1]) & set(free.edges[1:-1])
    # Slower than before the jam, quicker than sitting in it.
    assert free.seconds < around.seconds < float(traffic.seconds[free.edges[1:-1]].sum())


def test_far_points_and_no_way_through_are_clear_errors() -> None:
    kit = grid_kit(5)
    roads = kit.roads
    snapper = EdgeSnapper(roads)
    with pytest.raises(RouteError, match="start is more than 500 m"):
        fastest_route(roads, roads.free_flow_seconds(), snapper, (0.0, 0.0), tuple(roads.node_xy[3]))
    closed = roads.free_flow_seconds().copy()
    closed[roads.edge_dst == 12] = np.inf  # every way into the centre node is closed
    with pytest.raises(RouteError, match="no way through"):
        fastest_route(roads, closed, snapper, tuple(roads.node_xy[0]), tuple(roads.node_xy[12]))
