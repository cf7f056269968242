"""Coordinate transforms: one cached pyproj Transformer per CRS pair, applied to whole arrays at once."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj


@lru_cache(maxsize=16)
def transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


class Projector:
    """lon/lat (WGS84) <-> the kit's projected metres."""

    def __init__(self, crs: str) -> None:
        self.crs = crs
        self._fwd = transformer("EPSG:4326", crs)
        self._inv = transformer(crs, "EPSG:4326")

    def __call__(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._fwd.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))

    def inverse(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        return self._inv.transform(x, y)
