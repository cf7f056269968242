"""Renderer of the RouteLayer: the route with its ETA, a dashed alternative, closed roads crossed out.

The ETA's label goes beside the route's first point (the unit) when that is in view, else halfway along the
part of the route in view, on the side of the view's middle (away from the banners along the top and the
scale bar at the bottom), and is pushed inside the view: it is never cut off at the map's edge."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from sitroom.layers.base import Moment
from sitroom.layers.routes import RouteLayer
from sitroom.resources import palette
from sitroom.widgets.map.drawing import cosmetic_pen, segments_path
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders
from sitroom.widgets.theme import font

_LABEL_GAP = 12.0  # between the label and its point on the route, across and along
_MARGIN_PX = 6.0  # from the view's edge
_SAMPLE_PX = 8.0  # the route is looked at every this many pixels for a place for its label
_MAX_SAMPLES = 400  # per segment: a segment crossing far beyond the view is looked at more coarsely


@renders(RouteLayer)
class RouteItem(LayerItem):
    def __init__(self, layer: RouteLayer) -> None:
        self._route_pen = cosmetic_pen(palette.ROUTE, 5.0, 220)
        self._alt_pen = cosmetic_pen(palette.ROUTE_ALT, 3.0, 200)
        self._alt_pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        self._closed_pen = cosmetic_pen(palette.CLOSURE, 4.0, 230)
        self._closed_pen.setStyle(QtCore.Qt.PenStyle.DotLine)
        self._paths: list[tuple[QtGui.QPen, QtGui.QPainterPath]] = []
        self._bounds = QtCore.QRectF()
        self._label = ""
        self._label_xy = np.empty((0, 2))  # the route's points, where the label may go
        self._font = font("map_title", bold=True)
        self._route_rect = QtCore.QRectF()
        self._scale = 1.0  # pixels per metre
        self.label_box = QtCore.QRectF()  # the label's screen box in the last paint (empty: none)
        super().__init__(layer)

    def take(self, moment: Moment) -> None:
        lay = self.layer
        self.prepareGeometryChange()
        self._paths = []
        rect = QtCore.QRectF()
        for pen, xy in ((self._alt_pen, lay.alternative_xy), (self._route_pen, lay.route_xy)):
            if xy is not None and len(xy) > 1:
                path = pg.arrayToQPath(xy[:, 0], xy[:, 1], connect="all")
                self._paths.append((pen, path))
                rect = rect.united(path.boundingRect())
        if len(lay.closed_xy):
            path = segments_path(lay.closed_xy)
            self._paths.append((self._closed_pen, path))
            rect = rect.united(path.boundingRect())
        self._route_rect = rect
        xy = lay.route_xy
        self._label = lay.label if xy is not None and len(xy) else ""
        self._label_xy = np.asarray(xy, dtype=np.float64) if self._label else np.empty((0, 2))
        self._update_bounds()

    def _update_bounds(self) -> None:
        """The route's box with room for its label at the current zoom (the label is sized in pixels)."""
        room_px = QtGui.QFontMetricsF(self._font).horizontalAdvance(self._label) + 40.0 if self._label else 0.0
        pad = max(200.0, room_px / max(self._scale, 1e-9))
        self._bounds = self._route_rect.adjusted(-pad, -pad, pad, pad) if not self._route_rect.isNull() \
            else QtCore.QRectF()

    def on_view_changed(self, scale: float) -> None:
        self.prepareGeometryChange()
        self._scale = scale
        self._update_bounds()

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        for pen, path in self._paths:
            p.setPen(pen)
            p.drawPath(path)
        self.label_box = QtCore.QRectF()
        view = self.viewRect()
        if self._label and view is not None:
            tr = p.transform()
            screen = tr.mapRect(view).adjusted(_MARGIN_PX, _MARGIN_PX, -_MARGIN_PX, -_MARGIN_PX)
            text = QtGui.QPainterPath()
            at = self._label_anchor(tr, screen)
            text.addText(at, self._font, self._label)
            # Up and to the right of its point, or below it in the view's upper half: towards the middle of
            # the view, away from the banners along its top and the scale bar at its bottom.
            box = text.boundingRect()
            above = at.y() >= screen.center().y()
            dy = (at.y() - _LABEL_GAP - box.bottom()) if above else (at.y() + _LABEL_GAP - box.top())
            text.translate(_LABEL_GAP, dy)
            text.translate(_inside(text.boundingRect(), screen))
            p.save()
            p.resetTransform()
            p.strokePath(text, QtGui.QPen(QtGui.QColor(palette.UI["map_bg"]), 4.0))
            p.fillPath(text, QtGui.QColor(palette.ROUTE))
            p.restore()
            self.label_box = text.boundingRect()

    def _label_anchor(self, tr: QtGui.QTransform, screen: QtCore.QRectF) -> QtCore.QPointF:
        """On the screen: the unit (the route's first point) when it is in view, else the point halfway along
        the part of the route in view; with none in view, the route's point nearest the view's centre."""
        xy = self._label_xy
        sx = tr.m11() * xy[:, 0] + tr.m21() * xy[:, 1] + tr.dx()
        sy = tr.m12() * xy[:, 0] + tr.m22() * xy[:, 1] + tr.dy()
        if screen.contains(QtCore.QPointF(float(sx[0]), float(sy[0]))):
            return QtCore.QPointF(float(sx[0]), float(sy[0]))
        # The route every few pixels, so a long straight stretch across the view counts by its length.
        seg = np.hypot(np.diff(sx), np.diff(sy))
        steps = np.clip(np.ceil(seg / _SAMPLE_PX), 1, _MAX_SAMPLES).astype(np.int64)
        i = np.repeat(np.arange(len(seg)), steps)
        t = (np.arange(len(i)) - np.repeat(np.cumsum(steps) - steps, steps)) / np.repeat(steps, steps)
        px = np.append(sx[i] + t * np.diff(sx)[i], sx[-1])
        py = np.append(sy[i] + t * np.diff(sy)[i], sy[-1])
        inside = np.flatnonzero((px >= screen.left()) & (px <= screen.right()) & (py >= screen.top())
                                & (py <= screen.bottom()))
        if len(inside):
            k = int(inside[len(inside) // 2])
        else:
            c = screen.center()
            k = int(np.argmin((px - c.x()) ** 2 + (py - c.y()) ** 2))
        return QtCore.QPointF(float(px[k]), float(py[k]))


def _inside(box: QtCore.QRectF, screen: QtCore.QRectF) -> QtCore.QPointF:
    """How far to move ``box`` so that it lies inside ``screen`` (its top left, when it is larger)."""
    dx = min(0.0, screen.right() - box.right())
    dx = max(dx, screen.left() - box.left())
    dy = min(0.0, screen.bottom() - box.bottom())
    dy = max(dy, screen.top() - box.top())
    return QtCore.QPointF(dx, dy)
