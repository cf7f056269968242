"""Building footprints for the basemap at street zoom: grouped in square cells, one path per cell built on first
sight, so a frame draws the few cells in view rather than a city of polygons."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6 import QtCore, QtGui

from sitroom.services.store.footprints import Footprints

CELL_M = 400.0
MIN_SCALE = 0.6  # pixels per metre from which buildings are drawn (about 2.7 km across a 1600-pixel map)


class FootprintCells:
    def __init__(self, footprints: Footprints) -> None:
        self.geometry = footprints.geometry
        self._paths: dict[tuple[int, int], QtGui.QPainterPath] = {}
        self._cells: dict[tuple[int, int], np.ndarray] = {}
        self.margin = 0.0  # how far a building reaches out of its cell
        if len(self.geometry):
            b = shapely.bounds(self.geometry)
            cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
            self.margin = float(np.max(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
            keys = np.stack([np.floor(cx / CELL_M), np.floor(cy / CELL_M)], axis=1).astype(np.int64)
            order = np.lexsort((keys[:, 1], keys[:, 0]))
            keys = keys[order]
            start = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)])
            for a, b_ in zip(start, np.r_[start[1:], len(keys)], strict=True):
                self._cells[(int(keys[a, 0]), int(keys[a, 1]))] = order[a:b_]

    def __len__(self) -> int:
        return len(self.geometry)

    def _path(self, key: tuple[int, int]) -> QtGui.QPainterPath:
        path = self._paths.get(key)
        if path is None:
            rings = shapely.get_rings(shapely.get_parts(self.geometry[self._cells[key]]))
            xy, ring = shapely.get_coordinates(rings, return_index=True)
            connect = np.zeros(len(xy), bool)
            connect[:-1] = ring[1:] == ring[:-1]
            path = pg.arrayToQPath(xy[:, 0], xy[:, 1], connect=connect)
            self._paths[key] = path
        return path

    def paths_in(self, view: QtCore.QRectF) -> Iterator[QtGui.QPainterPath]:
        """The paths of the cells whose buildings may show in ``view`` (kit metres)."""
        if not self._cells:
            return
        m = self.margin
        x0, x1 = sorted((view.left() - m, view.right() + m))
        y0, y1 = sorted((view.top() - m, view.bottom() + m))
        i0, i1 = int(np.floor(x0 / CELL_M)), int(np.floor(x1 / CELL_M))
        j0, j1 = int(np.floor(y0 / CELL_M)), int(np.floor(y1 / CELL_M))
        if (i1 - i0 + 1) * (j1 - j0 + 1) > 4 * len(self._cells):  # a wide view: walk the cells there are
            keys = [k for k in self._cells if i0 <= k[0] <= i1 and j0 <= k[1] <= j1]
        else:
            keys = [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1) if (i, j) in self._cells]
        for key in keys:
            yield self._path(key)
