"""Drawing helpers every map renderer shares: pixel-wide pens, paths built from numpy arrays, the view scale."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from sitroom.resources import palette


def cosmetic_pen(colour: str, width: float, alpha: int = 255) -> QtGui.QPen:
    c = QtGui.QColor(colour)
    c.setAlpha(alpha)
    pen = QtGui.QPen(c, width)
    pen.setCosmetic(True)  # width in pixels at every zoom
    pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)
    return pen


def segments_path(xy: np.ndarray) -> QtGui.QPainterPath:
    """One path for (n, 2, 2) segments: a single drawPath call."""
    return pg.arrayToQPath(xy[:, :, 0].ravel(), xy[:, :, 1].ravel(), connect="pairs")


def rings_path(rings: list[np.ndarray]) -> QtGui.QPainterPath:
    path = QtGui.QPainterPath()
    for ring in rings:
        path.addPath(pg.arrayToQPath(ring[:, 0], ring[:, 1], connect="all"))
        path.closeSubpath()
    return path


def view_scale(p: QtGui.QPainter) -> float:
    """Pixels per metre of the painter's current transform."""
    tr = p.transform()
    return float(np.hypot(tr.m11(), tr.m12()))


def bounds_of(x: np.ndarray, y: np.ndarray, pad: float = 0.0) -> QtCore.QRectF:
    """The box around the finite points, padded; empty when there are none."""
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return QtCore.QRectF()
    x, y = x[ok], y[ok]
    return QtCore.QRectF(float(x.min()) - pad, float(y.min()) - pad, float(np.ptp(x)) + 2 * pad,
                         float(np.ptp(y)) + 2 * pad)


def halo_text(p: QtGui.QPainter, at: QtCore.QPointF, font: QtGui.QFont, text: str, colour: str) -> None:
    """``text`` at a pixel point, outlined in the map's background so it reads over roads and vehicles."""
    path = QtGui.QPainterPath()
    path.addText(at, font, text)
    p.strokePath(path, QtGui.QPen(QtGui.QColor(palette.UI["map_bg"]), 4.0))
    p.fillPath(path, QtGui.QColor(colour))


@contextmanager
def in_pixels(p: QtGui.QPainter) -> Iterator[QtGui.QTransform]:
    """Paint in device pixels (symbols keep their size at every zoom), antialiased; yields the map's transform
    to place them with, and puts the painter back afterwards."""
    tr = p.transform()
    p.save()
    p.resetTransform()
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    try:
        yield tr
    finally:
        p.restore()
