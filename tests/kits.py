"""Small kits the tests build themselves (a real Kit, just tiny)."""

from __future__ import annotations

import numpy as np
import shapely

from sitroom.services.geo import Projector
from sitroom.services.store.kit import District, Kit, Poi, RoadClass, RoadGraph

CENTER_LONLAT = (127.385, 36.351)  # Daejeon city hall


def grid_kit(n: int = 6, spacing: float = 200.0) -> Kit:
    """An n×n street grid around Daejeon city hall, two-way, one district covering it."""
    x0, y0 = Projector("EPSG:5179")(np.array([CENTER_LONLAT[0]]), np.array([CENTER_LONLAT[1]]))
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    xy = np.stack([x0[0] + ii.ravel() * spacing, y0[0] + jj.ravel() * spacing], axis=1)
    src, dst = [], []
    for i in range(n):
        for j in range(n):
            a = i * n + j
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n:
                    b = (i + di) * n + (j + dj)
                    src += [a, b]
                    dst += [b, a]
    src_a, dst_a = np.array(src, dtype=np.int32), np.array(dst, dtype=np.int32)
    order = np.argsort(src_a, kind="stable")
    src_a, dst_a = src_a[order], dst_a[order]
    m = len(src_a)
    cls = np.where((xy[src_a, 0] == xy[dst_a, 0]) & (src_a % n == 0), RoadClass.PRIMARY, RoadClass.RESIDENTIAL)
    # Streets named by their row or column: "동서로 j" runs along x, "남북로 i" along y.
    along_x = xy[src_a, 1] == xy[dst_a, 1]
    name = np.where(along_x, jj.ravel()[src_a], n + ii.ravel()[src_a]).astype(np.int32)
    road_names = tuple((f"동서로 {j}", f"동서로 {j}", f"Dongseo-ro {j}") for j in range(n)) + tuple(
        (f"남북로 {i}", f"남북로 {i}", f"Nambuk-ro {i}") for i in range(n))
    roads = RoadGraph(xy, src_a, dst_a, cls.astype(np.uint8), np.full(m, 40, np.float32),
                      (3_000_000_000 + np.arange(m)).astype(np.uint64), np.zeros(m, bool), name)
    pad = spacing / 2
    box = shapely.box(xy[:, 0].min() - pad, xy[:, 1].min() - pad, xy[:, 0].max() + pad, xy[:, 1].max() + pad)
    districts = (District("30140", "중구", "Jung-gu", "gu", "", box),)
    pois = (Poi("fire", "중앙 119안전센터", float(xy[0, 0]), float(xy[0, 1]), 0),)
    lon, lat = Projector("EPSG:5179").inverse(box.bounds[0::2], box.bounds[1::2])
    return Kit("Test grid", "EPSG:5179", (lon[0], lat[0], lon[1], lat[1]), roads, districts, pois,
               ({"name": "test", "licence": "test", "attribution": "test grid"},), generated=True,
               road_names=road_names)
