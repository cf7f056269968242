"""The incident layer: the book's open incidents as arrays for drawing and picking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sitroom.layers.base import Layer
from sitroom.services.incidents.model import IncidentBook
from sitroom.services.vocabulary import INCIDENT_STATUSES, INCIDENT_TYPES


@dataclass(frozen=True)
class IncidentArrays:
    ids: list[str]
    x: np.ndarray
    y: np.ndarray
    type: np.ndarray  # index into INCIDENT_TYPES
    priority: np.ndarray
    status: np.ndarray  # index into INCIDENT_STATUSES
    new: np.ndarray  # bool: not yet acknowledged (flashes)


class IncidentLayer(Layer):
    title = "Incidents"
    stack = 60

    def __init__(self, book: IncidentBook) -> None:
        super().__init__()
        self.book = book
        self.selected: str | None = None
        self.show_closed = False
        self._version = -1
        self._arrays: IncidentArrays | None = None

    def arrays(self) -> IncidentArrays:
        if self._arrays is None or self._version != self.book.version:
            shown = [i for i in self.book.incidents.values() if i.open or self.show_closed]
            self._arrays = IncidentArrays(
                [i.id for i in shown],
                np.array([i.x for i in shown], dtype=np.float64),
                np.array([i.y for i in shown], dtype=np.float64),
                np.array([INCIDENT_TYPES.index(i.type) for i in shown], dtype=np.int8),
                np.array([i.priority for i in shown], dtype=np.int8),
                np.array([INCIDENT_STATUSES.index(i.status) for i in shown], dtype=np.int8),
                np.array([i.status == "new" for i in shown], dtype=bool),
            )
            self._version = self.book.version
        return self._arrays

    def changed(self) -> bool:
        """The book changed since the last :meth:`arrays` (the book is written by the feed, the desk and
        replay alike, none of which marks this layer)."""
        return self._version != self.book.version

    def select(self, incident_id: str | None) -> None:
        self.selected = incident_id
        self.mark_dirty()

    def nearest(self, x: float, y: float, radius: float) -> str | None:
        a = self.arrays()
        if not a.ids:
            return None
        d = np.hypot(a.x - x, a.y - y)
        i = int(np.argmin(d))
        return a.ids[i] if d[i] <= radius else None

    @property
    def flashing(self) -> bool:
        return bool(self.arrays().new.any())
