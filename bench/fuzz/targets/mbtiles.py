"""The MBTiles target: ``check_mbtiles`` on SQLite files with odd tables, columns, types and rows (some of
them endless views), or damaged bytes; it may raise ``KitError`` only. The baseline runs the same two queries in
bare SQLite, which loops on an endless view until the watchdog stops it."""

from __future__ import annotations

import contextlib
import random
import sqlite3
from pathlib import Path
from typing import Any

from bench.fuzz.mutators import note
from bench.fuzz.promises import check_tiles
from bench.fuzz.targets.base import FileTarget
from sitroom.services.store.kit import KitError
from sitroom.services.store.tiles import check_mbtiles

_SQL_VALUES: tuple[Any, ...] = (None, 0, 5, 22, -1, 2**63 - 1, -(2**63), 1.5, 1e308, "abc", "5", "", b"\x00", b"",
                                "x" * 1000)
_FORMAT_VALUES: tuple[Any, ...] = ("png", "PNG", "jpg", "jpeg", "webp", "pbf", "", None, 5, 1.5, b"png", "png\x00")


def _view_rows(rng: random.Random, columns: str, log: list[str] | None) -> str:
    bound = rng.choice((3, 1000, 100_000, None))
    note(log, f"a recursive view of {'endless' if bound is None else bound} rows")
    where = "" if bound is None else f" WHERE x < {bound}"
    return f"WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c{where}) SELECT {columns} FROM c"


def mbtiles_bytes(rng: random.Random, log: list[str] | None = None, *, valid: bool = False) -> bytes:
    """An MBTiles file made in memory: valid, or with odd tables, columns, types and rows."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute(f"PRAGMA page_size={512 if valid else rng.choice((512, 512, 1024, 4096))}")
        odd = not valid
        # metadata
        r = rng.random() if odd else 0.5
        if r < 0.04:
            note(log, "no metadata table")
        elif r < 0.042:  # rare: an endless one is a hang, which costs the limit
            db.execute("CREATE VIEW metadata AS " + _view_rows(rng, "'format' AS name, 'png' AS value", log))
        else:
            cols = "name text, value text" if r > 0.1 else rng.choice(("name", "name, value blob", "value, name"))
            db.execute(f"CREATE TABLE metadata ({cols})")
            if r < 0.1:
                note(log, f"metadata ({cols})")
            rows = [("name", "fuzz"), ("format", "png"), ("attribution", "© fuzz")]
            if odd and rng.random() < 0.5:
                rows[1] = ("format", rng.choice(_FORMAT_VALUES))
                note(log, f"format {rows[1][1]!r}")
            if odd and rng.random() < 0.3:
                rows[2] = ("attribution", rng.choice(_SQL_VALUES))
                note(log, f"attribution {rows[2][1]!r}")
            if odd and rng.random() < 0.2:
                rows.append((rng.choice(_SQL_VALUES), rng.choice(_SQL_VALUES)))
            ncols = len(cols.split(","))
            db.executemany(f"INSERT INTO metadata VALUES ({', '.join('?' * ncols)})", [row[:ncols] for row in rows])
        # tiles
        r = rng.random() if odd else 0.5
        if r < 0.04:
            note(log, "no tiles table")
        elif r < 0.042:  # rare: an endless one is a hang, which costs the limit
            db.execute("CREATE VIEW tiles AS " + _view_rows(
                rng, "x % 23 AS zoom_level, x AS tile_column, x AS tile_row, x'00' AS tile_data", log))
        else:
            cols = ("zoom_level integer, tile_column integer, tile_row integer, tile_data blob" if r > 0.1 else
                    rng.choice(("tile_column, tile_row, tile_data", "zoom_level", "zoom_level text, tile_data")))
            db.execute(f"CREATE TABLE tiles ({cols})")
            ncols = len(cols.split(","))
            rows = [(z, 0, 0, b"\x89PNG\r\n\x1a\n") for z in range(rng.randrange(4) if odd else 2)]
            if odd and rng.random() < 0.4:
                rows.append((rng.choice(_SQL_VALUES), 0, 0, rng.choice(_SQL_VALUES)))
                note(log, f"a tile at zoom {rows[-1][0]!r}")
            db.executemany(f"INSERT INTO tiles VALUES ({', '.join('?' * ncols)})", [row[:ncols] for row in rows])
            note(log, f"tiles ({cols}), {len(rows)} rows")
        db.commit()
        try:
            return db.serialize()
        except sqlite3.OperationalError:  # no tables at all: an empty database, which is an empty file
            return b""
    finally:
        db.close()


class TilesTarget(FileTarget):
    name = "check_mbtiles"
    errors = (KitError,)
    baseline_name = "sqlite3, the same queries"
    filename = "tiles.mbtiles"
    odds = (0.03, 0.55, 0.45)

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.base = mbtiles_bytes(random.Random(seed), valid=True)

    def make(self, rng: random.Random, log: list[str] | None) -> bytes:
        return mbtiles_bytes(rng, log)

    def run(self, arg: Path) -> Any:
        return check_mbtiles(arg)

    def baseline(self, arg: Path) -> None:
        with contextlib.closing(sqlite3.connect(f"file:{arg}?mode=ro", uri=True)) as db:
            db.execute("SELECT name, value FROM metadata").fetchall()
            db.execute("SELECT MIN(zoom_level), MAX(zoom_level), COUNT(*) FROM tiles").fetchone()

    def check(self, value: bytes, info: Any) -> str | None:
        return check_tiles(info)
