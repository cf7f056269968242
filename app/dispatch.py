"""The dispatch desk: incidents, unit recommendation, routes, closures, dispatch commands and coverage.

Qt-free like the session it sits on, so tests drive a whole dispatch without a window. Units come from the
vehicle layer (positions of stale feeds are used but flagged as last known); travel times from the traffic
layer; commands go through the persistent outbox of the dispatch link, and only the CAD's acknowledgement
assigns a unit to an incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.spatial import cKDTree

from app.session import LiveSession
from services.dispatch.outbox import new_command
from services.feeds import protocol
from services.incidents.model import Incident, IncidentBook, LifecycleError
from services.routing.coverage import Coverage, CoverageModel
from services.routing.engine import Recommendation, Route, RouteError, RoutingEngine
from services.vocabulary import STATION_KINDS, UNIT_TYPES, VehicleStatus, VehicleType

EMERGENCY_TYPES = tuple(STATION_KINDS)
_AT_STATION_M = 150.0
TOP_N = 5
# A unit the CAD just accepted still reports "available" until its next AVL report; it is held back from
# recommendations until then, or at most this long (a silent AVL feed must not hide it forever).
HOLD_AFTER_ACK_MS = 60_000


class DispatchError(ValueError):
    """A dispatch the desk refuses; the message is for the dispatcher."""


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
class DeskEvents:
    messages: list[tuple[str, str]] = field(default_factory=list)  # (level "ok"/"warn"/"bad", text)


class DispatchDesk:
    def __init__(self, session: LiveSession, book: IncidentBook, link=None, *, who: str = "dispatcher") -> None:
        self.session = session
        self.book = book
        self.link = link  # services.dispatch.link.DispatchLink, or None without a CAD endpoint
        self.who = who
        self.events = DeskEvents()
        self.coverage_types: tuple[int, ...] = (VehicleType.FIRE,)
        self.coverage_limit_s = 300.0
        self.coverage: Coverage | None = None
        self._coverage_key: tuple | None = None
        self._accepted: dict[int, int] = {}  # unit -> when the CAD accepted its dispatch, epoch ms
        # Units with a command waiting for the CAD, kept here so that rankings on the GUI thread never query
        # the outbox's database; read once for commands left by an earlier run.
        self._waiting: set[int] = {e.unit for e in link.outbox.pending()} if link is not None else set()
        self.set_kit(session.kit)

    def set_kit(self, kit) -> None:
        self.engine = RoutingEngine(kit.roads, self.session.traffic.seconds)
        self.coverage_model = CoverageModel.for_kit(kit)
        self._traffic_applied = self.session.traffic.applied
        stations = [p for p in kit.pois if p.kind in STATION_KINDS.values()]
        self._station_names = [p.name or p.kind for p in stations]
        self._station_tree = cKDTree(np.array([[p.x, p.y] for p in stations])) if stations else None
        self.coverage = None
        self._coverage_key = None

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
        ok = (np.isin(v.type[:n], types) & (v.status[:n] == VehicleStatus.AVAILABLE) & np.isfinite(v.x[:n])
              & v.shown_mask())
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

    def station_of(self, x: float, y: float) -> str:
        if self._station_tree is None:
            return ""
        d, i = self._station_tree.query([x, y])
        return self._station_names[int(i)] if d <= _AT_STATION_M else ""

    # ------------------------------------------------------------ recommendation and routes

    def recommend(self, incident_id: str, n: int = TOP_N) -> Ranking:
        inc = self.book.get(incident_id)
        self.update_times()
        rows, stale = self.candidates(UNIT_TYPES[inc.type])
        v = self.session.vehicles
        xy = np.stack([v.x[rows], v.y[rows]], axis=1) if len(rows) else np.zeros((0, 2))
        try:
            rec = self.engine.recommend((inc.x, inc.y), xy)
        except RouteError as exc:
            raise DispatchError(f"{inc.id}: {exc} (outside the kit's roads?)") from None
        options = []
        for i in rec.top(n):
            r = int(rows[i])
            options.append(Option(int(v.ids[r]), int(v.type[r]), float(rec.eta_s[i]), float(rec.metres[i]),
                                  self.station_of(float(v.x[r]), float(v.y[r])), bool(stale[i]), int(i)))
        return Ranking(inc.id, options, rec, v.ids[rows].copy(), rows)

    def routes(self, ranking: Ranking, option: Option) -> tuple[Route, Route | None]:
        route = self.engine.unit_route(ranking.recommendation, option.row)
        return route, self.engine.alternative(route)

    # ------------------------------------------------------------ closures

    def close_road_near(self, x: float, y: float) -> np.ndarray:
        snapped = self.engine.snapper.snap(np.array([x]), np.array([y]), 200.0)
        if snapped.edge[0] < 0:
            raise DispatchError("no road within 200 m of that point")
        return self.engine.close_edges([int(snapped.edge[0])])

    def close_area(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return self.engine.close_area(shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))

    def reopen_all(self) -> None:
        self.engine.reopen()

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
            raise DispatchError("no CAD endpoint is configured: commands cannot be sent")
        if inc.status == "new":
            raise DispatchError(f"acknowledge {inc.id} first (A)")
        if not inc.open:
            raise DispatchError(f"{inc.id} is {inc.status}")
        if unit in inc.units:
            raise DispatchError(f"unit {unit} is already assigned to {inc.id}")
        held = self.held_units().get(unit)
        if held:
            raise DispatchError(held)
        v = self.session.vehicles
        row = int(v.rows_for(np.array([unit], dtype=np.uint32))[0])
        if row < 0:
            raise DispatchError(f"unit {unit} is not on the map")
        if v.status[row] != VehicleStatus.AVAILABLE:
            status = VehicleStatus(int(v.status[row])).name.lower().replace("_", " ")
            raise DispatchError(f"unit {unit} is {status}, not available")
        # A call taken here is unknown to the CAD until its first dispatch brings it along.
        call = {"type": inc.type, "priority": inc.priority, "reported": inc.reported_ms, "desc": inc.desc} \
            if inc.source == "local" else None
        command = new_command("dispatch", inc.id, int(unit), inc.lon, inc.lat, by=self.who,
                              **({"call": call} if call else {}))
        self.link.submit(command)  # stored in the outbox before anything is sent
        self._waiting.add(int(unit))
        self.book.note(inc.id, "dispatch sent", self.who, f"unit {unit}, command {command['cmd_id'][:8]}")
        return command["cmd_id"]

    def pending(self) -> int:
        return len(self.link.outbox.pending()) if self.link is not None else 0

    def pump(self) -> None:
        """Take in the dispatch link's results: acks assign units, rejections and strays become messages."""
        if self.link is None:
            return
        for event in self.link.drain():
            kind, cmd_id = event[0], event[1] if len(event) > 1 else ""
            # The outbox knows every command ever sent from here, this session or before a restart.
            p = self.link.outbox.get(cmd_id) if kind in ("acked", "rejected") else None
            if p is not None:
                self._waiting.discard(p.unit)
            if p is not None and p.incident not in self.book.incidents:
                p = None
            if kind == "acked" and p is not None:
                if p.cmd == "dispatch":
                    self._accepted[p.unit] = protocol.now_ms()
                try:
                    self.book.assign(p.incident, p.unit, "CAD")
                    self.say("ok", f"unit {p.unit} dispatched to {p.incident}")
                except LifecycleError as exc:
                    self.say("warn", f"CAD accepted unit {p.unit} for {p.incident}, but {exc}")
            elif kind == "rejected" and p is not None:
                reason = event[2] if len(event) > 2 else ""
                self.book.note(p.incident, "dispatch rejected", "CAD", f"unit {p.unit}: {reason}")
                self.say("bad", f"CAD rejected unit {p.unit} for {p.incident}: {reason}")
            elif kind in ("acked", "rejected"):
                self.say("warn", f"CAD answered command {cmd_id[:8]} for an incident this desk does not know")
            elif kind == "unknown-ack":
                self.say("warn", f"CAD acknowledged an unknown command {cmd_id[:8]}; ignored")
            elif kind == "refused":
                self.say("bad", f"CAD link refused: {cmd_id} (commands stay in the outbox)")
            elif kind == "bad-ack":
                self.say("warn", f"malformed acknowledgement from the CAD ({cmd_id}); ignored")

    def say(self, level: str, text: str) -> None:
        self.events.messages.append((level, text))

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
        return self.coverage

    def time_of_day(self, speeds_by_hour: dict[int, np.ndarray]) -> list[tuple[int, float]]:
        rows, _ = self.candidates(self.coverage_types)
        v = self.session.vehicles
        xy = np.stack([v.x[rows], v.y[rows]], axis=1) if len(rows) else np.zeros((0, 2))
        return self.coverage_model.time_of_day_report(self.engine, xy, speeds_by_hour, self.coverage_limit_s)


def incident_summary(inc: Incident) -> str:
    return f"{inc.id} · P{inc.priority} · {inc.type} · {inc.desc}"
