"""Renderer of the PlacesLayer: a small symbol per place by kind, names of stations at street zoom.

Names are placed greedily, most important kind first: beside the symbol to the right, else left, below, above
or on a diagonal, wherever the name covers neither a name already placed nor a symbol; a name with no room is
left out (two stations at one spot: one name on each side, or one name)."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from sitroom.layers.places import KINDS, PlacesLayer
from sitroom.resources import palette
from sitroom.widgets.map.drawing import bounds_of, view_scale
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders
from sitroom.widgets.theme import font

_SYMBOL_PX = 9.0
_MIN_SCALE = {"fire": 0.0, "ems": 0.0, "police": 0.0, "hospital": 0.0, "shelter": 0.03, "facility": 0.03,
              "school": 0.08, "camera": 0.08}
_NAME_SCALE = 0.25
_NAMED = {"fire", "ems", "police", "hospital", "shelter", "facility"}
_MAX_DRAWN = 3000
_NAME_GAP_PX = 3.0  # between a name and its symbol
_HALO_PX = 3.5
_NAME_REACH_PX = 300.0  # how far from its place a name may reach, for the item's bounds


class ScreenBoxes:
    """Boxes already taken on the screen, bucketed in a coarse grid so each test looks at its neighbours only."""

    _CELL = 64.0

    def __init__(self) -> None:
        self.boxes: list[QtCore.QRectF] = []
        self._grid: dict[tuple[int, int], list[int]] = {}

    def _cells(self, box: QtCore.QRectF) -> list[tuple[int, int]]:
        c = self._CELL
        return [(i, j) for i in range(int(box.left() // c), int(box.right() // c) + 1)
                for j in range(int(box.top() // c), int(box.bottom() // c) + 1)]

    def free(self, box: QtCore.QRectF) -> bool:
        return not any(box.intersects(self.boxes[k]) for cell in self._cells(box) for k in self._grid.get(cell, ()))

    def take(self, box: QtCore.QRectF) -> None:
        for cell in self._cells(box):
            self._grid.setdefault(cell, []).append(len(self.boxes))
        self.boxes.append(box)


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
        self._font = font("map_label")
        self._metrics = QtGui.QFontMetricsF(self._font)
        self._halo = QtGui.QPen(QtGui.QColor(palette.PLACE_OUTLINE), _HALO_PX)
        self._halo.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)
        self._bounds = bounds_of(layer.x, layer.y, pad=50.0)
        self.name_boxes: list[QtCore.QRectF] = []  # the screen boxes of the names last painted
        super().__init__(layer)

    def on_view_changed(self, scale: float) -> None:
        # Names are sized in pixels: at street zoom one reaches further than the places' own box (the device
        # cache clips to the bounds).
        pad = 50.0 if scale < _NAME_SCALE else max(50.0, _NAME_REACH_PX / scale)
        self.prepareGeometryChange()
        self._bounds = bounds_of(self.layer.x, self.layer.y, pad=pad)

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
        taken = ScreenBoxes()
        half = _SYMBOL_PX / 2
        points = []
        for r in rows:
            at = tr.map(QtCore.QPointF(float(self.layer.x[r]), float(self.layer.y[r])))
            points.append(at)
            k = int(self.layer.kind[r])
            p.setBrush(self._brushes[k])
            p.drawPath(self._symbols[k].translated(at))
            taken.take(QtCore.QRectF(at.x() - half, at.y() - half, _SYMBOL_PX, _SYMBOL_PX))
        self.name_boxes = []
        if scale >= _NAME_SCALE:
            self._paint_names(p, rows, points, taken)
        p.restore()
        self.drawn = len(rows)

    def _paint_names(self, p: QtGui.QPainter, rows: np.ndarray, points: list[QtCore.QPointF],
                     taken: ScreenBoxes) -> None:
        text = QtGui.QPainterPath()
        ascent = self._metrics.ascent()
        h = self._metrics.height()
        d = _SYMBOL_PX / 2 + _NAME_GAP_PX
        for r, at in zip(rows, points, strict=True):
            name = self.layer.names[r]
            if KINDS[int(self.layer.kind[r])] not in _NAMED or not name:
                continue
            w = self._metrics.horizontalAdvance(name)
            right, left = at.x() + d, at.x() - d - w
            for x, y in ((right, at.y() - h / 2), (left, at.y() - h / 2),  # right, left
                         (at.x() - w / 2, at.y() + d), (at.x() - w / 2, at.y() - d - h),  # below, above
                         (right, at.y() - h - d / 2), (right, at.y() + d / 2),  # up or down to the right
                         (left, at.y() - h - d / 2), (left, at.y() + d / 2)):  # and to the left
                box = QtCore.QRectF(x, y, w, h)
                if taken.free(box):
                    taken.take(box)
                    self.name_boxes.append(box)
                    text.addText(QtCore.QPointF(x, y + ascent), self._font, name)
                    break
        p.strokePath(text, self._halo)
        p.fillPath(text, QtGui.QColor(palette.UI["text"]))
