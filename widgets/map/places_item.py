"""Renderer of the PlacesLayer: a small symbol per place by kind, names of stations at street zoom."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from layers.places import KINDS, PlacesLayer
from resources import palette
from widgets.map.drawing import bounds_of, view_scale
from widgets.map.layer_item import LayerItem
from widgets.map.registry import renders

_SYMBOL_PX = 9.0
_MIN_SCALE = {"fire": 0.0, "ems": 0.0, "police": 0.0, "hospital": 0.0, "shelter": 0.03, "facility": 0.03,
              "school": 0.08, "camera": 0.08}
_NAME_SCALE = 0.25
_NAMED = {"fire", "ems", "police", "hospital", "shelter", "facility"}
_MAX_DRAWN = 3000


def _symbol(kind: str) -> QtGui.QPainterPath:
    """A shape per kind, centred on the origin, in pixels."""
    s = _SYMBOL_PX / 2
    path = QtGui.QPainterPath()
    if kind in ("fire", "ems", "police"):  # stations: a square
        path.addRect(QtCore.QRectF(-s, -s, 2 * s, 2 * s))
    elif kind == "hospital":  # a cross
        t = s / 2.6
        path.addRect(QtCore.QRectF(-s, -t, 2 * s, 2 * t))
        path.addRect(QtCore.QRectF(-t, -s, 2 * t, 2 * s))
        path = path.simplified()
    elif kind == "shelter":  # a diamond
        path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(0, -s), QtCore.QPointF(s, 0), QtCore.QPointF(0, s),
                                         QtCore.QPointF(-s, 0)]))
        path.closeSubpath()
    elif kind == "camera":  # a small triangle
        path.addPolygon(QtGui.QPolygonF([QtCore.QPointF(0, -s * 0.8), QtCore.QPointF(s * 0.8, s * 0.6),
                                         QtCore.QPointF(-s * 0.8, s * 0.6)]))
        path.closeSubpath()
    else:  # schools, facilities, a user layer's own kinds: a circle
        path.addEllipse(QtCore.QPointF(0, 0), s * 0.8, s * 0.8)
    return path


@renders(PlacesLayer)
class PlacesItem(LayerItem):
    cached = True  # the kit's places never move

    def __init__(self, layer: PlacesLayer) -> None:
        self._symbols = [_symbol(k) for k in KINDS]
        self._brushes = [QtGui.QBrush(QtGui.QColor(palette.PLACE[k])) for k in KINDS]
        self._outline = QtGui.QPen(QtGui.QColor(palette.PLACE_OUTLINE), 1.2)
        self._font = QtGui.QFont()
        self._font.setPixelSize(11)
        self._bounds = bounds_of(layer.x, layer.y, pad=50.0)
        super().__init__(layer)

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        view = self.viewRect()
        if view is None or not len(self.layer):
            return
        scale = view_scale(p)
        tr = p.transform()
        rows = self.layer.in_view(view.left(), view.top(), view.right(), view.bottom())
        min_scale = np.array([_MIN_SCALE[k] for k in KINDS])
        rows = rows[min_scale[self.layer.kind[rows]] <= scale][:_MAX_DRAWN]
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        p.setPen(self._outline)
        for r in rows:
            at = tr.map(QtCore.QPointF(float(self.layer.x[r]), float(self.layer.y[r])))
            k = int(self.layer.kind[r])
            p.setBrush(self._brushes[k])
            p.drawPath(self._symbols[k].translated(at))
        if scale >= _NAME_SCALE:
            p.setFont(self._font)
            p.setPen(QtGui.QColor(palette.UI["text"]))
            for r in rows:
                if KINDS[int(self.layer.kind[r])] in _NAMED and self.layer.names[r]:
                    at = tr.map(QtCore.QPointF(float(self.layer.x[r]), float(self.layer.y[r])))
                    p.drawText(at + QtCore.QPointF(_SYMBOL_PX, 4), self.layer.names[r])
        p.restore()
        self.drawn = len(rows)
