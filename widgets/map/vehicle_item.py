"""Renderer of a VehicleLayer: one graphics item that paints every vehicle straight from numpy arrays.

Symbols come from a pre-rendered atlas (shape by type, colour by status, grey when stale) and are drawn
with one ``drawPixmapFragments`` call, rotated to each heading. Only vehicles inside the view are drawn.
At low zoom or high counts the view shows density instead: vehicles per few-pixel cell on a brightness
ramp (grey where they are stale), counting only those the filters show, with the rare urgent statuses
(en route, on scene) drawn on top as dots of their own colour.

A unit on scene stands where its incident's marker is drawn, and incidents are drawn above vehicles: its
symbol is drawn a fixed few pixels beside where it is, joined to its true position by a thin line, and the
units standing at one spot fan out around it, one slot each. ON_SCENE means "at an incident", so this needs no
knowledge of the incidents layer, and it holds at every zoom because the incident's marker has a fixed size in
pixels too. Clicks find a unit where it is drawn (:meth:`nearest_drawn`).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6 import QtCore, QtGui

from sitroom.layers.base import Moment
from sitroom.layers.vehicles import VehicleLayer, VehicleSnapshot
from sitroom.resources import palette
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders

_CELL = 32  # atlas cell size in logical pixels
_DOT_ROW = len(VehicleType)  # atlas row of the aggregation dots
_DISC_ROW = _DOT_ROW + 1  # atlas row of the marks of vehicles that report no heading
_STALE_COL = len(VehicleStatus)
# Beyond this many vehicles in view, or below this zoom (pixels per metre), draw density.
AGGREGATE_ABOVE = 20_000
AGGREGATE_BELOW_SCALE = 0.012
DENSITY_CELL_PX = 6
_DENSITY_ALPHA = 200
_URGENT = np.zeros(256, dtype=bool)
_URGENT[[VehicleStatus.EN_ROUTE, VehicleStatus.ON_SCENE]] = True
_TRAILS_MAX = 4000  # draw trails only when this few vehicles are in view
# Units on scene, beside their incident: its marker is 11 px in radius with the priority number up and to the
# right, a vehicle symbol at most 14 px from its centre; density dots are 3 px.
SCENE_OFFSET_PX = 28.0
SCENE_DOT_OFFSET_PX = 17.0
_SCENE_ANGLES = np.radians([10.0, 75.0, 140.0, 205.0, 260.0])  # screen, clockwise from east: not up-right
_SCENE_SPOT_PX = 24.0  # units on scene closer than about this stand at one spot: they share the slots


def scene_offsets(px: np.ndarray, py: np.ndarray, ids: np.ndarray,
                  radius_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Screen offsets (x right, y down) of units on scene from their screen positions: the units at one spot
    (a cell of the screen) take its slots in id order, five around it, then five further out."""
    cx = np.floor(np.asarray(px) / _SCENE_SPOT_PX).astype(np.int64)
    cy = np.floor(np.asarray(py) / _SCENE_SPOT_PX).astype(np.int64)
    order = np.lexsort((np.asarray(ids), cy, cx))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (cx[order][1:] != cx[order][:-1]) | (cy[order][1:] != cy[order][:-1])
    starts = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    slot = np.empty(len(order), dtype=np.int64)
    slot[order] = np.arange(len(order)) - starts
    a = _SCENE_ANGLES[slot % len(_SCENE_ANGLES)]
    r = radius_px * (1.0 + 0.8 * (slot // len(_SCENE_ANGLES)))
    return r * np.cos(a), r * np.sin(a)


def _ramp(colours: tuple[str, ...]) -> np.ndarray:
    """Premultiplied ARGB32 words for density levels 0 (empty: transparent) to len(colours), a little
    translucent so the congestion on the roads underneath still shows through."""
    out = np.zeros(len(colours) + 1, dtype=np.uint32)
    for i, c in enumerate(colours, start=1):
        colour = QtGui.QColor(c)
        colour.setAlpha(_DENSITY_ALPHA)
        out[i] = colour.rgba()
    premultiplied = QtGui.QImage(out.view(np.uint8).reshape(1, -1, 4).copy().data, len(out), 1,
                                 QtGui.QImage.Format.Format_ARGB32).convertToFormat(
        QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    return np.frombuffer(premultiplied.constBits(), dtype=np.uint32, count=len(out)).copy()


def density_levels(counts: np.ndarray, n_levels: int) -> np.ndarray:
    """Level of each cell: 0 empty, then one level per power of two (1, 2-3, 4-7, …), the last open-ended.
    Fixed bins, so a cell keeps its colour while the view pans over it."""
    level = np.zeros(counts.shape, dtype=np.int64)
    busy = counts > 0
    level[busy] = np.minimum(np.floor(np.log2(counts[busy])).astype(np.int64) + 1, n_levels)
    return level


def _shape(vtype: VehicleType) -> QtGui.QPolygonF:
    """Outline pointing north (up), centred on (0, 0), in pixels."""
    pts = {
        VehicleType.BUS: [(0, -13), (5, -8), (5, 12), (-5, 12), (-5, -8)],
        VehicleType.TAXI: [(0, -9), (7, 8), (0, 4), (-7, 8)],
        VehicleType.FIRE: [(0, -13), (11, 11), (-11, 11)],
        VehicleType.AMBULANCE: [(0, -12), (9, 0), (5, 11), (-5, 11), (-9, 0)],
        VehicleType.POLICE: [(0, -12), (8, -2), (8, 10), (-8, 10), (-8, -2)],
    }.get(vtype)
    if pts is None:  # unknown type: a diamond
        pts = [(0, -8), (8, 0), (0, 8), (-8, 0)]
    return QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in pts])


class SymbolAtlas:
    """All vehicle symbols on one pixmap: rows by type (+ a row of dots for aggregates and one of discs for
    vehicles without a heading), columns by status (+ stale)."""

    def __init__(self, dpr: float = 1.0) -> None:
        self.dpr = dpr
        cols, rows = _STALE_COL + 1, _DISC_ROW + 1
        px = int(_CELL * dpr)
        self.pixmap = QtGui.QPixmap(cols * px, rows * px)
        self.pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(self.pixmap)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        p.scale(dpr, dpr)
        outline = QtGui.QPen(QtGui.QColor("#05080b"), 1.6)
        for col in range(cols):
            colour = QtGui.QColor(palette.STALE if col == _STALE_COL else palette.STATUS[VehicleStatus(col)])
            for vtype in VehicleType:
                p.save()
                p.translate(col * _CELL + _CELL / 2, int(vtype) * _CELL + _CELL / 2)
                p.setPen(outline)
                p.setBrush(colour)
                p.drawPolygon(_shape(vtype))
                if vtype == VehicleType.AMBULANCE:  # a cross marks the ambulance
                    p.setPen(QtGui.QPen(QtGui.QColor("#05080b"), 2.0))
                    p.drawLine(QtCore.QPointF(-4, 2), QtCore.QPointF(4, 2))
                    p.drawLine(QtCore.QPointF(0, -2), QtCore.QPointF(0, 6))
                p.restore()
            p.save()
            p.translate(col * _CELL + _CELL / 2, _DOT_ROW * _CELL + _CELL / 2)
            p.setPen(QtCore.Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawEllipse(QtCore.QPointF(0, 0), 3.0, 3.0)
            p.restore()
            p.save()
            p.translate(col * _CELL + _CELL / 2, _DISC_ROW * _CELL + _CELL / 2)
            p.setPen(outline)
            p.setBrush(colour)
            p.drawEllipse(QtCore.QPointF(0, 0), 8.0, 8.0)
            p.restore()
        p.end()

    def source(self, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """(n, 4) source rects (x, y, w, h) in atlas pixels."""
        px = _CELL * self.dpr
        out = np.empty((len(row), 4))
        out[:, 0] = col * px
        out[:, 1] = row * px
        out[:, 2:] = px
        return out


@renders(VehicleLayer)
class VehicleItem(LayerItem):
    """Draws a VehicleLayer from its per-frame snapshot: symbols and trails up close, density far out."""

    time_driven = True  # vehicles turn stale with time alone: re-snapshot even without new data
    stale_driven = True  # a feed going stale greys its vehicles at once

    def __init__(self, layer: VehicleLayer) -> None:
        self.snapshot: VehicleSnapshot | None = None
        self.selected_ids = np.empty(0, dtype=np.uint32)
        self._atlas: SymbolAtlas | None = None
        self._frags = internals.PrimitiveArray(QtGui.QPainter.PixmapFragment, 10)
        self._bounds = QtCore.QRectF()
        self.paint_ms = 0.0
        # The last paint's map-to-screen transform and where it drew the units on scene (ids, screen x and y),
        # for picking them where they were seen.
        self._paint_tr: QtGui.QTransform | None = None
        self._scene_drawn: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._ramps = (_ramp(palette.DENSITY), _ramp(palette.DENSITY_STALE))
        # The last density drawn: level per cell (0 empty) and which cells held stale vehicles only.
        self.density: tuple[np.ndarray, np.ndarray] | None = None
        super().__init__(layer)
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    # ------------------------------------------------------------ data

    def take(self, moment: Moment) -> None:
        snap = self.layer.snapshot(moment.now, moment.stale_feeds, self._trail_rows())
        self.snapshot = snap
        if len(snap):
            finite = np.isfinite(snap.x)
            if finite.any():
                x, y = snap.x[finite], snap.y[finite]
                rect = QtCore.QRectF(x.min(), y.min(), max(x.max() - x.min(), 1.0),
                                     max(y.max() - y.min(), 1.0)).adjusted(-100, -100, 100, 100)
                if rect != self._bounds:
                    self.prepareGeometryChange()
                    self._bounds = rect

    def _trail_rows(self) -> np.ndarray | None:
        """Rows in view, when few enough that their trails are drawn."""
        view = self.viewRect()
        lay = self.layer
        if view is None or not lay.n:
            return None
        x, y = lay.x[: lay.n], lay.y[: lay.n]
        rows = np.flatnonzero((x >= view.left()) & (x <= view.right()) & (y >= view.top()) & (y <= view.bottom()))
        return rows if len(rows) <= _TRAILS_MAX else None

    def set_selection(self, ids: np.ndarray) -> None:
        self.selected_ids = np.asarray(ids, dtype=np.uint32)
        self.update()

    # ------------------------------------------------------------ painting

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        t0 = time.perf_counter()
        snap = self.snapshot
        self.drawn = 0
        self._scene_drawn = None
        if snap is None or not len(snap):
            return
        view = self.viewRect()
        if view is None:
            view = option.exposedRect  # grabs and exports
        tr = p.transform()
        scale = float(np.hypot(tr.m11(), tr.m12()))
        margin = 30.0 / max(scale, 1e-9)
        m = (snap.shown & (snap.x >= view.left() - margin) & (snap.x <= view.right() + margin)
             & (snap.y >= view.top() - margin) & (snap.y <= view.bottom() + margin))
        rows = np.flatnonzero(m)
        if not len(rows):
            self.paint_ms = (time.perf_counter() - t0) * 1000
            return
        px = tr.m11() * snap.x[rows] + tr.m21() * snap.y[rows] + tr.dx()
        py = tr.m12() * snap.x[rows] + tr.m22() * snap.y[rows] + tr.dy()
        dpr = widget.devicePixelRatioF() if widget is not None else p.device().devicePixelRatioF()
        if self._atlas is None or self._atlas.dpr != dpr:
            self._atlas = SymbolAtlas(dpr)
        aggregate = len(rows) > AGGREGATE_ABOVE or scale < AGGREGATE_BELOW_SCALE
        self.density = None
        self._paint_tr = QtGui.QTransform(tr)
        # Where each symbol goes: its position, or beside it for a unit on scene.
        sx, sy = px.copy(), py.copy()
        scene = np.flatnonzero(snap.status[rows] == VehicleStatus.ON_SCENE)
        if len(scene):
            dx, dy = scene_offsets(px[scene], py[scene], snap.ids[rows[scene]],
                                   SCENE_DOT_OFFSET_PX if aggregate else SCENE_OFFSET_PX)
            sx[scene] += dx
            sy[scene] += dy
        self._scene_drawn = (snap.ids[rows[scene]], sx[scene], sy[scene])
        p.save()
        p.resetTransform()
        if not aggregate and len(snap.trail_rows):
            self._paint_trails(p, tr, snap)
        if len(scene):
            self._paint_leaders(p, px[scene], py[scene], sx[scene], sy[scene])
        if aggregate:
            self.drawn = self._paint_density(p, snap, rows, px, py, sx, sy)
        else:
            self.drawn = self._paint_symbols(p, snap, rows, sx, sy, scale)
        self._paint_selection(p, tr, snap)
        p.restore()
        self.paint_ms = (time.perf_counter() - t0) * 1000

    def _columns(self, snap: VehicleSnapshot, rows: np.ndarray) -> np.ndarray:
        status = np.minimum(snap.status[rows], _STALE_COL - 1)
        return np.where(snap.stale[rows], _STALE_COL, status)

    def _draw(self, p: QtGui.QPainter, px: np.ndarray, py: np.ndarray, src: np.ndarray, scale: float,
              rotation: np.ndarray | float) -> None:
        self._frags.resize(len(px))
        f = self._frags.ndarray()
        f[:, 0] = px
        f[:, 1] = py
        f[:, 2:6] = src
        f[:, 6] = scale
        f[:, 7] = scale
        f[:, 8] = rotation
        f[:, 9] = 1.0
        p.drawPixmapFragments(*self._frags.drawargs(), self._atlas.pixmap)

    def _paint_symbols(self, p: QtGui.QPainter, snap: VehicleSnapshot, rows: np.ndarray, px: np.ndarray,
                       py: np.ndarray, scale: float) -> int:
        vtype = np.minimum(snap.type[rows], _DOT_ROW - 1)
        # Symbols grow with zoom from 60% to full size so a dense street view stays readable.
        size = float(np.clip(0.6 + (scale - 0.05) * 2.0, 0.6, 1.0)) / self._atlas.dpr
        heading = snap.heading[rows]
        pointed = np.isfinite(heading)
        cols = self._columns(snap, rows)
        # A unit that reports no heading gets a round mark of its status colour: a symbol pointing north
        # would claim a direction nobody knows.
        src = self._atlas.source(np.where(pointed, vtype, _DISC_ROW), cols)
        self._draw(p, px, py, src, size, np.where(pointed, heading, 0.0))
        return len(rows)

    def _paint_density(self, p: QtGui.QPainter, snap: VehicleSnapshot, rows: np.ndarray, px: np.ndarray,
                       py: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> int:
        """Vehicles per cell (counted where they are: ``px``, ``py``) as one small image stretched over the
        view, then the urgent ones as dots (where their symbols go: ``sx``, ``sy``)."""
        vp = p.viewport()
        gw = max(1, -(-vp.width() // DENSITY_CELL_PX))
        gh = max(1, -(-vp.height() // DENSITY_CELL_PX))
        cx = np.floor(px / DENSITY_CELL_PX).astype(np.int64)
        cy = np.floor(py / DENSITY_CELL_PX).astype(np.int64)
        inside = (cx >= 0) & (cx < gw) & (cy >= 0) & (cy < gh)
        cell = (cy * gw + cx)[inside]
        stale = snap.stale[rows][inside]
        live_n = np.bincount(cell[~stale], minlength=gw * gh)
        stale_n = np.bincount(cell[stale], minlength=gw * gh)
        n_levels = len(palette.DENSITY)
        # A cell with any live vehicle shows the live count; a cell of stale ones only, the grey ramp.
        live = live_n > 0
        level = np.where(live, density_levels(live_n, n_levels), density_levels(stale_n, n_levels))
        self.density = (level.reshape(gh, gw), (~live & (stale_n > 0)).reshape(gh, gw))
        image = np.where(live, self._ramps[0][level], self._ramps[1][level]).astype(np.uint32).reshape(gh, gw)
        qimage = QtGui.QImage(image.data, gw, gh, 4 * gw, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        p.drawImage(QtCore.QRectF(0, 0, gw * DENSITY_CELL_PX, gh * DENSITY_CELL_PX), qimage)
        urgent = np.flatnonzero(_URGENT[snap.status[rows]])
        if len(urgent):
            src = self._atlas.source(np.full(len(urgent), _DOT_ROW), self._columns(snap, rows[urgent]))
            self._draw(p, sx[urgent], sy[urgent], src, 1.0 / self._atlas.dpr, 0.0)
        return len(rows)

    def _paint_leaders(self, p: QtGui.QPainter, px: np.ndarray, py: np.ndarray, sx: np.ndarray,
                       sy: np.ndarray) -> None:
        """A thin line from where each unit on scene is to where its symbol is drawn."""
        x = np.stack([px, sx], axis=1).ravel()
        y = np.stack([py, sy], axis=1).ravel()
        colour = QtGui.QColor(palette.STATUS[VehicleStatus.ON_SCENE])
        colour.setAlpha(200)
        p.setPen(QtGui.QPen(colour, 1.2))
        p.drawPath(pg.arrayToQPath(x, y, connect="pairs"))

    def _paint_trails(self, p: QtGui.QPainter, tr: QtGui.QTransform, snap: VehicleSnapshot) -> None:
        keep = snap.shown[snap.trail_rows]
        tx, ty = snap.trail_x[keep].astype(np.float64), snap.trail_y[keep].astype(np.float64)
        x = (tr.m11() * tx + tr.m21() * ty + tr.dx()).ravel()
        y = (tr.m12() * tx + tr.m22() * ty + tr.dy()).ravel()
        ok = np.isfinite(x)
        connect = np.zeros(len(x), dtype=bool)
        connect[:-1] = ok[:-1] & ok[1:]
        connect[snap.trail_x.shape[1] - 1::snap.trail_x.shape[1]] = False  # never join two vehicles
        if not connect.any():
            return
        path = pg.arrayToQPath(np.nan_to_num(x), np.nan_to_num(y), connect=connect.astype(np.int32))
        pen = QtGui.QPen(QtGui.QColor(palette.TRAIL), 1.2)
        pen.setCosmetic(True)
        colour = pen.color()
        colour.setAlpha(110)
        pen.setColor(colour)
        p.setPen(pen)
        p.drawPath(path)

    def _paint_selection(self, p: QtGui.QPainter, tr: QtGui.QTransform, snap: VehicleSnapshot) -> None:
        if not len(self.selected_ids):
            return
        sel = np.flatnonzero(np.isin(snap.ids, self.selected_ids) & np.isfinite(snap.x))
        if not len(sel):
            return
        pen = QtGui.QPen(QtGui.QColor(palette.SELECTION), 2.0)
        p.setPen(pen)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        drawn = dict(zip(*self._drawn_scene_xy(), strict=True))
        for r in sel[:500]:
            # A unit on scene: the ring goes round its symbol, drawn beside the incident.
            c = drawn.get(int(snap.ids[r]))
            if c is None:
                c = tr.map(QtCore.QPointF(float(snap.x[r]), float(snap.y[r])))
            p.drawEllipse(c, 14.0, 14.0)

    def _drawn_scene_xy(self) -> tuple[list[int], list[QtCore.QPointF]]:
        if self._scene_drawn is None:
            return [], []
        ids, sx, sy = self._scene_drawn
        return [int(i) for i in ids], [QtCore.QPointF(float(x), float(y)) for x, y in zip(sx, sy, strict=True)]

    # ------------------------------------------------------------ picking

    def nearest_drawn(self, x: float, y: float, radius: float, mask: np.ndarray | None = None) -> int:
        """Row of the vehicle whose symbol is nearest (x, y) within ``radius`` metres, or -1: the layer's
        ``nearest``, except that a unit on scene is found where the last paint drew it, beside its incident."""
        lay = self.layer
        n = lay.n
        tr, scene = self._paint_tr, self._scene_drawn
        if not n or tr is None or scene is None or not len(scene[0]):
            return lay.nearest(x, y, radius, mask)
        shown = np.ones(n, dtype=bool) if mask is None else np.asarray(mask[:n], dtype=bool)
        on_scene = lay.status[:n] == VehicleStatus.ON_SCENE
        best = lay.nearest(x, y, radius, shown & ~on_scene)
        best_d = float(np.hypot(lay.x[best] - x, lay.y[best] - y)) if best >= 0 else np.inf
        ids, sx, sy = scene
        rows = lay.rows_for(ids)
        ok = rows >= 0
        ok[ok] = shown[rows[ok]] & on_scene[rows[ok]]
        if ok.any():
            at = tr.map(QtCore.QPointF(x, y))
            d = np.hypot(sx - at.x(), sy - at.y()) / max(float(np.hypot(tr.m11(), tr.m12())), 1e-12)  # metres
            d = np.where(ok, d, np.inf)
            k = int(np.argmin(d))
            if d[k] <= radius and d[k] < best_d:
                return int(rows[k])
        return best
