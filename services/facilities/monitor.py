"""The facility monitor: what the feeds say about facilities and their sensors, judged and kept. Qt-free.

It ties together the sensor catalog (metadata as arrays), the readings kept (history), the health rules, the
limit judge and the alarm engine, and answers what the map and the panels ask: each facility's worst state,
its active alarms, a sensor's recent readings. Every input comes with the session's time in epoch ms (the
receive time; the journal's in replay), so alarms raised in a replay are those raised live.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from sitroom.services.alarms.engine import AlarmEngine
from sitroom.services.alarms.limits import Change, LimitJudge
from sitroom.services.alarms.model import ACKED, LIMITS, NORMAL, SEVERE, UNACK, AlarmSpec
from sitroom.services.sensors.catalog import FacilityInfo, SensorCatalog
from sitroom.services.sensors.health import SensorHealth
from sitroom.services.sensors.history import ReadingHistory
from sitroom.services.sensors.kinds import DEVICE_PRIORITY


class State(enum.IntEnum):
    """A facility's worst state, in order of what the room must see first."""

    NORMAL = 0
    SILENT = 1  # some of its sensors tell nothing usable (silent, NaN, out of range, badly configured)
    WARNING = 2  # a warning limit is crossed
    ALARM = 3  # an alarm limit is crossed, or a device raised its alarm


@dataclass(frozen=True)
class FacilitySummary:
    """Every facility as arrays for the map (one row per facility, in ``ids`` order)."""

    ids: list[str]
    kind: list[str]
    name: list[str]
    x: np.ndarray
    y: np.ndarray
    footprint: np.ndarray  # index into the kit's footprints, -1 without
    state: np.ndarray  # State
    alarms: np.ndarray  # active alarms the room sees (unacknowledged or acknowledged)
    unacked: np.ndarray  # bool: an alarm waits for acknowledgement (the symbol flashes)
    escalated: np.ndarray  # bool: one has waited past its priority's time


def limit_key(sensor: int, limit: int) -> str:
    return f"S{sensor}:{LIMITS[limit]}"


class FacilityMonitor:
    def __init__(self, engine: AlarmEngine | None = None, history: ReadingHistory | None = None) -> None:
        self.catalog = SensorCatalog()
        self.history = history if history is not None else ReadingHistory()
        self.health = SensorHealth()
        self.judge = LimitJudge()
        self.engine = engine if engine is not None else AlarmEngine()
        self.readings = 0  # readings of known sensors taken in
        self.unknown = 0  # readings of sensors no facility lists
        self._seeded: set[int] = set()
        self._summary: FacilitySummary | None = None
        self._summary_key: tuple = ()

    # ------------------------------------------------------------ inputs

    def place(self, facilities: list[FacilityInfo]) -> None:
        """Facilities the kit knows (with footprints), on the map before any feed describes them."""
        for f in facilities:
            self.catalog.place(f)

    def describe(self, payload: dict, x: float, y: float, sensor_xy: dict[int, tuple[float, float]] | None = None,
                 now_ms: int = 0) -> FacilityInfo:
        """A facility map (validated by services/facilities/wire.py) at kit position ``x``, ``y``."""
        fac, rows, dropped = self.catalog.describe(payload, x, y, sensor_xy or {})
        n = len(self.catalog)
        self.history.grow(n)
        self.health.grow(n)
        for row in rows:
            info = self.catalog.info[row]
            self.judge.configure(row, info.limits, info.deadband, info.on_delay_s, info.off_delay_s)
            self.health.configured(row, not info.config_fault)
            if info.config_fault:
                self.health.counts[info.config_fault] += 1
            if row not in self._seeded:
                self._seeded.add(row)
                self._seed(row, info.id, now_ms)
        for row in dropped:  # no longer listed: its alarms go once nothing is owed on them
            sid = self.catalog.info[row].id
            for j in range(len(LIMITS)):
                self.engine.forget(limit_key(sid, j))
        return fac

    def _seed(self, row: int, sensor: int, now_ms: int) -> None:
        """An alarm restored from before a restart carries on where it was: active stays active until a reading
        says otherwise (and clears it after its off-delay), instead of being raised a second time."""
        for j in range(len(LIMITS)):
            alarm = self.engine.alarms.get(limit_key(sensor, j))
            if alarm is not None and alarm.active:
                self.judge.seed(row, j, True, now_ms)

    def readings_in(self, records: np.ndarray, now_ms: int) -> int:
        """A batch of readings (SENSOR_DTYPE); returns how many were taken in."""
        if not len(records):
            return 0
        rows = self.catalog.rows_of(records["id"])
        known = rows >= 0
        if not known.all():
            lost = int(np.count_nonzero(~known))
            self.unknown += lost
            self.health.counts["unknown-sensor"] += lost
            rows, records = rows[known], records[known]
        keep, judge = self.health.check(self.catalog, rows, records, now_ms)
        self.history.add(rows[keep], records["ts"][keep], records["value"][keep])
        self._changes(self.judge.judge(rows[judge], records["value"][judge], records["ts"][judge], now_ms))
        self.readings += len(rows)
        return len(rows)

    def _changes(self, changes: list[Change]) -> None:
        for c in changes:
            info = self.catalog.info[c.row]
            spec = AlarmSpec(limit_key(info.id, c.limit), info.facility, info.id, LIMITS[c.limit], info.kind,
                             info.limit_priority(c.limit), info.label, SEVERE[c.limit], info.limits[c.limit])
            self.engine.condition(spec, c.active, c.at_ms, value=c.value, reading_ms=c.reading_ms)

    def event(self, payload: dict, now_ms: int) -> None:
        """A device alarm raised or cleared (validated ``fac.evt`` map)."""
        kind = payload["type"]
        sensor = payload.get("sensor")
        spec = AlarmSpec(f"D:{payload['id']}", payload["facility"], int(sensor) if sensor is not None else -1, kind,
                         kind, DEVICE_PRIORITY.get(kind, 2), payload.get("text") or "", True)
        self.engine.condition(spec, bool(payload["active"]), now_ms, reading_ms=int(payload["ts"]))

    def tick(self, now_ms: int) -> None:
        """Time passing: silent sensors, delays that ran out between readings, shelving, escalation, floods."""
        fresh = self.health.tick(self.catalog, now_ms)
        self._changes(self.judge.tick(now_ms, fresh))
        self.engine.tick(now_ms)

    # ------------------------------------------------------------ what the views ask

    def summary(self) -> FacilitySummary:
        key = (self.engine.version, self.health.version, self.catalog.version)
        if self._summary is not None and key == self._summary_key:
            return self._summary
        facs = list(self.catalog.facilities.values())  # in the catalog's order: row_facility indexes it
        n = len(facs)
        state = np.zeros(n, np.int8)
        alarms = np.zeros(n, np.int32)
        unacked = np.zeros(n, bool)
        escalated = np.zeros(n, bool)
        rows = self.health.rows
        if rows:
            fac_of = self.catalog.row_facility[:rows]
            bad = ~self.health.usable() & (fac_of >= 0) & self.catalog.listed[:rows]
            state[np.unique(fac_of[bad])] = State.SILENT
        for a in self.engine.alarms.values():
            if a.state == NORMAL and not a.active:
                continue
            i = self.catalog.facility_index(a.facility)
            if i < 0:
                continue
            if a.state in (UNACK, ACKED) and a.active:
                alarms[i] += 1
                state[i] = max(state[i], State.ALARM if a.severe else State.WARNING)
            if a.unacknowledged:
                unacked[i] = True
                escalated[i] |= bool(a.escalated_ms)
        self._summary = FacilitySummary(
            [f.id for f in facs], [f.kind for f in facs], [f.name for f in facs],
            np.array([f.x for f in facs], np.float64), np.array([f.y for f in facs], np.float64),
            np.array([f.footprint for f in facs], np.int64), state, alarms, unacked, escalated)
        self._summary_key = key
        return self._summary

    def sensors_of(self, facility: str) -> list[int]:
        fac = self.catalog.facilities.get(facility)
        return list(fac.sensors) if fac is not None else []

    def alarms_of(self, facility: str) -> list:
        return [a for a in self.engine.alarms.values() if a.facility == facility]

    def stats(self) -> dict:
        return {"facilities": len(self.catalog.facilities), "sensors": int(np.count_nonzero(self.catalog.listed[
            : len(self.catalog)])), "readings": self.readings, "alarms_active": self.engine.active_count()}

    def facility_xy(self, facility: str) -> tuple[float, float]:
        fac = self.catalog.facilities.get(facility)
        return (fac.x, fac.y) if fac is not None else (math.nan, math.nan)
