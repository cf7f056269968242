"""Renderer of the TrafficLayer: arterials coloured by current speed against free flow."""

from __future__ import annotations

import numpy as np

from sitroom.layers.traffic import TrafficLayer
from sitroom.resources import palette
from sitroom.services.store.kit import RoadClass
from sitroom.widgets.map.layer_item import BandedPathsItem
from sitroom.widgets.map.registry import renders

_CLASSES = (RoadClass.MOTORWAY, RoadClass.TRUNK, RoadClass.PRIMARY, RoadClass.SECONDARY)
_OFFSET_M = 6.0  # each direction drawn a little to its right, so both directions of a road stay visible


@renders(TrafficLayer)
class TrafficItem(BandedPathsItem):
    width, alpha = 1.8, 170

    def __init__(self, layer: TrafficLayer) -> None:
        g = layer.roads
        self._edges = np.flatnonzero(np.isin(g.edge_class, [int(c) for c in _CLASSES]))
        a, b = g.node_xy[g.edge_src[self._edges]], g.node_xy[g.edge_dst[self._edges]]
        d = b - a
        n = np.stack([d[:, 1], -d[:, 0]], axis=1) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-6)[:, None]
        super().__init__(layer, np.stack([a + n * _OFFSET_M, b + n * _OFFSET_M], axis=1))

    def bands(self) -> list[tuple[np.ndarray, str]]:
        ratio = self.layer.speed_ratio()[self._edges]
        known = self.layer.updated[self._edges]
        edges = [t for t, _ in palette.CONGESTION] + [palette.CONGESTION_FREE_FROM]
        return [(known & (ratio >= edges[i]) & (ratio < edges[i + 1]), colour)
                for i, (_lo, colour) in enumerate(palette.CONGESTION)]
