"""Golden time: the first unit on scene within 5 minutes of the call, and no later than 7 (Korean 119 targets).

It applies where minutes decide lives: fires, medical calls, rescues (disasters), and traffic accidents with
injuries (priority 1 or 2: a call-taker codes an accident with injured people that urgently). A theft or a
minor collision has no golden time, and the console shows none for them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sitroom.services.incidents.model import Incident

TARGET_S = 300  # the 5-minute mark
LIMIT_S = 420  # the 7-minute mark
# Amber this long before the 5-minute mark: a minute is what a dispatcher can still act on.
WARN_BEFORE_S = 60
GOLDEN_TYPES = frozenset({"fire", "medical", "disaster"})
INJURY_PRIORITY = 2  # a traffic accident of this priority or more urgent has injured people


class Golden(enum.Enum):
    RUNNING = "ok"  # more than a minute to the 5-minute mark
    EXPIRING = "warn"  # the last minute before it
    MISSED = "bad"  # past 5 minutes (and counting to 7, then past it)
    MET = "met"  # on scene within 5 minutes
    LATE = "late"  # on scene, but after 5 minutes


def applies(incident_type: str, priority: int) -> bool:
    return incident_type in GOLDEN_TYPES or (incident_type == "traffic" and priority <= INJURY_PRIORITY)


@dataclass(frozen=True)
class GoldenTime:
    state: Golden
    elapsed_s: float  # since the call, or the response time once a unit is on scene
    mark_s: int | None  # the next mark (5 or 7 minutes), None when both are past or the unit is there
    to_mark_s: float | None  # seconds left to that mark

    @property
    def over_limit_s(self) -> float:
        """Seconds past the 7-minute mark (0 before it)."""
        return max(self.elapsed_s - LIMIT_S, 0.0)


def golden_time(inc: Incident, now_ms: int) -> GoldenTime | None:
    """The incident's golden time at ``now_ms``; None where it does not apply or the incident ended unreached."""
    if not applies(inc.type, inc.priority):
        return None
    arrived = inc.changed_ms.get("on_scene")
    if arrived is not None:
        took = (arrived - inc.reported_ms) / 1000.0
        return GoldenTime(Golden.MET if took <= TARGET_S else Golden.LATE, took, None, None)
    if not inc.open:
        return None
    age = inc.age_s(now_ms)
    if age < TARGET_S:
        state = Golden.EXPIRING if age >= TARGET_S - WARN_BEFORE_S else Golden.RUNNING
        return GoldenTime(state, age, TARGET_S, TARGET_S - age)
    if age < LIMIT_S:
        return GoldenTime(Golden.MISSED, age, LIMIT_S, LIMIT_S - age)
    return GoldenTime(Golden.MISSED, age, None, None)


def misses_target(inc: Incident, now_ms: int, eta_s: float) -> bool:
    """Whether a unit arriving ``eta_s`` from now would reach the incident after the 5-minute mark."""
    return applies(inc.type, inc.priority) and inc.age_s(now_ms) + eta_s > TARGET_S
