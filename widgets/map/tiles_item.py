"""Raster tiles of the kit (MBTiles, Web Mercator) drawn under the vectors, warped into the kit's CRS.

Each tile is placed by projecting its four corners (a quad-to-quad transform): at tile size the
Mercator-to-kit warp is well under a pixel. Tiles are read and decoded on a worker thread; the item
draws what is ready and repaints when more arrives, so the GUI thread never waits on the disk.
"""

from __future__ import annotations

import math
import queue
import threading
from collections import OrderedDict

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from sitroom.services.geo import Projector
from sitroom.services.store.kit import Kit
from sitroom.services.store.tiles import MBTiles, tile_bounds_lonlat, tiles_covering

_TILE_PX = 256
_MAX_TILES_PER_VIEW = 96
_CACHE_TILES = 512
_EARTH_M_PER_PX_Z0 = 156543.03392  # Web Mercator metres per pixel at zoom 0 on the equator


class _Loaded(QtCore.QObject):
    tile = QtCore.Signal(object, object)  # (z, x, y), QImage or None


class TilesItem(pg.GraphicsObject):
    def __init__(self, kit: Kit) -> None:
        super().__init__()
        self.kit = kit
        self._projector = Projector(kit.crs)
        self._store = MBTiles(kit.tiles_path)
        self._images: OrderedDict[tuple[int, int, int], QtGui.QImage | None] = OrderedDict()
        self._quads: dict[tuple[int, int, int], QtGui.QTransform] = {}
        self._requested: set[tuple[int, int, int]] = set()
        self._queue: queue.Queue[tuple[int, int, int] | None] = queue.Queue()
        self._loaded = _Loaded()
        self._loaded.tile.connect(self._on_tile)
        self._worker = threading.Thread(target=self._read_tiles, name="sitroom-tiles", daemon=True)
        self._worker.start()
        b = kit.bounds
        self._bounds = QtCore.QRectF(b[0], b[1], b[2] - b[0], b[3] - b[1])
        self.drawn = 0

    def _read_tiles(self) -> None:
        while (key := self._queue.get()) is not None:
            data = self._store.tile(*key)
            image = QtGui.QImage.fromData(data) if data else None
            self._loaded.tile.emit(key, image if image is not None and not image.isNull() else None)

    def _on_tile(self, key: tuple[int, int, int], image: QtGui.QImage | None) -> None:
        self._requested.discard(key)
        self._images[key] = image
        while len(self._images) > _CACHE_TILES:
            self._images.popitem(last=False)
        self.update()

    def close(self) -> None:
        self._queue.put(None)

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def _quad(self, key: tuple[int, int, int]) -> QtGui.QTransform:
        if key not in self._quads:
            w, s, e, n = tile_bounds_lonlat(*key)
            x, y = self._projector(np.array([w, e, e, w]), np.array([n, n, s, s]))
            target = QtGui.QPolygonF([QtCore.QPointF(float(a), float(b)) for a, b in zip(x, y, strict=True)])
            source = QtGui.QPolygonF([QtCore.QPointF(0, 0), QtCore.QPointF(_TILE_PX, 0),
                                      QtCore.QPointF(_TILE_PX, _TILE_PX), QtCore.QPointF(0, _TILE_PX)])
            tr = QtGui.QTransform()
            QtGui.QTransform.quadToQuad(source, target, tr)
            self._quads[key] = tr
        return self._quads[key]

    def zoom_for(self, scale: float, lat: float) -> int:
        info = self._store.info
        z = math.ceil(math.log2(max(_EARTH_M_PER_PX_Z0 * math.cos(math.radians(lat)) * scale, 1e-9)))
        return min(max(z, info["minzoom"]), info["maxzoom"])

    def paint(self, p: QtGui.QPainter, option: object, widget: object = None) -> None:
        view = self.viewRect()
        if view is None:
            return
        view = view.intersected(self._bounds)
        if view.isEmpty():
            return
        tr = p.transform()
        scale = float(np.hypot(tr.m11(), tr.m12()))
        lon, lat = self._projector.inverse(np.array([view.left(), view.right(), view.right(), view.left()]),
                                           np.array([view.top(), view.top(), view.bottom(), view.bottom()]))
        box = (float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat)))
        z = self.zoom_for(scale, (box[1] + box[3]) / 2)
        keys = [(z, x, y) for x, y in tiles_covering(box, z)][:_MAX_TILES_PER_VIEW]
        p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        self.drawn = 0
        for key in keys:
            if key in self._images:
                self._images.move_to_end(key)
                image = self._images[key]
                if image is not None:
                    p.save()
                    p.setTransform(self._quad(key), True)
                    p.drawImage(0, 0, image)
                    p.restore()
                    self.drawn += 1
            elif key not in self._requested:
                self._requested.add(key)
                self._queue.put(key)
