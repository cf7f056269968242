"""The sensors the feeds have described, as arrays by row: what each is, where, its limits and delays.

Rows are handed out once per sensor id and never reused, so every per-sensor array (history, health, limits)
is indexed by the same row. Readings are matched to rows by id with ``np.searchsorted`` on a sorted copy of the
ids, a few microseconds for a whole batch. A sensor whose configuration cannot be judged (limits out of order,
another unit than its kind's, a kind this SitRoom does not know) keeps its row and is marked with why.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from sitroom.services.alarms.model import LIMITS
from sitroom.services.sensors.kinds import DEFAULTS, UNKNOWN
from sitroom.services.vocabulary import SENSOR_PHYSICAL, SENSOR_UNITS, STEADY_SENSORS

DEFAULT_RATE_S = 1.0


@dataclass(frozen=True)
class SensorInfo:
    id: int
    facility: str
    kind: str
    unit: str
    label: str = ""
    floor: int | None = None
    x: float = math.nan  # its own position in kit metres, NaN when only its facility's is known
    y: float = math.nan
    limits: tuple[float, float, float, float] = (math.nan,) * 4  # LIMITS order, NaN where none
    deadband: float = 0.0
    on_delay_s: float = 0.0
    off_delay_s: float = 0.0
    rate_s: float = DEFAULT_RATE_S
    priority: int = 2  # of its alarm limits
    warn_priority: int = 3
    config_fault: str = ""  # "", "bad-limits", "bad-unit", "unknown-kind"

    def limit_priority(self, limit: int) -> int:
        return self.priority if LIMITS[limit].startswith("alarm") else self.warn_priority


@dataclass
class FacilityInfo:
    id: str
    kind: str
    name: str
    x: float
    y: float
    lon: float = math.nan
    lat: float = math.nan
    footprint: int = -1  # index into the kit's footprints, -1 without one
    sensors: list[int] = field(default_factory=list)  # rows
    described: bool = False  # a feed has described it (else only the kit knows it)


def sensor_info(facility: str, s: dict, x: float = math.nan, y: float = math.nan) -> SensorInfo:
    """A sensor as a (validated) facility map describes it, with its kind's defaults for what it leaves out."""
    kind = s["kind"]
    d = DEFAULTS.get(kind, UNKNOWN)
    limits = tuple(float(s[n]) if s.get(n) is not None else math.nan for n in LIMITS)
    given = [v for v in limits if not math.isnan(v)]
    unit = s.get("unit")
    fault = ""
    if kind not in SENSOR_UNITS:
        fault = "unknown-kind"
    elif unit is not None and unit != SENSOR_UNITS[kind]:
        fault = "bad-unit"
    elif any(b <= a for a, b in itertools.pairwise(given)):
        fault = "bad-limits"
    priority = s.get("priority")
    alarm_p = int(priority) if priority is not None else d.alarm_priority
    warn_p = min(alarm_p + 1, 4) if priority is not None else d.warn_priority
    floor = s.get("floor")
    return SensorInfo(
        int(s["id"]), facility, kind, unit if unit is not None else SENSOR_UNITS.get(kind, ""), s.get("label") or "",
        int(floor) if floor is not None else None, x, y, limits,  # type: ignore[arg-type]
        float(s["deadband"]) if s.get("deadband") is not None else d.deadband,
        float(s["on_delay_s"]) if s.get("on_delay_s") is not None else d.on_delay_s,
        float(s["off_delay_s"]) if s.get("off_delay_s") is not None else d.off_delay_s,
        float(s["rate_s"]) if s.get("rate_s") is not None else DEFAULT_RATE_S, alarm_p, warn_p, fault)


class SensorCatalog:
    def __init__(self) -> None:
        self.info: list[SensorInfo] = []  # by row
        self.facility_of: list[str] = []  # by row: the facility that lists it now ("" once no facility does)
        self.facilities: dict[str, FacilityInfo] = {}
        self._row_of: dict[int, int] = {}
        self._sorted_ids = np.empty(0, np.uint32)
        self._sorted_rows = np.empty(0, np.int64)
        # Per row, for the health rules: physical range, fastest change per second, expected interval.
        self.lo = np.empty(0)
        self.hi = np.empty(0)
        self.max_step = np.empty(0)
        self.rate_ms = np.empty(0, np.int64)
        self.steady = np.empty(0, bool)
        self.judged = np.empty(0, bool)  # its configuration can be judged
        self.listed = np.empty(0, bool)  # a facility lists it now
        self.row_facility = np.empty(0, np.int64)  # index into ``facilities`` (insertion order) of its facility
        self._facility_index: dict[str, int] = {}
        self.version = 0

    def __len__(self) -> int:
        return len(self.info)

    def row(self, sensor_id: int) -> int:
        return self._row_of.get(int(sensor_id), -1)

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Rows of sensor ids, -1 for ids no facility has described (or no longer lists)."""
        if not len(self._sorted_ids):
            return np.full(len(ids), -1, np.int64)
        pos = np.minimum(np.searchsorted(self._sorted_ids, ids), len(self._sorted_ids) - 1)
        rows = np.where(self._sorted_ids[pos] == ids, self._sorted_rows[pos], -1)
        if len(rows):
            rows[rows >= 0] = np.where(self.listed[rows[rows >= 0]], rows[rows >= 0], -1)
        return rows

    def place(self, facility: FacilityInfo) -> FacilityInfo:
        """A facility known before any feed describes it (from the kit): on the map, without sensors yet."""
        known = self.facilities.get(facility.id)
        if known is None:
            self._add(facility)
            self.version += 1
            return facility
        return known

    def _add(self, facility: FacilityInfo) -> None:
        self.facilities[facility.id] = facility
        self._facility_index[facility.id] = len(self._facility_index)

    def facility_index(self, facility: str) -> int:
        """Its place in ``facilities`` (the order facilities became known), -1 for none."""
        return self._facility_index.get(facility, -1)

    def forget_facilities(self, ids: list[str]) -> None:
        """Facilities no longer on the map (another kit's); the rest keep their order, renumbered."""
        for fid in ids:
            self.facilities.pop(fid, None)
        self._facility_index = {fid: i for i, fid in enumerate(self.facilities)}
        self.row_facility[: len(self.info)] = [self._facility_index.get(f, -1) for f in self.facility_of]
        self.version += 1

    def describe(self, payload: dict, x: float, y: float, sensor_xy: dict[int, tuple[float, float]]
                 ) -> tuple[FacilityInfo, list[int], list[int]]:
        """A facility map (validated): (the facility, rows of its sensors, rows it no longer lists)."""
        fid = payload["id"]
        fac = self.facilities.get(fid)
        if fac is None:
            fac = FacilityInfo(fid, payload["kind"], payload.get("name") or fid, x, y)
            self._add(fac)
        fac.kind, fac.name = payload["kind"], payload.get("name") or fac.name
        fac.lon, fac.lat = float(payload["lon"]), float(payload["lat"])
        if fac.footprint < 0:  # the kit's footprint places it better than one point does
            fac.x, fac.y = x, y
        fac.described = True
        rows = []
        for s in payload["sensors"]:
            sx, sy = sensor_xy.get(int(s["id"]), (math.nan, math.nan))
            rows.append(self._put(sensor_info(fid, s, sx, sy)))
        self._index()
        dropped = [r for r in fac.sensors if r not in set(rows) and self.facility_of[r] == fid]
        for r in dropped:
            self.facility_of[r] = ""
            self.listed[r] = False
            self.row_facility[r] = -1
        fac.sensors = rows
        self.version += 1
        return fac, rows, dropped

    def _put(self, info: SensorInfo) -> int:
        row = self._row_of.get(info.id)
        if row is None:
            row = len(self.info)
            self._row_of[info.id] = row
            self.info.append(info)
            self.facility_of.append(info.facility)
            self._grow(row + 1)
        else:
            old = self.facility_of[row]
            if old and old != info.facility and old in self.facilities:  # moved to another facility
                other = self.facilities[old]
                other.sensors = [r for r in other.sensors if r != row]
            self.info[row] = info
            self.facility_of[row] = info.facility
        lo, hi, step = SENSOR_PHYSICAL.get(info.kind, (-math.inf, math.inf, math.inf))
        self.lo[row], self.hi[row], self.max_step[row] = lo, hi, step
        self.rate_ms[row] = int(info.rate_s * 1000)
        self.steady[row] = info.kind in STEADY_SENSORS
        self.judged[row] = not info.config_fault
        self.listed[row] = True
        self.row_facility[row] = self._facility_index.get(info.facility, -1)
        return row

    def _index(self) -> None:
        if len(self._sorted_ids) == len(self._row_of):
            return
        ids = np.fromiter(self._row_of, np.uint32, len(self._row_of))
        order = np.argsort(ids)
        self._sorted_ids = ids[order]
        self._sorted_rows = np.fromiter(self._row_of.values(), np.int64, len(self._row_of))[order]

    def _grow(self, n: int) -> None:
        if n <= len(self.lo):
            return
        cap = max(n, 2 * len(self.lo), 64)
        for name, fill in (("lo", -math.inf), ("hi", math.inf), ("max_step", math.inf), ("rate_ms", 1000),
                           ("steady", False), ("judged", False), ("listed", False), ("row_facility", -1)):
            old = getattr(self, name)
            new = np.full(cap, fill, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)
