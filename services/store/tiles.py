"""Raster tiles in an MBTiles file (SQLite, XYZ tiles in Web Mercator, TMS row order), read-only."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

from sitroom.services.store.errors import KitError

_FORMATS = {"png", "jpg", "jpeg", "webp"}


def check_mbtiles(path: Path) -> dict:
    """Validate an MBTiles file; returns what the kit records of it (format, zoom range, tile count)."""
    path = Path(path)
    if not path.is_file():
        raise KitError(f"{path}: no such file")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0)  # a locked file fails, never waits
        try:
            kinds = dict(db.execute("SELECT name, type FROM sqlite_master WHERE name IN ('metadata', 'tiles')"))
            # Tables only: a view can compute forever (an endless recursive CTE), a table cannot.
            if kinds.get("metadata") != "table" or kinds.get("tiles") != "table":
                raise KitError(f"{path}: not an MBTiles file (no metadata and tiles tables)")
            meta = {str(k): v for k, v in db.execute("SELECT name, value FROM metadata").fetchall()}
            zmin, zmax, count = db.execute(
                "SELECT MIN(zoom_level), MAX(zoom_level), COUNT(*) FROM tiles WHERE typeof(zoom_level) = 'integer'"
            ).fetchone()
        finally:
            db.close()
    except KitError:
        raise
    except (sqlite3.Error, UnicodeDecodeError, MemoryError, ValueError, OverflowError) as exc:
        raise KitError(f"{path}: not an MBTiles file: {str(exc)[:200]}") from None
    fmt = str(meta.get("format", "png")).lower()
    if fmt not in _FORMATS:
        raise KitError(f"{path}: tile format {fmt!r} is not a raster format ({', '.join(sorted(_FORMATS))})")
    if not count:
        raise KitError(f"{path}: no tiles in it")
    attribution = meta.get("attribution", "")
    return {"format": fmt, "minzoom": int(zmin), "maxzoom": int(zmax), "tiles": int(count),
            "attribution": attribution if isinstance(attribution, str) else ""}


def tile_bounds_lonlat(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """W, S, E, N of XYZ tile (z, x, y)."""
    n = 2.0 ** z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y))


def tiles_covering(bounds_lonlat: tuple[float, float, float, float], z: int) -> list[tuple[int, int]]:
    """XYZ (x, y) of the tiles at zoom ``z`` that cover a lon/lat box."""
    w, s, e, n_ = bounds_lonlat
    n = 2 ** z

    def col(lon: float) -> int:
        return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))

    def row(lat: float) -> int:
        lat = max(-85.0511, min(85.0511, lat))
        r = math.radians(lat)
        return min(n - 1, max(0, int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * n)))

    return [(x, y) for x in range(col(w), col(e) + 1) for y in range(row(n_), row(s) + 1)]


class MBTiles:
    """Tile reader. One connection per thread: open it on the thread that reads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.info = check_mbtiles(self.path)
        self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        row = self._db.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                               (z, x, (1 << z) - 1 - y)).fetchone()
        return None if row is None else bytes(row[0])

    def close(self) -> None:
        self._db.close()
