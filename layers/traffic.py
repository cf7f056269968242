"""Live link speeds keyed to the kit's road edges: the congestion picture and the travel times routing uses."""

from __future__ import annotations

import numpy as np

from sitroom.layers.base import Layer
from sitroom.services.store.kit import RoadGraph

MIN_KMH = 3.0  # walking pace: the slowest a reported link counts for travel times


class TrafficLayer(Layer):
    title = "Traffic"
    stack = 10

    def __init__(self, roads: RoadGraph) -> None:
        super().__init__()
        self.roads = roads
        self._order = np.argsort(roads.edge_link, kind="stable")
        self._sorted_links = roads.edge_link[self._order]
        self.kmh = roads.edge_speed.astype(np.float32).copy()  # free flow until the feed says otherwise
        self.seconds = roads.free_flow_seconds().astype(np.float64)  # live travel time of each edge
        self.updated = np.zeros(roads.n_edges, dtype=bool)
        self.unknown_links = 0
        self.applied = 0  # batches applied: routing refreshes its times when this moves

    def edges_for(self, links: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every edge of each link id (an OSM way or a node-link link spans several edges).

        Returns (record index, edge index) pairs; ids this kit does not have yield none."""
        lo = np.searchsorted(self._sorted_links, links, side="left")
        hi = np.searchsorted(self._sorted_links, links, side="right")
        counts = hi - lo
        record = np.repeat(np.arange(len(links)), counts)
        offset = np.arange(len(record)) - np.repeat(np.cumsum(counts) - counts, counts)
        return record, self._order[np.repeat(lo, counts) + offset]

    def apply(self, records: np.ndarray) -> int:
        ok = np.isfinite(records["kmh"]) & (records["kmh"] >= 0)
        record, edges = self.edges_for(records["link"])
        self.unknown_links += int(len(records) - len(np.unique(record)))
        take = ok[record]
        changed = edges[take]
        self.kmh[changed] = records["kmh"][record[take]]
        self.updated[changed] = True
        self.applied += 1
        # A standstill report still leaves a road passable, just slowly: no infinite times in routing.
        self.seconds[changed] = self.roads.edge_length[changed] / (np.maximum(self.kmh[changed], MIN_KMH) / 3.6)
        self.mark_dirty()
        return int(ok.sum())

    def speed_ratio(self) -> np.ndarray:
        """Current over free-flow speed per edge (1 = free flow)."""
        return np.clip(self.kmh / np.maximum(self.roads.edge_speed, 1.0), 0.0, 1.5)
