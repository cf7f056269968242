"""Renderer of the FacilityLayer: a symbol per facility in the colour of its worst state (a shape by kind), its
building shaded in that colour at street zoom, a badge with the count of its active alarms, and a flashing halo
while an alarm waits for acknowledgement."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6 import QtCore, QtGui

from layers.base import Moment
from layers.facilities import FacilityLayer
from resources import palette
from services.facilities.monitor import FacilitySummary
from widgets.map.drawing import bounds_of, view_scale
from widgets.map.layer_item import LayerItem
from widgets.map.registry import renders

_R = 7.0  # symbol radius in pixels
FOOTPRINT_SCALE = 0.25  # pixels per metre from which facility buildings are shaded (about 6 km across)
_FLASH_HZ = 2.0
_SPRITE = int(_R * 2.6) + 2  # pixels around a symbol (the tunnel's arch and the bridge's bar reach 1.2 R)


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
        self._sprites: dict[tuple[str, int, float], QtGui.QPixmap] = {}  # (kind, state, dpr) -> symbol drawn
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
        # Calm first, alarms last: the most urgent on top.
        for i in np.argsort(s.state, kind="stable"):
            x, y = float(s.x[i]), float(s.y[i])
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            at = tr.map(QtCore.QPointF(x, y))
            colour = QtGui.QColor(palette.FACILITY_STATE[int(s.state[i])])
            if s.unacked[i]:
                halo = QtGui.QColor(colour)
                halo.setAlpha(130 if self.flash_on else 25)
                p.setPen(QtCore.Qt.PenStyle.NoPen)
                p.setBrush(halo)
                radius = _R * (2.6 if s.escalated[i] else 2.0)
                p.drawEllipse(at, radius, radius)
            if s.ids[i] == self._selected:
                p.setPen(self._select_pen)
                p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
                p.drawEllipse(at, _R * 1.9, _R * 1.9)
            p.drawPixmap(at - QtCore.QPointF(_SPRITE / 2, _SPRITE / 2), self._sprite(s.kind[i], int(s.state[i]), dpr))
            self.drawn += 1
            if s.alarms[i]:
                self._badge(p, at + QtCore.QPointF(_R * 1.2, -_R * 1.2), int(s.alarms[i]))
        p.restore()

    def _sprite(self, kind: str, state: int, dpr: float) -> QtGui.QPixmap:
        """The symbol of a kind in a state's colour, drawn once: a few hundred facilities are a few hundred
        blits, not paths filled with antialiasing every frame."""
        key = (kind, state, dpr)
        pix = self._sprites.get(key)
        if pix is None:
            pix = QtGui.QPixmap(int(_SPRITE * dpr), int(_SPRITE * dpr))
            pix.setDevicePixelRatio(dpr)
            pix.fill(QtCore.Qt.GlobalColor.transparent)
            q = QtGui.QPainter(pix)
            q.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            q.setPen(self._outline)
            q.setBrush(QtGui.QColor(palette.FACILITY_STATE[state]))
            q.drawPath(facility_symbol(kind).translated(_SPRITE / 2, _SPRITE / 2))
            q.end()
            self._sprites[key] = pix
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
