"""Snapping any position to the nearest road edge (shapely STRtree), vectorised over whole arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from services.store.kit import RoadGraph


@dataclass(frozen=True)
class Snapped:
    edge: np.ndarray  # (n,) nearest directed edge; -1 when farther than max_distance
    fraction: np.ndarray  # (n,) position along that edge, 0 at its source node, 1 at its destination
    distance: np.ndarray  # (n,) metres from the point to the edge
    x: np.ndarray  # (n,) the snapped point
    y: np.ndarray


class EdgeSnapper:
    def __init__(self, roads: RoadGraph) -> None:
        self.roads = roads
        a, b = roads.node_xy[roads.edge_src], roads.node_xy[roads.edge_dst]
        self._a, self._b = a, b
        self._tree = shapely.STRtree(shapely.linestrings(np.stack([a, b], axis=1)))

    def snap(self, x: np.ndarray, y: np.ndarray, max_distance: float = np.inf) -> Snapped:
        """Nearest edge of each (x, y) in projected metres. Of two directions of one road, the first wins."""
        x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
        points = shapely.points(x, y)
        kw = {} if not np.isfinite(max_distance) else {"max_distance": max_distance}
        (idx_point, idx_edge), dist = self._tree.query_nearest(points, return_distance=True, all_matches=False, **kw)
        edge = np.full(len(x), -1, dtype=np.int64)
        distance = np.full(len(x), np.inf)
        edge[idx_point] = idx_edge
        distance[idx_point] = dist
        found = edge >= 0
        a, b = self._a[edge[found]], self._b[edge[found]]
        ab = b - a
        p = np.stack([x[found], y[found]], axis=1)
        t = np.clip(((p - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-12), 0.0, 1.0)
        fraction = np.full(len(x), np.nan)
        sx, sy = np.full(len(x), np.nan), np.full(len(x), np.nan)
        fraction[found] = t
        sx[found] = a[:, 0] + t * ab[:, 0]
        sy[found] = a[:, 1] + t * ab[:, 1]
        return Snapped(edge, fraction, distance, sx, sy)
