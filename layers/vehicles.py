"""Live vehicle positions as a struct-of-arrays model, updated a whole AVL batch at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sitroom.layers.base import Layer
from sitroom.services.geo import Projector
from sitroom.services.vocabulary import VehicleStatus, VehicleType

# A vehicle with no update for this long is stale even if its feed is alive (buses report every 1 s,
# taxis every 2 s; several missed reports mean the unit's AVL box, not the feed, is in trouble).
DEFAULT_STALE_AFTER_S = 10.0
DEFAULT_TRAIL_LENGTH = 16


@dataclass(frozen=True)
class VehicleSnapshot:
    """An immutable copy of the drawable state, taken once per frame (render from a snapshot, not the model)."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    type: np.ndarray
    status: np.ndarray
    heading: np.ndarray
    stale: np.ndarray
    shown: np.ndarray  # passes the layer's type/status filters
    trail_rows: np.ndarray  # rows whose trails were copied (those in view: a full copy is too dear at 100k)
    trail_x: np.ndarray  # (len(trail_rows), T), oldest first, NaN where empty
    trail_y: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


class VehicleLayer(Layer):
    """Every vehicle's last report as parallel numpy arrays (struct of arrays), one row per vehicle id.

    ``apply`` takes a whole AVL batch with a handful of vectorised operations (an id→row index searched with
    ``np.searchsorted``); trails are ring buffers per row. Staleness is judged at read time against the
    session's clock and the stale feeds, so a silent feed greys its vehicles without any message."""

    title = "Vehicles"
    stack = 50

    def __init__(self, project: Projector, *, trail_length: int = DEFAULT_TRAIL_LENGTH,
                 stale_after_s: float = DEFAULT_STALE_AFTER_S) -> None:
        super().__init__()
        self._project = project
        self.trail_length = trail_length
        self.stale_after_s = stale_after_s
        self.shown_types: set[int] = {int(t) for t in VehicleType}
        self.shown_statuses: set[int] = {int(s) for s in VehicleStatus}
        self.n = 0
        self._alloc(1024)
        self._sorted_ids = np.empty(0, dtype=np.uint32)
        self._sorted_rows = np.empty(0, dtype=np.int64)
        self.updates_applied = 0
        self.updates_out_of_order = 0
        self.updates_refused = 0  # records with no usable position (never drawn, never found)

    def _alloc(self, capacity: int) -> None:
        def grow(name: str, dtype: object, fill: object, shape: tuple[int, ...] = ()) -> None:
            arr = np.full((capacity, *shape), fill, dtype=dtype)
            old = getattr(self, name, None)
            if old is not None:
                arr[: self.n] = old[: self.n]
            setattr(self, name, arr)

        grow("ids", np.uint32, 0)
        grow("type", np.uint8, 0)
        grow("status", np.uint8, 0)
        grow("x", np.float64, np.nan)
        grow("y", np.float64, np.nan)
        grow("heading", np.float32, 0)
        grow("speed", np.float32, 0)
        grow("ts", np.int64, 0)  # source time, epoch ms
        grow("status_since", np.int64, 0)  # source time of the report that brought the current status
        grow("seen", np.float64, -np.inf)  # receive time, monotonic seconds
        grow("feed", np.int16, -1)
        grow("trail_x", np.float32, np.nan, (self.trail_length,))
        grow("trail_y", np.float32, np.nan, (self.trail_length,))
        grow("trail_head", np.int16, 0)
        self.capacity = capacity

    def reproject(self, project: Projector) -> None:
        """Move every position and trail into another kit's CRS (the kit changed; the fleet did not)."""
        old, self._project = self._project, project
        if old.crs == project.crs or not self.n:
            return
        n = self.n
        for xs, ys in ((self.x, self.y), (self.trail_x, self.trail_y)):
            lon, lat = old.inverse(np.asarray(xs[:n], np.float64), np.asarray(ys[:n], np.float64))
            x, y = project(lon, lat)
            xs[:n], ys[:n] = x, y
        self.mark_dirty()

    # ------------------------------------------------------------ id -> row

    def rows_for(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id, -1 where unknown. Vectorised: a binary search over the sorted id index."""
        ids = np.asarray(ids, dtype=np.uint32)
        if not len(self._sorted_ids):
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.searchsorted(self._sorted_ids, ids)
        pos = np.minimum(pos, len(self._sorted_ids) - 1)
        return np.where(self._sorted_ids[pos] == ids, self._sorted_rows[pos], -1)

    def _add(self, new_ids: np.ndarray) -> None:
        new_ids = np.unique(new_ids)
        need = self.n + len(new_ids)
        if need > self.capacity:
            self._alloc(max(need, self.capacity * 2))
        rows = np.arange(self.n, need)
        self.ids[rows] = new_ids
        self.n = need
        order = np.argsort(self.ids[: self.n], kind="stable")
        self._sorted_ids = self.ids[: self.n][order]
        self._sorted_rows = order.astype(np.int64)

    # ------------------------------------------------------------ updates

    def apply(self, records: np.ndarray, *, feed: int, now: float,
              xy: tuple[np.ndarray, np.ndarray] | None = None, now_ms: int | None = None) -> int:
        """Apply one AVL batch (``protocol.AVL_DTYPE``); returns how many records were taken.

        ``xy`` are the records' projected positions when already computed (the feed thread does it);
        otherwise they are projected here. A record older than what the model already holds for that vehicle
        is ignored (and counted), so a late or replayed message never moves a vehicle backwards; a record whose
        position does not project to a finite point is dropped (and counted), so no vehicle is placed nowhere.
        ``now_ms`` (wall clock) dates each record by its own source time instead of its arrival: for a
        snapshot, whose positions may be minutes old and must not look live.
        """
        if not len(records):
            return 0
        x, y = self._project(records["lon"], records["lat"]) if xy is None else xy
        placed = np.isfinite(x) & np.isfinite(y)
        if not placed.all():  # the protocol refuses such records; a position the kit's CRS cannot hold remains
            self.updates_refused += int((~placed).sum())
            records, x, y = records[placed], x[placed], y[placed]
            if not len(records):
                return 0
        rows = self.rows_for(records["id"])
        missing = rows < 0
        if missing.any():
            self._add(records["id"][missing])
            rows = self.rows_for(records["id"])
        fresh = records["ts"] >= self.ts[rows]
        if not fresh.all():
            self.updates_out_of_order += int((~fresh).sum())
            records, rows, x, y = records[fresh], rows[fresh], x[fresh], y[fresh]
        self.x[rows] = x
        self.y[rows] = y
        self.type[rows] = records["type"]
        changed = (self.status[rows] != records["status"]) | (self.ts[rows] == 0)
        self.status_since[rows[changed]] = records["ts"][changed]
        self.status[rows] = records["status"]
        self.heading[rows] = records["heading"]
        self.speed[rows] = records["speed"]
        self.ts[rows] = records["ts"]
        self.seen[rows] = now if now_ms is None else now - np.maximum(now_ms - records["ts"], 0) / 1000.0
        self.feed[rows] = feed
        head = self.trail_head[rows]
        self.trail_x[rows, head] = x
        self.trail_y[rows, head] = y
        self.trail_head[rows] = (head + 1) % self.trail_length
        self.updates_applied += len(rows)
        self.mark_dirty()
        return len(rows)

    def set_filters(self, *, types: set[int] | None = None, statuses: set[int] | None = None) -> None:
        if types is not None:
            self.shown_types = set(types)
        if statuses is not None:
            self.shown_statuses = set(statuses)
        self.dirty = True
        self.events.style.emit(what="filters")

    # ------------------------------------------------------------ queries

    def stale_mask(self, now: float, stale_feeds: np.ndarray | list[int] = ()) -> np.ndarray:
        n = self.n
        stale = (now - self.seen[:n]) > self.stale_after_s
        if len(stale_feeds):
            stale |= np.isin(self.feed[:n], np.asarray(stale_feeds, dtype=np.int16))
        return stale

    def shown_mask(self) -> np.ndarray:
        n = self.n
        return np.isin(self.type[:n], list(self.shown_types)) & np.isin(self.status[:n], list(self.shown_statuses))

    def snapshot(self, now: float, stale_feeds: np.ndarray | list[int] = (),
                 trail_rows: np.ndarray | None = None) -> VehicleSnapshot:
        """Copy the drawable state; trails only for ``trail_rows`` (default: none)."""
        n = self.n
        tr = np.empty(0, dtype=np.int64) if trail_rows is None else np.asarray(trail_rows, dtype=np.int64)
        # Roll each ring buffer so trails come out oldest first.
        cols = (self.trail_head[tr, None] + np.arange(self.trail_length)[None, :]) % self.trail_length
        return VehicleSnapshot(
            ids=self.ids[:n].copy(), x=self.x[:n].copy(), y=self.y[:n].copy(), type=self.type[:n].copy(),
            status=self.status[:n].copy(), heading=self.heading[:n].copy(),
            stale=self.stale_mask(now, stale_feeds), shown=self.shown_mask(),
            trail_rows=tr, trail_x=self.trail_x[tr[:, None], cols], trail_y=self.trail_y[tr[:, None], cols],
        )

    def nearest(self, x: float, y: float, radius: float, mask: np.ndarray | None = None) -> int:
        """Row of the nearest vehicle within ``radius`` metres of (x, y), or -1."""
        n = self.n
        if not n:
            return -1
        d2 = (self.x[:n] - x) ** 2 + (self.y[:n] - y) ** 2
        if mask is not None:
            d2 = np.where(mask, d2, np.inf)
        row = int(np.nanargmin(np.where(np.isnan(d2), np.inf, d2)))
        return row if d2[row] <= radius * radius else -1

    def rows_in_rect(self, x0: float, y0: float, x1: float, y1: float, mask: np.ndarray | None = None) -> np.ndarray:
        n = self.n
        lo_x, hi_x, lo_y, hi_y = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        inside = (self.x[:n] >= lo_x) & (self.x[:n] <= hi_x) & (self.y[:n] >= lo_y) & (self.y[:n] <= hi_y)
        if mask is not None:
            inside &= mask
        return np.flatnonzero(inside)

    def describe(self, rows: np.ndarray, now: float, now_ms: int) -> list[dict]:
        """Plain records for a details view: id, type, status, speed, age of the last update."""
        out = []
        for r in np.asarray(rows, dtype=np.int64):
            out.append({
                "id": int(self.ids[r]),
                "type": int(self.type[r]),
                "status": int(self.status[r]),
                "speed_kmh": float(self.speed[r]),
                "heading": float(self.heading[r]),
                "age_s": float(now - self.seen[r]),
                "source_age_s": (now_ms - int(self.ts[r])) / 1000.0,
                "feed": int(self.feed[r]),
            })
        return out
