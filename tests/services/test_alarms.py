"""The alarm engine against ISA-18.2 / IEC 62682: the lifecycle's transitions, shelving with an expiry, out of
service, escalation by priority, floods, and limits with deadband and delays that never chatter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from sitroom.services.alarms.engine import AlarmEngine, AlarmError
from sitroom.services.alarms.flood import FloodDetector
from sitroom.services.alarms.limits import LimitJudge
from sitroom.services.alarms.model import ACKED, NORMAL, OUT_OF_SERVICE, RTN_UNACK, SHELVED, UNACK, Alarm, AlarmSpec

T0 = 1_700_000_000_000
SPEC = AlarmSpec("S1:alarm_hi", "F-1", 1, "alarm_hi", "crack", 2, "pier 3", True, 2.0)


def engine_with_log() -> tuple[AlarmEngine, list[tuple[str, str]]]:
    engine = AlarmEngine()
    log: list[tuple[str, str]] = []
    engine.listeners.append(lambda alarm, action, who, detail: log.append((alarm.state, action)))
    return engine, log


# ---------------------------------------------------------------- the lifecycle, transition by transition

# ISA-18.2 figure 5 (states A normal, B unacknowledged, C acknowledged, D returned unacknowledged):
# (state, event) -> state after; events: the process condition goes active / clears, the operator acknowledges.
ISA_TRANSITIONS = {
    (NORMAL, "active"): UNACK, (NORMAL, "clear"): NORMAL, (NORMAL, "ack"): None,
    (UNACK, "active"): UNACK, (UNACK, "clear"): RTN_UNACK, (UNACK, "ack"): ACKED,
    (ACKED, "active"): ACKED, (ACKED, "clear"): NORMAL, (ACKED, "ack"): None,
    (RTN_UNACK, "active"): UNACK, (RTN_UNACK, "clear"): RTN_UNACK, (RTN_UNACK, "ack"): NORMAL,
}
# How to reach each state from a fresh alarm, and whether its condition is then active.
REACH = {NORMAL: ([], False), UNACK: (["active"], True), ACKED: (["active", "ack"], True),
         RTN_UNACK: (["active", "clear"], False)}


def apply(engine: AlarmEngine, event: str, t: int) -> None:
    if event == "ack":
        engine.acknowledge(SPEC.key, "op", t, "seen")
    else:
        engine.condition(SPEC, event == "active", t, value=3.0 if event == "active" else 1.0)


@pytest.mark.parametrize(("state", "event"), sorted(ISA_TRANSITIONS))
def test_every_transition_of_the_standard(state: str, event: str) -> None:
    engine = AlarmEngine()
    path, _active = REACH[state]
    for i, step in enumerate(path):
        apply(engine, step, T0 + i)
    if state != NORMAL:
        assert engine.get(SPEC.key).state == state
    expected = ISA_TRANSITIONS[(state, event)]
    if expected is None:
        with pytest.raises(AlarmError) as err:
            apply(engine, event, T0 + 10)
        assert err.value.code in ("nothing-to-acknowledge", "no-alarm")
        return
    apply(engine, event, T0 + 10)
    assert engine.alarms.get(SPEC.key, Alarm("", "", 0, "", "", 0)).state == expected


def test_raising_stamps_the_reading_and_acknowledging_keeps_the_note() -> None:
    engine, log = engine_with_log()
    engine.condition(SPEC, True, T0 + 900, value=2.4, reading_ms=T0)
    alarm = engine.get(SPEC.key)
    assert (alarm.state, alarm.raised_ms, alarm.reading_ms, alarm.value, alarm.count) == (UNACK, T0 + 900, T0, 2.4, 1)
    engine.shown([SPEC.key], T0 + 1000)
    engine.shown([SPEC.key], T0 + 5000)  # only the first time counts
    engine.acknowledge(SPEC.key, "kim", T0 + 20_000, "  crew on the way ")
    assert (alarm.acked_by, alarm.ack_note) == ("kim", "crew on the way")
    assert alarm.latencies() == {"on_screen": 1000, "acknowledged": 20_000, "dispatched": None}
    assert [a for _s, a in log] == ["raised", "shown", "acknowledged"]


def test_a_re_raise_before_acknowledgement_is_annunciated_again() -> None:
    engine, log = engine_with_log()
    for i, event in enumerate(["active", "clear", "active"]):
        apply(engine, event, T0 + i * 1000)
    assert engine.get(SPEC.key).count == 2
    assert [a for _s, a in log] == ["raised", "returned", "re-raised"]


# ---------------------------------------------------------------- shelving and out of service


def test_shelving_expires_into_the_state_the_condition_is_in() -> None:
    engine = AlarmEngine()
    apply(engine, "active", T0)
    engine.shelve(SPEC.key, "op", T0 + 1000, T0 + 61_000, "nuisance: gauge being replaced")
    alarm = engine.get(SPEC.key)
    assert alarm.state == SHELVED and alarm.shelve_note.startswith("nuisance")
    apply(engine, "clear", T0 + 2000)
    apply(engine, "active", T0 + 3000)  # shelved: noted, nobody is called
    assert alarm.state == SHELVED and alarm.count == 1
    engine.tick(T0 + 60_999)
    assert alarm.state == SHELVED
    engine.tick(T0 + 61_000)
    assert alarm.state == UNACK and alarm.count == 2  # still active at the expiry: annunciated again
    engine.shelve(SPEC.key, "op", T0 + 62_000, T0 + 72_000)
    apply(engine, "clear", T0 + 63_000)
    engine.tick(T0 + 72_000)
    assert alarm.state == NORMAL


def test_shelving_is_for_a_time_and_unshelving_is_refused_for_an_alarm_not_shelved() -> None:
    engine = AlarmEngine()
    apply(engine, "active", T0)
    for until in (T0, T0 - 1, T0 + 13 * 3600 * 1000):
        with pytest.raises(AlarmError) as err:
            engine.shelve(SPEC.key, "op", T0, until)
        assert err.value.code == "shelve-time"
    with pytest.raises(AlarmError):
        engine.unshelve(SPEC.key, "op", T0)
    engine.shelve(SPEC.key, "op", T0, T0 + 1000)
    engine.unshelve(SPEC.key, "op", T0 + 10)
    assert engine.get(SPEC.key).state == UNACK


def test_out_of_service_needs_a_reason_and_returns_as_the_condition_is() -> None:
    engine = AlarmEngine()
    apply(engine, "active", T0)
    with pytest.raises(AlarmError) as err:
        engine.remove_from_service(SPEC.key, "op", T0, "  ")
    assert err.value.code == "needs-reason"
    engine.remove_from_service(SPEC.key, "op", T0, "calibration")
    alarm = engine.get(SPEC.key)
    assert alarm.state == OUT_OF_SERVICE and engine.active_count() == 0
    engine.tick(T0 + 10**9)  # no expiry: it stays out until someone returns it
    assert alarm.state == OUT_OF_SERVICE
    with pytest.raises(AlarmError):
        engine.shelve(SPEC.key, "op", T0, T0 + 1000)
    apply(engine, "clear", T0 + 5)
    engine.return_to_service(SPEC.key, "op", T0 + 10)
    assert alarm.state == NORMAL


class Lifecycle(RuleBasedStateMachine):
    """Any sequence of conditions and operator actions keeps the alarm in a state the standard allows."""

    def __init__(self) -> None:
        super().__init__()
        self.engine = AlarmEngine()
        self.t = T0
        self.active = False

    def step(self) -> int:
        self.t += 1000
        return self.t

    @rule(active=st.booleans())
    def condition(self, active: bool) -> None:
        self.engine.condition(SPEC, active, self.step())
        self.active = active

    @rule()
    def acknowledge(self) -> None:
        try:
            self.engine.acknowledge(SPEC.key, "op", self.step())
        except AlarmError:
            assert SPEC.key not in self.engine.alarms or not self.engine.get(SPEC.key).unacknowledged

    @precondition(lambda self: SPEC.key in self.engine.alarms)
    @rule(seconds=st.integers(1, 120))
    def shelve(self, seconds: int) -> None:
        t = self.step()
        try:
            self.engine.shelve(SPEC.key, "op", t, t + seconds * 1000)
        except AlarmError:
            assert self.engine.get(SPEC.key).state == OUT_OF_SERVICE

    @precondition(lambda self: SPEC.key in self.engine.alarms)
    @rule(out=st.booleans())
    def service(self, out: bool) -> None:
        try:
            if out:
                self.engine.remove_from_service(SPEC.key, "op", self.step(), "maintenance")
            else:
                self.engine.return_to_service(SPEC.key, "op", self.step())
        except AlarmError:
            assert self.engine.get(SPEC.key).state != OUT_OF_SERVICE

    @rule(seconds=st.integers(0, 200))
    def time_passes(self, seconds: int) -> None:
        self.t += seconds * 1000
        self.engine.tick(self.t)

    @invariant()
    def state_agrees_with_condition(self) -> None:
        alarm = self.engine.alarms.get(SPEC.key)
        if alarm is None:
            return
        assert alarm.active == self.active
        if alarm.state in (UNACK, ACKED):
            assert alarm.active  # B and C: the condition is active
        if alarm.state in (NORMAL, RTN_UNACK):
            assert not alarm.active  # A and D: it is not
        if alarm.state == SHELVED:
            assert alarm.shelved_until_ms > self.t - 1000 * 200 - 1000


test_lifecycle = Lifecycle.TestCase
test_lifecycle.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


# ---------------------------------------------------------------- escalation and floods


def test_an_alarm_left_unacknowledged_escalates_after_its_priority_s_time() -> None:
    engine = AlarmEngine(escalate_after_s={1: 30, 2: 60, 3: 300, 4: 900})
    for p in (1, 2, 3):
        engine.condition(AlarmSpec(f"S{p}:alarm_hi", "F", p, "alarm_hi", "co", p), True, T0)
    engine.tick(T0 + 59_000)
    assert [a.priority for a in engine.escalated()] == [1]
    engine.tick(T0 + 60_000)
    assert [a.priority for a in engine.escalated()] == [1, 2]
    engine.acknowledge("S1:alarm_hi", "op", T0 + 61_000)
    assert [a.priority for a in engine.escalated()] == [2]


def test_more_than_ten_alarms_in_ten_minutes_is_a_flood_until_the_rate_falls() -> None:
    engine = AlarmEngine()
    for i in range(10):  # ten within the window: not yet a flood
        engine.condition(AlarmSpec(f"S{i}:warn_hi", f"F-{i % 3}", i, "warn_hi", "pm10", 4), True, T0 + i * 50_000)
    assert not engine.flood.active
    engine.condition(AlarmSpec("S10:warn_hi", "F-0", 10, "warn_hi", "pm10", 4), True, T0 + 500_000)
    assert engine.flood.active and engine.flood.since_ms == T0 + 500_000
    engine.tick(T0 + 600_000 + 5 * 50_000 - 1)  # six of the eleven still within the last ten minutes
    assert engine.flood.active
    engine.tick(T0 + 600_000 + 5 * 50_000)  # five left: over
    assert not engine.flood.active and engine.flood.floods == 1


@given(st.lists(st.integers(0, 3_600_000), max_size=60))
def test_a_flood_is_exactly_more_than_ten_within_any_ten_minutes(times: list[int]) -> None:
    flood = FloodDetector()
    began = False
    for t in sorted(times):
        began |= flood.note(T0 + t)
    ts = np.sort(np.array(times, dtype=np.int64))
    dense = any(np.count_nonzero((ts > t - 600_000) & (ts <= t)) > 10 for t in ts)
    assert began == dense


# ---------------------------------------------------------------- limits: deadband and delays


def judge_with(limits=(np.nan, np.nan, 1.0, 2.0), deadband=0.1, on=0.0, off=0.0) -> LimitJudge:
    judge = LimitJudge()
    judge.configure(0, limits, deadband, on, off)
    return judge


def feed(judge: LimitJudge, values: list[float], dt_ms: int = 1000, row: int = 0) -> list:
    out = []
    for i, v in enumerate(values):
        t = T0 + i * dt_ms
        out += judge.judge(np.array([row]), np.array([v]), np.array([t]), t)
    return out


def test_a_high_limit_raises_past_it_and_clears_only_past_the_deadband() -> None:
    judge = judge_with()
    changes = feed(judge, [0.5, 1.05, 0.95, 0.91, 0.90, 1.2])
    assert [(c.limit, c.active, c.value) for c in changes] == [(2, True, 1.05), (2, False, 0.9), (2, True, 1.2)]


def test_low_limits_mirror_the_high_ones() -> None:
    judge = judge_with(limits=(-2.0, -1.0, np.nan, np.nan), deadband=0.5)
    changes = feed(judge, [0.0, -1.2, -0.6, -0.4, -2.5, -1.6, -1.4])
    assert [(c.limit, c.active) for c in changes] == [(1, True), (1, False), (0, True), (1, True), (0, False)]


def test_a_spike_shorter_than_the_on_delay_raises_nothing() -> None:
    judge = judge_with(on=5.0, off=10.0)
    assert feed(judge, [0.5, 1.5, 1.5, 1.5, 0.5, 0.5, 0.5]) == []  # above for 3 s, then gone
    changes = feed(judge, [1.5] * 7)  # above for 6 s
    assert [(c.active, c.at_ms - T0) for c in changes] == [(True, 5000)]


def test_the_off_delay_holds_an_alarm_through_a_short_dip() -> None:
    judge = judge_with(off=10.0)
    assert [c.active for c in feed(judge, [1.5, 0.5, 0.5, 1.5] + [0.5] * 12)] == [True, False]


def test_a_delay_running_out_between_readings_is_caught_by_the_tick_unless_the_sensor_fell_silent() -> None:
    judge = judge_with(on=5.0)
    feed(judge, [1.5])
    assert judge.tick(T0 + 4999) == []
    assert judge.tick(T0 + 6000, fresh=np.array([False])) == []  # silent: its last value raises nothing
    [change] = judge.tick(T0 + 6000, fresh=np.array([True]))
    assert (change.active, change.value, change.reading_ms) == (True, 1.5, T0)


def test_several_readings_of_one_sensor_in_one_batch_are_judged_in_order() -> None:
    judge = judge_with()
    changes = judge.judge(np.array([0, 0, 0]), np.array([1.5, 0.5, 1.5]), np.array([T0, T0 + 1, T0 + 2]), T0 + 5)
    assert [c.active for c in changes] == [True, False, True]


def test_a_removed_limit_clears_its_condition() -> None:
    judge = judge_with(off=2.0)
    feed(judge, [1.5])
    judge.configure(0, (np.nan, np.nan, np.nan, 2.0), 0.1, 0.0, 2.0)
    changes = [c for c in feed(judge, [1.5, 1.5, 1.5]) if c.limit == 2]
    assert [c.active for c in changes] == [False]


def test_thousands_of_sensors_at_once() -> None:
    judge = LimitJudge()
    n = 10_000
    for row in range(n):
        judge.configure(row, (np.nan, np.nan, 1.0, 2.0), 0.1, 0.0, 0.0)
    values = np.full(n, 0.5)
    values[[7, 4242]] = [1.5, 2.5]
    changes = judge.judge(np.arange(n), values, np.full(n, T0), T0)
    assert sorted((c.row, c.limit) for c in changes) == [(7, 2), (4242, 2), (4242, 3)]


@settings(max_examples=400, deadline=None)
@given(limit=st.floats(-100, 100), deadband=st.floats(0.01, 10), start=st.floats(-1, 1),
       width=st.floats(0, 0.999), noise=st.lists(st.floats(0, 1), min_size=1, max_size=80),
       high=st.booleans(), on=st.sampled_from([0.0, 2.0, 5.0]), off=st.sampled_from([0.0, 3.0, 30.0]),
       dt=st.integers(100, 3000))
def test_no_chattering_for_any_signal_that_stays_within_the_deadband(limit, deadband, start, width, noise, high,
                                                                      on, off, dt) -> None:
    """Whatever the limit, deadband, delays and sampling: a signal whose values all lie within a band narrower
    than the deadband (placed anywhere around the limit) raises or clears its alarm at most once."""
    lo = limit + start * deadband - width * deadband / 2
    values = [lo + x * width * deadband for x in noise]
    limits = (np.nan, np.nan, limit, np.nan) if high else (np.nan, limit, np.nan, np.nan)
    judge = judge_with(limits=limits, deadband=deadband, on=on, off=off)
    changes = feed(judge, values, dt_ms=dt)
    changes += judge.tick(T0 + len(values) * dt + 60_000)
    assert len(changes) <= 1
