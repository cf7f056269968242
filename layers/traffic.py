"""Live link speeds keyed to the kit's road edges (the congestion picture and, later, routing weights)."""

from __future__ import annotations

import numpy as np

from layers.base import Layer
from services.store.kit import RoadGraph


class TrafficLayer(Layer):
    title = "Traffic"

    def __init__(self, roads: RoadGraph) -> None:
        super().__init__()
        self.roads = roads
        self._order = np.argsort(roads.edge_link, kind="stable")
        self._sorted_links = roads.edge_link[self._order]
        self.kmh = roads.edge_speed.astype(np.float32).copy()  # free flow until the feed says otherwise
        self.updated = np.zeros(roads.n_edges, dtype=bool)
        self.unknown_links = 0

    def edges_for(self, links: np.ndarray) -> np.ndarray:
        """Edge index per link id, -1 for ids this kit does not have."""
        if not len(self._sorted_links):
            return np.full(len(links), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self._sorted_links, links), len(self._sorted_links) - 1)
        return np.where(self._sorted_links[pos] == links, self._order[pos], -1)

    def apply(self, records: np.ndarray) -> int:
        edges = self.edges_for(records["link"])
        known = edges >= 0
        self.unknown_links += int((~known).sum())
        valid = known & np.isfinite(records["kmh"]) & (records["kmh"] >= 0)
        self.kmh[edges[valid]] = records["kmh"][valid]
        self.updated[edges[valid]] = True
        self.mark_dirty()
        return int(valid.sum())

    def speed_ratio(self) -> np.ndarray:
        """Current over free-flow speed per edge (1 = free flow)."""
        return np.clip(self.kmh / np.maximum(self.roads.edge_speed, 1.0), 0.0, 1.5)
