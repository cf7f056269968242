"""Renderer of the IncidentLayer: a shape per incident type, coloured by priority, with the priority's number
in a badge up and to the right (so priority never rests on telling red from orange); new incidents flash."""

from __future__ import annotations

import time

import numpy as np
from PySide6 import QtCore, QtGui

from sitroom.layers.base import Moment
from sitroom.layers.incidents import IncidentArrays, IncidentLayer
from sitroom.resources import palette
from sitroom.services.vocabulary import INCIDENT_TYPES
from sitroom.widgets.map.drawing import bounds_of, in_pixels
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders
from sitroom.widgets.theme import font

_R = 11.0  # symbol radius in pixels
_FLASH_HZ = 2.0
_BADGE_AT = QtCore.QPointF(_R + 3.0, -_R - 3.0)  # the badge's centre from the symbol's: beside it, not on it
_REACH_PX = 40.0  # how far from its point an incident's drawing reaches (flash halo, badge)


def incident_symbol(kind: str) -> QtGui.QPainterPath:
    """Shape by type, centred on the origin: fire a flame-like triangle, medical a cross, traffic a diamond,
    crime a shield, disaster a hexagon."""
    r = _R
    path = QtGui.QPainterPath()

    def poly(points: list[tuple[float, float]]) -> None:
        path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(x * r, y * r) for x, y in points]))
        path.closeSubpath()

    if kind == "fire":
        poly([(0, -1.15), (0.95, 0.8), (-0.95, 0.8)])
    elif kind == "medical":
        t = 0.36
        path.addRect(QtCore.QRectF(-r, -t * r, 2 * r, 2 * t * r))
        path.addRect(QtCore.QRectF(-t * r, -r, 2 * t * r, 2 * r))
        path = path.simplified()
    elif kind == "traffic":
        poly([(0, -1.1), (1.1, 0), (0, 1.1), (-1.1, 0)])
    elif kind == "crime":
        poly([(-0.9, -0.9), (0.9, -0.9), (0.9, 0.2), (0, 1.05), (-0.9, 0.2)])
    else:
        poly([(np.cos(a), np.sin(a)) for a in np.radians(np.arange(0, 360, 60) + 30)])
    return path


@renders(IncidentLayer)
class IncidentItem(LayerItem):
    time_driven = True  # new incidents flash even when nothing else changes

    def __init__(self, layer: IncidentLayer) -> None:
        self._symbols = [incident_symbol(k) for k in INCIDENT_TYPES]
        self._outline = QtGui.QPen(QtGui.QColor(palette.INCIDENT_OUTLINE), 1.5)
        self._select = QtGui.QPen(QtGui.QColor(palette.SELECTION), 3.0)
        self._badge_font = font("map_label", bold=True)
        digits = QtGui.QFontMetricsF(self._badge_font).tightBoundingRect("12345")
        self._badge_r = max(digits.width() / 5, digits.height()) / 2 + 3.5  # a digit and a margin all round
        self._badge_pen = QtGui.QPen(QtGui.QColor(palette.INCIDENT_OUTLINE), 1.2)
        self.badges: list[tuple[int, QtCore.QRectF]] = []  # (priority, screen box) of each badge last painted
        self._bounds = QtCore.QRectF()
        self._arrays: IncidentArrays | None = None
        self._selected: str | None = None
        self.flash_on = True
        self._scale = 1.0  # pixels per metre
        super().__init__(layer)

    def wants_refresh(self, moment: Moment) -> bool:
        # The book changes without marking the layer (the feed, the desk, the audit log all write it).
        return super().wants_refresh(moment) or self.layer.changed()

    def take(self, moment: Moment) -> None:
        self.flash_on = int(time.monotonic() * _FLASH_HZ * 2) % 2 == 0  # for the eye: wall time, even in replay
        a = self.layer.arrays()
        if a is not self._arrays:
            self.prepareGeometryChange()
            self._arrays = a
            self._update_bounds()
        self._selected = self.layer.selected

    def _update_bounds(self) -> None:
        a = self._arrays
        if a is not None:
            self._bounds = bounds_of(a.x, a.y, pad=max(500.0, _REACH_PX / max(self._scale, 1e-9)))

    def on_view_changed(self, scale: float) -> None:
        self.prepareGeometryChange()
        self._scale = scale
        self._update_bounds()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        a = self._arrays
        self.drawn = 0
        self.badges = []
        if a is None or not a.ids:
            return
        with in_pixels(p) as tr:
            # Least urgent first, so priority 1 is drawn on top.
            for i in np.argsort(-a.priority, kind="stable"):
                at = tr.map(QtCore.QPointF(float(a.x[i]), float(a.y[i])))
                path = self._symbols[int(a.type[i])].translated(at)
                colour = QtGui.QColor(palette.PRIORITY[int(a.priority[i])])
                if a.new[i]:
                    halo = QtGui.QColor(colour)
                    halo.setAlpha(120 if self.flash_on else 30)
                    p.setPen(QtCore.Qt.PenStyle.NoPen)
                    p.setBrush(halo)
                    p.drawEllipse(at, _R * 2.0, _R * 2.0)
                    if not self.flash_on:
                        colour = colour.darker(160)
                if a.ids[i] == self._selected:
                    p.setPen(self._select)
                    p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
                    p.drawEllipse(at, _R * 1.7, _R * 1.7)
                p.setPen(self._outline)
                p.setBrush(colour)
                p.drawPath(path)
                self._paint_badge(p, at, int(a.priority[i]))
        self.drawn = len(a.ids)

    def _paint_badge(self, p: QtGui.QPainter, at: QtCore.QPointF, priority: int) -> None:
        """The priority's number on a disc of its colour; steady while the symbol flashes, so it reads at once."""
        r = self._badge_r
        box = QtCore.QRectF(at + _BADGE_AT - QtCore.QPointF(r, r), QtCore.QSizeF(2 * r, 2 * r))
        p.setPen(self._badge_pen)
        p.setBrush(QtGui.QColor(palette.PRIORITY.get(priority, palette.PRIORITY[5])))
        p.drawEllipse(box)
        p.setFont(self._badge_font)
        p.setPen(QtGui.QColor(palette.PRIORITY_TEXT.get(priority, palette.PRIORITY_TEXT[5])))
        p.drawText(box, QtCore.Qt.AlignmentFlag.AlignCenter, str(priority))
        self.badges.append((priority, box))
