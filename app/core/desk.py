"""The dispatch desk: incidents, unit recommendation, routes, closures, dispatch commands and coverage.

Qt-free like the session it sits on, so tests drive a whole dispatch without a window. Units come from the
vehicle layer (positions of stale feeds are used but flagged as last known); travel times from the traffic
layer; commands go through the persistent outbox of the dispatch link, and only the CAD's acknowledgement
assigns a unit to an incident. The desk's own map models (the route on display with its alternative and
the closed roads, and coverage) sit in the session's layer set like every other.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from sitroom.app.core.session import LiveSession
from sitroom.layers.coverage import CoverageLayer
from sitroom.layers.pins import PinLayer
from sitroom.layers.routes import RouteLayer
from sitroom.services.dispatch.link import Acked, BadAck, DispatchLink, LinkEvent, Refused, Rejected, UnknownAck
from sitroom.services.dispatch.outbox import new_command
from sitroom.services.feeds import protocol
from sitroom.services.gazetteer import Gazetteer
from sitroom.services.incidents.model import Incident, IncidentBook, LifecycleError
from sitroom.services.incidents.order import call_urgency, waiting_calls
from sitroom.services.incidents.plans import Plan, ResponsePlans
from sitroom.services.refusal import Refusal
from sitroom.services.routing.coverage import Coverage, CoverageModel
from sitroom.services.routing.engine import Recommendation, Route, RouteError, RoutingEngine
from sitroom.services.vocabulary import STATION_KINDS, UNIT_TYPES, VehicleStatus, VehicleType

_AT_STATION_M = 150.0
TOP_N = 5
# A unit the CAD just accepted still reports "available" until its next AVL report; it is held back from
# recommendations until then, or at most this long (a silent AVL feed must not hide it forever).
HOLD_AFTER_ACK_MS = 60_000


class DispatchError(Refusal):
    """A dispatch the desk refuses; the message is for the dispatcher (``code`` and ``params`` for the
    interface's language)."""


@dataclass(frozen=True)
class Option:
    unit: int
    type: int
    eta_s: float
    metres: float
    station: str
    last_known: bool
    row: int  # index into the ranked candidate arrays


@dataclass
class Ranking:
    incident: str
    options: list[Option]
    recommendation: Recommendation
    units: np.ndarray  # unit ids of the candidates, as passed to the engine
    rows: np.ndarray  # their rows in the vehicle layer


@dataclass
class PlanRanking:
    """A response plan for an incident, ranked: per unit type the fastest available by road, and the picks
    (the plan's count of each type, fastest first) that one dispatch action sends."""

    incident: str
    plan: Plan
    rankings: dict[int, Ranking]  # unit type -> its ranking
    picks: list[Option]

    @property
    def options(self) -> list[Option]:
        """Every ranked unit, type by type in the plan's order."""
        return [o for t, _n in self.plan.units for o in self.rankings[t].options]

    def ranking_of(self, unit: int) -> Ranking | None:
        return next((r for r in self.rankings.values() if any(o.unit == unit for o in r.options)), None)

    @property
    def lead(self) -> Ranking:
        return self.rankings[self.plan.units[0][0]]


@dataclass(frozen=True)
class UnitRow:
    """One unit on the status board."""

    unit: int
    type: int
    station: str  # the station it stands at, "" on the road
    status: int  # VehicleStatus
    since_s: float  # in that status for this long (by its own reports)
    incident: str  # the incident it is assigned to (or a dispatch waits for), ""
    pending: bool  # a dispatch of it waits for the CAD's answer
    held: bool  # just dispatched or pending: not offered again yet
    out_of_service: bool
    stale: bool  # its position and status are last-known only


@dataclass
class PlanDispatch:
    sent: dict[int, str]  # unit -> cmd_id
    refused: dict[int, DispatchError]  # unit -> why not


class Level(enum.Enum):
    OK = "ok"
    WARN = "warn"
    BAD = "bad"


@dataclass(frozen=True, slots=True)
class DeskMessage:
    """Something the dispatcher must read: a CAD answer, a refusal, a stray acknowledgement."""

    level: Level
    text: str


class DispatchDesk:
    """Incidents to units: recommendations by road ETA, routes, closures, dispatch and coverage.

    ``link`` is the CAD link (None without a CAD endpoint: nothing can be dispatched). Messages for the
    dispatcher collect in ``messages`` until a view takes them (:meth:`take_messages`)."""

    def __init__(self, session: LiveSession, book: IncidentBook | None = None, link: DispatchLink | None = None, *,
                 who: str = "dispatcher", plans: ResponsePlans | None = None) -> None:
        self.session = session
        self.book = book if book is not None else session.incidents
        self.link = link
        self.who = who
        self.plans = plans if plans is not None else ResponsePlans.default()
        self.out_of_service: set[int] = set()  # units the dispatcher took out of service: never offered
        self.messages: list[DeskMessage] = []
        self.coverage_types: tuple[int, ...] = (VehicleType.FIRE,)
        self.coverage_limit_s = 300.0
        self.coverage: Coverage | None = None
        self._coverage_key: tuple | None = None
        self._accepted: dict[int, int] = {}  # unit -> when the CAD accepted its dispatch, epoch ms
        # Units with a command waiting for the CAD, kept here so that rankings on the GUI thread never query
        # the outbox's database; read once for commands left by an earlier run.
        self._waiting: dict[int, str] = {e.unit: e.incident for e in link.outbox.pending()} if link is not None \
            else {}
        self.route_layer = session.layers.add("routes", RouteLayer())
        self.pins = session.layers.add("pins", PinLayer())  # the place of a call being taken
        self._gazetteer: Gazetteer | None = None
        self._described: set[str] = set()
        self.coverage_layer = session.layers.add("coverage", CoverageLayer(session.kit))
        self.set_kit(session.kit)

    def set_kit(self, kit) -> None:
        """Follow the session to another kit (call after ``session.set_kit``): routing, stations, coverage."""
        self.engine = RoutingEngine(kit.roads, self.session.traffic.seconds)
        self.coverage_model = CoverageModel.for_kit(kit)
        self._traffic_applied = self.session.traffic.applied
        stations = [p for p in kit.pois if p.kind in STATION_KINDS.values()]
        self._station_names = [p.name or p.kind for p in stations]
        self._station_tree = cKDTree(np.array([[p.x, p.y] for p in stations])) if stations else None
        self.coverage = None
        self._coverage_key = None
        self._gazetteer = None
        self._described.clear()  # another kit, other words for the same places
        if self.coverage_layer.kit is not kit:
            visible = self.coverage_layer.visible
            self.coverage_layer = self.session.layers.replace("coverage", CoverageLayer(kit))
            self.coverage_layer.visible = visible
        self.route_layer.clear()
        self.route_layer.set_closed(np.zeros((0, 2, 2)))

    # ------------------------------------------------------------ live inputs

    def update_times(self) -> bool:
        """Take the latest link speeds into routing; True when they changed."""
        traffic = self.session.traffic
        if traffic.applied == self._traffic_applied:
            return False
        self._traffic_applied = traffic.applied
        self.engine.set_seconds(traffic.seconds)
        return True

    def candidates(self, types: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Rows of available units of these types with a position, and which of them are last-known only."""
        v = self.session.vehicles
        n = v.n
        # What the map shows is a view's choice: a unit hidden there is still a unit that can go.
        ok = np.isin(v.type[:n], types) & (v.status[:n] == VehicleStatus.AVAILABLE) & np.isfinite(v.x[:n])
        if self.out_of_service:
            ok &= ~np.isin(v.ids[:n], np.fromiter(self.out_of_service, dtype=np.uint32,
                                                  count=len(self.out_of_service)))
        held = self.held_units()
        if held:
            ok &= ~np.isin(v.ids[:n], np.fromiter(held, dtype=np.uint32, count=len(held)))
        rows = np.flatnonzero(ok)
        now = self.session.clock()
        stale = v.stale_mask(now, self.session.stale_feeds(now))[rows]
        return rows, stale

    def held_units(self) -> dict[int, str]:
        """Units that are committed although their AVL status may still say available: a command for them
        waits in the outbox, or the CAD accepted one after their last AVL report. Unit -> why."""
        held = {unit: f"a command for unit {unit} is already waiting for the CAD" for unit in self._waiting}
        if self._accepted:
            v, now = self.session.vehicles, protocol.now_ms()
            units = np.fromiter(self._accepted, dtype=np.uint32, count=len(self._accepted))
            for unit, row in zip(units.tolist(), v.rows_for(units).tolist(), strict=True):
                accepted = self._accepted[unit]
                if now - accepted > HOLD_AFTER_ACK_MS or (row >= 0 and v.ts[row] > accepted):
                    del self._accepted[unit]  # its own reports speak for it again
                else:
                    held.setdefault(unit, f"unit {unit} was just dispatched; its AVL report has not caught up")
        return held

    @property
    def gazetteer(self) -> Gazetteer:
        """Places of the open kit by name (built on first use: a search nobody makes costs nothing)."""
        if self._gazetteer is None or self._gazetteer.kit is not self.session.kit:
            self._gazetteer = Gazetteer.from_kit(self.session.kit)
        return self._gazetteer

    def describe_places(self, limit: int = 50) -> int:
        """Put into words where incidents are that came without it (a CAD's calls carry coordinates): the gu
        and dong and the nearest roads. At most ``limit`` a call, so a burst of calls costs little per frame."""
        done = 0
        for inc in self.book.incidents.values():
            if not inc.place and inc.id not in self._described and done < limit:
                inc.place = self.gazetteer.where(inc.x, inc.y).label()
                self._described.add(inc.id)  # looked up once, even when nothing lies near
                done += 1
        return done

    def pending(self) -> dict[str, list[int]]:
        """Units whose dispatch waits for the CAD's answer, by incident (shown on the incident itself)."""
        out: dict[str, list[int]] = {}
        for unit, incident in self._waiting.items():
            out.setdefault(incident, []).append(unit)
        return out

    def next_call(self, current: str | None) -> str | None:
        """What N selects: the most urgent call waiting for acknowledgement (the next one after ``current``
        when that is one of them), else the most urgent open incident after ``current``."""
        pool = waiting_calls(self.book) or sorted(self.book.open_incidents(), key=call_urgency)
        ids = [i.id for i in pool]
        if not ids:
            return None
        if current in ids:
            return ids[(ids.index(current) + 1) % len(ids)]
        return ids[0]

    def station_of(self, x: float, y: float) -> str:
        if self._station_tree is None:
            return ""
        d, i = self._station_tree.query([x, y])
        return self._station_names[int(i)] if d <= _AT_STATION_M else ""

    # ------------------------------------------------------------ recommendation and routes

    def recommend(self, incident_id: str, n: int = TOP_N, types: tuple[int, ...] | None = None) -> Ranking:
        """The ``n`` units of ``types`` (default: every type that answers the incident) that reach it first."""
        inc = self.book.get(incident_id)
        self.update_times()
        rows, stale = self.candidates(types if types is not None else UNIT_TYPES[inc.type])
        v = self.session.vehicles
        xy = np.stack([v.x[rows], v.y[rows]], axis=1) if len(rows) else np.zeros((0, 2))
        try:
            rec = self.engine.recommend((inc.x, inc.y), xy)
        except RouteError as exc:
            raise DispatchError("outside-roads", f"{inc.id}: {exc} (outside the kit's roads?)",
                                incident=inc.id) from None
        options = []
        for i in rec.top(n):
            r = int(rows[i])
            options.append(Option(int(v.ids[r]), int(v.type[r]), float(rec.eta_s[i]), float(rec.metres[i]),
                                  self.station_of(float(v.x[r]), float(v.y[r])), bool(stale[i]), int(i)))
        return Ranking(inc.id, options, rec, v.ids[rows].copy(), rows)

    def plan(self, incident_id: str) -> PlanRanking:
        """The incident's response plan, each type ranked, the fastest of each picked (one unit is never
        picked twice; a type short of units gets what there is)."""
        inc = self.book.get(incident_id)
        plan = self.plans.for_call(inc.type, inc.priority)
        rankings = {int(t): self.recommend(incident_id, max(TOP_N, count + 2), types=(int(t),))
                    for t, count in plan.units}
        picks = [o for t, count in plan.units for o in rankings[int(t)].options[:count]]
        return PlanRanking(inc.id, plan, rankings, picks)

    def dispatch_units(self, incident_id: str, units: list[int]) -> PlanDispatch:
        """Dispatch several units to one incident in one action: each its own command, through the outbox
        once; a unit refused does not stop the others."""
        out = PlanDispatch({}, {})
        for unit in dict.fromkeys(units):
            try:
                out.sent[unit] = self.dispatch(incident_id, unit)
            except DispatchError as exc:
                out.refused[unit] = exc
        return out

    def unit_board(self, now_ms: int) -> list[UnitRow]:
        """Every emergency unit: where it waits, its status and for how long, its incident, its command."""
        v = self.session.vehicles
        n = v.n
        rows = np.flatnonzero(np.isin(v.type[:n], list(STATION_KINDS)))
        now = self.session.clock()
        stale = v.stale_mask(now, self.session.stale_feeds(now))
        assigned = {u: inc.id for inc in self.book.open_incidents() for u in inc.units}
        held = self.held_units()
        out = []
        for r in rows.tolist():
            unit = int(v.ids[r])
            placed = np.isfinite(v.x[r])
            out.append(UnitRow(
                unit, int(v.type[r]), self.station_of(float(v.x[r]), float(v.y[r])) if placed else "",
                int(v.status[r]), max(0.0, (now_ms - int(v.status_since[r])) / 1000.0),
                assigned.get(unit) or self._waiting.get(unit, ""), unit in self._waiting, unit in held,
                unit in self.out_of_service, bool(stale[r])))
        return out

    def set_in_service(self, unit: int, in_service: bool) -> None:
        (self.out_of_service.discard if in_service else self.out_of_service.add)(int(unit))

    def routes(self, ranking: Ranking, option: Option) -> tuple[Route, Route | None]:
        route = self.engine.unit_route(ranking.recommendation, option.row)
        return route, self.engine.alternative(route)

    # ------------------------------------------------------------ closures

    def close_road_near(self, x: float, y: float) -> np.ndarray:
        snapped = self.engine.snapper.snap(np.array([x]), np.array([y]), 200.0)
        if snapped.edge[0] < 0:
            raise DispatchError("no-road-near", "no road within 200 m of that point", metres=200)
        closed = self.engine.close_edges([int(snapped.edge[0])])
        self.route_layer.set_closed(self.closed_segments())
        return closed

    def close_area(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        closed = self.engine.close_area(shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
        self.route_layer.set_closed(self.closed_segments())
        return closed

    def reopen_all(self) -> None:
        self.engine.reopen()
        self.route_layer.set_closed(self.closed_segments())

    def closed_segments(self) -> np.ndarray:
        g = self.session.kit.roads
        e = np.flatnonzero(self.engine.closed)
        return np.stack([g.node_xy[g.edge_src[e]], g.node_xy[g.edge_dst[e]]], axis=1) if len(e) \
            else np.zeros((0, 2, 2))

    # ------------------------------------------------------------ dispatch

    def dispatch(self, incident_id: str, unit: int) -> str:
        """Queue a dispatch command in the outbox; returns its cmd_id. The CAD's ack assigns the unit."""
        inc = self.book.get(incident_id)
        if self.link is None:
            raise DispatchError("no-cad", "no CAD endpoint is configured: commands cannot be sent")
        if inc.status == "new":
            raise DispatchError("ack-first", f"acknowledge {inc.id} first (A)", incident=inc.id, status=inc.status)
        if not inc.open:
            raise DispatchError("finished", f"{inc.id} is {inc.status}", incident=inc.id, status=inc.status)
        if unit in inc.units:
            raise DispatchError("already-assigned", f"unit {unit} is already assigned to {inc.id}", unit=unit,
                                incident=inc.id)
        held = self.held_units().get(unit)
        if held:
            code = "command-waiting" if unit in self._waiting else "just-dispatched"
            raise DispatchError(code, held, unit=unit)
        v = self.session.vehicles
        row = int(v.rows_for(np.array([unit], dtype=np.uint32))[0])
        if row < 0:
            raise DispatchError("not-on-map", f"unit {unit} is not on the map", unit=unit)
        if v.status[row] != VehicleStatus.AVAILABLE:
            status = VehicleStatus(int(v.status[row])).name.lower().replace("_", " ")
            raise DispatchError("not-available", f"unit {unit} is {status}, not available", unit=unit,
                                status=int(v.status[row]))
        # A call taken here is unknown to the CAD until its first dispatch brings it along.
        call = None
        if inc.source == "local":
            call = {"type": inc.type, "priority": inc.priority, "reported": inc.reported_ms, "desc": inc.desc,
                    "place": inc.place, "notes": inc.notes}
            if inc.caller_number or inc.caller_name:
                call["caller"] = {"number": inc.caller_number, "name": inc.caller_name}
        command = new_command("dispatch", inc.id, int(unit), inc.lon, inc.lat, by=self.who,
                              **({"call": call} if call else {}))
        self.link.submit(command)  # stored in the outbox before anything is sent
        self._waiting[int(unit)] = inc.id
        self.book.note(inc.id, "dispatch sent", self.who, f"unit {unit}, command {command['cmd_id'][:8]}")
        return command["cmd_id"]

    def pump(self) -> None:
        """Take in the dispatch link's results: acks assign units, rejections and strays become messages."""
        if self.link is None:
            return
        for event in self.link.drain():
            self._on_link_event(event)

    def _on_link_event(self, event: LinkEvent) -> None:
        if isinstance(event, Acked | Rejected):
            e = event.entry  # as the link settled it: no outbox lookup here
            self._waiting.pop(e.unit, None)
            if e.incident not in self.book.incidents:
                self.say(Level.WARN, f"CAD answered command {e.cmd_id[:8]} for an incident this desk does not know")
            elif isinstance(event, Acked):
                if e.cmd == "dispatch":
                    self._accepted[e.unit] = protocol.now_ms()
                try:
                    self.book.assign(e.incident, e.unit, "CAD")
                    self.say(Level.OK, f"unit {e.unit} dispatched to {e.incident}")
                except LifecycleError as exc:
                    self.say(Level.WARN, f"CAD accepted unit {e.unit} for {e.incident}, but {exc}")
            else:
                self.book.note(e.incident, "dispatch rejected", "CAD", f"unit {e.unit}: {e.reason}")
                self.say(Level.BAD, f"CAD rejected unit {e.unit} for {e.incident}: {e.reason}")
        elif isinstance(event, UnknownAck):
            self.say(Level.WARN, f"CAD acknowledged an unknown command {event.cmd_id[:8]}; ignored")
        elif isinstance(event, Refused):
            self.say(Level.BAD, f"CAD link refused: {event.reason} (commands stay in the outbox)")
        elif isinstance(event, BadAck):
            self.say(Level.WARN, f"malformed acknowledgement from the CAD ({event.reason}); ignored")

    def say(self, level: Level, text: str) -> None:
        self.messages.append(DeskMessage(level, text))

    def take_messages(self) -> list[DeskMessage]:
        out, self.messages = self.messages, []
        return out

    def track_units(self) -> None:
        """Incidents follow their units: en route when one drives, on scene when one arrives."""
        v = self.session.vehicles
        for inc in self.book.open_incidents():
            if not inc.units or inc.status not in ("dispatched", "en_route"):
                continue
            rows = v.rows_for(np.array(inc.units, dtype=np.uint32))
            statuses = {int(v.status[r]) for r in rows if r >= 0}
            target = "on_scene" if VehicleStatus.ON_SCENE in statuses else \
                "en_route" if VehicleStatus.EN_ROUTE in statuses and inc.status == "dispatched" else None
            if target:
                self.book.transition(inc.id, target, "AVL")

    # ------------------------------------------------------------ coverage

    def update_coverage(self, force: bool = False) -> Coverage | None:
        """Recompute when the available units, their positions' roads, the times or closures changed."""
        changed_times = self.update_times()
        rows, _stale = self.candidates(self.coverage_types)
        v = self.session.vehicles
        # Units move a little while parked (GPS); coverage follows which units are free and where, to 50 m.
        key = (tuple(np.round(v.x[rows] / 50).astype(int)), tuple(np.round(v.y[rows] / 50).astype(int)),
               self.engine.version, self.coverage_limit_s, self.coverage_types)
        if not force and not changed_times and key == self._coverage_key and self.coverage is not None:
            return None
        self._coverage_key = key
        xy = np.stack([v.x[rows], v.y[rows]], axis=1) if len(rows) else np.zeros((0, 2))
        self.coverage = self.coverage_model.compute(self.engine, xy, self.coverage_limit_s)
        self.coverage_layer.set_minutes(self.coverage.minutes, self.coverage.limit_s / 60.0)
        return self.coverage

    def time_of_day(self, speeds_by_hour: dict[int, np.ndarray]) -> list[tuple[int, float]]:
        rows, _ = self.candidates(self.coverage_types)
        v = self.session.vehicles
        xy = np.stack([v.x[rows], v.y[rows]], axis=1) if len(rows) else np.zeros((0, 2))
        return self.coverage_model.time_of_day_report(self.engine, xy, speeds_by_hour, self.coverage_limit_s)


def incident_summary(inc: Incident) -> str:
    return f"{inc.id} · P{inc.priority} · {inc.type} · {inc.desc}"
