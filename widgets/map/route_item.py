"""Renderer of the RouteLayer: the route with its ETA, a dashed alternative, closed roads crossed out."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from layers.base import Moment
from layers.routes import RouteLayer
from resources import palette
from widgets.map.drawing import cosmetic_pen, segments_path
from widgets.map.layer_item import LayerItem
from widgets.map.registry import renders


@renders(RouteLayer)
class RouteItem(LayerItem):
    def __init__(self, layer: RouteLayer) -> None:
        self._route_pen = cosmetic_pen(palette.ROUTE, 5.0, 220)
        self._alt_pen = cosmetic_pen(palette.ROUTE_ALT, 3.0, 200)
        self._alt_pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        self._closed_pen = cosmetic_pen(palette.CLOSURE, 4.0, 230)
        self._closed_pen.setStyle(QtCore.Qt.PenStyle.DotLine)
        self._paths: list[tuple[QtGui.QPen, QtGui.QPainterPath]] = []
        self._bounds = QtCore.QRectF()
        self._label = ""
        self._label_at: tuple[float, float] | None = None
        super().__init__(layer)

    def take(self, moment: Moment) -> None:
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
        xy = lay.route_xy
        self._label = lay.label if xy is not None and len(xy) else ""
        self._label_at = (float(xy[0, 0]), float(xy[0, 1])) if self._label else None

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        for pen, path in self._paths:
            p.setPen(pen)
            p.drawPath(path)
        if self._label_at is not None:
            at = p.transform().map(QtCore.QPointF(*self._label_at))
            p.save()
            p.resetTransform()
            font = QtGui.QFont()
            font.setPixelSize(13)
            font.setBold(True)
            text = QtGui.QPainterPath()
            text.addText(at + QtCore.QPointF(12, -12), font, self._label)
            p.strokePath(text, QtGui.QPen(QtGui.QColor(palette.UI["map_bg"]), 4.0))
            p.fillPath(text, QtGui.QColor(palette.ROUTE))
            p.restore()
