"""Places of the kit: stations, hospitals, shelters, schools, cameras and the user's own layers."""

from __future__ import annotations

import numpy as np

from sitroom.layers.base import Layer
from sitroom.services.store.kit import Kit

# Drawing order and importance: stations above everything a dispatcher looks for less often.
KINDS = ("fire", "ems", "police", "hospital", "shelter", "facility", "school", "camera")


class PlacesLayer(Layer):
    title = "Places"
    stack = 30

    def __init__(self, kit: Kit) -> None:
        super().__init__()
        pois = [p for p in kit.pois if p.kind in KINDS] + [p for p in kit.pois if p.kind not in KINDS]
        self.x = np.array([p.x for p in pois], dtype=np.float64)
        self.y = np.array([p.y for p in pois], dtype=np.float64)
        # Kinds outside the list (a user layer's own) draw as facilities.
        self.kind = np.array([KINDS.index(p.kind) if p.kind in KINDS else KINDS.index("facility") for p in pois],
                             dtype=np.int8)
        self.names = [p.name for p in pois]
        self.layers = [p.layer for p in pois]
        self.shown_kinds: set[str] = set(KINDS)

    def __len__(self) -> int:
        return len(self.x)

    def in_view(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Rows inside the view of shown kinds, most important kind first."""
        shown = np.isin(self.kind, [KINDS.index(k) for k in self.shown_kinds])
        inside = shown & (self.x >= x0) & (self.x <= x1) & (self.y >= y0) & (self.y <= y1)
        rows = np.flatnonzero(inside)
        return rows[np.argsort(self.kind[rows], kind="stable")]

    def nearest(self, x: float, y: float, radius: float) -> int:
        if not len(self.x):
            return -1
        d = np.hypot(self.x - x, self.y - y)
        i = int(np.argmin(d))
        return i if d[i] <= radius else -1
