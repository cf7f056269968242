"""Renderer of the RouteLayer: the route with its ETA, a dashed alternative, closed roads crossed out."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from layers.routes import RouteLayer
from resources import palette
from widgets.map.basemap_item import cosmetic_pen, segments_path


class RouteItem(pg.GraphicsObject):
    def __init__(self, layer: RouteLayer) -> None:
        super().__init__()
        self.layer = layer
        self.setZValue(30)  # over roads and places, under vehicles and incidents
        self._route_pen = cosmetic_pen(palette.ROUTE, 5.0, 220)
        self._alt_pen = cosmetic_pen(palette.ROUTE_ALT, 3.0, 200)
        self._alt_pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        self._closed_pen = cosmetic_pen(palette.CLOSURE, 4.0, 230)
        self._closed_pen.setStyle(QtCore.Qt.PenStyle.DotLine)
        self._paths: list[tuple[QtGui.QPen, QtGui.QPainterPath]] = []
        self._bounds = QtCore.QRectF()
        layer.events.style.connect(lambda what: (self.setVisible(layer.visible), self.setOpacity(layer.opacity)))

    def refresh(self, now: float, stale_feeds: np.ndarray) -> None:
        lay = self.layer
        self.prepareGeometryChange()
        self._paths = []
        rect = QtCore.QRectF()
        for pen, xy in ((self._alt_pen, lay.alternative_xy), (self._route_pen, lay.route_xy)):
            if xy is not None and len(xy) > 1:
                path = pg.arrayToQPath(xy[:, 0], xy[:, 1], connect="all")
                self._paths.append((pen, path))
                rect = rect.united(path.boundingRect())
        if len(lay.closed_xy):
            path = segments_path(lay.closed_xy)
            self._paths.append((self._closed_pen, path))
            rect = rect.united(path.boundingRect())
        self._bounds = rect.adjusted(-200, -200, 200, 200)
        lay.dirty = False
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        for pen, path in self._paths:
            p.setPen(pen)
            p.drawPath(path)
        xy = self.layer.route_xy
        if self.layer.label and xy is not None and len(xy):
            tr = p.transform()
            at = tr.map(QtCore.QPointF(float(xy[0, 0]), float(xy[0, 1])))
            p.save()
            p.resetTransform()
            font = QtGui.QFont()
            font.setPixelSize(13)
            font.setBold(True)
            text = QtGui.QPainterPath()
            text.addText(at + QtCore.QPointF(12, -12), font, self.layer.label)
            p.strokePath(text, QtGui.QPen(QtGui.QColor(palette.UI["map_bg"]), 4.0))
            p.fillPath(text, QtGui.QColor(palette.ROUTE))
            p.restore()
