"""Whether each sensor's readings can be believed: the rules of docs/protocol.md §6.4, as arrays by row.

Every reading is checked before it is kept or judged against a limit. What cannot be a measurement (NaN, an
infinity, a value its kind cannot reach, a step faster than its kind can change, a time in the future, the
device's own BAD flag) is the sensor's fault: shown on it, counted, and never judged, so it can never raise a
false alarm. A sensor that floods readings has the excess dropped; one that stops is *silent*; one whose
value has not moved at all for minutes is *flat*. Faults of the last reading are cleared by the next good one.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from sitroom.services.feeds.protocol import QUALITY_BAD, QUALITY_MAINTENANCE
from sitroom.services.sensors.catalog import SensorCatalog
from sitroom.services.sensors.distinct import distinct

FUTURE_MS = 30_000  # clocks differ a little; a reading this far ahead of ours is wrong
FLOOD_WINDOW_MS = 10_000
FLOOD_FACTOR = 5  # readings per expected interval before the excess is dropped
FLOOD_MIN = 20  # per window, whatever the expected rate
SILENT_INTERVALS = 3
SILENT_MIN_MS = 5_000
FLAT_MS = 300_000
FLAT_READINGS = 30


class Fault:
    """Bits of ``SensorHealth.faults`` (plain ints: numpy keeps its uint16 arrays uint16 with them)."""

    NOT_A_NUMBER = 1
    BAD_QUALITY = 2
    OUT_OF_RANGE = 4
    TOO_FAST = 8
    FUTURE = 16
    FLOODING = 32
    SILENT = 64
    FLAT = 128
    CONFIG = 256  # its metadata cannot be judged (bad limits, unit or kind)
    MAINTENANCE = 512  # not a fault: under test, shown and not judged


# The reason each fault is counted under (docs/protocol.md §6.4).
FAULT_REASON = {Fault.NOT_A_NUMBER: "not-a-number", Fault.BAD_QUALITY: "bad-quality",
                Fault.OUT_OF_RANGE: "out-of-range", Fault.TOO_FAST: "too-fast", Fault.FUTURE: "future",
                Fault.FLOODING: "flooding", Fault.SILENT: "silent", Fault.FLAT: "flat"}
# Faults of a reading (the next good reading clears them); the others are conditions of the sensor.
_PER_READING = Fault.NOT_A_NUMBER | Fault.BAD_QUALITY | Fault.OUT_OF_RANGE | Fault.TOO_FAST | Fault.FUTURE


def _without(bits: int) -> np.uint16:
    """A mask that clears ``bits`` from a uint16."""
    return np.uint16(0xFFFF ^ bits)


# What leaves a sensor telling nothing usable (its facility shows as silent).
UNUSABLE = (Fault.NOT_A_NUMBER | Fault.BAD_QUALITY | Fault.OUT_OF_RANGE | Fault.FUTURE | Fault.SILENT
            | Fault.CONFIG)


class SensorHealth:
    def __init__(self) -> None:
        self.rows = 0
        self.faults = np.empty(0, np.uint16)  # Fault bits now
        self.fault_ms = np.empty(0, np.int64)  # when the last fault was seen
        self.fault_seen = np.empty(0, np.uint16)  # its bits (what the panel says happened recently)
        self.last_rx = np.empty(0, np.int64)  # session time of the last reading (-1: never)
        self.last_ts = np.empty(0, np.int64)  # source time of the last usable reading
        self.last_value = np.empty(0, np.float64)  # the last finite reading within range
        self.value_since = np.empty(0, np.int64)  # when that value last changed
        self.same = np.empty(0, np.int64)  # readings since
        self.window_start = np.empty(0, np.int64)
        self.window_count = np.empty(0, np.int64)
        self.counts: Counter[str] = Counter()  # readings (or metadata) counted per fault reason
        self._scratch = np.empty(0, np.int64)
        self.version = 0  # bumps when any sensor's faults change

    def grow(self, rows: int) -> None:
        if rows <= self.rows:
            return
        cap = max(rows, len(self.faults))
        if cap > len(self.faults):
            cap = max(rows, len(self.faults) * 5 // 4, 64)
            for name, fill in (("faults", 0), ("fault_ms", 0), ("fault_seen", 0), ("last_rx", -1), ("last_ts", 0),
                               ("last_value", np.nan), ("value_since", 0), ("same", 0), ("window_start", 0),
                               ("window_count", 0)):
                old = getattr(self, name)
                new = np.full(cap, fill, old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)
            self._scratch = np.empty(cap, np.int64)
        self.rows = rows

    def configured(self, row: int, judged: bool) -> None:
        """The row's metadata arrived (again): CONFIG says whether its configuration can be judged."""
        self.faults[row] = (self.faults[row] & _without(Fault.CONFIG)) | (0 if judged else Fault.CONFIG)

    def check(self, catalog: SensorCatalog, rows: np.ndarray, readings: np.ndarray, now_ms: int
              ) -> tuple[np.ndarray, np.ndarray]:
        """Readings of known ``rows`` (SENSOR_DTYPE): (keep: worth storing, judge: may be judged against limits)."""
        v, ts, quality = readings["value"], readings["ts"], readings["quality"]
        bits = np.zeros(len(rows), np.uint16)
        finite = np.isfinite(v)
        bits[~finite] |= Fault.NOT_A_NUMBER
        bits[(quality & QUALITY_BAD) != 0] |= Fault.BAD_QUALITY
        in_range = finite & (v >= catalog.lo[rows]) & (v <= catalog.hi[rows])
        bits[finite & ~in_range] |= Fault.OUT_OF_RANGE
        bits[ts > now_ms + FUTURE_MS] |= Fault.FUTURE
        # A step faster than the kind can change, against the last believable value (the first one of a spike and
        # the one back from it are both flagged; a real step only once).
        prev, prev_ts = self.last_value[rows], self.last_ts[rows]
        dt = (ts - prev_ts) / 1000.0
        fast = in_range & np.isfinite(prev) & (dt > 0) & (np.abs(v - prev) > catalog.max_step[rows] * dt)
        bits[fast] |= Fault.TOO_FAST
        bits[self._flooding(catalog, rows, now_ms)] |= Fault.FLOODING
        maintenance = (quality & QUALITY_MAINTENANCE) != 0
        keep = in_range & ((bits & (Fault.FUTURE | Fault.FLOODING | Fault.BAD_QUALITY)) == 0)
        judge = keep & ~fast & ~maintenance & catalog.judged[rows]
        for bit, reason in FAULT_REASON.items():
            n = int(np.count_nonzero(bits & bit))
            if n:
                self.counts[reason] += n
        self._remember(rows, bits, maintenance, keep, v, ts, now_ms, catalog.steady)
        return keep, judge

    def _flooding(self, catalog: SensorCatalog, rows: np.ndarray, now_ms: int) -> np.ndarray:
        """Readings past a sensor's allowance in the current window (each sensor's count, in batch order)."""
        start = self.window_start[rows]
        old = now_ms - start >= FLOOD_WINDOW_MS
        if old.any():
            self.window_start[rows[old]] = now_ms
            self.window_count[rows[old]] = 0
        order = np.argsort(rows, kind="stable")
        sr = rows[order]
        first = np.r_[True, sr[1:] != sr[:-1]]
        group_start = np.flatnonzero(first)
        nth = np.arange(len(sr)) - np.repeat(group_start, np.diff(np.r_[group_start, len(sr)]))
        seen = np.empty(len(rows), np.int64)
        seen[order] = self.window_count[sr] + nth + 1
        np.add.at(self.window_count, rows, 1)
        allowed = np.maximum(FLOOD_MIN, FLOOD_FACTOR * FLOOD_WINDOW_MS // np.maximum(catalog.rate_ms[rows], 1))
        return seen > allowed

    def _remember(self, rows: np.ndarray, bits: np.ndarray, maintenance: np.ndarray, keep: np.ndarray,
                  v: np.ndarray, ts: np.ndarray, now_ms: int, steady: np.ndarray) -> None:
        if not distinct(rows, self._scratch):  # the last reading of each sensor speaks for it
            last = np.zeros(len(rows), bool)
            _, idx = np.unique(rows[::-1], return_index=True)
            last[len(rows) - 1 - idx] = True
            rows, bits, maintenance, keep, v, ts = (a[last] for a in (rows, bits, maintenance, keep, v, ts))
        self.last_rx[rows] = now_ms
        before = self.faults[rows]
        faulty = bits != 0
        if faulty.any():
            self.fault_ms[rows[faulty]] = now_ms
            self.fault_seen[rows[faulty]] = bits[faulty]
        current = self.faults[rows] & _without(_PER_READING | Fault.SILENT | Fault.FLOODING | Fault.MAINTENANCE)
        current |= bits
        current[maintenance] |= Fault.MAINTENANCE
        # The value a next step is measured from, and flat: exactly the same value for long enough (steady kinds
        # aside). A step flagged too fast counts here: after a real step (a gauge re-zeroed) only one is flagged.
        good = keep & ((bits & (_PER_READING ^ Fault.TOO_FAST)) == 0)
        r, value = rows[good], v[good]
        moved = self.last_value[r] != value
        self.value_since[r[moved]] = now_ms
        self.same[r[moved]] = 0
        self.same[r[~moved]] += 1
        self.last_value[r] = value
        self.last_ts[r] = ts[good]
        self.faults[rows] = current
        flat = good.copy()
        flat[good] = (self.same[r] >= FLAT_READINGS) & (now_ms - self.value_since[r] >= FLAT_MS) & ~steady[r]
        self.faults[rows[flat]] |= Fault.FLAT
        self.faults[rows[good & ~flat]] &= _without(Fault.FLAT)
        if (self.faults[rows] != before).any():  # views redraw when a sensor's health changes, not per reading
            self.version += 1

    def tick(self, catalog: SensorCatalog, now_ms: int) -> np.ndarray:
        """Mark sensors silent past SILENT_INTERVALS expected intervals; returns the rows reporting (fresh)."""
        n = self.rows
        limit = np.maximum(SILENT_INTERVALS * catalog.rate_ms[:n], SILENT_MIN_MS)
        heard = self.last_rx[:n] >= 0
        silent = heard & (now_ms - self.last_rx[:n] > limit) & catalog.listed[:n]
        was = (self.faults[:n] & Fault.SILENT) != 0
        if (silent != was).any():
            newly = np.flatnonzero(silent & ~was)
            self.counts["silent"] += len(newly)
            self.fault_ms[newly] = now_ms
            self.fault_seen[newly] = Fault.SILENT
            faults = self.faults[:n]
            self.faults[:n] = np.where(silent, faults | Fault.SILENT, faults & _without(Fault.SILENT))
            self.version += 1
        return heard & ~silent

    def usable(self) -> np.ndarray:
        """Per row: its last word can be believed (a facility whose sensors all fail this shows as silent)."""
        return (self.faults[: self.rows] & UNUSABLE) == 0
