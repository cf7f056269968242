"""CSV/JSON adapter (``sitroom adapter csv``): rows of an export replayed as vehicles, incidents or readings.

Many systems can only export a table. A mapping file (services/adapters/mapping.py) says which column is which
SitRoom field; the rows are replayed at the pace their times were recorded (``speed`` 1), faster (``speed`` 10:
ten times), or as fast as the feed takes them (``speed`` 0). Rows without a time go out right after the row
before. By default each record is stamped with the time it is sent, so a recording of last Tuesday shows as
live vehicles now (``keep_times`` keeps the recorded ones).

Input: ``.csv`` (UTF-8 or CP949, a header line naming the columns), ``.jsonl``/``.ndjson`` (one JSON object a
line) or ``.json`` (a list of objects). A row that is not valid CSV or JSON, or lacks a required field, or
holds one that cannot be read, is counted by reason (``bad-csv``, ``bad-json``, ``missing-field``,
, ``bad-field``, ``bad-time``, ``bad-position``) and the replay goes on.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from sitroom.services.adapters.base import Adapter, Batcher, Dropped, VehicleIds
from sitroom.services.adapters.mapping import Mapping
from sitroom.services.feeds.protocol import now_ms

log = logging.getLogger(__name__)

ID_BASE = 0x4000_0000  # textual vehicle ids of CSV exports (base.hashed_id)
MAX_BATCH = 4096


def read_items(path: Path, health) -> Iterator[tuple[int, Any]]:
    """(line number, row) for every row of the file; what cannot be read is counted on ``health`` and skipped."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        with open(path, "rb") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except (ValueError, UnicodeDecodeError) as exc:
                    health.received += 1
                    health.drop("bad-json", f"line {n}: {exc}")
                    continue
                if not isinstance(item, dict):
                    health.received += 1
                    health.drop("bad-json", f"line {n}: not an object")
                    continue
                yield n, item
        return
    if suffix == ".json":
        try:
            data = json.loads(path.read_bytes())
        except (ValueError, UnicodeDecodeError) as exc:
            health.drop("bad-json", f"{path.name}: {exc}")
            return
        for n, item in enumerate(data if isinstance(data, list) else [data], 1):
            if isinstance(item, dict):
                yield n, item
            else:
                health.received += 1
                health.drop("bad-json", f"item {n}: not an object")
        return
    blob = path.read_bytes()
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = blob.decode("cp949", errors="replace")
    rows = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:  # a NUL byte, an unterminated quote, an oversized field: that row only
            health.received += 1
            health.drop("bad-csv", f"line {rows.line_num}: {exc}")
            continue
        if header is None:
            header = [h.strip() for h in row]
            continue
        if not any(c.strip() for c in row):
            continue
        yield rows.line_num, {h: row[i] for i, h in enumerate(header) if i < len(row)}


class Replay:
    """Rows of one file, sent at their recorded pace (``speed`` times faster; 0: at once)."""

    def __init__(self, adapter: Adapter, mapping: Mapping, path: Path, *, speed: float = 1.0,
                 keep_times: bool = False, loop: bool = False, facility: str = "csv",
                 ids: VehicleIds | None = None) -> None:
        if speed < 0:
            raise ValueError("speed must be 0 (no pacing) or more")
        self.adapter, self.mapping, self.path = adapter, mapping, Path(path)
        self.speed, self.keep_times, self.loop, self.facility = speed, keep_times, loop, facility
        self.ids = ids or VehicleIds(ID_BASE)
        self.batch = Batcher()
        self.readings: dict[str, list[np.ndarray]] = defaultdict(list)
        self.finished = False
        self.passes = 0
        self._start()

    def _start(self) -> None:
        self._items = read_items(self.path, self.adapter.health)
        self._next: tuple[int, Any] | None = None
        self._t0: int | None = None  # the recording's first time
        self._wall0 = time.monotonic()
        self._last_due = self._wall0

    def _due(self, item: Any) -> float:
        """When (monotonic) a row goes out: its recorded time's offset from the first, over ``speed``."""
        if self.speed == 0:
            return 0.0
        try:
            t = self.mapping.time_ms(item)
        except Dropped:
            t = None
        if t is None:
            return self._last_due
        if self._t0 is None:
            self._t0 = t
        due = self._wall0 + max(0.0, (t - self._t0) / 1000.0 / self.speed)
        self._last_due = max(due, self._last_due)
        return self._last_due

    def step(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        sent = 0
        while not self.finished:
            if self._next is None:
                try:
                    self._next = next(self._items)
                except StopIteration:
                    self.passes += 1
                    if self.loop:
                        self._start()
                        continue
                    self.finished = True
                    log.info("csv: %s replayed (%s)", self.path.name, self.adapter.health.as_map())
                    break
            due = self._due(self._next[1])
            now = time.monotonic()
            if due > now:
                if due > deadline or sent >= MAX_BATCH:
                    break
                self._flush()
                time.sleep(due - now)
            line, item = self._next
            self._next = None
            self._one(line, item)
            sent += 1
            if sent >= MAX_BATCH or time.monotonic() >= deadline:
                break
        self._flush()
        if self.finished:
            time.sleep(max(0.0, deadline - time.monotonic()))

    def _one(self, line: int, item: Any) -> None:
        health = self.adapter.health
        health.received += 1
        stamp = now_ms()
        try:
            kind = self.mapping.kind
            if kind == "avl":
                rec = self.mapping.avl(item, self.ids, stamp)
                if not self.keep_times:
                    rec["ts"] = stamp
                self.batch.add(rec)
            elif kind == "incident":
                inc = self.mapping.incident(item, stamp)
                if not self.keep_times:
                    inc["reported"] = stamp
                self.adapter.incident(inc)
            else:
                facility, rec = self.mapping.reading(item, stamp)
                if not self.keep_times:
                    rec["ts"] = stamp
                self.readings[facility or self.facility].append(rec)
        except Dropped as exc:
            health.drop(exc.reason, f"{self.path.name} line {line}: {exc.detail}")

    def _flush(self) -> None:
        self.batch.flush(self.adapter)
        for facility, recs in self.readings.items():
            self.adapter.readings(facility, np.concatenate(recs))
        self.readings.clear()
