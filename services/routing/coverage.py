"""Road coverage: the share of the road network (by length) units reach within a time limit, city-wide and per
district, from one multi-source bounded search.

Each road counts once (a two-way road's two directed edges are one road). A road is covered in part: the
share of its length reachable within the limit, entering from either end along a direction that is open
(and from a unit standing on it, both ways along it where open). With travel times linear along a road this
is exact, not a sampling. Closed roads stay in the network's length and are never covered, so closing roads
lowers the figure. A road belongs to the district holding its midpoint (one "gu" and one "dong" at most);
roads outside every district count for the city only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from sitroom.services.routing.engine import MAX_SNAP_M, SNAP_OK, RoutingEngine
from sitroom.services.store.kit import District, Kit, RoadGraph

LEVELS = ("gu", "dong")
MIN_KMH = 3.0  # as the traffic layer: a standstill report still leaves a road passable, slowly


@dataclass(frozen=True)
class DistrictCoverage:
    code: str
    name: str
    name_en: str
    level: str  # "gu" | "dong"
    share: float  # covered share of its road length, 0..1 (nan when it has no roads)
    road_km: float
    uncovered_km: float


@dataclass(frozen=True)
class Coverage:
    limit_s: float
    share: float  # covered share of the city's road length, 0..1
    road_km: float
    covered_km: float
    minutes: np.ndarray  # (m,) per directed edge: minutes to reach its road's midpoint; nan beyond 2 × limit_s
    covered: np.ndarray  # (m,) per directed edge: share of its road's length within limit_s
    districts: tuple[DistrictCoverage, ...]  # every district of the model, in kit order
    vulnerable: tuple[DistrictCoverage, ...]  # districts with roads, least covered first (then most uncovered km)
    sources: int  # sources placed on an open road
    version: int  # RoutingEngine.version it was computed under

    def district(self, code: str) -> DistrictCoverage | None:
        return next((d for d in self.districts if d.code == code), None)


class CoverageModel:
    """Built once per kit: roads as segments, their lengths and districts."""

    def __init__(self, roads: RoadGraph, districts: Sequence[District] = ()) -> None:
        self.roads = roads
        self.districts = tuple(districts)
        self.seg_first, self.seg_of_edge = roads.street_segments
        self.seg_u = roads.edge_src[self.seg_first].astype(np.int64)
        self.seg_v = roads.edge_dst[self.seg_first].astype(np.int64)
        self.seg_length = roads.edge_length[self.seg_first].astype(np.float64)
        self.road_km = float(self.seg_length.sum()) / 1000.0
        mid = 0.5 * (roads.node_xy[self.seg_u] + roads.node_xy[self.seg_v])
        points = shapely.points(mid[:, 0], mid[:, 1])
        # seg_district[level]: index into self.districts of each segment's district, -1 outside.
        self.seg_district: dict[str, np.ndarray] = {}
        for level in LEVELS:
            which = np.array([i for i, d in enumerate(self.districts) if d.level == level], dtype=np.int64)
            out = np.full(len(points), -1, dtype=np.int64)
            if len(which) and len(points):
                tree = shapely.STRtree([self.districts[i].geometry for i in which])
                pi, di = tree.query(points, predicate="intersects")
                out[pi[::-1]] = which[di[::-1]]  # of overlapping districts, the first in kit order
            self.seg_district[level] = out
        self.district_m = np.zeros(len(self.districts))
        for arr in self.seg_district.values():
            inside = arr >= 0
            self.district_m += np.bincount(arr[inside], weights=self.seg_length[inside],
                                           minlength=len(self.districts))

    @classmethod
    def for_kit(cls, kit: Kit) -> CoverageModel:
        return cls(kit.roads, kit.districts)

    def compute(self, engine: RoutingEngine, sources_xy: np.ndarray, limit_s: float = 300.0,
                max_snap_m: float = MAX_SNAP_M) -> Coverage:
        """Coverage from ``sources_xy`` (k, 2) within ``limit_s`` under the engine's times and closures."""
        if engine.roads.n_edges != self.roads.n_edges or engine.roads.n_nodes != self.roads.n_nodes:
            raise ValueError("the engine and the coverage model are for different road graphs")
        limit = float(limit_s)
        # Twice the limit: the colour scale shows how far beyond the limit the uncovered roads are.
        reach = engine.reach(sources_xy, 2.0 * limit, max_snap_m)
        wa, wb = engine.segment_seconds()
        a, b = reach.node_s[self.seg_u], reach.node_s[self.seg_v]
        ca, cb = _reach_share(a, wa, limit), _reach_share(b, wb, limit)
        share = np.minimum(ca + cb, 1.0)
        mid_s = np.minimum(a + 0.5 * wa, b + 0.5 * wb)
        placed = reach.source_status == SNAP_OK
        seg_of_source = self.seg_of_edge[reach.source_edge[placed]]
        frac_of_source = reach.source_fraction[placed]
        # A road with a unit on it: the union of the intervals reached from its ends and from each unit on it.
        for s in np.unique(seg_of_source):
            on = frac_of_source[seg_of_source == s]
            spans = [(0.0, ca[s]), (1.0 - cb[s], 1.0)]
            for f in on:
                if np.isfinite(wa[s]):
                    spans.append((f, f + limit / wa[s]))
                    if f <= 0.5:
                        mid_s[s] = min(mid_s[s], (0.5 - f) * wa[s])
                if np.isfinite(wb[s]):
                    spans.append((f - limit / wb[s], f))
                    if f >= 0.5:
                        mid_s[s] = min(mid_s[s], (f - 0.5) * wb[s])
            share[s] = _union_length(spans)
        covered_m = share * self.seg_length
        minutes = np.where(mid_s <= 2.0 * limit, mid_s / 60.0, np.nan)

        total_m = float(self.seg_length.sum())
        per_district = np.zeros(len(self.districts))
        for arr in self.seg_district.values():
            inside = arr >= 0
            per_district += np.bincount(arr[inside], weights=covered_m[inside], minlength=len(self.districts))
        rows = []
        for i, d in enumerate(self.districts):
            road_m = float(self.district_m[i])
            rows.append(DistrictCoverage(d.code, d.name, d.name_en, d.level,
                                         float(per_district[i] / road_m) if road_m > 0 else float("nan"),
                                         road_m / 1000.0, max(road_m - float(per_district[i]), 0.0) / 1000.0))
        vulnerable = tuple(sorted((r for r in rows if r.road_km > 0), key=lambda r: (r.share, -r.uncovered_km)))
        return Coverage(limit, float(covered_m.sum() / total_m) if total_m > 0 else float("nan"), total_m / 1000.0,
                        float(covered_m.sum()) / 1000.0, minutes[self.seg_of_edge], share[self.seg_of_edge],
                        tuple(rows), vulnerable, int(placed.sum()), engine.version)

    def time_of_day_report(self, engine: RoutingEngine | RoadGraph, sources_xy: np.ndarray,
                           speeds_by_hour: Mapping[int, np.ndarray], limit_s: float = 300.0) -> list[tuple[int, float]]:
        """City coverage share for each hour of ``speeds_by_hour`` (km/h per edge, e.g. from the link-speed
        history), by hour. A given engine keeps its closures and is left untouched (the hours run on a fork)."""
        work = engine.fork() if isinstance(engine, RoutingEngine) else RoutingEngine(engine)
        length = self.roads.edge_length.astype(np.float64)
        out = []
        for hour in sorted(speeds_by_hour):
            kmh = np.maximum(np.asarray(speeds_by_hour[hour], dtype=np.float64), MIN_KMH)
            work.set_seconds(length / (kmh / 3.6))
            out.append((int(hour), self.compute(work, sources_xy, limit_s).share))
        return out


def _reach_share(at_s: np.ndarray, road_s: np.ndarray, limit: float) -> np.ndarray:
    """Share of a road reached within ``limit`` entering from one end at ``at_s`` and taking ``road_s`` to
    cross it (0 where that end is unreached or that direction impassable)."""
    ok = np.isfinite(at_s) & np.isfinite(road_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip((limit - np.where(ok, at_s, 0.0)) / np.where(ok, road_s, 1.0), 0.0, 1.0)
    return np.where(ok, share, 0.0)


def _union_length(spans: list[tuple[float, float]]) -> float:
    """Total length of the union of intervals, clipped to [0, 1]."""
    cut = sorted((max(lo, 0.0), min(hi, 1.0)) for lo, hi in spans if min(hi, 1.0) > max(lo, 0.0))
    total, end = 0.0, 0.0
    for lo, hi in cut:
        if hi > end:
            total += hi - max(lo, end)
            end = hi
    return total
