"""Limits of many sensors judged at once: deadband and on/off delays (ISA-18.2 §10.4), as numpy arrays.

Each sensor row has four limits (``LIMITS``: alarm_lo, warn_lo, warn_hi, alarm_hi; NaN where there is none).
Per limit the judge keeps the *crossed* condition with hysteresis: a high limit is crossed when a value goes
above it, and uncrossed only when a value is back at or below ``limit - deadband``; and the *active*
condition, which follows the crossed one after it has held for the on-delay (or the off-delay to clear).

So a value that stays within a band narrower than the deadband changes a limit's condition at most once, and
the alarm never chatters. A batch of 10,000 readings costs a handful of numpy operations; only limits whose
active condition changes come out, as :class:`Change`s, for the alarm engine to act on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sitroom.services.alarms.model import HIGH, LIMITS

_HIGH = np.array(HIGH)
_NEVER = np.iinfo(np.int64).min // 2


@dataclass(frozen=True, slots=True)
class Change:
    row: int
    limit: int  # index into LIMITS
    active: bool
    at_ms: int
    value: float  # the reading that made the change (the last one, for a change made by a delay running out)
    reading_ms: int  # its source time


class LimitJudge:
    def __init__(self) -> None:
        self.n = 0
        self._alloc(256)

    def _alloc(self, capacity: int) -> None:
        def grow(name: str, shape: tuple[int, ...], dtype: object, fill: object) -> None:
            arr = np.full((capacity, *shape), fill, dtype=dtype)
            old = getattr(self, name, None)
            if old is not None:
                arr[: len(old)] = old
            setattr(self, name, arr)

        k = len(LIMITS)
        grow("limits", (k,), np.float64, np.nan)
        grow("deadband", (), np.float64, 0.0)
        grow("on_ms", (), np.int64, 0)
        grow("off_ms", (), np.int64, 0)
        grow("crossed", (k,), bool, False)
        grow("since", (k,), np.int64, _NEVER)  # when ``crossed`` last changed
        grow("active", (k,), bool, False)
        grow("last_value", (), np.float64, np.nan)
        grow("last_ms", (), np.int64, 0)  # source time of the last reading judged

    def configure(self, row: int, limits: tuple[float, float, float, float], deadband: float, on_delay_s: float,
                  off_delay_s: float) -> None:
        """Set (or change) a row's limits; its conditions carry on (a removed limit clears after its delay)."""
        if row >= len(self.deadband):
            self._alloc(max(row + 1, 2 * len(self.deadband)))
        self.n = max(self.n, row + 1)
        self.limits[row] = limits
        self.deadband[row] = deadband
        self.on_ms[row], self.off_ms[row] = int(on_delay_s * 1000), int(off_delay_s * 1000)

    def seed(self, row: int, limit: int, active: bool, at_ms: int) -> None:
        """A condition known from before (an alarm restored after a restart): crossed and active as it was."""
        self.crossed[row, limit] = self.active[row, limit] = active
        self.since[row, limit] = at_ms

    def judge(self, rows: np.ndarray, values: np.ndarray, reading_ms: np.ndarray, now_ms: int) -> list[Change]:
        """Readings (already checked: finite, in range, good quality) of ``rows``, in time order."""
        if not len(rows):
            return []
        # A batch may hold several readings of one sensor: judge them in rounds, each sensor once per round.
        order = np.argsort(rows, kind="stable")
        sorted_rows = rows[order]
        start = np.r_[0, np.flatnonzero(sorted_rows[1:] != sorted_rows[:-1]) + 1]
        rank = np.empty(len(rows), np.int64)
        rank[order] = np.arange(len(rows)) - np.repeat(start, np.diff(np.r_[start, len(rows)]))
        changes: list[Change] = []
        for r in range(int(rank.max()) + 1):
            pick = np.flatnonzero(rank == r) if r or rank.any() else slice(None)
            changes += self._round(rows[pick], values[pick], reading_ms[pick], now_ms)
        return changes

    def _round(self, rows: np.ndarray, v: np.ndarray, reading_ms: np.ndarray, now_ms: int) -> list[Change]:
        lim = self.limits[rows]
        was = self.crossed[rows]
        db = self.deadband[rows][:, None]
        vv = v[:, None]
        # Crossed with hysteresis: entering past the limit, leaving only past the deadband (NaN limits: never).
        enter = np.where(_HIGH, vv > lim, vv < lim)
        stay = np.where(_HIGH, vv > lim - db, vv < lim + db)
        now_crossed = np.where(was, stay, enter)
        flipped = now_crossed != was
        if flipped.any():
            self.crossed[rows] = now_crossed
            since = self.since[rows]
            since[flipped] = now_ms
            self.since[rows] = since
        self.last_value[rows] = v
        self.last_ms[rows] = reading_ms
        return self._due(rows, now_ms)

    def _due(self, rows: np.ndarray | slice, now_ms: int) -> list[Change]:
        crossed, active = self.crossed[rows], self.active[rows]
        pending = crossed != active
        if not pending.any():
            return []
        delay = np.where(crossed, self.on_ms[rows][:, None], self.off_ms[rows][:, None])
        due = pending & (now_ms - self.since[rows] >= delay)
        if not due.any():
            return []
        ri, li = np.nonzero(due)
        row_ids = np.arange(self.n)[rows][ri] if isinstance(rows, slice) else rows[ri]
        out = []
        for row, limit in zip(row_ids.tolist(), li.tolist(), strict=True):
            state = bool(self.crossed[row, limit])
            self.active[row, limit] = state
            out.append(Change(row, limit, state, now_ms, float(self.last_value[row]), int(self.last_ms[row])))
        return out

    def tick(self, now_ms: int, fresh: np.ndarray | None = None) -> list[Change]:
        """Delays that ran out without a new reading; ``fresh`` (per row): only sensors still reporting, so a
        silent sensor's last value neither raises nor clears an alarm."""
        if not self.n:
            return []
        rows = np.arange(self.n) if fresh is None else np.flatnonzero(fresh[: self.n])
        return self._due(rows, now_ms)
