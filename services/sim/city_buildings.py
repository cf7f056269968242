"""The demo city's buildings and facilities, generated on its roads (deterministic for a seed).

Ordinary buildings line the streets of the built-up core, set back from the road and turned along it, none on a
road or on another; the facilities the city watches sit on its roads too: hospitals (the kit's hospital POIs and
clinics), schools, the gu offices and community centres, underground malls under the busiest streets, bridges
and tunnels on the arterials (those two as points: they are not buildings). Facility ids are ``F-0001`` …, the
names the demo sensor feed (services/sim/sensors.py) publishes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely

from sitroom.services.store.footprints import Facility, Footprints
from sitroom.services.store.kit import District, Poi, RoadClass, RoadGraph

# How many of each facility the demo has (about 260: "a few hundred facilities" for the sensor feed).
FACILITY_COUNTS = {"hospital": 30, "school": 90, "public_building": 60, "underground_mall": 6, "bridge": 45,
                   "tunnel": 12}
# Footprints of facility buildings: (along the road, across it) in metres.
_FACILITY_SIZE = {"hospital": (80.0, 50.0), "school": (70.0, 22.0), "public_building": (42.0, 30.0)}
_MIN_TOWN = 0.45  # ordinary buildings only where the city is built up
_SPACING = 30.0  # between buildings along a street
_MAX_BUILDINGS = 24_000

Town = Callable[[np.ndarray], np.ndarray]  # built-up-ness in [0, 1] at points


def _segments(g: RoadGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One segment per street: (a, b) endpoints (m, 2, 2), class, edge."""
    first = g.street_edges()
    seg = np.stack([g.node_xy[g.edge_src[first]], g.node_xy[g.edge_dst[first]]], axis=1)
    return seg, g.edge_class[first], first


def _rectangles(centre: np.ndarray, direction: np.ndarray, along: np.ndarray, across: np.ndarray) -> np.ndarray:
    """Rectangles (n polygons) centred at ``centre`` with sides ``along`` the unit ``direction`` and ``across``."""
    u = direction
    v = np.stack([-u[:, 1], u[:, 0]], axis=1)
    a, c = (along / 2)[:, None], (across / 2)[:, None]
    corners = np.stack([centre - a * u - c * v, centre + a * u - c * v, centre + a * u + c * v,
                        centre - a * u + c * v, centre - a * u - c * v], axis=1)
    return shapely.polygons(corners)


def _spread(xy: np.ndarray, weight: np.ndarray, k: int, taken: np.ndarray) -> list[int]:
    """Weighted farthest-point sampling, away from ``taken`` points too."""
    reach = np.full(len(xy), 1e12)
    for p in taken:
        np.minimum(reach, np.hypot(xy[:, 0] - p[0], xy[:, 1] - p[1]), out=reach)
    picks: list[int] = []
    for _ in range(min(k, len(xy))):
        i = int(np.argmax(reach * weight))
        picks.append(i)
        np.minimum(reach, np.hypot(xy[:, 0] - xy[i, 0], xy[:, 1] - xy[i, 1]), out=reach)
    return picks


class _Plan:
    """Footprints placed so far (facilities first), with a test for room on the map."""

    def __init__(self, roads: np.ndarray) -> None:
        self.roads = shapely.STRtree(roads)
        self.geoms: list[shapely.Geometry] = []
        self.names: list[str] = []
        self.uses: list[str] = []
        self.levels: list[int] = []

    def free(self, polys: np.ndarray) -> np.ndarray:
        """Which polygons touch no road and no footprint already placed."""
        ok = np.ones(len(polys), bool)
        ok[self.roads.query(polys, predicate="intersects")[0]] = False
        if self.geoms:
            ok[shapely.STRtree(np.array(self.geoms, dtype=object)).query(polys, predicate="intersects")[0]] = False
        return ok

    def add(self, poly: shapely.Geometry, name: str, use: str, levels: int) -> int:
        self.geoms.append(poly)
        self.names.append(name)
        self.uses.append(use)
        self.levels.append(levels)
        return len(self.geoms) - 1


def _facility_footprint(plan: _Plan, at: np.ndarray, seg: np.ndarray, kind: str) -> shapely.Geometry | None:
    """A building for a facility beside the street nearest ``at``: on whichever side has room."""
    mid = seg.mean(axis=1)
    j = int(np.argmin(np.hypot(*(mid - at).T)))
    a, b = seg[j]
    u = (b - a) / max(np.hypot(*(b - a)), 1e-9)
    v = np.array([-u[1], u[0]])
    along, across = _FACILITY_SIZE[kind]
    for side in (1.0, -1.0):
        for shift in (0.0, 40.0, -40.0, 80.0):
            c = (a + b) / 2 + u * shift + side * v * (across / 2 + 12.0)
            poly = _rectangles(c[None], u[None], np.array([along]), np.array([across]))
            if plan.free(poly)[0]:
                return poly[0]
    return None


def generate(g: RoadGraph, gus: list[District], dongs: list[District], pois: tuple[Poi, ...], town: Town,
             rng: np.random.Generator) -> tuple[Footprints, tuple[Facility, ...]]:
    seg, cls, _edges = _segments(g)
    plan = _Plan(shapely.linestrings(seg))
    dong_tree = shapely.STRtree([d.geometry for d in dongs])

    def dong_at(xy: np.ndarray) -> str:
        return dongs[int(dong_tree.query_nearest(shapely.Point(xy), all_matches=False)[0])].name

    facilities: list[Facility] = []

    def facility(kind: str, name: str, xy: np.ndarray, building: bool) -> None:
        fp = -1
        if building:
            poly = _facility_footprint(plan, xy, seg, kind)
            if poly is not None:
                fp = plan.add(poly, name, {"public_building": "public"}.get(kind, kind),
                              int(rng.integers(3, 12)) if kind == "hospital" else int(rng.integers(2, 6)))
                c = shapely.point_on_surface(poly)
                xy = np.array([c.x, c.y])
        facilities.append(Facility(f"F-{len(facilities) + 1:04d}", kind, name, float(xy[0]), float(xy[1]), fp))

    major = np.isin(cls, (RoadClass.TRUNK, RoadClass.PRIMARY, RoadClass.SECONDARY))
    mid = seg.mean(axis=1)
    length = np.hypot(*(seg[:, 1] - seg[:, 0]).T)
    mid_town = town(mid)
    # Hospitals: the kit's, then clinics where people live.
    hospitals = [p for p in pois if p.kind == "hospital"]
    for p in hospitals:
        facility("hospital", p.name, np.array([p.x, p.y]), True)
    taken = np.array([[p.x, p.y] for p in hospitals]).reshape(-1, 2)
    for i in _spread(mid, mid_town + 0.05, FACILITY_COUNTS["hospital"] - len(hospitals), taken):
        facility("hospital", f"{dong_at(mid[i])} {'요양병원' if i % 3 == 0 else '의원'}", mid[i], True)
    # Gu offices, then community centres of the most built-up dongs.
    for gu in gus:
        c = shapely.point_on_surface(gu.geometry)
        facility("public_building", f"{gu.name}청", np.array([c.x, c.y]), True)
    centres = shapely.get_coordinates(shapely.point_on_surface([d.geometry for d in dongs]))
    for i in _spread(centres, town(centres) + 0.1, FACILITY_COUNTS["public_building"] - len(gus), np.empty((0, 2))):
        facility("public_building", f"{dongs[i].name} 행정복지센터", centres[i], True)
    # Schools by how many people live near.
    levels = ("초등학교", "중학교", "고등학교")
    for n, i in enumerate(_spread(mid, mid_town**0.7 + 0.02, FACILITY_COUNTS["school"], np.empty((0, 2)))):
        facility("school", f"{dong_at(mid[i])}{levels[n % 3]}", mid[i], True)
    # Underground malls under the busiest arterials; bridges along arterials; tunnels where the hills are.
    big = np.flatnonzero(major & (length >= 120.0))
    for i in _spread(mid[big], mid_town[big] ** 4 + 1e-4, FACILITY_COUNTS["underground_mall"], np.empty((0, 2))):
        facility("underground_mall", f"{dong_at(mid[big[i]])} 지하상가", mid[big[i]], False)
    for i in _spread(mid[big], np.ones(len(big)), FACILITY_COUNTS["bridge"], np.empty((0, 2))):
        facility("bridge", f"{dong_at(mid[big[i]]).rstrip('0123456789동')}교", mid[big[i]], False)
    hills = (1.0 - mid_town[big]) ** 3 + 1e-4
    for i in _spread(mid[big], hills, FACILITY_COUNTS["tunnel"], np.empty((0, 2))):
        facility("tunnel", f"{dong_at(mid[big[i]]).rstrip('0123456789동')}터널", mid[big[i]], False)
    _streets(plan, seg, cls, length, mid_town, rng)
    footprints = Footprints.of(plan.geoms, plan.names, plan.uses, plan.levels, [float("nan")] * len(plan.geoms))
    return footprints, _unique_names(facilities)


def _streets(plan: _Plan, seg: np.ndarray, cls: np.ndarray, length: np.ndarray, mid_town: np.ndarray,
             rng: np.random.Generator) -> None:
    """Ordinary buildings on both sides of the streets of the built-up core."""
    pick = np.flatnonzero((mid_town >= _MIN_TOWN) & (length >= 60.0) & (cls >= RoadClass.SECONDARY))
    per_side = ((length[pick] - 30.0) // _SPACING).astype(int)
    seg_of = np.repeat(pick, 2 * per_side)
    k = np.concatenate([np.tile(np.arange(n), 2) for n in per_side]) if len(pick) else np.empty(0, int)
    side = np.concatenate([np.repeat([1.0, -1.0], n) for n in per_side]) if len(pick) else np.empty(0)
    a, b = seg[seg_of, 0], seg[seg_of, 1]
    u = (b - a) / np.maximum(length[seg_of], 1e-9)[:, None]
    v = np.stack([-u[:, 1], u[:, 0]], axis=1)
    along = rng.uniform(14.0, 24.0, len(seg_of))
    across = rng.uniform(10.0, 18.0, len(seg_of))
    t = 15.0 + _SPACING / 2 + k * _SPACING + rng.uniform(-3.0, 3.0, len(seg_of))
    centre = a + u * t[:, None] + (side * (across / 2 + rng.uniform(9.0, 14.0, len(seg_of))))[:, None] * v
    polys = _rectangles(centre, u, along, across)
    order = rng.permutation(len(polys))[: int(_MAX_BUILDINGS * 1.6)]
    polys, seg_of = polys[order], seg_of[order]
    ok = plan.free(polys)
    polys, seg_of = polys[ok], seg_of[ok]
    # No two overlap: of each pair that does, the later goes.
    left, right = shapely.STRtree(polys).query(polys, predicate="intersects")
    clash = right[right > left]
    keep = np.ones(len(polys), bool)
    keep[clash] = False
    polys, seg_of = polys[keep][:_MAX_BUILDINGS], seg_of[keep][:_MAX_BUILDINGS]
    tall = mid_town[seg_of]
    levels = np.clip(np.round(rng.gamma(2.0, 1.0 + 6.0 * tall)), 1, 35).astype(int)
    for poly, lv in zip(polys, levels.tolist(), strict=True):
        plan.add(poly, "", "apartments" if lv >= 8 else "residential" if lv <= 3 else "commercial", lv)


def _unique_names(facilities: list[Facility]) -> tuple[Facility, ...]:
    seen: dict[str, int] = {}
    out = []
    for f in facilities:
        n = seen.get(f.name, 0) + 1
        seen[f.name] = n
        out.append(f if n == 1 else Facility(f.id, f.kind, f"{f.name} {n}", f.x, f.y, f.footprint))
    return tuple(out)
