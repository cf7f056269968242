"""Renderer of the CoverageLayer: every road coloured by the minutes it takes the nearest unit to reach it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from layers.coverage import CoverageLayer
from resources import palette
from widgets.map.basemap_item import cosmetic_pen, segments_path


class CoverageItem(pg.GraphicsObject):
    def __init__(self, layer: CoverageLayer) -> None:
        super().__init__()
        self.layer = layer
        self.setZValue(-4)  # over the basemap and congestion, under everything live
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)
        self._paths: list[tuple[QtGui.QPen, QtGui.QPainterPath]] = []
        xy = layer.segments.reshape(-1, 2)
        self._bounds = QtCore.QRectF(xy[:, 0].min(), xy[:, 1].min(), np.ptp(xy[:, 0]), np.ptp(xy[:, 1])) \
            if len(xy) else QtCore.QRectF()
        self.setVisible(layer.visible)
        layer.events.style.connect(lambda what: (self.setVisible(layer.visible), self.setOpacity(layer.opacity)))

    def refresh(self, now: float, stale_feeds: np.ndarray) -> None:
        minutes = np.where(np.isnan(self.layer.minutes), np.inf, self.layer.minutes)
        self._paths = []
        lower = -np.inf
        for upper, colour in palette.COVERAGE:
            m = (minutes > lower) & (minutes <= upper)
            if m.any():
                self._paths.append((cosmetic_pen(colour, 2.2, 210), segments_path(self.layer.segments[m])))
            lower = upper
        self.layer.dirty = False
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        for pen, path in self._paths:
            p.setPen(pen)
            p.drawPath(path)
