"""Renderer of the FacilityLayer: a symbol per facility in the colour of its worst state (a shape by kind), its
building shaded in that colour at street zoom, a badge with the count of its active alarms, and a flashing halo
while an alarm waits for acknowledgement."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import shapely
from pyqtgraph.Qt import internals
from PySide6 import QtCore, QtGui

from sitroom.layers.base import Moment
from sitroom.layers.facilities import FacilityLayer
from sitroom.resources import palette
from sitroom.services.facilities.monitor import FacilitySummary
from sitroom.services.vocabulary import FACILITY_KINDS
from sitroom.widgets.map.drawing import bounds_of, view_scale
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders

_R = 7.0  # symbol radius in pixels
FOOTPRINT_SCALE = 0.25  # pixels per metre from which facility buildings are shaded (about 6 km across)
_FLASH_HZ = 2.0
_SPRITE = int(_R * 2.6) + 2  # pixels around a symbol (the tunnel's arch and the bridge's bar reach 1.2 R)
_KINDS = {k: i for i, k in enumerate(FACILITY_KINDS)}  # the atlas's rows; an unknown kind takes the last


def facility_symbol(kind: str) -> QtGui.QPainterPath:
    """Shape by kind, centred on the origin: hospital a cross, school a triangle, public building a square,
    underground mall a diamond, bridge a bar, tunnel an arch."""
    r = _R
    path = QtGui.QPainterPath()

    def poly(points: list[tuple[float, float]]) -> None:
        path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(x * r, y * r) for x, y in points]))
        path.closeSubpath()

    if kind == "hospital":
        t = 0.38
        path.addRect(QtCore.QRectF(-r, -t * r, 2 * r, 2 * t * r))
        path.addRect(QtCore.QRectF(-t * r, -r, 2 * t * r, 2 * r))
        path = path.simplified()
    elif kind == "school":
        poly([(0, -1.1), (1.0, 0.8), (-1.0, 0.8)])
    elif kind == "underground_mall":
        poly([(0, -1.1), (1.1, 0), (0, 1.1), (-1.1, 0)])
    elif kind == "bridge":
        path.addRoundedRect(QtCore.QRectF(-1.2 * r, -0.45 * r, 2.4 * r, 0.9 * r), 2.0, 2.0)
    elif kind == "tunnel":
        path.moveTo(-r, 0.8 * r)
        path.arcTo(QtCore.QRectF(-r, -r, 2 * r, 2 * r), 180.0, -180.0)
        path.lineTo(r, 0.8 * r)
        path.closeSubpath()
    else:
        path.addRect(QtCore.QRectF(-0.85 * r, -0.85 * r, 1.7 * r, 1.7 * r))
    return path


@renders(FacilityLayer)
class FacilityItem(LayerItem):
    time_driven = True  # unacknowledged alarms flash

    def __init__(self, layer: FacilityLayer) -> None:
        self._s: FacilitySummary | None = None
        self._bounds = QtCore.QRectF()
        self._atlas: QtGui.QPixmap | None = None
        self._atlas_dpr = 0.0
        self._frags = internals.PrimitiveArray(QtGui.QPainter.PixmapFragment, 10)
        self._buildings: dict[int, QtGui.QPainterPath] = {}  # footprint index -> its outline in kit metres
        self._selected: str | None = None
        self._outline = QtGui.QPen(QtGui.QColor(palette.FACILITY_OUTLINE), 1.2)
        self._select_pen = QtGui.QPen(QtGui.QColor(palette.SELECTION), 2.5)
        self.flash_on = True
        self.badges = 0  # badges drawn in the last paint (for tests and the stats)
        super().__init__(layer)

    def wants_refresh(self, moment: Moment) -> bool:
        return super().wants_refresh(moment) or self.layer.changed()

    def take(self, moment: Moment) -> None:
        self.flash_on = int(time.monotonic() * _FLASH_HZ * 2) % 2 == 0  # for the eye: wall time, even in replay
        s = self.layer.summary()
        if s is not self._s:
            self.prepareGeometryChange()
            self._s = s
            self._bounds = bounds_of(s.x, s.y, pad=500.0)
        self._selected = self.layer.selected

    def _building(self, index: int) -> QtGui.QPainterPath:
        path = self._buildings.get(index)
        if path is None:
            path = QtGui.QPainterPath()
            footprints = self.layer.footprints
            if 0 <= index < len(footprints):
                for poly in shapely.get_parts(footprints[index]):
                    for ring in (poly.exterior, *poly.interiors):
                        xy = shapely.get_coordinates(ring)
                        path.addPath(pg.arrayToQPath(xy[:, 0], xy[:, 1], connect="all"))
                        path.closeSubpath()
            self._buildings[index] = path
        return path

    def restyle(self, what: str) -> None:
        self._buildings.clear()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        s = self._s
        self.drawn = self.badges = 0
        if s is None or not s.ids:
            return
        scale = view_scale(p)
        p.save()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        if scale >= FOOTPRINT_SCALE:
            for i in np.flatnonzero(s.footprint >= 0):
                colour = QtGui.QColor(palette.FACILITY_STATE[int(s.state[i])])
                pen = QtGui.QPen(colour, 1.5)
                pen.setCosmetic(True)
                colour.setAlpha(110)
                p.setPen(pen)
                p.setBrush(colour)
                p.drawPath(self._building(int(s.footprint[i])))
        tr = p.transform()
        p.resetTransform()
        dpr = p.device().devicePixelRatioF() if p.device() is not None else 1.0
        if self._atlas is None or self._atlas_dpr != dpr:
            self._atlas, self._atlas_dpr = self._make_atlas(dpr), dpr
        ok = np.isfinite(s.x) & np.isfinite(s.y)
        px = tr.m11() * s.x + tr.m21() * s.y + tr.dx()
        py = tr.m12() * s.x + tr.m22() * s.y + tr.dy()
        kind = np.array([_KINDS.get(k, len(_KINDS)) for k in s.kind], np.int64) if s.kind else np.empty(0, np.int64)
        for i in np.flatnonzero(s.unacked & ok):  # halos first, under every symbol
            halo = QtGui.QColor(palette.FACILITY_STATE[int(s.state[i])])
            halo.setAlpha(130 if self.flash_on else 25)
            p.setPen(QtCore.Qt.PenStyle.NoPen)
            p.setBrush(halo)
            radius = _R * (2.6 if s.escalated[i] else 2.0)
            p.drawEllipse(QtCore.QPointF(px[i], py[i]), radius, radius)
        # Every symbol in one call from the atlas, calm first and alarms last: the most urgent on top.
        order = np.argsort(s.state, kind="stable")
        order = order[ok[order]]
        cell = _SPRITE * dpr
        self._frags.resize(len(order))
        f = self._frags.ndarray()
        f[:, 0], f[:, 1] = px[order], py[order]
        f[:, 2] = s.state[order] * cell
        f[:, 3] = kind[order] * cell
        f[:, 4] = f[:, 5] = cell
        f[:, 6] = f[:, 7] = 1.0 / dpr
        f[:, 8] = 0.0
        f[:, 9] = 1.0
        if len(order):
            p.drawPixmapFragments(*self._frags.drawargs(), self._atlas)
        self.drawn = len(order)
        if self._selected in s.ids:
            i = s.ids.index(self._selected)
            p.setPen(self._select_pen)
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            p.drawEllipse(QtCore.QPointF(px[i], py[i]), _R * 1.9, _R * 1.9)
        for i in np.flatnonzero((s.alarms > 0) & ok):
            self._badge(p, QtCore.QPointF(px[i] + _R * 1.2, py[i] - _R * 1.2), int(s.alarms[i]))
        p.restore()

    def _make_atlas(self, dpr: float) -> QtGui.QPixmap:
        """Every kind's symbol (rows) in every state's colour (columns), drawn once: a few hundred facilities
        are then one blit each, from one call."""
        cell = _SPRITE * dpr
        pix = QtGui.QPixmap(int(cell * len(palette.FACILITY_STATE)), int(cell * (len(_KINDS) + 1)))
        pix.fill(QtCore.Qt.GlobalColor.transparent)
        q = QtGui.QPainter(pix)
        q.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        q.scale(dpr, dpr)
        q.setPen(self._outline)
        for row, kind in enumerate([*_KINDS, ""]):
            symbol = facility_symbol(kind)
            for state, colour in palette.FACILITY_STATE.items():
                q.setBrush(QtGui.QColor(colour))
                q.drawPath(symbol.translated(_SPRITE * (state + 0.5), _SPRITE * (row + 0.5)))
        q.end()
        return pix

    def _badge(self, p: QtGui.QPainter, at: QtCore.QPointF, count: int) -> None:
        text = str(count) if count < 100 else "99+"
        w = max(14.0, 7.0 * len(text) + 6.0)
        box = QtCore.QRectF(at.x() - w / 2, at.y() - 7.0, w, 14.0)
        p.setPen(QtGui.QPen(QtGui.QColor(palette.FACILITY_OUTLINE), 1.0))
        p.setBrush(QtGui.QColor(palette.FACILITY_BADGE))
        p.drawRoundedRect(box, 7.0, 7.0)
        p.setPen(QtGui.QColor(palette.FACILITY_BADGE_TEXT))
        font = p.font()  # not kept: a QFont must not outlive the application (it would at exit)
        font.setPixelSize(10)
        font.setBold(True)
        p.setFont(font)
        p.drawText(box, QtCore.Qt.AlignmentFlag.AlignCenter, text)
        self.badges += 1
