"""The map canvas: a pyqtgraph view in projected metres with pan, zoom, scale bar, cursor and selection.

A canvas shows a :class:`~layers.base.LayerSet` (one renderer per model, stacked in the set's order, swapped
when the set replaces a model) and runs the map's half of the frame loop: :meth:`MapCanvas.tick` lets each
renderer that wants it take a snapshot of its model, then Qt paints once. Any window with a map gets the
same loop by ticking its canvas.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Collection

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.layers.base import Layer, LayerSet, Moment
from sitroom.resources import palette
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renderer_for

_CLICK_RADIUS_PX = 12.0
_K = QtCore.Qt.Key
_NAV_KEYS = {_K.Key_Plus, _K.Key_Equal, _K.Key_Minus, _K.Key_Left, _K.Key_Right, _K.Key_Up, _K.Key_Down,
             _K.Key_Home}
_VERTICAL_KEYS = {_K.Key_Up, _K.Key_Down}
_PIXMAP_CACHE_KB = 256 * 1024
_Z_STEP = 10.0  # z of the n-th layer from the bottom is n * _Z_STEP
_OVERLAY_Z = 1e6  # labels and other overlays: above every layer


class FrameStats:
    """What the canvas's frames cost: a frame is its tick (snapshots) plus the paint Qt runs after it."""

    def __init__(self) -> None:
        self.frames = 0  # frames in which something was refreshed
        self.max_frame_ms = 0.0
        self.frame_ms: deque[float] = deque(maxlen=10_000)
        self.first_live_frame: float | None = None  # monotonic time of the first frame with vehicles drawn
        self.vehicles_drawn = 0


class MapViewBox(pg.ViewBox):
    """A ViewBox that keeps metres square, zooms on the wheel, pans on drag and selects on click/shift-drag."""

    sig_clicked = QtCore.Signal(float, float)  # x, y in metres
    sig_rubber_band = QtCore.Signal(float, float, float, float)  # x0, y0, x1, y1
    sig_context = QtCore.Signal(float, float, QtCore.QPoint)  # x, y in metres, screen position

    def __init__(self) -> None:
        super().__init__(lockAspect=True, enableMenu=False)
        self.setBackgroundColor(palette.UI["map_bg"])
        self._band = QtWidgets.QGraphicsRectItem()
        self._band.setPen(pg.mkPen(palette.SELECTION, width=1, style=QtCore.Qt.PenStyle.DashLine))
        self._band.setBrush(pg.mkBrush(0, 229, 255, 30))
        self._band.setZValue(1e9)
        self._band.hide()
        self.addItem(self._band, ignoreBounds=True)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            pt = self.mapSceneToView(ev.scenePos())
            self.sig_clicked.emit(pt.x(), pt.y())
        elif ev.button() == QtCore.Qt.MouseButton.RightButton:
            ev.accept()
            pt = self.mapSceneToView(ev.scenePos())
            self.sig_context.emit(pt.x(), pt.y(), ev.screenPos().toPoint())
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        shift = ev.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier
        if ev.button() == QtCore.Qt.MouseButton.LeftButton and shift:
            ev.accept()
            a = self.mapSceneToView(ev.buttonDownScenePos())
            b = self.mapSceneToView(ev.scenePos())
            if ev.isFinish():
                self._band.hide()
                self.sig_rubber_band.emit(a.x(), a.y(), b.x(), b.y())
            else:
                self._band.setRect(QtCore.QRectF(a, b).normalized())
                self._band.show()
            return
        super().mouseDragEvent(ev, axis)


class MapCanvas(pg.GraphicsView):
    sig_cursor = QtCore.Signal(float, float)  # x, y metres under the mouse
    sig_view_changed = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None, layers: LayerSet | None = None, *,
                 keys: Collection[str] | None = None) -> None:
        super().__init__(parent, background=palette.UI["map_bg"])
        # The layers this canvas shows, by key (a wall's map shows its own choice); None: every one.
        self.keys = frozenset(keys) if keys is not None else None
        # Static layers cache their device pixels in QPixmapCache; its 10 MB default holds barely one
        # full-screen layer, so on a large or multi-screen display every frame would repaint the basemap.
        QtGui.QPixmapCache.setCacheLimit(max(QtGui.QPixmapCache.cacheLimit(), _PIXMAP_CACHE_KB))
        self.view = MapViewBox()
        self.setCentralItem(self.view)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.items: dict[Layer, LayerItem] = {}
        self.layer_set: LayerSet | None = None
        # ↑/↓ pan the map unless the window gives them to a list the dispatcher is choosing from.
        self.arrows_pan = True
        self.zoom_anchor: Callable[[], tuple[float, float] | None] | None = None
        self.stats = FrameStats()
        self._home = QtCore.QRectF(0, 0, 1000, 1000)
        self.paint_ms = 0.0
        self.paints = 0
        self._paints_seen = 0
        self._tick_ms = 0.0
        self.view.sigRangeChanged.connect(self._on_range)
        self.scene().sigMouseMoved.connect(self._on_mouse)
        if layers is not None:
            self.show_layers(layers)

    # ------------------------------------------------------------ layers

    def show_layers(self, layers: LayerSet) -> None:
        """Show every model of ``layers`` and follow its changes (a new kit's basemap replaces the old)."""
        if self.layer_set is not None:
            self.layer_set.changed.disconnect(self._on_layers_changed)
            for layer in list(self.items):
                self.remove_layer(layer)
        self.layer_set = layers
        for key in list(layers.keys()):
            if self.keys is None or key in self.keys:
                self.add_layer(layers[key])
        layers.changed.connect(self._on_layers_changed)

    def _on_layers_changed(self, key: str, old: Layer | None, new: Layer | None) -> None:
        if old is not None and old in self.items:
            self.remove_layer(old)
        if new is not None and (self.keys is None or key in self.keys):
            self.add_layer(new)
        self._restack()

    def _restack(self) -> None:
        if self.layer_set is None:
            return
        for i, layer in enumerate(self.layer_set):
            if layer in self.items:
                self.items[layer].setZValue(i * _Z_STEP)

    def add_layer(self, layer: Layer) -> LayerItem:
        item = renderer_for(layer)
        self.items[layer] = item
        self.view.addItem(item)
        for overlay in item.overlays:
            overlay.setZValue(_OVERLAY_Z)
            self.view.addItem(overlay)
        self._restack()
        return item

    def remove_layer(self, layer: Layer) -> None:
        item = self.items.pop(layer)
        for overlay in item.overlays:
            self.view.removeItem(overlay)
        self.view.removeItem(item)
        item.close()

    def item(self, layer: Layer) -> LayerItem:
        return self.items[layer]

    def close_layers(self) -> None:
        """Let go of the layer set and every renderer (their threads and caches), e.g. when the window closes."""
        if self.layer_set is not None:
            self.layer_set.changed.disconnect(self._on_layers_changed)
            self.layer_set = None
        for layer in list(self.items):
            self.remove_layer(layer)

    # ------------------------------------------------------------ frames

    def tick(self, moment: Moment, core_ms: float = 0.0) -> bool:
        """One frame: each renderer that wants it snapshots its model; Qt then paints the canvas once.
        ``core_ms``: what the frame already cost before the map (applying the feeds), for the stats.
        Returns whether anything was refreshed."""
        stats = self.stats
        if self.paints != self._paints_seen:  # the previous frame was painted: account for it whole
            self._paints_seen = self.paints
            cost = self._tick_ms + self.paint_ms
            stats.frame_ms.append(cost)
            stats.max_frame_ms = max(stats.max_frame_ms, cost)
        t0 = time.perf_counter()
        refreshed = False
        for item in self.items.values():
            if item.wants_refresh(moment):
                item.refresh(moment)
                refreshed = True
        if refreshed:
            stats.frames += 1
        self._tick_ms = core_ms + (time.perf_counter() - t0) * 1000
        return refreshed

    def set_background(self, colour: str) -> None:
        """The ground colour under every layer (it follows the map style)."""
        self.setBackground(colour)
        self.view.setBackgroundColor(colour)

    # ------------------------------------------------------------ view

    def set_home(self, minx: float, miny: float, maxx: float, maxy: float) -> None:
        self._home = QtCore.QRectF(minx, miny, maxx - minx, maxy - miny)

    def fit_home(self) -> None:
        self.view.setRange(rect=self._home, padding=0.02)

    def center_on(self, x: float, y: float, width_m: float | None = None) -> None:
        if not all(math.isfinite(v) for v in (x, y, width_m if width_m is not None else 0.0)):
            raise ValueError(f"cannot centre the map on ({x}, {y}), width {width_m}")
        r = self.view.viewRect()
        w = width_m or r.width()
        h = w * (r.height() / max(r.width(), 1e-9))
        self.view.setRange(rect=QtCore.QRectF(x - w / 2, y - h / 2, w, h), padding=0)

    def zoom(self, factor: float) -> None:
        """factor > 1 zooms in, about ``zoom_anchor()`` when that point is in view (the selected incident
        stays where it is), else about the centre."""
        anchor = self.zoom_anchor() if self.zoom_anchor is not None else None
        if anchor is not None and self.view.viewRect().contains(QtCore.QPointF(*anchor)):
            self.view.scaleBy((1 / factor, 1 / factor), center=QtCore.QPointF(*anchor))
        else:
            self.view.scaleBy((1 / factor, 1 / factor))

    def pan(self, fx: float, fy: float) -> None:
        """Pan by a fraction of the view's width/height."""
        r = self.view.viewRect()
        self.view.translateBy(x=fx * r.width(), y=fy * r.height())

    def view_rect(self) -> tuple[float, float, float, float]:
        r = self.view.viewRect()
        return (r.left(), r.top(), r.right(), r.bottom())

    def metres_per_pixel(self) -> float:
        r = self.view.viewRect()
        w = self.view.width()
        return r.width() / w if w > 0 else 1.0

    def _on_range(self, *_args) -> None:
        scale = 1.0 / max(self.metres_per_pixel(), 1e-9)
        for item in self.items.values():
            item.on_view_changed(scale)
        self.sig_view_changed.emit()

    def _on_mouse(self, pos: QtCore.QPointF) -> None:
        if self.view.sceneBoundingRect().contains(pos):
            pt = self.view.mapSceneToView(pos)
            self.sig_cursor.emit(pt.x(), pt.y())

    def click_radius_m(self) -> float:
        return _CLICK_RADIUS_PX * self.metres_per_pixel()

    # ------------------------------------------------------------ keys

    def event(self, ev: QtCore.QEvent) -> bool:
        # The graphics scene claims every key for its items; the map uses only the navigation keys, so
        # the window's letter shortcuts (A, R, D, N …) must still work while the map has the focus.
        if ev.type() == QtCore.QEvent.Type.ShortcutOverride and (
                ev.key() not in _NAV_KEYS or (not self.arrows_pan and ev.key() in _VERTICAL_KEYS)):
            ev.ignore()
            return True
        return super().event(ev)

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        k = ev.key()
        keys = QtCore.Qt.Key
        actions = {
            keys.Key_Plus: lambda: self.zoom(1.5), keys.Key_Equal: lambda: self.zoom(1.5),
            keys.Key_Minus: lambda: self.zoom(1 / 1.5),
            keys.Key_Left: lambda: self.pan(-0.2, 0), keys.Key_Right: lambda: self.pan(0.2, 0),
            keys.Key_Up: lambda: self.pan(0, 0.2), keys.Key_Down: lambda: self.pan(0, -0.2),
            keys.Key_Home: self.fit_home,
        }
        if k in actions and (self.arrows_pan or k not in _VERTICAL_KEYS):
            actions[k]()
            ev.accept()
        else:
            super().keyPressEvent(ev)

    # ------------------------------------------------------------ painting

    def paintEvent(self, ev: QtGui.QPaintEvent) -> None:
        t0 = time.perf_counter()
        super().paintEvent(ev)
        self.paint_ms = (time.perf_counter() - t0) * 1000
        self.paints += 1

    def drawForeground(self, p: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        """Scale bar, bottom left, in a round length of 1, 2 or 5 × 10^k metres about 120 px long."""
        super().drawForeground(p, rect)
        mpp = self.metres_per_pixel()
        if not math.isfinite(mpp) or mpp <= 0:
            return
        target = 120 * mpp
        k = 10 ** math.floor(math.log10(target))
        length = max((m * k for m in (1, 2, 5, 10) if m * k <= target), default=k)
        px = length / mpp
        p.save()
        p.resetTransform()
        x0, y0 = 16.0, self.viewport().height() - 18.0
        pen = QtGui.QPen(QtGui.QColor(palette.UI["text"]), 2)
        p.setPen(pen)
        p.drawLine(QtCore.QPointF(x0, y0), QtCore.QPointF(x0 + px, y0))
        for x in (x0, x0 + px):
            p.drawLine(QtCore.QPointF(x, y0 - 5), QtCore.QPointF(x, y0 + 1))
        label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
        p.drawText(QtCore.QPointF(x0 + px + 6, y0 + 4), label)
        p.restore()

