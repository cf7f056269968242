"""Dispatch coverage on the map: minutes to reach each road from the nearest available unit."""

from __future__ import annotations

import numpy as np

from sitroom.layers.base import Layer
from sitroom.layers.basemap import drawn_segments
from sitroom.services.store.kit import Kit


class CoverageLayer(Layer):
    title = "Coverage"
    stack = 20

    def __init__(self, kit: Kit) -> None:
        super().__init__()
        self.kit = kit
        self._visible = False  # on demand: it hides the congestion colours
        self.segments, self.edges = drawn_segments(kit)  # one segment per road, the edge it stands for
        self.minutes = np.full(len(self.edges), np.nan)  # nan: beyond the searched time
        self.limit_min = 5.0

    def set_minutes(self, minutes_per_edge: np.ndarray, limit_min: float) -> None:
        """Minutes per directed edge (nan where unreached); each road shows its quicker direction."""
        m = np.asarray(minutes_per_edge, dtype=np.float64)
        self.minutes = m[self.edges]
        self.limit_min = limit_min
        self.mark_dirty()
