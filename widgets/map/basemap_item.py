"""Renderer of the BasemapLayer: districts and roads by class, with levels of detail by zoom."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from layers.basemap import BasemapLayer
from resources import palette
from services.store.kit import RoadClass

# Minimum zoom (pixels per metre) at which each road class is drawn; the rest always are.
_ROAD_MIN_SCALE = {RoadClass.RESIDENTIAL: 0.035, RoadClass.SERVICE: 0.08, RoadClass.TERTIARY: 0.012}
_DONG_OUTLINE_SCALE = 0.02
_DONG_LABEL_SCALE = 0.07


def cosmetic_pen(colour: str, width: float, alpha: int = 255) -> QtGui.QPen:
    c = QtGui.QColor(colour)
    c.setAlpha(alpha)
    pen = QtGui.QPen(c, width)
    pen.setCosmetic(True)  # width in pixels at every zoom
    pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
    return pen


def segments_path(xy: np.ndarray) -> QtGui.QPainterPath:
    """One path for (n, 2, 2) segments: a single drawPath call per road class."""
    return pg.arrayToQPath(xy[:, :, 0].ravel(), xy[:, :, 1].ravel(), connect="pairs")


def rings_path(rings: list[np.ndarray]) -> QtGui.QPainterPath:
    path = QtGui.QPainterPath()
    for ring in rings:
        path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(float(x), float(y)) for x, y in ring]))
        path.closeSubpath()
    return path


class BasemapItem(pg.GraphicsObject):
    def __init__(self, layer: BasemapLayer) -> None:
        super().__init__()
        self.layer = layer
        self.setZValue(-10)
        self.paint_ms = 0.0
        self._scale = 0.0
        self._roads = {cls: segments_path(seg.xy) for cls, seg in layer.roads.items()}
        self._road_pens = {cls: cosmetic_pen(palette.ROAD[cls], palette.ROAD_WIDTH[cls]) for cls in self._roads}
        gu = [d for d in layer.districts if d.level == "gu"]
        dong = [d for d in layer.districts if d.level != "gu"]
        self._gu_path = QtGui.QPainterPath()
        for d in gu:
            self._gu_path.addPath(rings_path(d.rings))
        self._dong_path = QtGui.QPainterPath()
        for d in dong:
            self._dong_path.addPath(rings_path(d.rings))
        bounds = layer.kit.bounds
        self._bounds = QtCore.QRectF(bounds[0], bounds[1], bounds[2] - bounds[0], bounds[3] - bounds[1])
        self._labels: list[tuple[QtWidgets.QGraphicsSimpleTextItem, str]] = []
        for d in gu + dong:
            item = QtWidgets.QGraphicsSimpleTextItem(self)
            item.setFlag(item.GraphicsItemFlag.ItemIgnoresTransformations, True)
            font = QtGui.QFont()
            font.setPointSizeF(11.0 if d.level == "gu" else 8.0)
            font.setBold(d.level == "gu")
            item.setFont(font)
            item.setBrush(QtGui.QColor(palette.LABEL_GU if d.level == "gu" else palette.LABEL))
            item.setPos(*d.label_xy)
            item.setData(0, (d.name, d.name_en))
            self._labels.append((item, d.level))
        self.set_language(layer.language)
        layer.events.style.connect(self._on_style)

    def _on_style(self, what: str) -> None:
        if what == "language":
            self.set_language(self.layer.language)
        self.setVisible(self.layer.visible)
        self.setOpacity(self.layer.opacity)

    def set_language(self, lang: str) -> None:
        for item, _level in self._labels:
            ko, en = item.data(0)
            item.setText(en if lang == "en" and en else ko)
            r = item.boundingRect()
            item.setTransform(QtGui.QTransform.fromTranslate(-r.width() / 2, -r.height() / 2))

    def on_view_changed(self, scale: float) -> None:
        """Zoom level (pixels per metre) changed: show or hide detail that depends on it."""
        self._scale = scale
        for item, level in self._labels:
            item.setVisible(level == "gu" or scale >= _DONG_LABEL_SCALE)

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        t0 = time.perf_counter()
        tr = p.transform()
        scale = float(np.hypot(tr.m11(), tr.m12()))
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, scale > 0.05)
        p.setPen(cosmetic_pen(palette.DISTRICT_EDGE, 1.2))
        p.setBrush(QtGui.QColor(palette.DISTRICT_FILL))
        p.drawPath(self._gu_path)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        if scale >= _DONG_OUTLINE_SCALE:
            p.setPen(cosmetic_pen(palette.DONG_EDGE, 0.8))
            p.drawPath(self._dong_path)
        for cls in sorted(self._roads, reverse=True):  # minor roads first, arterials on top
            if scale >= _ROAD_MIN_SCALE.get(cls, 0.0):
                p.setPen(self._road_pens[cls])
                p.drawPath(self._roads[cls])
        self.paint_ms = (time.perf_counter() - t0) * 1000
