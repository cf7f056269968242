"""The CSV target: ``read_points`` on point layers with odd headers, cells, quoting, separators, line ends and
encodings, or damaged bytes; it may raise ``KitError`` only."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from typing import Any

from bench.fuzz.mutators import note
from bench.fuzz.promises import check_points
from bench.fuzz.targets.base import FileTarget
from sitroom.services.store.kit import KitError
from sitroom.services.store.vector import read_points

_CSV_HEADERS: tuple[tuple[str, ...], ...] = (
    ("lon", "lat", "name", "kind"), ("name", "x", "y"), ("longitude", "latitude", "type", "name"), ("LNG", "Lat"),
    (" lon ", " lat ", "name"), ("lat", "lon"), ("lon", "lon", "lat"), ("name",), (), ("lon", "lat", "kind", "kind"))
_CSV_NUMBERS = ("nan", "NaN", "inf", "-inf", "1e999", "", " ", "abc", "0x10", "1_000", "١٢٧", "1e-400", "9" * 400,
                "+.5", "127,5", "--1", "-0", "180.0001", "-180", "90", "-90.5", "127.385e0")
_CSV_TEXTS = ("", "중앙 119안전센터", "fire", "소방서", "Police", "x" * 300, '"', 'a"b', "a,b", "a\nb", "\x00",
              "\ufeff", "\r", "병원;hospital")


def csv_bytes(rng: random.Random, log: list[str] | None = None) -> bytes:
    """A point CSV with odd headers, cells, quoting, separators, line ends and encodings."""
    header = list(rng.choice(_CSV_HEADERS))
    rows: list[list[str]] = [header] if header or rng.random() < 0.5 else []
    for _ in range(rng.randrange(6)):
        row = []
        for h in header:
            coord = h.strip().lower() in ("lon", "lat", "x", "y", "lng", "longitude", "latitude")
            if coord and rng.random() < 0.7:
                row.append(f"{rng.uniform(-200, 200) if rng.random() < 0.1 else rng.uniform(30, 40):.6f}")
            else:
                row.append(rng.choice(_CSV_NUMBERS if coord else _CSV_TEXTS))
        if rng.random() < 0.15:
            row = row[:rng.randrange(len(row) + 1)] + [rng.choice(_CSV_TEXTS)] * rng.randrange(3)
        rows.append(row)
    if rows and rng.random() < 0.005:  # a cell past csv's field size limit
        rows[-1].append("x" * 131_073)
        note(log, "a 131,073-character cell")
    out = io.StringIO()
    sep, end = rng.choice((",", ",", ",", ";", "\t")), rng.choice(("\n", "\r\n", "\r"))
    quoting = rng.choice((csv.QUOTE_MINIMAL, csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE))
    try:
        csv.writer(out, delimiter=sep, lineterminator=end, quoting=quoting, escapechar="\\").writerows(rows)
    except csv.Error:  # a lone empty cell cannot be written unquoted
        out = io.StringIO()
        csv.writer(out, delimiter=sep, lineterminator=end, quoting=csv.QUOTE_ALL).writerows(rows)
    encoding = rng.choice(("utf-8", "utf-8", "utf-8", "utf-8-sig", "cp949", "utf-16", "latin-1"))
    note(log, f"{len(rows)} rows, header {header}, separator {sep!r}, line end {end!r}, {encoding}")
    return out.getvalue().encode(encoding, "replace")


class CsvTarget(FileTarget):
    name = "read_points"
    errors = (KitError,)
    baseline_name = "csv.reader"
    filename = "stations.csv"
    odds = (0.05, 0.65, 0.55)
    base = "lon,lat,name,kind\n127.385,36.351,중앙 119안전센터,fire\n127.40,36.36,대전병원,hospital\n".encode()

    def make(self, rng: random.Random, log: list[str] | None) -> bytes:
        return csv_bytes(rng, log)

    def run(self, arg: Path) -> Any:
        return read_points(arg)

    def baseline(self, arg: Path) -> None:
        list(csv.reader(io.StringIO(arg.read_bytes().decode("utf-8-sig", "replace"), newline="")))

    def check(self, value: bytes, points: Any) -> str | None:
        return check_points(points)
