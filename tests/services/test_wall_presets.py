"""The wall's rule engine on a fake clock: incidents, floods and disasters switch presets and time out."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitroom import resources
from sitroom.services.wall.layout import load
from sitroom.services.wall.presets import PresetEngine, Sighted, Situation

LAYOUT = load(Path(resources.__file__).parent / "walls" / "two-screens.toml")


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, minutes: float) -> None:
        self.t += minutes * 60.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(clock: FakeClock) -> PresetEngine:
    e = PresetEngine(LAYOUT, clock)
    e.update(Situation())  # the wall starts: nothing open
    return e


def inc(id_: str, priority: int = 1) -> Sighted:
    return Sighted(id_, priority, 1000.0, 2000.0)


def test_starts_on_the_default(engine: PresetEngine) -> None:
    assert engine.state.preset == "normal" and engine.state.focus is None and engine.transitions == []


def test_p1_incident_takes_the_focus_for_its_minutes(engine: PresetEngine, clock: FakeClock) -> None:
    state = engine.update(Situation((inc("A"),)))
    assert state.reason == "p1-incident" and state.preset == "normal"
    assert state.focus is not None and state.focus.incident == "A"
    assert (state.focus.map, state.focus.cameras, state.focus.x, state.focus.y) == ("city", "cams", 1000.0, 2000.0)
    clock.advance(9.9)
    assert engine.update(Situation((inc("A"),))).focus is not None
    clock.advance(0.1)  # 10 minutes: back to the default though A is still open
    state = engine.update(Situation((inc("A"),)))
    assert state.focus is None and state.reason == "default"
    assert engine.transitions[-1].why == "incident A: 10 minutes passed"
    clock.advance(60)  # it never comes back for the same incident
    assert engine.update(Situation((inc("A"),))).focus is None


def test_closing_the_incident_ends_it_early(engine: PresetEngine, clock: FakeClock) -> None:
    engine.update(Situation((inc("A"),)))
    clock.advance(2)
    state = engine.update(Situation())
    assert state.focus is None and engine.transitions[-1].why == "incident A closed"


def test_only_urgent_incidents_and_only_new_ones(clock: FakeClock) -> None:
    e = PresetEngine(LAYOUT, clock)
    e.update(Situation((inc("OLD"),)))  # open before the wall started: not news
    assert e.state.focus is None
    e.update(Situation((inc("OLD"), inc("P2", priority=2))))
    assert e.state.focus is None and e.transitions == []


def test_newest_incident_wins_then_the_older_one_returns(engine: PresetEngine, clock: FakeClock) -> None:
    engine.update(Situation((inc("A"),)))
    clock.advance(3)
    assert engine.update(Situation((inc("A"), inc("B")))).focus.incident == "B"
    state = engine.update(Situation((inc("A"),)))  # B closes: A is still within its 10 minutes
    assert state.focus.incident == "A"
    clock.advance(7)
    assert engine.update(Situation((inc("A"),))).focus is None


def test_alarm_flood_switches_the_whole_layout_and_times_out(engine: PresetEngine, clock: FakeClock) -> None:
    state = engine.update(Situation(flood=True))
    assert state.preset == "flood" and state.reason == "alarm-flood" and state.until == clock.t + 30 * 60
    clock.advance(29)
    assert engine.update(Situation(flood=True)).preset == "flood"
    clock.advance(1)
    assert engine.update(Situation(flood=True)).preset == "normal"  # 30 minutes, although the flood goes on
    clock.advance(5)
    assert engine.update(Situation(flood=True)).preset == "normal"  # spent until it clears
    engine.update(Situation(flood=False))
    assert engine.update(Situation(flood=True)).preset == "flood"  # a new flood
    assert engine.update(Situation(flood=False)).preset == "normal"  # the cause clears: back at once
    assert engine.switches == 4


def test_disaster_outranks_a_flood_and_keeps_an_incident_focus(engine: PresetEngine, clock: FakeClock) -> None:
    engine.update(Situation(flood=True))
    state = engine.update(Situation((inc("A"),), flood=True, disaster=True))
    assert state.preset == "disaster" and state.reason == "disaster"
    assert state.focus is not None and state.focus.incident == "A"  # the disaster preset has "city" and "cams"
    state = engine.update(Situation((inc("A"),), flood=True))
    assert state.preset == "flood" and state.focus is not None and state.focus.map == "city"
    state = engine.update(Situation((inc("A"),)))
    assert state.preset == "normal" and state.focus.incident == "A"
    clock.advance(11)
    assert engine.update(Situation((inc("A"),))).preset == "normal"


def test_a_pin_holds_until_unpinned(engine: PresetEngine, clock: FakeClock) -> None:
    engine.pin("disaster", who="kim")
    assert engine.state.preset == "disaster" and engine.state.reason == "pinned"
    assert engine.transitions[-1].who == "kim" and "pinned to 'disaster' by kim" in engine.transitions[-1].why
    assert engine.update(Situation((inc("A"),), flood=True)).preset == "disaster"
    state = engine.unpin("kim")
    assert state.preset == "flood"  # the flood is still on
    with pytest.raises(KeyError):
        engine.pin("nope")


def test_transitions_are_logged_with_times(engine: PresetEngine, clock: FakeClock) -> None:
    heard = []
    engine.listeners.append(heard.append)
    engine.update(Situation((inc("A"),)))
    clock.advance(10)
    engine.update(Situation((inc("A"),)))
    assert [(t.before.reason, t.after.reason) for t in heard] == [("default", "p1-incident"),
                                                                  ("p1-incident", "default")]
    assert heard[1].at - heard[0].at == 600.0
    assert heard[0].why == "priority-1 incident A"
