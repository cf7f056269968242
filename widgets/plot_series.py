"""A sensor's curve on a plot: one path built from the plot's own arrays when new readings come, drawn with a
1 px cosmetic pen. Lighter than pyqtgraph's PlotDataItem (no per-paint clipping, downsampling or bounds work in
Python): the arrays it is given are downsampled already (one point a second over ten minutes, or each minute's
low and high over hours: fewer points than the plot has pixels) and the plot's range is set, never derived."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui


class SeriesItem(pg.GraphicsObject):
    def __init__(self, colour: str) -> None:
        super().__init__()
        self.pen = QtGui.QPen(QtGui.QColor(colour), 1.0)
        self.pen.setCosmetic(True)
        self.path = QtGui.QPainterPath()
        self.x = np.empty(0)
        self.y = np.empty(0)
        self._rect = QtCore.QRectF()

    def set_data(self, x: np.ndarray, y: np.ndarray) -> None:
        """``x``, ``y``: views of the plot's arrays (kept, not copied); NaN in ``y`` is a gap in the line."""
        self.prepareGeometryChange()
        self.x, self.y = x, y
        self.path = pg.arrayToQPath(x, y, connect="finite") if len(x) else QtGui.QPainterPath()
        self._rect = self.path.boundingRect()
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        p.setPen(self.pen)
        p.drawPath(self.path)
