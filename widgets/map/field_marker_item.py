"""Renderer of the FieldMarkerLayer: a diamond on each marker's point, its label beside it."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from sitroom.layers.base import Moment
from sitroom.layers.field_markers import FieldMarker, FieldMarkerLayer
from sitroom.resources import palette
from sitroom.widgets.map.drawing import bounds_of, halo_text, in_pixels
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders

_R = 7.0  # the diamond's half-diagonal, pixels


@renders(FieldMarkerLayer)
class FieldMarkerItem(LayerItem):
    time_driven = True  # a marker leaves at its stale time, with or without a new message

    def __init__(self, layer: FieldMarkerLayer) -> None:
        self._markers: list[FieldMarker] = []
        self._bounds = QtCore.QRectF()
        self._font = QtGui.QFont()
        self._font.setPixelSize(13)
        self._font.setBold(True)
        super().__init__(layer)

    def take(self, moment: Moment) -> None:
        self.prepareGeometryChange()
        self._markers = self.layer.shown(moment.now_ms)
        xs = np.array([m.x for m in self._markers])
        ys = np.array([m.y for m in self._markers])
        self._bounds = bounds_of(xs, ys, pad=300.0) if self._markers else QtCore.QRectF()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        with in_pixels(p) as tr:
            colour = QtGui.QColor(palette.FIELD_MARKER)
            halo = QtGui.QColor(palette.UI["map_bg"])
            for m in self._markers:
                at = tr.map(QtCore.QPointF(m.x, m.y))
                diamond = QtGui.QPolygonF([at + QtCore.QPointF(0, -_R), at + QtCore.QPointF(_R, 0),
                                           at + QtCore.QPointF(0, _R), at + QtCore.QPointF(-_R, 0)])
                p.setPen(QtGui.QPen(halo, 2.0))
                p.setBrush(colour)
                p.drawPolygon(diamond)
                if m.label:
                    halo_text(p, at + QtCore.QPointF(_R + 4, 4), self._font, m.label, palette.FIELD_MARKER)
        self.drawn = len(self._markers)
