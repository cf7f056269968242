"""Link-speed history by hour of day: the mean speed each road had at each hour, from the live feed.

It feeds the coverage time-of-day report, so it is kept per kit across runs (a few MB of float32).
Hours never observed have no entry: the report says how many of the 24 it rests on.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from sitroom.services.store.kit import RoadGraph


class SpeedHistory:
    def __init__(self, roads: RoadGraph) -> None:
        self.roads = roads
        self.sums = np.zeros((24, roads.n_edges), dtype=np.float32)
        self.counts = np.zeros((24, roads.n_edges), dtype=np.uint32)

    def add(self, hour: int, kmh: np.ndarray, updated: np.ndarray) -> None:
        """One observation of every updated edge at local ``hour``."""
        self.sums[hour, updated] += kmh[updated]
        self.counts[hour, updated] += 1

    def hours(self) -> list[int]:
        return [h for h in range(24) if self.counts[h].any()]

    def kmh(self, hour: int) -> np.ndarray:
        """Mean observed speed per edge at ``hour``; free flow where that edge was never observed then."""
        seen = self.counts[hour] > 0
        out = self.roads.edge_speed.astype(np.float64).copy()
        out[seen] = self.sums[hour, seen] / self.counts[hour, seen]
        return out

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, sums=self.sums, counts=self.counts)
        os.replace(tmp, path)

    @classmethod
    def load(cls, roads: RoadGraph, path: Path) -> SpeedHistory:
        """The saved history when it fits this graph, else an empty one (a rebuilt kit starts afresh)."""
        history = cls(roads)
        try:
            with np.load(path) as z:
                if z["sums"].shape == history.sums.shape:
                    history.sums, history.counts = z["sums"], z["counts"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass
        return history
