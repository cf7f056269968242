"""Renderer of the CameraLayer: each camera's view cone coloured by its stream's state, the cameras chosen for an
incident with their rank and sight lines, and the incident as a target ring beside them.

A click on a camera asks to see it live (``CameraLayer.activated``); dragging one starts a drag that a video
wall tile takes (MIME :data:`CAMERA_MIME`). Anywhere else the map's own click and drag (select, pan) go on.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from sitroom.layers.base import Moment
from sitroom.layers.cameras import CameraLayer, CamState
from sitroom.resources import palette
from sitroom.widgets.map.drawing import bounds_of, view_scale
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders

CAMERA_MIME = "application/x-sitroom-camera"
_CONES_FROM = 0.05  # pixels per metre from which cones are drawn (a 100 m cone is 5 px)
_PICK_PX = 9.0
_DOT_PX = 3.5
_ARC_STEP_DEG = 6.0


def cone_path(x: np.ndarray, y: np.ndarray, heading: np.ndarray, fov: np.ndarray, rng: np.ndarray
              ) -> QtGui.QPainterPath:
    """One path of wedges (apex, arc at range, back to the apex), in map metres; one drawPath for all."""
    if not len(x):
        return QtGui.QPainterPath()
    n = int(np.clip(np.ceil(fov.max() / _ARC_STEP_DEG), 2, 60)) + 1
    t = np.linspace(-0.5, 0.5, n)
    ang = np.radians(heading[:, None] + fov[:, None] * t[None, :])  # clockwise from +y
    ax = x[:, None] + rng[:, None] * np.sin(ang)
    ay = y[:, None] + rng[:, None] * np.cos(ang)
    px = np.concatenate([x[:, None], ax, x[:, None]], axis=1)
    py = np.concatenate([y[:, None], ay, y[:, None]], axis=1)
    connect = np.ones(px.shape, dtype=np.int32)
    connect[:, -1] = 0  # each wedge its own closed subpath
    return pg.arrayToQPath(px.ravel(), py.ravel(), connect=connect.ravel())


@renders(CameraLayer)
class CameraItem(LayerItem):
    cached = True  # cones change with the model only, not while vehicles move

    def __init__(self, layer: CameraLayer) -> None:
        self._rows = np.empty(0, dtype=np.int64)
        self._state = np.empty(0, dtype=np.int8)
        self._x = self._y = self._heading = self._fov = self._range = np.empty(0)
        self._chosen: list[int] = []
        self._target: tuple[float, float] | None = None
        self._bounds = QtCore.QRectF()
        self._paths: dict[int, QtGui.QPainterPath] = {}
        self._font = QtGui.QFont()
        self._font.setPixelSize(11)
        self._font.setBold(True)
        super().__init__(layer)

    def take(self, moment: Moment) -> None:
        layer: CameraLayer = self.layer  # type: ignore[assignment]
        self.prepareGeometryChange()
        shown = layer.shown_mask()
        self._rows = np.flatnonzero(shown)
        self._x, self._y = layer.x.copy(), layer.y.copy()
        self._heading, self._fov, self._range = layer.heading.copy(), layer.fov.copy(), layer.range_m.copy()
        self._state = layer.state.copy()
        self._chosen = [layer.index[c] for c in layer.chosen if c in layer.index]
        self._target = layer.target
        pad = float(self._range.max()) if len(self._range) else 0.0
        self._bounds = bounds_of(self._x, self._y, pad=pad + 50.0)
        if self._target is not None:
            self._bounds = self._bounds.united(QtCore.QRectF(self._target[0] - 50, self._target[1] - 50, 100, 100))
        # Cones by state: one path each, rebuilt only when the model changes.
        self._paths = {}
        rows = self._rows[np.isfinite(self._heading[self._rows]) | (self._fov[self._rows] >= 360.0)]
        for state in np.unique(self._state[rows]):
            r = rows[self._state[rows] == state]
            head = np.where(np.isfinite(self._heading[r]), self._heading[r], 0.0)
            self._paths[int(state)] = cone_path(self._x[r], self._y[r], head, np.minimum(self._fov[r], 360.0),
                                                self._range[r])

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        if not len(self._x):
            return
        scale = view_scale(p)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        if scale >= _CONES_FROM:
            for state, path in self._paths.items():
                colour = QtGui.QColor(palette.CAMERA_STATE[state])
                fill = QtGui.QColor(colour)
                fill.setAlpha(60 if state in (CamState.LIVE, CamState.FROZEN, CamState.LOST) else 34)
                pen = QtGui.QPen(colour, 1.0)
                pen.setCosmetic(True)
                p.setPen(pen)
                p.setBrush(fill)
                p.drawPath(path)
        tr = p.transform()
        p.save()
        p.resetTransform()
        view = self.viewRect()
        rows = self._rows
        if view is not None and len(rows):
            inside = ((self._x[rows] >= view.left()) & (self._x[rows] <= view.right())
                      & (self._y[rows] >= view.top()) & (self._y[rows] <= view.bottom()))
            rows = rows[inside]
        outline = QtGui.QPen(QtGui.QColor(palette.PLACE_OUTLINE), 1.0)
        fault = QtGui.QPen(QtGui.QColor(palette.CAMERA_FAULT), 1.6)
        for r in rows:
            at = tr.map(QtCore.QPointF(float(self._x[r]), float(self._y[r])))
            blind = not np.isfinite(self._heading[r]) and self._fov[r] < 360.0
            p.setPen(fault if blind else outline)
            p.setBrush(QtGui.QColor(palette.CAMERA_STATE[int(self._state[r])]))
            p.drawEllipse(at, _DOT_PX, _DOT_PX)
            if blind and scale >= _CONES_FROM:  # no direction: marked, never given a cone it may not have
                p.drawText(at + QtCore.QPointF(_DOT_PX + 2, 4), "?")
        self._paint_chosen(p, tr)
        p.restore()
        self.drawn = len(rows)

    def _paint_chosen(self, p: QtGui.QPainter, tr: QtGui.QTransform) -> None:
        if self._target is None:
            return
        target = tr.map(QtCore.QPointF(*self._target))
        chosen = QtGui.QColor(palette.CAMERA_CHOSEN)
        dash = QtGui.QPen(chosen, 1.4, QtCore.Qt.PenStyle.DashLine)
        p.setFont(self._font)
        for rank, r in enumerate(self._chosen, start=1):
            at = tr.map(QtCore.QPointF(float(self._x[r]), float(self._y[r])))
            p.setPen(dash)
            p.drawLine(at, target)
            p.setPen(QtGui.QPen(chosen, 2.0))
            p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            p.drawEllipse(at, _DOT_PX + 3, _DOT_PX + 3)
            p.drawText(at + QtCore.QPointF(_DOT_PX + 5, -_DOT_PX - 3), str(rank))
        p.setPen(QtGui.QPen(chosen, 2.5))
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        for radius in (7.0, 13.0):
            p.drawEllipse(target, radius, radius)

    # ------------------------------------------------------------ mouse

    def camera_at(self, pos: QtCore.QPointF) -> str | None:
        """The shown camera under ``pos`` (item coordinates: metres), within a few pixels."""
        layer: CameraLayer = self.layer  # type: ignore[assignment]
        view = self.getViewBox()
        if view is None or not self.isVisible():
            return None
        px = view.viewPixelSize()[0] if view.viewPixelSize() else 1.0
        row = layer.nearest(pos.x(), pos.y(), _PICK_PX * px)
        return layer.cameras[row].id if row >= 0 else None

    def mouseClickEvent(self, ev) -> None:
        camera = self.camera_at(ev.pos()) if ev.button() == QtCore.Qt.MouseButton.LeftButton else None
        if camera is None:
            ev.ignore()
            return
        ev.accept()
        self.layer.activated.emit(camera=camera)  # type: ignore[attr-defined]

    def mouseDragEvent(self, ev) -> None:
        if not ev.isStart() or ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        camera = self.camera_at(ev.buttonDownPos())
        if camera is None or ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier:
            ev.ignore()
            return
        ev.accept()
        mime = QtCore.QMimeData()
        mime.setData(CAMERA_MIME, camera.encode("utf-8"))
        mime.setText(camera)
        drag = QtGui.QDrag(self)
        drag.setMimeData(mime)
        drag.exec(QtCore.Qt.DropAction.CopyAction)
