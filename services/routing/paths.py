"""Fastest routes on the kit's road graph under live travel times (scipy's Dijkstra over a CSR matrix).

A route starts and ends part-way along the edges its end points snap to: the start pays the rest of its
edge, the end the part of its edge up to the point, so short trips and trips along one road are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from services.store.kit import RoadGraph
from services.store.snap import EdgeSnapper


class RouteError(ValueError):
    """No route: a point too far from any road, or no way through (closures, one-ways)."""


@dataclass(frozen=True)
class Route:
    edges: np.ndarray  # directed edges in driving order (the snapped first and last edges included)
    seconds: float
    metres: float
    xy: np.ndarray  # (k, 2) the line to draw, from the snapped start to the snapped end
    snapped_m: tuple[float, float] = (0.0, 0.0)  # how far the start and the end were from their roads


def weight_matrix(roads: RoadGraph, seconds: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
    """CSR matrix of the quickest edge between each node pair, and which edge that is (parallel edges exist)."""
    order = np.lexsort((seconds, roads.edge_dst, roads.edge_src))
    pair = roads.edge_src[order].astype(np.int64) * roads.n_nodes + roads.edge_dst[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    best = order[first]
    # Zero-length edges would vanish from a sparse matrix; a microsecond keeps them.
    w = np.maximum(seconds[best], 1e-6)
    m = csr_matrix((w, (roads.edge_src[best], roads.edge_dst[best])), shape=(roads.n_nodes, roads.n_nodes))
    pick = csr_matrix((best + 1, (roads.edge_src[best], roads.edge_dst[best])), shape=m.shape)
    return m, pick


def _along(roads: RoadGraph, edge: int, fraction: float) -> np.ndarray:
    a, b = roads.node_xy[roads.edge_src[edge]], roads.node_xy[roads.edge_dst[edge]]
    return a + fraction * (b - a)


def _directions(roads: RoadGraph, pick: csr_matrix, edge: int, fraction: float) -> list[tuple[int, float]]:
    """The snapped edge and, on a two-way road, its twin the other way (with the fraction measured along it)."""
    out = [(edge, fraction)]
    twin = int(pick[roads.edge_dst[edge], roads.edge_src[edge]]) - 1
    if twin >= 0:
        out.append((twin, 1.0 - fraction))
    return out


def fastest_route(roads: RoadGraph, seconds: np.ndarray, snapper: EdgeSnapper, start_xy: tuple[float, float],
                  end_xy: tuple[float, float], max_snap_m: float = 500.0) -> Route:
    """The quickest drive from one point to another, each snapped to the nearest road within ``max_snap_m``."""
    snap = snapper.snap(np.array([start_xy[0], end_xy[0]]), np.array([start_xy[1], end_xy[1]]), max_snap_m)
    if (snap.edge < 0).any():
        which = "start" if snap.edge[0] < 0 else "end"
        raise RouteError(f"the {which} is more than {max_snap_m:.0f} m from any road of the kit")
    m, pick = weight_matrix(roads, seconds)
    starts = _directions(roads, pick, int(snap.edge[0]), float(snap.fraction[0]))
    ends = _directions(roads, pick, int(snap.edge[1]), float(snap.fraction[1]))
    sources = sorted({int(roads.edge_dst[e]) for e, _ in starts})
    dist, pred = dijkstra(m, indices=sources, return_predecessors=True)
    best: tuple[float, int, float, int, float] | None = None  # seconds, start edge, f, end edge, f
    for e0, f0 in starts:
        for e1, f1 in ends:
            if e0 == e1 and f1 >= f0:  # along one edge, forwards
                sec = (f1 - f0) * seconds[e0]
            else:
                row = sources.index(int(roads.edge_dst[e0]))
                sec = (1 - f0) * seconds[e0] + dist[row, roads.edge_src[e1]] + f1 * seconds[e1]
            if np.isfinite(sec) and (best is None or sec < best[0]):
                best = (float(sec), e0, f0, e1, f1)
    if best is None:
        raise RouteError("no way through from the start to the end")
    sec, e0, f0, e1, f1 = best
    if e0 == e1 and f1 >= f0:
        edges, metres = np.array([e0]), (f1 - f0) * float(roads.edge_length[e0])
    else:
        row, a, b = sources.index(int(roads.edge_dst[e0])), int(roads.edge_dst[e0]), int(roads.edge_src[e1])
        nodes = [b]
        while nodes[-1] != a:
            nodes.append(int(pred[row, nodes[-1]]))
        nodes.reverse()
        middle = np.asarray(pick[nodes[:-1], nodes[1:]]).ravel().astype(np.int64) - 1
        edges = np.concatenate([[e0], middle, [e1]])
        metres = ((1 - f0) * float(roads.edge_length[e0]) + float(roads.edge_length[middle].sum())
                  + f1 * float(roads.edge_length[e1]))
    xy = np.vstack([_along(roads, e0, f0), roads.node_xy[roads.edge_dst[edges[:-1]]], _along(roads, e1, f1)])
    return Route(edges, sec, metres, xy, (float(snap.distance[0]), float(snap.distance[1])))
