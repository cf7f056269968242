"""The readings kept of every sensor, in fixed memory: the last minutes at full rate, hours as minute ranges.

Two rings per sensor row, both slotted by time rather than appended to, so a sensor that floods readings or
stops for an hour costs the same memory as one that reads once a second:

- ``raw``: one value per second for the last ``raw_s`` seconds (slot = second mod ``raw_s``; the last value
  in a second wins; seconds without a reading are NaN);
- ``lo``/``hi``: the lowest and highest value of each ``bucket_s``-second bucket for the last ``buckets`` of them.

10,000 sensors with the defaults (11 minutes raw, 12 hours of minute ranges) take 84 MB. A plot asks for a
window (:meth:`ReadingHistory.raw_window`) or the whole history (:meth:`ReadingHistory.overview`), as views
into arrays it owns, copied into its own arrays in place.
"""

from __future__ import annotations

import numpy as np

from sitroom.services.sensors.distinct import distinct

RAW_S = 660  # the 10-minute window of a live plot, and a minute to spare
BUCKET_S = 60
BUCKETS = 720  # 12 hours


class ReadingHistory:
    def __init__(self, *, raw_s: int = RAW_S, bucket_s: int = BUCKET_S, buckets: int = BUCKETS) -> None:
        self.raw_s, self.bucket_s, self.buckets = raw_s, bucket_s, buckets
        self.rows = 0
        self.raw = np.empty((0, raw_s), np.float32)
        self.lo = np.empty((0, buckets), np.float32)
        self.hi = np.empty((0, buckets), np.float32)
        self.last_sec = np.empty(0, np.int64)  # the newest second written, per row (-1: none yet)
        self.last_bucket = np.empty(0, np.int64)
        self.first_sec = np.empty(0, np.int64)  # the oldest second ever written (how far back history goes)
        self._scratch = np.empty(0, np.int64)

    @property
    def nbytes(self) -> int:
        return self.raw.nbytes + self.lo.nbytes + self.hi.nbytes

    def grow(self, rows: int) -> None:
        if rows <= self.rows:
            return
        cap = max(rows, len(self.raw))
        if cap > len(self.raw):
            cap = max(rows, len(self.raw) * 5 // 4, 64)  # big arrays: grow by a quarter

            def more(a: np.ndarray, fill: float) -> np.ndarray:
                out = np.full((cap, *a.shape[1:]), fill, a.dtype)
                out[: len(a)] = a
                return out

            self.raw, self.lo, self.hi = more(self.raw, np.nan), more(self.lo, np.nan), more(self.hi, np.nan)
            self.last_sec, self.last_bucket = more(self.last_sec, -1), more(self.last_bucket, -1)
            self.first_sec = more(self.first_sec, -1)
            self._scratch = np.empty(cap, np.int64)
        self.rows = rows

    def add(self, rows: np.ndarray, ms: np.ndarray, values: np.ndarray) -> None:
        """Readings (finite values) of ``rows`` at source times ``ms``; a row's readings in time order."""
        if not len(rows):
            return
        sec = ms // 1000
        self._distinct = distinct(rows, self._scratch)
        self._slot(rows, sec, values)
        self._bucket(rows, sec // self.bucket_s, values)
        fresh = rows[self.first_sec[rows] < 0]
        self.first_sec[fresh] = np.iinfo(np.int64).max
        np.minimum.at(self.first_sec, rows, sec)

    def _slot(self, rows: np.ndarray, sec: np.ndarray, values: np.ndarray) -> None:
        last = self.last_sec[rows]
        skipped = (last >= 0) & (sec - last > 1)
        self._blank_many(self.raw, rows[skipped], last[skipped] + 1, sec[skipped], self.raw_s)
        keep = sec > last - self.raw_s
        self.raw[rows[keep], sec[keep] % self.raw_s] = values[keep]
        self._newest(self.last_sec, rows, last, sec)

    def _bucket(self, rows: np.ndarray, bucket: np.ndarray, values: np.ndarray) -> None:
        last = self.last_bucket[rows]
        moved = bucket > last
        a = np.where(last[moved] < 0, bucket[moved], last[moved] + 1)  # a row's first reading: nothing before
        for ring in (self.lo, self.hi):
            self._blank_many(ring, rows[moved], a, bucket[moved] + 1, self.buckets)
        keep = bucket > last - self.buckets
        r, b, v = rows[keep], bucket[keep] % self.buckets, values[keep].astype(np.float32)
        if self._distinct:
            self.lo[r, b] = np.fmin(self.lo[r, b], v)
            self.hi[r, b] = np.fmax(self.hi[r, b], v)
        else:
            np.fmin.at(self.lo, (r, b), v)
            np.fmax.at(self.hi, (r, b), v)
        self._newest(self.last_bucket, rows, last, bucket)

    def _newest(self, arr: np.ndarray, rows: np.ndarray, last: np.ndarray, new: np.ndarray) -> None:
        if self._distinct:
            arr[rows] = np.maximum(last, new)
        else:
            np.maximum.at(arr, rows, new)

    @staticmethod
    def _blank_many(rings: np.ndarray, rows: np.ndarray, a: np.ndarray, b: np.ndarray, n: int,
                    short: int = 8) -> None:
        """NaN into the slots of times [a, b) of each row: spans of up to ``short`` slots at once (the usual
        second or minute skipped), longer ones one by one (a whole turn or more: the whole ring)."""
        if not len(rows):
            return
        span = b - a
        few = span <= short
        if few.any():
            k = np.arange(short)
            t = a[few, None] + k[None, :]
            mask = k[None, :] < span[few, None]
            rr = np.broadcast_to(rows[few, None], t.shape)
            rings[rr[mask], t[mask] % n] = np.nan
        for r, i, j in zip(rows[~few].tolist(), a[~few].tolist(), b[~few].tolist(), strict=True):
            if j - i >= n:
                rings[r] = np.nan
            else:
                idx = np.arange(i, j) % n
                rings[r, idx] = np.nan

    # ------------------------------------------------------------ reading back

    def raw_window(self, row: int, seconds: int | None = None) -> tuple[int, np.ndarray]:
        """(first second, values oldest first) of the last ``seconds`` (at most ``raw_s``) up to the newest."""
        seconds = self.raw_s if seconds is None else min(seconds, self.raw_s)
        last = int(self.last_sec[row])
        if last < 0:
            return 0, np.empty(0, np.float32)
        start = last - seconds + 1
        idx = np.arange(start, last + 1) % self.raw_s
        return start, self.raw[row, idx]

    def overview(self, row: int) -> tuple[int, np.ndarray, np.ndarray]:
        """(first bucket's start second, lows, highs) of every bucket kept, oldest first."""
        last = int(self.last_bucket[row])
        if last < 0:
            return 0, np.empty(0, np.float32), np.empty(0, np.float32)
        first = max(last - self.buckets + 1, int(self.first_sec[row]) // self.bucket_s)
        idx = np.arange(first, last + 1) % self.buckets
        return first * self.bucket_s, self.lo[row, idx], self.hi[row, idx]
