"""The facility layer: every facility the city watches, coloured on the map by its worst state, with the count of
its active alarms; the model is the facility monitor (services/facilities/monitor.py), which the feeds write."""

from __future__ import annotations

import numpy as np
import shapely

from sitroom.layers.base import Layer
from sitroom.services.facilities.monitor import FacilityMonitor, FacilitySummary
from sitroom.services.store.footprints import Footprints


class FacilityLayer(Layer):
    title = "Facilities"
    stack = 35  # above the places, below routes and vehicles

    def __init__(self, monitor: FacilityMonitor, footprints: Footprints | None = None) -> None:
        super().__init__()
        self.monitor = monitor
        self.footprints = footprints if footprints is not None else Footprints()
        self.selected: str | None = None
        self._key: tuple = ()

    def _current(self) -> tuple:
        m = self.monitor
        return (m.engine.version, m.health.version, m.catalog.version, id(self.footprints))

    def changed(self) -> bool:
        """The monitor changed since the last :meth:`summary` (the feeds write it, not this layer)."""
        return self._key != self._current()

    def summary(self) -> FacilitySummary:
        self._key = self._current()
        return self.monitor.summary()

    def select(self, facility: str | None) -> None:
        self.selected = facility
        self.mark_dirty()

    def set_footprints(self, footprints: Footprints) -> None:
        self.footprints = footprints
        self.mark_dirty()

    def nearest(self, x: float, y: float, radius: float) -> str | None:
        """The facility whose building holds the point, else whose symbol is within ``radius`` metres."""
        s = self.monitor.summary()
        if not s.ids:
            return None
        fp = s.footprint
        own = np.flatnonzero((fp >= 0) & (fp < len(self.footprints)))
        if len(own):
            inside = shapely.contains_xy(self.footprints.geometry[fp[own]], x, y)
            if inside.any():
                return s.ids[int(own[np.argmax(inside)])]
        d = np.hypot(s.x - x, s.y - y)
        d[~np.isfinite(d)] = np.inf
        i = int(np.argmin(d))
        return s.ids[i] if d[i] <= radius else None
