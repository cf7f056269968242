"""Presets that follow the situation: the rule engine of a wall, Qt-free and driven by an injectable clock.

Each frame (or twice a second) the wall hands :meth:`PresetEngine.update` what the room looks like: the open
incidents, whether an alarm flood is on, whether a disaster is declared. The engine answers with what the
wall must show (:class:`WallState`): a preset, and possibly a *focus*: an incident to zoom a map view to and
to fill a camera wall with the cameras that see it.

- ``p1-incident``: a new incident of the rule's priority or more urgent takes the focus for ``minutes`` (or
  until it closes); the newest such incident wins, and when its time is up the next one still in its time
  (if any) takes the focus back. With ``preset`` set, that preset is shown meanwhile.
- ``alarm-flood`` and ``disaster``: the whole wall switches to the rule's preset while the cause lasts, at
  most ``minutes`` (if set); a cause that outlasts its minutes does not switch again until it has cleared.
  A disaster outranks a flood, and both outrank an incident's preset (an incident still takes a focus
  within a flood's or disaster's preset when that preset has the views the rule names).
- A supervisor may *pin* a preset: rules wait until it is unpinned.

Every change of what is shown is a :class:`Transition`, kept in :attr:`PresetEngine.transitions` and handed
to the listeners (the wall logs it, and the audit log keeps who pinned what).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sitroom.services.wall.layout import Rule, WallLayout

log = logging.getLogger(__name__)

_RANK = {"disaster": 0, "alarm-flood": 1, "p1-incident": 2}


@dataclass(frozen=True)
class Sighted:
    """An open incident as the rules see it."""

    id: str
    priority: int
    x: float
    y: float


@dataclass(frozen=True)
class Situation:
    incidents: tuple[Sighted, ...] = ()  # every open incident
    flood: bool = False
    disaster: bool = False


@dataclass(frozen=True)
class Focus:
    incident: str
    x: float
    y: float
    map: str | None
    cameras: str | None
    width_km: float


@dataclass(frozen=True)
class WallState:
    preset: str
    focus: Focus | None = None
    reason: str = "default"  # "default", "pinned", "disaster", "alarm-flood", "p1-incident"
    until: float | None = None  # when the cause's time runs out (the engine's clock), if it has one


@dataclass(frozen=True)
class Transition:
    at: float  # the engine's clock
    before: WallState
    after: WallState
    why: str  # in words, for the log
    who: str = ""  # a person, when it was one (a pin)


@dataclass
class _Active:
    rule: Rule
    since: float
    until: float | None
    incident: Sighted | None = None


@dataclass
class PresetEngine:
    layout: WallLayout
    clock: Callable[[], float] = time.monotonic
    transitions: list[Transition] = field(default_factory=list)
    listeners: list[Callable[[Transition], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pinned: str | None = None
        self.pinned_by = ""
        self._seen: set[str] = set()  # incidents that have had their turn (each triggers once)
        self._focus: list[_Active] = []  # incident activations still in their time, oldest first
        self._causes: dict[str, _Active] = {}  # "alarm-flood"/"disaster" -> its activation
        self._spent: set[str] = set()  # causes whose time ran out while they lasted
        self._primed = False
        self.state = WallState(self.layout.start)
        self.switches = 0  # changes of the preset shown

    # ------------------------------------------------------------ people

    def pin(self, preset: str, who: str = "") -> WallState:
        if preset not in self.layout.presets:
            raise KeyError(f"no preset {preset!r} (there are: {', '.join(self.layout.presets)})")
        self.pinned, self.pinned_by = preset, who
        return self._show(WallState(preset, None, "pinned"), f"pinned to {preset!r}" + (f" by {who}" if who else ""),
                          who)

    def unpin(self, who: str = "") -> WallState:
        self.pinned, self.pinned_by = None, ""
        return self._show(self._decide(self.clock()), "unpinned" + (f" by {who}" if who else ""), who)

    # ------------------------------------------------------------ the situation

    def update(self, situation: Situation, now: float | None = None) -> WallState:
        """Take in the room as it is now; returns what the wall shows (changed or not)."""
        now = self.clock() if now is None else now
        open_ids = {i.id: i for i in situation.incidents}
        p1_rules = [r for r in self.layout.rules if r.when == "p1-incident"]
        if not self._primed:
            # Incidents open before the wall started are not news: they get no turn.
            self._primed = True
            self._seen.update(open_ids)
        for inc in sorted(situation.incidents, key=lambda i: i.id):
            if inc.id in self._seen:
                continue
            rule = next((r for r in p1_rules if inc.priority <= r.priority), None)
            self._seen.add(inc.id)
            if rule is not None:
                minutes = rule.minutes if rule.minutes is not None else 10.0
                self._focus.append(_Active(rule, now, now + minutes * 60.0, inc))
        ended = []
        for a in self._focus:
            assert a.incident is not None
            if a.incident.id not in open_ids:
                ended.append((a, f"incident {a.incident.id} closed"))
            elif a.until is not None and now >= a.until:
                ended.append((a, f"incident {a.incident.id}: {a.rule.minutes or 10:g} minutes passed"))
        for a, _why in ended:
            self._focus.remove(a)
        for cause, on in (("alarm-flood", situation.flood), ("disaster", situation.disaster)):
            rule = next((r for r in self.layout.rules if r.when == cause), None)
            active = self._causes.get(cause)
            if not on:
                self._spent.discard(cause)
                if active is not None:
                    del self._causes[cause]
                    ended.append((active, f"{cause} over"))
                continue
            if rule is None or cause in self._spent:
                continue
            if active is None:
                self._causes[cause] = _Active(rule, now, None if rule.minutes is None else now + rule.minutes * 60.0)
            elif active.until is not None and now >= active.until:
                del self._causes[cause]
                self._spent.add(cause)
                ended.append((active, f"{cause}: {rule.minutes:g} minutes passed"))
        new = self._decide(now)
        why = self._why(new, ended)
        return self._show(new, why)

    def _decide(self, now: float) -> WallState:
        if self.pinned is not None:
            return WallState(self.pinned, None, "pinned")
        whole = sorted(self._causes.items(), key=lambda kv: _RANK[kv[0]])
        focus_act = self._focus[-1] if self._focus else None
        focus = None
        if focus_act is not None:
            inc, rule = focus_act.incident, focus_act.rule
            assert inc is not None
            focus = Focus(inc.id, inc.x, inc.y, rule.map, rule.cameras, rule.width_km)
        if whole:
            cause, act = whole[0]
            assert act.rule.preset is not None
            preset = self.layout.presets[act.rule.preset]
            if focus is not None and not (preset.view(focus.map or "") or preset.view(focus.cameras or "")):
                focus = None
            return WallState(act.rule.preset, focus, cause, act.until)
        if focus_act is not None:
            preset = focus_act.rule.preset or self.layout.start
            return WallState(preset, focus, "p1-incident", focus_act.until)
        return WallState(self.layout.start, None, "default")

    @staticmethod
    def _why(new: WallState, ended: list[tuple[_Active, str]]) -> str:
        if new.reason == "p1-incident" and new.focus is not None:
            return f"priority-1 incident {new.focus.incident}"
        if new.reason in ("alarm-flood", "disaster"):
            return {"alarm-flood": "alarm flood", "disaster": "disaster declared"}[new.reason]
        if ended:
            return "; ".join(why for _a, why in ended)
        return new.reason

    def _show(self, new: WallState, why: str, who: str = "") -> WallState:
        old = self.state
        if (new.preset, new.focus, new.reason) == (old.preset, old.focus, old.reason):
            self.state = new
            return new
        self.state = new
        if new.preset != old.preset:
            self.switches += 1
        t = Transition(self.clock(), old, new, why, who)
        self.transitions.append(t)
        log.info("wall: %s → %s%s (%s)", old.preset, new.preset,
                 f", focus {new.focus.incident}" if new.focus else "", why)
        for listener in list(self.listeners):
            listener(t)
        return new


def situation_of(incidents: Iterable, flood: bool = False, disaster: bool = False) -> Situation:
    """A situation from incident-like objects (``id``, ``priority``, ``x``, ``y``, ``open``)."""
    return Situation(tuple(Sighted(i.id, int(i.priority), float(i.x), float(i.y)) for i in incidents
                           if getattr(i, "open", True)), flood, disaster)
