"""A vectorised demo fleet moving along a kit's road graph.

Buses loop fixed routes, taxis wander (never U-turning where they can avoid it) and switch between vacant
and occupied, emergency units wait at their stations. Every step moves all vehicles with a few numpy
passes, so 100,000 vehicles cost milliseconds per second of simulated time.

A unit the CAD assigns (:meth:`FleetSim.assign`) leaves the vectorised pass for a small per-unit mission:
EN_ROUTE along the fastest path under the current link speeds (sirens: a fifth faster than its usual
share of the traffic), ON_SCENE at the incident for a while, then BUSY on the fastest way back (committed,
not available: it cannot take a new call until it is home), and AVAILABLE once parked at its station.
Missions are few, so a Python loop over them costs nothing next to the fleet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pyproj
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sitroom.services.feeds.protocol import AVL_DTYPE
from sitroom.services.routing.paths import Route, RouteError, fastest_route
from sitroom.services.store.kit import Kit
from sitroom.services.store.snap import EdgeSnapper
from sitroom.services.vocabulary import VehicleStatus, VehicleType

log = logging.getLogger(__name__)

# Units per station by POI kind.
_UNITS_AT = {"fire": (VehicleType.FIRE, 2), "ems": (VehicleType.AMBULANCE, 2), "police": (VehicleType.POLICE, 3)}
BUS_SHARE = 0.3
_BUS_ROUTES = 60
_TAXI_FLIP_PER_S = 1 / 300  # a taxi changes between vacant and occupied every ~5 minutes
_ID_BASE = {VehicleType.BUS: 100_000, VehicleType.TAXI: 200_000, VehicleType.FIRE: 10_000,
            VehicleType.AMBULANCE: 20_000, VehicleType.POLICE: 30_000}
# Seconds between reports by type (TOPIS: buses every 1 s, taxis every 2 s).
REPORT_EVERY_S = {VehicleType.BUS: 1, VehicleType.TAXI: 2, VehicleType.FIRE: 1, VehicleType.AMBULANCE: 1,
                  VehicleType.POLICE: 1}
EMERGENCY_TYPES = (VehicleType.FIRE, VehicleType.AMBULANCE, VehicleType.POLICE)
SIREN_FACTOR = 1.2
SCENE_S = (60.0, 120.0)  # demo time on scene, drawn per mission


@dataclass(frozen=True)
class StationUnit:
    id: int
    type: VehicleType
    x: float  # its station, kit metres
    y: float


def station_units(kit: Kit) -> list[StationUnit]:
    """The kit's emergency units and their stations, with the ids a FleetSim on this kit gives them (the CAD
    knows its roster from this without asking the AVL backend)."""
    out: list[StationUnit] = []
    count: dict[VehicleType, int] = {}
    for kind, (vtype, per) in _UNITS_AT.items():
        pois = kit.pois_of(kind)
        for _unit in range(per):
            for p in pois:
                n = count.get(vtype, 0)
                count[vtype] = n + 1
                out.append(StationUnit(_ID_BASE[vtype] + n, vtype, p.x, p.y))
    return out


@dataclass
class Mission:
    """One unit's assignment: where it drives, and what comes next."""

    row: int
    phase: str  # "outbound" | "on_scene" | "return"
    edges: np.ndarray  # the route being driven
    pos: int  # index into edges of the current edge
    end_offset: float  # metres along the last edge where the drive ends
    target_xy: tuple[float, float]
    base_factor: float  # the unit's usual share of the link speed
    # Before arrival: seconds to stay on scene (-1: drawn from FleetSim.scene_s); after: sim time it ends.
    until: float = -1.0


@dataclass
class Fleet:
    ids: np.ndarray  # uint32
    type: np.ndarray  # uint8
    status: np.ndarray  # uint8
    edge: np.ndarray  # int64 current edge (-1: parked at ``park_xy``)
    offset: np.ndarray  # float64 metres along the edge
    speed_factor: np.ndarray  # float64 driver's share of the link speed
    route_start: np.ndarray  # int64 into route_edges (buses), -1 otherwise
    route_len: np.ndarray
    route_pos: np.ndarray
    park_xy: np.ndarray  # (n, 2) for parked units
    route_edges: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


class FleetSim:
    def __init__(self, kit: Kit, n_vehicles: int, seed: int = 11) -> None:
        self.kit = kit
        self.g = kit.roads
        self.rng = np.random.default_rng(seed)
        self._to_lonlat = pyproj.Transformer.from_crs(kit.crs, "EPSG:4326", always_xy=True)
        self.edge_kmh = self.g.edge_speed.astype(np.float64).copy()
        self.fleet = self._build(n_vehicles)
        self.t = 0.0
        self.scene_s = SCENE_S
        self._row_index = np.arange(len(self.fleet))
        f = self.fleet
        emergency = np.flatnonzero(np.isin(f.type, [int(t) for t in EMERGENCY_TYPES]))
        self._unit_rows = {int(f.ids[r]): int(r) for r in emergency}
        self._home = f.park_xy.copy()
        self.missions: dict[int, Mission] = {}  # by row
        self._on_mission = np.zeros(len(f), dtype=bool)
        self._snapper: EdgeSnapper | None = None
        self._report_every = np.ones(len(self.fleet), dtype=np.int64)
        for t, every in REPORT_EVERY_S.items():
            self._report_every[self.fleet.type == t] = every

    # ------------------------------------------------------------ set-up

    def _bus_routes(self, n_routes: int) -> list[np.ndarray]:
        g, rng = self.g, self.rng
        graph = csr_matrix((g.edge_length.astype(np.float64) + 1e-3, (g.edge_src, g.edge_dst)),
                           shape=(g.n_nodes, g.n_nodes))
        # Map (src, dst) -> edge id for path reconstruction (first edge wins on parallels).
        key = g.edge_src.astype(np.int64) * g.n_nodes + g.edge_dst
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]

        def edges_of(nodes: list[int]) -> np.ndarray:
            k = np.asarray(nodes[:-1], dtype=np.int64) * g.n_nodes + np.asarray(nodes[1:], dtype=np.int64)
            return order[np.searchsorted(sorted_key, k)]

        xy = g.node_xy
        starts = rng.choice(g.n_nodes, size=n_routes, replace=False)
        # Each route runs to a terminal among the quarter of the city farthest from its start, and back.
        ends = np.empty(n_routes, dtype=np.int64)
        for i, a in enumerate(starts):
            dist = np.hypot(*(xy - xy[a]).T)
            ends[i] = rng.choice(np.argsort(dist)[-max(1, g.n_nodes // 4):])
        _, pred_out = dijkstra(graph, indices=starts, return_predecessors=True)
        _, pred_back = dijkstra(graph, indices=ends, return_predecessors=True)

        def path(pred: np.ndarray, src: int, dst: int) -> list[int] | None:
            nodes = [dst]
            while nodes[-1] != src:
                p = int(pred[nodes[-1]])
                if p < 0:
                    return None
                nodes.append(p)
            return nodes[::-1]

        routes = []
        for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
            there, back = path(pred_out[i], int(a), int(b)), path(pred_back[i], int(b), int(a))
            if there and back and len(there) > 1:
                routes.append(np.concatenate([edges_of(there), edges_of(back)]))
        return routes

    def _build(self, n: int) -> Fleet:
        g, rng = self.g, self.rng
        # Emergency units at their stations; a tiny fleet is all emergency units.
        parts = [{"type": u.type, "xy": (u.x, u.y)} for u in station_units(self.kit)][:n]
        n_emergency = len(parts)
        n_moving = max(n - n_emergency, 0)
        n_bus = round(n_moving * BUS_SHARE)
        n_taxi = n_moving - n_bus
        n_total = n_emergency + n_bus + n_taxi

        types = np.empty(n_total, dtype=np.uint8)
        types[:n_emergency] = [p["type"] for p in parts]
        types[n_emergency:n_emergency + n_bus] = VehicleType.BUS
        types[n_emergency + n_bus:] = VehicleType.TAXI
        ids = np.empty(n_total, dtype=np.uint32)
        for t in VehicleType:
            sel = np.flatnonzero(types == t)
            ids[sel] = _ID_BASE.get(t, 900_000) + np.arange(len(sel))

        edge = np.full(n_total, -1, dtype=np.int64)
        offset = np.zeros(n_total)
        park = np.full((n_total, 2), np.nan)
        park[:n_emergency] = [p["xy"] for p in parts]
        route_start = np.full(n_total, -1, dtype=np.int64)
        route_len = np.ones(n_total, dtype=np.int64)
        route_pos = np.zeros(n_total, dtype=np.int64)

        routes = self._bus_routes(min(_BUS_ROUTES, max(g.n_nodes // 50, 1))) if n_bus else []
        route_edges = np.concatenate(routes) if routes else np.zeros(0, dtype=np.int64)
        if n_bus:
            lens = np.array([len(r) for r in routes])
            starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
            which = np.arange(n_bus) % len(routes)
            bus = np.arange(n_emergency, n_emergency + n_bus)
            route_start[bus] = starts[which]
            route_len[bus] = lens[which]
            route_pos[bus] = rng.integers(0, lens[which])
            edge[bus] = route_edges[route_start[bus] + route_pos[bus]]
        taxi = np.arange(n_emergency + n_bus, n_total)
        edge[taxi] = rng.integers(0, g.n_edges, size=len(taxi))
        moving = edge >= 0
        offset[moving] = rng.random(int(moving.sum())) * g.edge_length[edge[moving]]

        status = np.full(n_total, VehicleStatus.AVAILABLE, dtype=np.uint8)
        status[taxi] = np.where(rng.random(len(taxi)) < 0.55, VehicleStatus.BUSY, VehicleStatus.AVAILABLE)
        return Fleet(ids, types, status, edge, offset, 0.75 + 0.25 * rng.random(n_total),
                     route_start, route_len, route_pos, park, route_edges)

    # ------------------------------------------------------------ motion

    def set_link_speeds(self, kmh: np.ndarray) -> None:
        """Current speeds per edge (km/h), e.g. from ``congestion.link_speeds_kmh``."""
        self.edge_kmh = np.asarray(kmh, dtype=np.float64)

    def _next_edges(self, rows: np.ndarray) -> np.ndarray:
        f, g = self.fleet, self.g
        nxt = np.empty(len(rows), dtype=np.int64)
        bus = f.route_start[rows] >= 0
        if bus.any():
            r = rows[bus]
            f.route_pos[r] = (f.route_pos[r] + 1) % f.route_len[r]
            nxt[bus] = f.route_edges[f.route_start[r] + f.route_pos[r]]
        wander = ~bus
        if wander.any():
            r = rows[wander]
            cur = f.edge[r]
            node = g.edge_dst[cur]
            lo, hi = g.out_ptr[node], g.out_ptr[node + 1]
            deg = hi - lo
            pick = lo + (self.rng.random(len(r)) * deg).astype(np.int64)
            # Avoid the U-turn back along the same road when any other way out exists.
            uturn = (g.edge_dst[pick] == g.edge_src[cur]) & (deg > 1)
            pick[uturn] = lo[uturn] + (pick[uturn] - lo[uturn] + 1) % deg[uturn]
            nxt[wander] = pick
        return nxt

    def step(self, dt: float) -> None:
        f, g = self.fleet, self.g
        self.t += dt
        if self.missions:
            self._step_missions(dt)
        moving = np.flatnonzero((f.edge >= 0) & ~self._on_mission)
        if not len(moving):
            return
        speed = self.edge_kmh[f.edge[moving]] / 3.6 * f.speed_factor[moving]
        left = speed * dt
        rows = moving
        for _ in range(64):  # a vehicle crosses several short edges per step at most
            room = g.edge_length[f.edge[rows]] - f.offset[rows]
            over = left > room
            stay = ~over
            f.offset[rows[stay]] += left[stay]
            if not over.any():
                break
            rows, left = rows[over], left[over] - room[over]
            f.edge[rows] = self._next_edges(rows)
            f.offset[rows] = 0.0
        taxi = np.flatnonzero(f.type == VehicleType.TAXI)
        flip = taxi[self.rng.random(len(taxi)) < _TAXI_FLIP_PER_S * dt]
        f.status[flip] = np.where(f.status[flip] == VehicleStatus.BUSY, VehicleStatus.AVAILABLE,
                                  VehicleStatus.BUSY)

    # ------------------------------------------------------------ missions

    def unit_row(self, unit_id: int) -> int:
        """The fleet row of an emergency unit; ValueError for any other id."""
        row = self._unit_rows.get(int(unit_id))
        if row is None:
            if np.any(self.fleet.ids == unit_id):
                raise ValueError(f"vehicle {unit_id} is not an emergency unit")
            raise ValueError(f"no unit {unit_id} in this fleet")
        return row

    def status_of(self, unit_id: int) -> VehicleStatus:
        return VehicleStatus(int(self.fleet.status[self.unit_row(unit_id)]))

    def position(self, row: int) -> tuple[float, float]:
        f, g = self.fleet, self.g
        e = int(f.edge[row])
        if e < 0:
            return float(f.park_xy[row, 0]), float(f.park_xy[row, 1])
        a, b = g.node_xy[g.edge_src[e]], g.node_xy[g.edge_dst[e]]
        frac = min(max(f.offset[row] / max(float(g.edge_length[e]), 1e-6), 0.0), 1.0)
        p = a + (b - a) * frac
        return float(p[0]), float(p[1])

    def _route(self, start_xy: tuple[float, float], end_xy: tuple[float, float]) -> Route:
        if self._snapper is None:
            self._snapper = EdgeSnapper(self.g)
        seconds = self.g.edge_length / (np.maximum(self.edge_kmh, 1.0) / 3.6)
        return fastest_route(self.g, seconds, self._snapper, start_xy, end_xy)

    def assign(self, unit_id: int, target_xy: tuple[float, float], *, scene_s: float | None = None) -> Route:
        """Send a unit to ``target_xy`` (kit metres) from wherever it is: EN_ROUTE on the fastest path, then
        ON_SCENE for ``scene_s`` (default: drawn from ``self.scene_s``), then home. Returns the route.

        ValueError for an id that is not an emergency unit; RouteError (a ValueError) when no road leads there.
        """
        row = self.unit_row(unit_id)
        route = self._route(self.position(row), target_xy)
        old = self.missions.get(row)
        base = old.base_factor if old is not None else float(self.fleet.speed_factor[row])
        m = self._drive(row, route, "outbound", (float(target_xy[0]), float(target_xy[1])), base)
        m.until = -1.0 if scene_s is None else float(scene_s)  # the on-scene time, fixed on arrival
        self.fleet.status[row] = VehicleStatus.EN_ROUTE
        self.fleet.speed_factor[row] = base * SIREN_FACTOR
        return route

    def recall(self, unit_id: int) -> bool:
        """Send an assigned unit home now (BUSY until parked); False if it had no mission."""
        row = self.unit_row(unit_id)
        m = self.missions.get(row)
        if m is None or m.phase == "return":
            return False
        self._go_home(row, m)
        return True

    def _drive(self, row: int, route: Route, phase: str, target_xy: tuple[float, float], base: float) -> Mission:
        f, g = self.fleet, self.g
        edges = np.asarray(route.edges, dtype=np.int64)
        first, last = int(edges[0]), int(edges[-1])

        def along(edge: int, xy: np.ndarray) -> float:
            return float(np.hypot(*(xy - g.node_xy[g.edge_src[edge]])))

        start = min(along(first, route.xy[0]), float(g.edge_length[first]))
        end = min(along(last, route.xy[-1]), float(g.edge_length[last]))
        m = Mission(row, phase, edges, 0, max(end, start) if len(edges) == 1 else end, target_xy, base)
        self.missions[row] = m
        self._on_mission[row] = True
        f.edge[row], f.offset[row] = first, start
        return m

    def _go_home(self, row: int, m: Mission) -> None:
        f = self.fleet
        home = (float(self._home[row, 0]), float(self._home[row, 1]))
        f.speed_factor[row] = m.base_factor
        f.status[row] = VehicleStatus.BUSY
        try:
            self._drive(row, self._route(self.position(row), home), "return", home, m.base_factor)
        except RouteError as exc:  # one-ways with no way back: it reappears at its station
            log.warning("unit %d: no way home (%s); parking it at its station", int(f.ids[row]), exc)
            self._park(row, home, VehicleStatus.AVAILABLE)

    def _park(self, row: int, xy: tuple[float, float], status: VehicleStatus) -> None:
        f = self.fleet
        f.edge[row], f.offset[row] = -1, 0.0
        f.park_xy[row] = xy
        f.status[row] = status
        if status == VehicleStatus.AVAILABLE:
            self.missions.pop(row, None)
            self._on_mission[row] = False

    def _step_missions(self, dt: float) -> None:
        f, g = self.fleet, self.g
        for row, m in list(self.missions.items()):
            if m.phase == "on_scene":
                if self.t >= m.until:
                    self._go_home(row, m)
                continue
            left = dt  # seconds of driving left in this step
            while left > 0:
                e = int(m.edges[m.pos])
                last = m.pos == len(m.edges) - 1
                stop_at = m.end_offset if last else float(g.edge_length[e])
                v = max(self.edge_kmh[e] / 3.6 * f.speed_factor[row], 0.1)
                need = max(stop_at - f.offset[row], 0.0) / v
                if need > left:
                    f.offset[row] += left * v
                    break
                left -= need
                if last:
                    self._arrive(row, m)
                    break
                m.pos += 1
                f.edge[row], f.offset[row] = int(m.edges[m.pos]), 0.0

    def _arrive(self, row: int, m: Mission) -> None:
        f = self.fleet
        f.speed_factor[row] = m.base_factor
        if m.phase == "outbound":
            self._park(row, m.target_xy, VehicleStatus.ON_SCENE)
            m.phase = "on_scene"
            stay = m.until if m.until >= 0 else float(self.rng.uniform(*self.scene_s))
            m.until = self.t + stay
        else:
            self._park(row, m.target_xy, VehicleStatus.AVAILABLE)

    # ------------------------------------------------------------ reports

    def records(self, rows: np.ndarray, ts_ms: int) -> np.ndarray:
        """AVL records for ``rows`` at the current simulated positions."""
        f, g = self.fleet, self.g
        out = np.zeros(len(rows), dtype=AVL_DTYPE)
        e = f.edge[rows]
        moving = e >= 0
        x = f.park_xy[rows, 0].copy()
        y = f.park_xy[rows, 1].copy()
        heading = np.zeros(len(rows), dtype=np.float32)
        speed = np.zeros(len(rows), dtype=np.float32)
        if moving.any():
            em = e[moving]
            a, b = g.node_xy[g.edge_src[em]], g.node_xy[g.edge_dst[em]]
            frac = np.clip(f.offset[rows[moving]] / np.maximum(g.edge_length[em], 1e-6), 0, 1)[:, None]
            p = a + (b - a) * frac
            x[moving], y[moving] = p[:, 0], p[:, 1]
            d = b - a
            heading[moving] = np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360.0
            speed[moving] = self.edge_kmh[em] * f.speed_factor[rows[moving]]
        lon, lat = self._to_lonlat.transform(x, y)
        out["id"] = f.ids[rows]
        out["type"] = f.type[rows]
        out["status"] = f.status[rows]
        out["ts"] = ts_ms
        out["lon"] = lon
        out["lat"] = lat
        out["speed"] = speed
        out["heading"] = heading
        return out

    def due(self, tick: int) -> np.ndarray:
        """Rows that report on this whole-second tick; taxis are split in two halves on alternate seconds."""
        return np.flatnonzero((self._row_index + tick) % self._report_every == 0)
