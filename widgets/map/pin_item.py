"""Renderer of the PinLayer: a pin standing on its point, its label beside it."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from sitroom.layers.base import Moment
from sitroom.layers.pins import PinLayer
from sitroom.resources import palette
from sitroom.widgets.map.drawing import halo_text, in_pixels
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders

_HEAD_R = 9.0  # the pin's head, pixels
_STEM = 16.0  # from the point up to the head's centre


@renders(PinLayer)
class PinItem(LayerItem):
    def __init__(self, layer: PinLayer) -> None:
        self._pins: list[tuple[float, float, str]] = []
        self._bounds = QtCore.QRectF()
        self._font = QtGui.QFont()
        self._font.setPixelSize(14)
        self._font.setBold(True)
        super().__init__(layer)

    def take(self, moment: Moment) -> None:
        self.prepareGeometryChange()
        self._pins = list(self.layer.pins.values())
        rect = QtCore.QRectF()
        for x, y, _label in self._pins:
            rect = rect.united(QtCore.QRectF(x - 300, y - 300, 600, 600))
        self._bounds = rect

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        with in_pixels(p) as tr:
            colour = QtGui.QColor(palette.PIN)
            for x, y, label in self._pins:
                at = tr.map(QtCore.QPointF(x, y))
                head = at - QtCore.QPointF(0, _STEM)
                p.setPen(QtGui.QPen(colour, 3.0))
                p.drawLine(at, head)
                p.setPen(QtGui.QPen(QtGui.QColor(palette.UI["map_bg"]), 2.0))
                p.setBrush(colour)
                p.drawEllipse(head, _HEAD_R, _HEAD_R)
                p.drawEllipse(at, 3.0, 3.0)
                if label:
                    halo_text(p, head + QtCore.QPointF(_HEAD_R + 6, 5), self._font, label, palette.UI["text"])
        self.drawn = len(self._pins)
