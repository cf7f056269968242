"""Incidents and their lifecycle: new → acknowledged → dispatched → en route → on scene → closed (or cancelled).

The book is the one place incidents change. Every change is checked against the lifecycle, stamped with
who and when, and written to the audit log before it is visible, so a restart finds the queue as it was.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from sitroom.services.refusal import Refusal
from sitroom.services.vocabulary import INCIDENT_STATUSES, INCIDENT_TYPES, OPEN_STATUSES

log = logging.getLogger(__name__)

# Golden time: the first unit on scene within 5 minutes, and no later than 7 (Korean 119 targets).
GOLDEN_S = (300, 420)
OPEN = OPEN_STATUSES
# Allowed moves; closing and cancelling need a disposition, so nothing ends without a reason on record.
_NEXT: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged", "cancelled"),
    "acknowledged": ("dispatched", "cancelled"),
    "dispatched": ("en_route", "on_scene", "cancelled"),
    "en_route": ("on_scene", "cancelled"),
    "on_scene": ("closed",),
    "closed": (),
    "cancelled": (),
}
_RANK = {s: i for i, s in enumerate(INCIDENT_STATUSES)}


def _shortest_paths() -> dict[tuple[str, str], tuple[str, ...]]:
    """(from, to) -> the statuses entered on the shortest chain of allowed moves, ``to`` last; only pairs that
    are connected. A feed reports where an incident is, not every step it took to get there."""
    paths: dict[tuple[str, str], tuple[str, ...]] = {}
    for start in _NEXT:
        queue: deque[tuple[str, tuple[str, ...]]] = deque([(start, ())])
        while queue:
            here, path = queue.popleft()
            for nxt in _NEXT[here]:
                if (start, nxt) not in paths:
                    paths[start, nxt] = (*path, nxt)
                    queue.append((nxt, paths[start, nxt]))
    return paths


# Forward moves a feed may report, each with the steps it implies.
_FORWARD = _shortest_paths()


def _units(units: list[int]) -> str:
    return f"; unit{'s' if len(units) > 1 else ''} {', '.join(map(str, units))}" if units else ""


MAX_HISTORY = 200


class LifecycleError(Refusal):
    """A change the lifecycle does not allow; the message says what and why (``code`` and ``params`` let the
    interface say it in its language)."""


@dataclass
class Incident:
    id: str
    type: str
    priority: int  # 1 (most urgent) … 5
    lon: float
    lat: float
    x: float  # kit metres
    y: float
    reported_ms: int
    status: str = "new"
    desc: str = ""
    units: list[int] = field(default_factory=list)
    disposition: str = ""
    source: str = ""  # the feed it came from, or "local" for one created here
    changed_ms: dict[str, int] = field(default_factory=dict)  # status -> when it was entered
    place: str = ""  # where, in words: the dong and the road ("둔산동 · 대덕대로"), or what the caller said
    caller_number: str = ""
    caller_name: str = ""
    notes: str = ""  # the call-taker's notes, several lines
    # Every change, oldest first: [epoch ms, action, who, detail] (the audit log keeps them all; this is the
    # incident's own timeline for the screen, bounded).
    history: list[list] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def acknowledged(self) -> bool:
        return self.status != "new"

    def age_s(self, now_ms: int) -> float:
        return max(0.0, (now_ms - self.reported_ms) / 1000.0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Incident:
        return cls(**d)  # older saved incidents lack the later fields: their defaults apply


Listener = Callable[[Incident, str, str, str], None]  # incident, action, who, detail


class IncidentBook:
    """All incidents by id; ``listeners`` hear every change (the audit log is one of them)."""

    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.listeners: list[Listener] = []
        self.version = 0  # bumps on every change, so views redraw only when needed
        self._local = itertools.count(1)
        # Calls taken here reach the CAD under their own id, so ids from two workstations must not meet.
        self._tag = secrets.token_hex(2)
        # Feed reports not applied, by reason: "behind" (an earlier status than one reached by an action here,
        # as when a CAD never hears of an acknowledgement), "backwards" (earlier than the feed itself reported)
        # and "not-allowed" (a move the lifecycle lacks, e.g. on scene -> cancelled); the last one, in words.
        self.refused: Counter[str] = Counter()
        self.last_refused = ""
        self._reported: dict[str, str] = {}  # incident id -> the furthest status a feed reported
        self._noted: set[tuple[str, str]] = set()  # (incident, reported status) refusals already on record

    def __len__(self) -> int:
        return len(self.incidents)

    def get(self, incident_id: str) -> Incident:
        try:
            return self.incidents[incident_id]
        except KeyError:
            raise LifecycleError("no-incident", f"no incident {incident_id}", incident=incident_id) from None

    def open_incidents(self) -> list[Incident]:
        return [i for i in self.incidents.values() if i.open]

    def _changed(self, inc: Incident, action: str, who: str, detail: str = "") -> None:
        inc.history.append([int(time.time() * 1000), action, who, detail])
        del inc.history[:-MAX_HISTORY]
        self.version += 1
        for listener in self.listeners:
            listener(inc, action, who, detail)

    # ------------------------------------------------------------ arrivals

    def receive(self, payload: dict, x: float, y: float, source: str, now_ms: int | None = None, *,
                snapshot: bool = False) -> Incident | None:
        """An incident from a feed (already validated): new ones are added, known ones move forward only.

        Returns the incident if anything changed. A feed may report progress (a unit on scene), never undo
        what a dispatcher did here. It reports where an incident is, so a move past several steps (a CAD's
        ``new`` → ``dispatched``) is taken, the steps passed over named on record; so is a snapshot's latest
        state, which repairs an incident whose updates were lost. Units only join. A move back is refused and
        counted in ``refused``; one the feed's own earlier reports or the lifecycle contradict is also put on
        record, once per incident and status."""
        now = now_ms if now_ms is not None else int(time.time() * 1000)
        how = "from the feed's snapshot" if snapshot else "reported by the feed"
        status = payload["status"]
        known = self.incidents.get(payload["id"])
        if known is None:
            inc = Incident(payload["id"], payload["type"], int(payload["priority"]), float(payload["lon"]),
                           float(payload["lat"]), x, y, int(payload["reported"]), status,
                           payload.get("desc") or "", list(dict.fromkeys(payload.get("units") or [])), "", source,
                           {status: now})
            self.incidents[inc.id] = inc
            self._reported[inc.id] = status
            self._changed(inc, "received", source, inc.status)
            return inc
        reported = self._reported.get(known.id)
        if reported is None or _RANK[status] > _RANK[reported]:
            self._reported[known.id] = status
        joining = [u for u in dict.fromkeys(payload.get("units") or []) if u not in known.units] if known.open else []
        steps = _FORWARD.get((known.status, status))
        if steps is not None:
            known.status = status
            known.changed_ms[status] = now  # steps passed over keep no time: they were never seen here
            known.units.extend(joining)
            detail = how + (f", past {', '.join(s.replace('_', ' ') for s in steps[:-1])}" if len(steps) > 1 else "")
            self._changed(known, status, source, detail + _units(joining))
            return known
        if status != known.status:
            self._refuse(known, status, reported, source)
        if not joining:
            return None
        known.units.extend(joining)
        self._changed(known, "assigned", source, how + _units(joining))
        return known

    def _refuse(self, inc: Incident, status: str, reported: str | None, source: str) -> None:
        if _RANK[status] > _RANK[inc.status]:
            reason = "not-allowed"
        elif reported is not None and _RANK[status] < _RANK[reported]:
            reason = "backwards"
        else:
            reason = "behind"
        self.refused[reason] += 1
        self.last_refused = (f"{inc.id}: {source} reported {status.replace('_', ' ')}, but it is "
                             f"{inc.status.replace('_', ' ')} ({reason})")
        if reason == "behind" or (inc.id, status) in self._noted:
            return
        self._noted.add((inc.id, status))
        log.warning("incident %s", self.last_refused)
        self._changed(inc, "refused", source, f"{status.replace('_', ' ')} reported by the feed: "
                      + ("not a move the lifecycle allows" if reason == "not-allowed" else "a step back"))

    def create(self, type_: str, priority: int, lon: float, lat: float, x: float, y: float, desc: str, who: str,
               now_ms: int | None = None, *, place: str = "", caller_number: str = "", caller_name: str = "",
               notes: str = "") -> Incident:
        """An incident a dispatcher puts on the map (a call taken here); acknowledged at once."""
        if type_ not in INCIDENT_TYPES:
            raise LifecycleError("bad-type", f"incident type {type_!r}: one of {', '.join(INCIDENT_TYPES)}",
                                 type=type_)
        if not 1 <= priority <= 5:
            raise LifecycleError("bad-priority", "priority must be 1 (most urgent) to 5", priority=priority)
        now = now_ms if now_ms is not None else int(time.time() * 1000)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now / 1000))
        inc_id = f"LOC-{stamp}-{self._tag}{next(self._local)}"
        while inc_id in self.incidents:
            inc_id = f"LOC-{stamp}-{self._tag}{next(self._local)}"
        inc = Incident(inc_id, type_, priority, lon, lat, x, y, now, "acknowledged", desc, [], "", "local",
                       {"new": now, "acknowledged": now}, place, caller_number, caller_name, notes)
        self.incidents[inc.id] = inc
        said = "; ".join(p for p in (desc, place and f"at {place}", caller_number and f"caller {caller_number}")
                         if p)
        self._changed(inc, "created", who, f"{type_} P{priority}: {said}")
        return inc

    # ------------------------------------------------------------ dispatcher actions

    def check_transition(self, incident_id: str, to: str) -> None:
        """Raise the LifecycleError that moving ``incident_id`` to ``to`` would (ask before asking why)."""
        inc = self.get(incident_id)
        if to not in _NEXT[inc.status]:
            allowed = ", ".join(_NEXT[inc.status]) or "nothing (it is finished)"
            raise LifecycleError("cannot-become", f"{inc.id} is {inc.status.replace('_', ' ')}: it can become "
                                 f"{allowed}, not {to.replace('_', ' ')}", incident=inc.id, status=inc.status,
                                 allowed=_NEXT[inc.status], to=to)

    def transition(self, incident_id: str, to: str, who: str, *, disposition: str = "", unit: int | None = None,
                   now_ms: int | None = None) -> Incident:
        inc = self.get(incident_id)
        self.check_transition(incident_id, to)
        if to in ("closed", "cancelled") and not disposition.strip():
            raise LifecycleError("needs-disposition", f"{'closing' if to == 'closed' else 'cancelling'} {inc.id} "
                                 "needs a disposition", incident=inc.id, to=to)
        now = now_ms if now_ms is not None else int(time.time() * 1000)
        inc.status = to
        inc.changed_ms.setdefault(to, now)
        if disposition:
            inc.disposition = disposition.strip()
        if unit is not None and unit not in inc.units:
            inc.units.append(unit)
        detail = disposition or (f"unit {unit}" if unit is not None else "")
        self._changed(inc, to, who, detail)
        return inc

    def assign(self, incident_id: str, unit: int, who: str, now_ms: int | None = None) -> Incident:
        """A unit sent (acknowledged by the CAD): the first makes the incident dispatched, more only join it."""
        inc = self.get(incident_id)
        if not inc.open or inc.status == "new":
            raise LifecycleError("ack-first" if inc.status == "new" else "finished",
                                 f"{inc.id} is {inc.status.replace('_', ' ')}: "
                                 + ("acknowledge it first" if inc.status == "new" else "it is finished"),
                                 incident=inc.id, status=inc.status)
        if inc.status == "acknowledged":
            return self.transition(incident_id, "dispatched", who, unit=unit, now_ms=now_ms)
        if unit not in inc.units:
            inc.units.append(unit)
            self._changed(inc, "assigned", who, f"unit {unit}")
        return inc

    def note(self, incident_id: str, action: str, who: str, detail: str = "") -> None:
        """Something done about an incident that does not change its status (a command sent, a rejection)."""
        self._changed(self.get(incident_id), action, who, detail)

    def acknowledge(self, incident_id: str, who: str) -> Incident:
        return self.transition(incident_id, "acknowledged", who)

    def restore(self, incidents: list[Incident]) -> None:
        """The state saved by the audit log, on start (no listeners hear it: it is history)."""
        for inc in incidents:
            self.incidents[inc.id] = inc
        self.version += 1
