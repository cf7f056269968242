"""Sensors: the readings kept in fixed memory, the health rules that make a sensor a fault rather than an
alarm, and the facility monitor that ties them to the alarm engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitroom.services.alarms.engine import AlarmEngine
from sitroom.services.alarms.model import ACKED, NORMAL, UNACK, Alarm
from sitroom.services.facilities.monitor import FacilityMonitor, State
from sitroom.services.feeds.protocol import QUALITY_BAD, QUALITY_MAINTENANCE, SENSOR_DTYPE
from sitroom.services.sensors.health import FLAT_MS, Fault
from sitroom.services.sensors.history import ReadingHistory

T0 = 1_700_000_040_000  # a whole minute


def readings(ids, values, ts, quality=0) -> np.ndarray:
    n = len(values)
    rec = np.zeros(n, SENSOR_DTYPE)
    rec["id"] = np.broadcast_to(ids, n)
    rec["value"] = values
    rec["ts"] = np.broadcast_to(ts, n)
    rec["quality"] = quality
    return rec


def bridge(**sensor) -> dict:
    crack = {"id": 1, "kind": "crack", "unit": "mm", "warn_hi": 1.0, "alarm_hi": 2.0, "deadband": 0.05,
             "on_delay_s": 0, "off_delay_s": 0, **sensor}
    smoke = {"id": 2, "kind": "smoke", "alarm_hi": 2.0}
    return {"id": "F-1", "kind": "bridge", "name": "갑천교", "lon": 127.39, "lat": 36.35, "sensors": [crack, smoke]}


def monitor(**sensor) -> FacilityMonitor:
    m = FacilityMonitor()
    m.describe(bridge(**sensor), 100.0, 200.0, now_ms=T0)
    return m


def run(m: FacilityMonitor, values: list[float], sensor: int = 1, dt_ms: int = 1000, start: int = T0,
        quality: int = 0) -> None:
    for i, v in enumerate(values):
        t = start + i * dt_ms
        m.readings_in(readings([sensor], [v], [t], quality), t)


# ---------------------------------------------------------------- history


def test_the_last_minutes_are_kept_second_by_second_with_gaps_as_nan() -> None:
    h = ReadingHistory(raw_s=60)
    h.grow(2)
    for s in range(30):
        if 10 <= s < 15:
            continue  # five seconds without a reading
        h.add(np.array([0]), np.array([T0 + s * 1000]), np.array([float(s)]))
    start, values = h.raw_window(0, 30)
    assert start == T0 // 1000
    assert np.isnan(values[10:15]).all()
    assert values[:10].tolist() == list(range(10)) and values[15:].tolist() == list(range(15, 30))


def test_the_raw_ring_turns_over_and_a_late_reading_finds_its_second() -> None:
    h = ReadingHistory(raw_s=60)
    h.grow(1)
    for s in range(200):
        h.add(np.array([0]), np.array([T0 + s * 1000]), np.array([float(s)]))
    h.add(np.array([0]), np.array([T0 + 150_000]), np.array([-1.0]))  # late, still within the ring
    h.add(np.array([0]), np.array([T0 + 10_000]), np.array([-2.0]))  # too late: dropped
    start, values = h.raw_window(0)
    assert start == T0 // 1000 + 140 and len(values) == 60
    assert values[10] == -1.0 and -2.0 not in values and values[-1] == 199


def test_many_readings_in_one_second_cost_one_slot_and_the_last_wins() -> None:
    h = ReadingHistory(raw_s=60)
    h.grow(1)
    before = h.nbytes
    h.add(np.zeros(1000, np.int64), T0 + np.arange(1000), np.arange(1000.0))
    assert h.nbytes == before
    assert h.raw_window(0, 1)[1].tolist() == [999.0]
    _first, lo, hi = h.overview(0)
    assert lo.tolist() == [0.0] and hi.tolist() == [999.0]


def test_hours_are_kept_as_the_range_of_each_minute() -> None:
    h = ReadingHistory(raw_s=60, bucket_s=60, buckets=30)
    h.grow(2)
    t = T0 + np.arange(0, 20 * 60) * 1000
    keep = (t - T0) // 60_000 != 5  # a minute without readings
    values = np.sin(np.arange(len(t)) / 50.0)
    h.add(np.ones(int(keep.sum()), np.int64), t[keep], values[keep])
    first, lo, hi = h.overview(1)
    assert first == T0 // 1000 and len(lo) == 20
    assert np.isnan(lo[5]) and np.isnan(hi[5])
    minute = values[60:120].astype(np.float32)
    assert lo[1] == minute.min() and hi[1] == minute.max()
    h.add(np.array([1]), np.array([T0 + 3600_000]), np.array([7.0]))  # an hour later: the old minutes are gone
    first, lo, hi = h.overview(1)
    assert len(lo) == 30 and np.isnan(lo[:-1]).all() and lo[-1] == 7.0


# ---------------------------------------------------------------- health


def test_a_nan_an_infinity_or_an_absurd_value_is_a_fault_never_an_alarm() -> None:
    m = monitor()
    run(m, [0.5, math.nan, math.inf, -math.inf, 1e9, -1e9])
    assert m.engine.alarms == {}
    assert m.health.counts["not-a-number"] == 3 and m.health.counts["out-of-range"] == 2
    assert m.health.faults[0] & Fault.OUT_OF_RANGE
    run(m, [0.52], start=T0 + 6000)
    assert m.health.faults[0] == 0  # a good reading clears the faults of the last one
    assert m.health.fault_seen[0] & Fault.OUT_OF_RANGE  # the panel still says what happened


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(0.0, 0.9), st.just(math.nan), st.just(math.inf), st.just(-math.inf),
                          st.floats(51, 1e300), st.floats(-1e300, -6)), max_size=60))
def test_no_false_alarm_from_readings_that_cannot_be_real(values: list[float]) -> None:
    """A crack gauge whose real value stays below its warning limit, among any garbage, raises nothing."""
    m = monitor()
    run(m, values)
    m.tick(T0 + len(values) * 1000 + 60_000)
    assert m.engine.alarms == {}


def test_a_step_faster_than_a_crack_can_open_is_flagged_and_not_judged() -> None:
    m = monitor()
    run(m, [0.5, 5.5, 0.5, 0.5])  # a 5 mm spike within a second: the gauge, not the bridge
    assert m.engine.alarms == {}
    assert m.health.counts["too-fast"] == 2  # up, and back down
    run(m, [1.3] * 6, dt_ms=1000, start=T0 + 4000)  # the same height reached slowly? 0.8 mm in 1 s is too fast
    assert m.health.counts["too-fast"] == 3
    assert "S1:warn_hi" in m.engine.alarms  # after the one step, the following readings are judged


def test_a_reading_from_the_future_is_a_fault() -> None:
    m = monitor()
    m.readings_in(readings([1], [1.5], [T0 + 3_600_000]), T0)
    assert m.health.faults[0] & Fault.FUTURE and m.engine.alarms == {}
    assert m.history.raw_window(0)[1].size == 0


def test_a_sensor_that_floods_readings_has_the_excess_dropped() -> None:
    m = monitor()
    m.readings_in(readings([1], np.full(200, 0.5), T0 + np.arange(200)), T0 + 200)
    assert m.health.counts["flooding"] == 150  # 5 per expected second over 10 s: 50 taken
    assert m.health.faults[0] & Fault.FLOODING


def test_silence_is_three_expected_intervals_and_at_least_five_seconds() -> None:
    m = monitor(rate_s=10.0)
    run(m, [0.5], start=T0)
    m.tick(T0 + 29_999)
    assert not m.health.faults[0] & Fault.SILENT
    m.tick(T0 + 30_001)
    assert m.health.faults[0] & Fault.SILENT
    assert m.summary().state[0] == State.SILENT
    run(m, [0.5], start=T0 + 31_000)
    assert not m.health.faults[0] & Fault.SILENT
    assert m.summary().state[0] == State.NORMAL


def test_a_value_that_never_moves_is_flat_but_a_smoke_detector_at_rest_is_not() -> None:
    m = monitor()
    n = FLAT_MS // 1000 + 2
    for i in range(n):
        t = T0 + i * 1000
        m.readings_in(readings([1, 2], [0.5, 0.0], [t, t]), t)
    assert m.health.faults[0] & Fault.FLAT
    assert not m.health.faults[1] & Fault.FLAT
    run(m, [0.51], start=T0 + n * 1000)
    assert not m.health.faults[0] & Fault.FLAT


def test_limits_in_the_wrong_order_make_the_sensor_a_fault_that_is_never_judged() -> None:
    m = monitor(warn_hi=3.0, alarm_hi=2.0)
    assert m.catalog.info[0].config_fault == "bad-limits" and m.health.faults[0] & Fault.CONFIG
    assert m.health.counts["bad-limits"] == 1
    run(m, [0.5, 2.5, 3.5, 3.5])
    assert m.engine.alarms == {}
    assert m.summary().state[0] == State.SILENT


def test_readings_under_maintenance_are_kept_and_not_judged_bad_ones_neither() -> None:
    m = monitor()
    run(m, [2.5, 2.5], quality=QUALITY_MAINTENANCE)
    run(m, [2.5, 2.5], quality=QUALITY_BAD, start=T0 + 2000)
    assert m.engine.alarms == {}
    assert m.history.raw_window(0, 2)[1].tolist() == [2.5, 2.5]
    assert m.health.counts["bad-quality"] == 2


def test_readings_of_sensors_no_facility_lists_are_counted() -> None:
    m = monitor()
    assert m.readings_in(readings([1, 99, 98], [0.5, 0.5, 0.5], T0), T0) == 1
    assert m.unknown == 2 and m.health.counts["unknown-sensor"] == 2


# ---------------------------------------------------------------- the monitor


def test_a_crack_that_grows_past_its_limits_raises_a_warning_then_an_alarm() -> None:
    m = monitor(on_delay_s=2)
    run(m, [0.9, 0.95, 1.02, 1.05, 1.08, 1.1])
    warn = m.engine.get("S1:warn_hi")
    assert (warn.state, warn.priority, warn.severe, warn.raised_ms, warn.reading_ms) == (UNACK, 3, False, T0 + 4000,
                                                                                         T0 + 4000)
    s = m.summary()
    assert (s.state[0], s.alarms[0], bool(s.unacked[0])) == (State.WARNING, 1, True)
    run(m, [1.3, 1.5, 1.7, 1.9, 2.1, 2.2, 2.3], start=T0 + 6000)
    alarm = m.engine.get("S1:alarm_hi")
    assert alarm.state == UNACK and alarm.priority == 2 and alarm.limit == 2.0
    assert m.summary().state[0] == State.ALARM and m.summary().alarms[0] == 2
    m.engine.acknowledge("S1:alarm_hi", "op", T0 + 20_000)
    m.engine.acknowledge("S1:warn_hi", "op", T0 + 20_000)
    assert not m.summary().unacked[0]
    run(m, [1.8, 1.5, 1.2, 0.9], start=T0 + 21_000)
    assert {a.state for a in m.engine.alarms.values()} == {NORMAL}
    assert m.stats() == {"facilities": 1, "sensors": 2, "readings": 17, "alarms_active": 0}


def test_a_device_alarm_is_raised_and_cleared_by_its_events() -> None:
    m = monitor()
    event = {"id": "F-1/smoke/B1", "facility": "F-1", "type": "smoke", "active": True, "ts": T0 - 100, "sensor": 2}
    m.event(event, T0)
    alarm = m.engine.get("D:F-1/smoke/B1")
    assert (alarm.state, alarm.priority, alarm.reading_ms) == (UNACK, 1, T0 - 100)
    assert m.summary().state[0] == State.ALARM
    m.event({**event, "active": False}, T0 + 5000)
    assert alarm.state == "rtn_unack"


def test_an_alarm_restored_after_a_restart_carries_on_instead_of_being_raised_again() -> None:
    engine = AlarmEngine()
    before = Alarm("S1:warn_hi", "F-1", 1, "warn_hi", "crack", 3, state=ACKED, active=True, raised_ms=T0 - 60_000,
                   count=1)
    engine.restore([before])
    m = FacilityMonitor(engine)
    m.describe(bridge(), 0.0, 0.0, now_ms=T0)
    run(m, [1.2, 1.2])
    assert engine.get("S1:warn_hi").count == 1 and engine.get("S1:warn_hi").state == ACKED
    run(m, [0.9], start=T0 + 2000)
    assert engine.get("S1:warn_hi").state == NORMAL


def test_a_sensor_no_longer_listed_takes_its_readings_and_settled_alarms_with_it() -> None:
    m = monitor()
    run(m, [1.2, 0.9])
    m.engine.acknowledge("S1:warn_hi", "op", T0 + 3000)
    payload = bridge()
    payload["sensors"] = payload["sensors"][1:]
    m.describe(payload, 0.0, 0.0, now_ms=T0 + 4000)
    assert "S1:warn_hi" not in m.engine.alarms
    assert m.readings_in(readings([1], [0.5], T0 + 5000), T0 + 5000) == 0 and m.unknown == 1


@pytest.mark.parametrize("batch", [1, 37, 10_000])
def test_ten_thousand_sensors_in_batches_of_any_size(batch: int) -> None:
    m = FacilityMonitor()
    for f in range(100):
        sensors = [{"id": f * 100 + i, "kind": "pm10", "warn_hi": 80.0, "alarm_hi": 150.0, "on_delay_s": 0}
                   for i in range(100)]
        m.describe({"id": f"F-{f}", "kind": "school", "lon": 127.0, "lat": 36.0, "sensors": sensors}, f, 0.0,
                   now_ms=T0)
    ids = np.arange(10_000)
    values = np.full(10_000, 20.0)
    values[[5, 5005]] = [90.0, 200.0]
    rec = readings(ids, values, T0)
    for start in range(0, 10_000, batch):
        m.readings_in(rec[start:start + batch], T0)
    assert sorted(m.engine.alarms) == ["S5005:alarm_hi", "S5005:warn_hi", "S5:warn_hi"]
    assert m.readings == 10_000
