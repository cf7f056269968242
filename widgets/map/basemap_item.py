"""Renderer of the BasemapLayer: districts and roads by zoom band, with road and district labels on top."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from sitroom.layers.basemap import LABEL_MIN_SCALE, BasemapLayer, band_for
from sitroom.resources import palette
from sitroom.services.store.kit import RoadClass
from sitroom.widgets.map.drawing import cosmetic_pen, rings_path, view_scale
from sitroom.widgets.map.footprint_cells import MIN_SCALE as FOOTPRINT_SCALE
from sitroom.widgets.map.footprint_cells import FootprintCells
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders
from sitroom.widgets.map.tiles_item import TilesItem
from sitroom.widgets.theme import font

_DONG_OUTLINE_SCALE = 0.02
_DONG_LABEL_SCALE = 0.07
_MAX_ROAD_LABELS = 120  # per frame: beyond this a street view is text, not a map
_LABEL_GAP_PX = 6.0


@renders(BasemapLayer)
class BasemapItem(LayerItem):
    cached = True  # static between view changes: repaint from a device-pixel cache while only vehicles move

    def __init__(self, layer: BasemapLayer) -> None:
        self.paint_ms = 0.0
        self.band = -1  # the zoom band of the last paint
        # Paths per zoom band, built on first use of each band.
        self._band_paths: dict[int, dict[RoadClass, QtGui.QPainterPath]] = {}
        self._gu_path = QtGui.QPainterPath()
        self._dong_path = QtGui.QPainterPath()
        for d in layer.districts:
            (self._gu_path if d.level == "gu" else self._dong_path).addPath(rings_path(d.rings))
        bounds = layer.kit.bounds
        self._bounds = QtCore.QRectF(bounds[0], bounds[1], bounds[2] - bounds[0], bounds[3] - bounds[1])
        self.buildings = FootprintCells(layer.kit.footprints)  # drawn at street zoom
        self.buildings_drawn = 0
        super().__init__(layer)
        self._apply_style()
        self.labels = LabelsItem(layer, self._bounds)
        self.overlays = [self.labels]  # drawn above the live layers, added by the canvas
        self.tiles = TilesItem(layer.kit) if layer.kit.tiles_path is not None else None
        if self.tiles is not None:
            self.tiles.setParentItem(self)
            self.tiles.setFlag(self.GraphicsItemFlag.ItemStacksBehindParent)

    def _apply_style(self) -> None:
        s = palette.MAP_STYLE[self.layer.style]
        self._road_pens = {cls: cosmetic_pen(s["road"][cls], palette.ROAD_WIDTH[cls]) for cls in RoadClass}
        self._casing = ({cls: cosmetic_pen(palette.ROAD_CASING_DAY, palette.ROAD_WIDTH[cls] + 1.5)
                         for cls in RoadClass} if self.layer.style == "day" else None)
        self._district_pen = cosmetic_pen(s["district_edge"], 1.2)
        self._dong_pen = cosmetic_pen(s["dong_edge"], 0.8)
        self._building_pen = cosmetic_pen(s["building_edge"], 1.0)
        self._building_brush = QtGui.QBrush(QtGui.QColor(s["building"]))
        # With raster tiles under the vectors, districts are outlines only so the tiles show through.
        fill = QtGui.QColor(s["district_fill"])
        self._district_brush = QtGui.QBrush(fill) if self.layer.kit.tiles_path is None else QtGui.QBrush()

    def restyle(self, what: str) -> None:
        if what == "style":
            self._apply_style()
        self.labels.restyle(what)

    def close(self) -> None:
        super().close()
        if self.tiles is not None:
            self.tiles.close()

    def _paths(self, band: int) -> dict[RoadClass, QtGui.QPainterPath]:
        if band not in self._band_paths:
            self._band_paths[band] = {cls: pg.arrayToQPath(lines.x, lines.y, connect=lines.connect)
                                      for cls, lines in self.layer.bands[band].items()}
        return self._band_paths[band]

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        t0 = time.perf_counter()
        scale = view_scale(p)
        self.band = band_for(scale)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, scale > 0.05)
        p.setPen(self._district_pen)
        p.setBrush(self._district_brush)
        p.drawPath(self._gu_path)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        if scale >= _DONG_OUTLINE_SCALE:
            p.setPen(self._dong_pen)
            p.drawPath(self._dong_path)
        self.buildings_drawn = 0
        if scale >= FOOTPRINT_SCALE and len(self.buildings) and (view := self.viewRect()) is not None:
            p.setPen(self._building_pen)
            p.setBrush(self._building_brush)
            for path in self.buildings.paths_in(view):
                p.drawPath(path)
                self.buildings_drawn += 1
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        paths = self._paths(self.band)
        order = sorted(paths, reverse=True)  # minor roads first, arterials on top
        if self._casing is not None:
            for cls in order:
                p.setPen(self._casing[cls])
                p.drawPath(paths[cls])
        for cls in order:
            p.setPen(self._road_pens[cls])
            p.drawPath(paths[cls])
        self.paint_ms = (time.perf_counter() - t0) * 1000


class _Label:
    """A label rendered once (glyphs over their halo) into an image per colour pair, then only blitted:
    filling glyph outlines every frame costs ten times more, stroking them a hundred."""

    _stroker = QtGui.QPainterPathStroker()
    _stroker.setWidth(3.5)
    _stroker.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)

    def __init__(self, text: QtGui.QPainterPath) -> None:
        self.text = text
        self.halo = self._stroker.createStroke(text)
        self.box = self.halo.boundingRect().toAlignedRect().toRectF()
        self._images: dict[tuple[int, int], QtGui.QImage] = {}

    def image(self, colour: QtGui.QColor, halo: QtGui.QColor) -> QtGui.QImage:
        key = (colour.rgba(), halo.rgba())
        if key not in self._images:
            img = QtGui.QImage(self.box.size().toSize(), QtGui.QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(QtCore.Qt.GlobalColor.transparent)
            p = QtGui.QPainter(img)
            p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            p.translate(-self.box.topLeft())
            p.fillPath(self.halo, halo)
            p.fillPath(self.text, colour)
            p.end()
            self._images[key] = img
        return self._images[key]


class LabelsItem(pg.GraphicsObject):
    """District and road names with a halo, above the vehicles so they stay readable.

    Placement is greedy by importance in screen space: district names first, then roads by class and
    room; a label that would overlap one already placed is left out, so labels never collide."""

    def __init__(self, layer: BasemapLayer, bounds: QtCore.QRectF) -> None:
        super().__init__()
        self.layer = layer
        self._bounds = bounds
        self.setZValue(50)
        self.setCacheMode(self.CacheMode.DeviceCoordinateCache)
        self._district_paths: dict[str, list[tuple[float, float, str, _Label]]] = {}
        self._road_paths: dict[tuple[str, int], tuple[_Label, float]] = {}
        self._road_font = font("map_label")
        self.placed = 0  # labels drawn in the last paint (district and road)
        self.boxes: list[QtCore.QRectF] = []  # their screen boxes, gap included
        self.restyle("style")

    def restyle(self, what: str) -> None:
        s = palette.MAP_STYLE[self.layer.style]
        self._halo = QtGui.QColor(s["halo"])
        self._colours = {"gu": QtGui.QColor(s["label_gu"]), "dong": QtGui.QColor(s["label"]),
                         "road": QtGui.QColor(s["road_label"])}
        self.update()

    def _districts(self, lang: str) -> list[tuple[float, float, str, _Label]]:
        if lang not in self._district_paths:
            out = []
            for d in self.layer.districts:
                gu = d.level == "gu"
                path = QtGui.QPainterPath()
                path.addText(0, 0, font("map_title" if gu else "map_label", bold=gu),
                             d.name_en if lang == "en" and d.name_en else d.name)
                path.translate(-path.boundingRect().center())
                out.append((d.label_xy[0], d.label_xy[1], d.level, _Label(path)))
            self._district_paths[lang] = out
        return self._district_paths[lang]

    def _road(self, name: int) -> tuple[_Label, float]:
        key = (self.layer.language, name)
        if key not in self._road_paths:
            path = QtGui.QPainterPath()
            path.addText(0, 0, self._road_font, self.layer.road_label(name))
            r = path.boundingRect()
            path.translate(-r.center())
            self._road_paths[key] = (_Label(path), r.width())
        return self._road_paths[key]

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        tr = p.transform()
        scale = view_scale(p)
        view = self.viewRect()
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        taken: list[QtCore.QRectF] = []
        self.placed = 0

        def place(label: _Label, colour: QtGui.QColor, at: QtCore.QPointF, angle: float = 0.0) -> bool:
            to_screen = QtGui.QTransform().translate(at.x(), at.y()).rotate(-angle)
            box = to_screen.mapRect(label.box).adjusted(-_LABEL_GAP_PX, -_LABEL_GAP_PX, _LABEL_GAP_PX, _LABEL_GAP_PX)
            if any(box.intersects(t) for t in taken):
                return False
            taken.append(box)
            p.setTransform(to_screen)
            p.drawImage(label.box.topLeft(), label.image(colour, self._halo))
            self.placed += 1
            return True

        for x, y, level, path in sorted(self._districts(self.layer.language), key=lambda d: d[2] != "gu"):
            if level != "gu" and scale < _DONG_LABEL_SCALE:
                continue
            if view is not None and not view.contains(QtCore.QPointF(x, y)):
                continue
            place(path, self._colours["gu" if level == "gu" else "dong"], tr.map(QtCore.QPointF(x, y)))
        self._paint_roads(tr, scale, view, place)
        self.boxes = taken
        p.restore()

    def _paint_roads(self, tr: QtGui.QTransform, scale: float, view: QtCore.QRectF | None, place) -> None:
        lab = self.layer.labels
        if not len(lab.x) or scale < min(LABEL_MIN_SCALE.values()):
            return
        min_scale = np.array([LABEL_MIN_SCALE[RoadClass(c)] for c in range(1, 8)])[lab.road_class.astype(int) - 1]
        show = min_scale <= scale
        if view is not None:
            show &= ((lab.x >= view.left()) & (lab.x <= view.right()) & (lab.y >= view.top())
                     & (lab.y <= view.bottom()))
        # The map's y axis points up and the screen's down: QTransform.rotate(-a) then lays text along a.
        sign = 1.0 if tr.m22() < 0 else -1.0
        drawn = 0
        for i in np.flatnonzero(show):
            path, width = self._road(int(lab.name[i]))
            if width > lab.room[i] * scale:  # longer than its stretch of road at this zoom
                continue
            at = tr.map(QtCore.QPointF(float(lab.x[i]), float(lab.y[i])))
            if place(path, self._colours["road"], at, sign * float(lab.angle[i])):
                drawn += 1
                if drawn >= _MAX_ROAD_LABELS:
                    break
