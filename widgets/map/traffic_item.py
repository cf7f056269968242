"""Renderer of the TrafficLayer: arterials coloured by current speed against free flow."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from layers.traffic import TrafficLayer
from resources import palette
from services.store.kit import RoadClass
from widgets.map.basemap_item import cosmetic_pen, segments_path

_CLASSES = (RoadClass.MOTORWAY, RoadClass.TRUNK, RoadClass.PRIMARY, RoadClass.SECONDARY)


class TrafficItem(pg.GraphicsObject):
    def __init__(self, layer: TrafficLayer) -> None:
        super().__init__()
        self.layer = layer
        self.setZValue(-5)
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)  # changes every few seconds, not per frame
        g = layer.roads
        e = np.flatnonzero(np.isin(g.edge_class, [int(c) for c in _CLASSES]))
        self._edges = e
        # Offset each direction a little to its right so both directions of a road stay visible.
        a, b = g.node_xy[g.edge_src[e]], g.node_xy[g.edge_dst[e]]
        d = b - a
        n = np.stack([d[:, 1], -d[:, 0]], axis=1) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-6)[:, None]
        self._xy = np.stack([a + n * 6.0, b + n * 6.0], axis=1)
        self._paths: list[tuple[QtGui.QPen, QtGui.QPainterPath]] = []
        xy = g.node_xy
        self._bounds = QtCore.QRectF(xy[:, 0].min(), xy[:, 1].min(), np.ptp(xy[:, 0]), np.ptp(xy[:, 1])) \
            if len(xy) else QtCore.QRectF()

    def refresh(self, now: float, stale_feeds: np.ndarray) -> None:
        ratio = self.layer.speed_ratio()[self._edges]
        known = self.layer.updated[self._edges]
        bands = [t for t, _ in palette.CONGESTION] + [palette.CONGESTION_FREE_FROM]
        self._paths = []
        for i, (_lo, colour) in enumerate(palette.CONGESTION):
            m = known & (ratio >= bands[i]) & (ratio < bands[i + 1])
            if m.any():
                self._paths.append((cosmetic_pen(colour, 1.8, 170), segments_path(self._xy[m])))
        self.layer.dirty = False
        self.setVisible(self.layer.visible)
        self.setOpacity(self.layer.opacity)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        for pen, path in self._paths:
            p.setPen(pen)
            p.drawPath(path)
