"""The alarm engine: every alarm's lifecycle (services/alarms/model.py), operator actions, escalation and floods.

Conditions come in from wherever they are judged (limits of sensor readings: services/alarms/limits.py;
device alarms: straight from the feed) through :meth:`AlarmEngine.condition`. Operators acknowledge, shelve
and take alarms out of service here; each change is stamped with who, when and why and handed to the
listeners (the audit log persists it) before it is visible. ``tick`` brings shelved alarms back at their
expiry and notes alarms left unacknowledged past their priority's time (escalation). Times are the session's
epoch milliseconds, so replay judges them by the journal's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sitroom.services.alarms.flood import FloodDetector
from sitroom.services.alarms.model import (
    ACKED,
    NORMAL,
    OUT_OF_SERVICE,
    RTN_UNACK,
    SHELVED,
    UNACK,
    Alarm,
    AlarmSpec,
)
from sitroom.services.refusal import Refusal

# An alarm left unacknowledged this long escalates (sound, flashing), by priority (1 emergency … 4 low).
ESCALATE_AFTER_S = {1: 30.0, 2: 60.0, 3: 300.0, 4: 900.0}
# Shelving is always for a time (ISA-18.2 §11.5): at most this long.
MAX_SHELVE_S = 12 * 3600.0

Listener = Callable[[Alarm, str, str, str], None]  # alarm, action, who, detail


class AlarmError(Refusal):
    """An operator action the alarm's state does not allow (``code`` and ``params`` for the interface)."""


def sort_key(alarm: Alarm) -> tuple:
    """The alarm list's order: priority first (1 on top), then the oldest annunciation first."""
    return (alarm.priority, alarm.raised_ms, alarm.key)


class AlarmEngine:
    def __init__(self, *, escalate_after_s: dict[int, float] | None = None,
                 flood: FloodDetector | None = None) -> None:
        self.alarms: dict[str, Alarm] = {}
        self.listeners: list[Listener] = []
        self.escalate_after_s = dict(ESCALATE_AFTER_S if escalate_after_s is None else escalate_after_s)
        self.flood = flood if flood is not None else FloodDetector()
        self.version = 0  # bumps on every change: views redraw only when it moves
        self.annunciations = 0

    # ------------------------------------------------------------ the record

    def _changed(self, alarm: Alarm, action: str, who: str, detail: str = "") -> None:
        self.version += 1
        for listener in self.listeners:
            listener(alarm, action, who, detail)

    def get(self, key: str) -> Alarm:
        try:
            return self.alarms[key]
        except KeyError:
            raise AlarmError("no-alarm", f"no alarm {key}", alarm=key) from None

    def restore(self, alarms: Iterable[Alarm]) -> None:
        """Alarms as the audit log kept them (no listener hears it: it is history)."""
        for alarm in alarms:
            self.alarms[alarm.key] = alarm
        self.version += 1

    def annunciated(self) -> list[Alarm]:
        """What the operator's list shows, in its order."""
        return sorted((a for a in self.alarms.values() if a.annunciated), key=sort_key)

    def suppressed(self) -> list[Alarm]:
        """Shelved and out-of-service alarms, in the list's order."""
        return sorted((a for a in self.alarms.values() if a.state in (SHELVED, OUT_OF_SERVICE)), key=sort_key)

    def active_count(self) -> int:
        """Alarms whose condition is active and that the operator sees (not shelved or out of service)."""
        return sum(1 for a in self.alarms.values() if a.active and a.state in (UNACK, ACKED))

    # ------------------------------------------------------------ conditions

    def condition(self, spec: AlarmSpec, active: bool, at_ms: int, *, value: float | None = None,
                  reading_ms: int | None = None) -> Alarm | None:
        """The condition of ``spec`` became active (or cleared) at ``at_ms``; returns the alarm if it changed."""
        alarm = self.alarms.get(spec.key)
        if alarm is None:
            if not active:
                return None
            alarm = Alarm(spec.key, spec.facility, spec.sensor, spec.condition, spec.kind, spec.priority)
            self.alarms[spec.key] = alarm
        alarm.facility, alarm.priority, alarm.label = spec.facility, spec.priority, spec.label
        alarm.kind, alarm.severe, alarm.limit = spec.kind, spec.severe, spec.limit
        if alarm.active == active:
            return None
        alarm.active, alarm.value = active, value
        detail = f"value {value:g}" if value is not None else ""
        if active:
            if alarm.state in (NORMAL, RTN_UNACK):
                again = alarm.state == RTN_UNACK
                self._annunciate(alarm, at_ms, reading_ms if reading_ms is not None else at_ms)
                self._changed(alarm, "re-raised" if again else "raised", "", detail)
            else:  # shelved or out of service: the condition is noted, nobody is called
                self._changed(alarm, "active", "", detail)
            return alarm
        alarm.cleared_ms = at_ms
        if alarm.state == UNACK:
            alarm.state = RTN_UNACK
            self._changed(alarm, "returned", "", detail)
        elif alarm.state == ACKED:
            alarm.state = NORMAL
            self._changed(alarm, "cleared", "", detail)
        else:
            self._changed(alarm, "inactive", "", detail)
        return alarm

    def _annunciate(self, alarm: Alarm, at_ms: int, reading_ms: int) -> None:
        alarm.state = UNACK
        alarm.raised_ms, alarm.reading_ms = at_ms, reading_ms
        alarm.shown_ms = alarm.acked_ms = alarm.escalated_ms = 0
        alarm.acked_by = alarm.ack_note = ""
        alarm.count += 1
        self.annunciations += 1
        self.flood.note(at_ms)

    def forget(self, key: str) -> None:
        """An alarm whose source is gone for good (a sensor no longer listed), once nothing is owed on it."""
        alarm = self.alarms.get(key)
        if alarm is not None and alarm.state == NORMAL and not alarm.active:
            del self.alarms[key]
            self.version += 1

    # ------------------------------------------------------------ operators

    def acknowledge(self, key: str, who: str, at_ms: int, note: str = "") -> Alarm:
        alarm = self.get(key)
        if alarm.state == UNACK:
            alarm.state = ACKED
        elif alarm.state == RTN_UNACK:
            alarm.state = NORMAL
        else:
            raise AlarmError("nothing-to-acknowledge", f"{key} is {alarm.state.replace('_', ' ')}: nothing to "
                             "acknowledge", alarm=key, state=alarm.state)
        alarm.acked_ms, alarm.acked_by, alarm.ack_note = at_ms, who, note.strip()
        self._changed(alarm, "acknowledged", who, alarm.ack_note)
        return alarm

    def shelve(self, key: str, who: str, at_ms: int, until_ms: int, note: str = "") -> Alarm:
        alarm = self.get(key)
        if alarm.state == OUT_OF_SERVICE:
            raise AlarmError("out-of-service", f"{key} is out of service", alarm=key)
        if not at_ms < until_ms <= at_ms + MAX_SHELVE_S * 1000:
            raise AlarmError("shelve-time", f"shelve for up to {MAX_SHELVE_S / 3600:g} hours",
                             hours=MAX_SHELVE_S / 3600)
        alarm.state = SHELVED
        alarm.shelved_until_ms, alarm.shelved_by, alarm.shelve_note = until_ms, who, note.strip()
        self._changed(alarm, "shelved", who, f"until {until_ms}" + (f": {alarm.shelve_note}" if note.strip() else ""))
        return alarm

    def unshelve(self, key: str, who: str, at_ms: int) -> Alarm:
        alarm = self.get(key)
        if alarm.state != SHELVED:
            raise AlarmError("not-shelved", f"{key} is not shelved", alarm=key)
        self._back(alarm, at_ms, "unshelved", who)
        return alarm

    def remove_from_service(self, key: str, who: str, at_ms: int, note: str) -> Alarm:
        alarm = self.get(key)
        if not note.strip():
            raise AlarmError("needs-reason", "taking an alarm out of service needs a reason", alarm=key)
        alarm.state = OUT_OF_SERVICE
        alarm.oos_by, alarm.oos_note = who, note.strip()
        alarm.shelved_until_ms = 0
        self._changed(alarm, "out-of-service", who, alarm.oos_note)
        return alarm

    def return_to_service(self, key: str, who: str, at_ms: int) -> Alarm:
        alarm = self.get(key)
        if alarm.state != OUT_OF_SERVICE:
            raise AlarmError("in-service", f"{key} is in service", alarm=key)
        self._back(alarm, at_ms, "in-service", who)
        return alarm

    def _back(self, alarm: Alarm, at_ms: int, action: str, who: str) -> None:
        """Shelving or maintenance ends: the alarm is as its condition is now (called again when active)."""
        alarm.shelved_until_ms, alarm.oos_by, alarm.oos_note = 0, "", ""
        if alarm.active:
            self._annunciate(alarm, at_ms, at_ms)
        else:
            alarm.state = NORMAL
        self._changed(alarm, action, who, "active: annunciated again" if alarm.active else "")

    # ------------------------------------------------------------ what happens next

    def link_incident(self, key: str, incident: str, who: str) -> Alarm:
        alarm = self.get(key)
        alarm.incident = incident
        self._changed(alarm, "incident", who, incident)
        return alarm

    def dispatched(self, incident: str, at_ms: int) -> list[Alarm]:
        """The first dispatch to ``incident``: the alarms it was made from record when."""
        hit = [a for a in self.alarms.values() if a.incident == incident and not a.dispatched_ms]
        for alarm in hit:
            alarm.dispatched_ms = at_ms
            self._changed(alarm, "dispatched", "", incident)
        return hit

    def shown(self, keys: Iterable[str], at_ms: int) -> None:
        """These alarms are on screen now: the first time after each annunciation is their time on screen."""
        for key in keys:
            alarm = self.alarms.get(key)
            if alarm is not None and alarm.annunciated and not alarm.shown_ms:
                alarm.shown_ms = at_ms
                self._changed(alarm, "shown", "", f"{at_ms - alarm.reading_ms} ms after the reading")

    def tick(self, now_ms: int) -> None:
        """Shelving that ran out ends; alarms unacknowledged too long escalate; a flood may end."""
        for alarm in list(self.alarms.values()):
            if alarm.state == SHELVED and now_ms >= alarm.shelved_until_ms:
                self._back(alarm, now_ms, "shelve-expired", "")
            elif (alarm.state == UNACK and not alarm.escalated_ms
                  and now_ms - alarm.raised_ms >= self.escalate_after_s.get(alarm.priority, 900.0) * 1000):
                alarm.escalated_ms = now_ms
                self._changed(alarm, "escalated", "", f"unacknowledged for {(now_ms - alarm.raised_ms) // 1000} s")
        self.flood.update(now_ms)

    def escalated(self) -> list[Alarm]:
        """Unacknowledged past their priority's time, most urgent first."""
        return sorted((a for a in self.alarms.values() if a.state == UNACK and a.escalated_ms), key=sort_key)
