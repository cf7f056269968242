"""The map-layer contract: what every renderer of a layer model is and does.

A renderer is one ``QGraphicsItem`` per model (pyqtgraph's custom-item pattern: ``paint`` and
``boundingRect``). The canvas owns the frame loop: each frame it asks every renderer whether it wants a
refresh (its model is dirty, the stale feeds changed for a stale-driven one, or the slow tick came for a
time-driven one) and
calls :meth:`LayerItem.refresh`, in which the renderer takes a snapshot of its model; ``paint`` then draws
only from that snapshot (QGIS's rule: never render from a model that can change under you). Visibility
and opacity follow the model's ``visible`` and ``opacity`` through its style events, the same way for every
layer; the z-order is the model's place in the layer set, set by the canvas.

A new renderer subclasses :class:`LayerItem`, implements ``paint``/``boundingRect`` (and ``take`` when it
snapshots per frame), and registers itself with ``@renders(ItsLayer)`` (widgets/map/registry.py).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from sitroom.layers.base import Layer, Moment
from sitroom.widgets.map.drawing import cosmetic_pen, segments_path


class LayerItem(pg.GraphicsObject):
    # Refresh on the slow tick even when the model did not change: what it shows ages with time alone
    # (vehicles turn stale, unacknowledged incidents flash).
    time_driven: ClassVar[bool] = False
    # Refresh when the set of stale feeds changes: what it shows depends on feed health (greyed positions).
    stale_driven: ClassVar[bool] = False
    # Content that only changes when the model does (not when vehicles move): repaint it from a
    # device-pixel cache while the rest of the map moves.
    cached: ClassVar[bool] = False

    def __init__(self, layer: Layer) -> None:
        super().__init__()
        self.layer = layer
        self.drawn = 0  # how many things the last paint drew (for the stats and tests)
        self.overlays: list[pg.GraphicsObject] = []  # items the canvas puts above every layer (labels)
        if self.cached:
            self.setCacheMode(self.CacheMode.DeviceCoordinateCache)
        layer.events.style.connect(self._on_style)
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        self.setVisible(self.layer.visible)
        self.setOpacity(self.layer.opacity)
        for overlay in self.overlays:
            overlay.setVisible(self.layer.visible)

    def _on_style(self, what: str) -> None:
        self._apply_visibility()
        self.restyle(what)
        self.update()

    def restyle(self, what: str) -> None:
        """The model's style changed (``what``: "visible", "opacity", "filters", "style", "language", ...)."""

    def wants_refresh(self, moment: Moment) -> bool:
        return (self.layer.dirty or (self.stale_driven and moment.stale_changed)
                or (self.time_driven and moment.periodic))

    def refresh(self, moment: Moment) -> None:
        """Take a snapshot of the model for the next paint (called by the canvas's frame loop)."""
        self.take(moment)
        self.layer.dirty = False
        self.update()

    def take(self, moment: Moment) -> None:
        """Copy what ``paint`` needs from the model. Renderers that paint straight from immutable data
        (a kit's roads) need nothing here."""

    def on_view_changed(self, scale: float) -> None:
        """The view moved or zoomed (``scale``: pixels per metre)."""

    def close(self) -> None:
        """The renderer leaves the map: stop its threads, drop its caches."""
        self.layer.events.style.disconnect(self._on_style)


class BandedPathsItem(LayerItem):
    """Road segments coloured by bands of one value per segment (congestion, minutes to reach): one path
    per band, rebuilt when the model changes, cached in device pixels in between."""

    cached = True
    width = 2.0
    alpha = 200
    dashes: ClassVar[tuple[float, ...]] = ()  # dash and gap lengths in pen widths; empty: a solid line

    def __init__(self, layer: Layer, segments: np.ndarray) -> None:
        self._paths: list[tuple[QtGui.QPen, QtGui.QPainterPath]] = []
        self._segments = segments
        xy = segments.reshape(-1, 2)
        self._bounds = QtCore.QRectF(xy[:, 0].min(), xy[:, 1].min(), np.ptp(xy[:, 0]), np.ptp(xy[:, 1])) \
            if len(xy) else QtCore.QRectF()
        super().__init__(layer)

    def bands(self) -> list[tuple[np.ndarray, str]]:
        """(mask over the segments, colour) for each band to draw, bottom first."""
        raise NotImplementedError

    @classmethod
    def pen(cls, colour: str) -> QtGui.QPen:
        """The pen a band of ``colour`` is drawn with (legends draw their swatches with it too)."""
        pen = cosmetic_pen(colour, cls.width, cls.alpha)
        if cls.dashes:
            pen.setDashPattern(list(cls.dashes))
            pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)  # round caps would close the gaps
        return pen

    def take(self, moment: Moment) -> None:
        self._paths = [(self.pen(colour), segments_path(self._segments[mask]))
                       for mask, colour in self.bands() if mask.any()]

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        for pen, path in self._paths:
            p.setPen(pen)
            p.drawPath(path)
