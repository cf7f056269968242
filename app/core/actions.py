"""Every action a person takes on the room, checked against their role first. Qt-free.

The windows call these instead of the incident book, the dispatch desk or the alarm engine directly, so no
view can change the room's state without the check, and each change is stamped with the person logged in
(the audit log records them). A refusal raises :class:`~services.access.AccessRefused` saying why, and is
itself recorded.
"""

from __future__ import annotations

import logging

from sitroom.app.capabilities.facilities import monitor_of
from sitroom.app.core.desk import PlanDispatch
from sitroom.app.core.room import Room
from sitroom.services.access import Access, AccessRefused, User
from sitroom.services.incidents.model import Incident, LifecycleError

log = logging.getLogger(__name__)


class Actions:
    def __init__(self, room: Room, access: Access | None = None, audit=None) -> None:
        self.room = room
        self.access = access or Access(User(room.desk.who, "dispatcher"))
        self.audit = audit
        room.desk.who = self.access.who  # the desk stamps its own notes (commands sent) with the person too

    @property
    def who(self) -> str:
        return self.access.who

    def allowed(self, action: str) -> bool:
        return self.access.allowed(action)

    def check(self, action: str) -> None:
        try:
            self.access.check(action)
        except AccessRefused as exc:
            if self.audit is not None:
                try:
                    self.audit.record_access(self.who, self.access.role, "refused", str(exc))
                except Exception as err:  # the refusal stands whether or not it could be written
                    log.error("audit: %s", err)
            raise

    # ------------------------------------------------------------ incidents

    def acknowledge(self, incident: str) -> Incident:
        self.check("acknowledge")
        return self.room.desk.book.acknowledge(incident, self.who)

    def dispatch(self, incident: str, units: list[int]) -> PlanDispatch:
        self.check("dispatch")
        return self.room.desk.dispatch_units(incident, units)

    def finish(self, incident: str, status: str, disposition: str) -> Incident:
        """Close (``status`` "closed") or cancel ("cancelled") with a disposition or reason."""
        self.check("close" if status == "closed" else "cancel")
        return self.room.desk.book.transition(incident, status, self.who, disposition=disposition)

    def reassign(self, incident: str, to: str, reason: str) -> Incident:
        """Hand an open incident to another dispatcher, with a reason on record."""
        self.check("reassign")
        book = self.room.desk.book
        inc = book.get(incident)
        if not inc.open:
            raise LifecycleError("finished", f"{inc.id} is {inc.status}", incident=inc.id, status=inc.status)
        if not reason.strip() or not to.strip():
            raise LifecycleError("needs-reason", "reassigning needs a dispatcher and a reason", incident=inc.id)
        book.note(incident, "reassigned", self.who, f"to {to.strip()}: {reason.strip()}")
        return inc

    def new_incident(self, type_: str, priority: int, lon: float, lat: float, x: float, y: float, desc: str,
                     **kw) -> Incident:
        self.check("new-incident")
        return self.room.desk.book.create(type_, priority, lon, lat, x, y, desc, self.who, **kw)

    # ------------------------------------------------------------ roads and units

    def close_road_near(self, x: float, y: float):
        self.check("close-road")
        return self.room.desk.close_road_near(x, y)

    def close_area(self, x0: float, y0: float, x1: float, y1: float):
        self.check("close-road")
        return self.room.desk.close_area(x0, y0, x1, y1)

    def reopen_roads(self) -> None:
        self.check("reopen-roads")
        self.room.desk.reopen_all()

    def set_in_service(self, unit: int, in_service: bool) -> None:
        self.check("unit-service")
        self.room.desk.set_in_service(unit, in_service)

    # ------------------------------------------------------------ alarms

    def _engine(self):
        monitor = monitor_of(self.room.session)
        if monitor is None:
            raise LifecycleError("no-alarms", "this room has no facility alarms")
        return monitor.engine

    def alarm_acknowledge(self, key: str, note: str = ""):
        self.check("alarm-acknowledge")
        return self._engine().acknowledge(key, self.who, self.room.session.clock_ms(), note)

    def alarm_shelve(self, key: str, minutes: float, note: str):
        self.check("alarm-shelve")
        now = self.room.session.clock_ms()
        return self._engine().shelve(key, self.who, now, now + int(minutes * 60_000), note)

    def alarm_unshelve(self, key: str):
        self.check("alarm-unshelve")
        return self._engine().unshelve(key, self.who, self.room.session.clock_ms())

    def alarm_out_of_service(self, key: str, note: str):
        self.check("alarm-out-of-service")
        return self._engine().remove_from_service(key, self.who, self.room.session.clock_ms(), note)

    def alarm_in_service(self, key: str):
        self.check("alarm-in-service")
        return self._engine().return_to_service(key, self.who, self.room.session.clock_ms())

    def link_alarm(self, key: str, incident: str):
        self.check("new-incident")
        return self._engine().link_incident(key, incident, self.who)
