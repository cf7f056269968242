"""Renderer of the BasemapLayer: districts and roads by class, with levels of detail by zoom."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

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
        path.addPath(pg.arrayToQPath(ring[:, 0], ring[:, 1], connect="all"))
        path.closeSubpath()
    return path


class BasemapItem(pg.GraphicsObject):
    def __init__(self, layer: BasemapLayer) -> None:
        super().__init__()
        self.layer = layer
        self.setZValue(-10)
        # Static between view changes: repaint from a device-pixel cache while only vehicles move.
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)
        self.paint_ms = 0.0
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
        self.labels = LabelsItem(layer, self._bounds)
        self.overlays = [self.labels]  # drawn above the live layers, added by the canvas
        layer.events.style.connect(self._on_style)

    def _on_style(self, what: str) -> None:
        if what == "language":
            self.labels.update()
        self.setVisible(self.layer.visible)
        self.setOpacity(self.layer.opacity)
        self.labels.setVisible(self.layer.visible)

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


class LabelsItem(pg.GraphicsObject):
    """District names with a dark halo, above the vehicles so they stay readable; dong names at street zoom."""

    def __init__(self, layer: BasemapLayer, bounds: QtCore.QRectF) -> None:
        super().__init__()
        self.layer = layer
        self._bounds = bounds
        self.setZValue(50)
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)
        self._paths: dict[str, list[tuple[float, float, str, QtGui.QPainterPath]]] = {}
        self._halo = QtGui.QPen(QtGui.QColor(palette.UI["map_bg"]), 3.5)
        self._halo.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)

    def _label_paths(self, lang: str) -> list[tuple[float, float, str, QtGui.QPainterPath]]:
        if lang not in self._paths:
            out = []
            for d in self.layer.districts:
                font = QtGui.QFont()
                font.setPixelSize(15 if d.level == "gu" else 11)
                font.setBold(d.level == "gu")
                path = QtGui.QPainterPath()
                text = d.name_en if lang == "en" and d.name_en else d.name
                path.addText(0, 0, font, text)
                r = path.boundingRect()
                path.translate(-r.center())
                out.append((d.label_xy[0], d.label_xy[1], d.level, path))
            self._paths[lang] = out
        return self._paths[lang]

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        tr = p.transform()
        scale = float(np.hypot(tr.m11(), tr.m12()))
        view = self.viewRect()
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        for x, y, level, path in self._label_paths(self.layer.language):
            if level != "gu" and scale < _DONG_LABEL_SCALE:
                continue
            if view is not None and not view.contains(QtCore.QPointF(x, y)):
                continue
            at = tr.map(QtCore.QPointF(x, y))
            placed = path.translated(at)
            p.strokePath(placed, self._halo)
            p.fillPath(placed, QtGui.QColor(palette.LABEL_GU if level == "gu" else palette.LABEL))
        p.restore()
