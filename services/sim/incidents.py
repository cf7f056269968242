"""Demo incidents: a Poisson stream by type and time of day, placed on the kit's roads.

Each type has a share of all calls, a day curve (traffic peaks with the commutes, crime at night, medical
calls through the day) and a spread of priorities (1 most urgent). The stream is an inhomogeneous Poisson
process drawn by thinning: candidates come at the day's peak rate and each is kept with probability
rate(now) / peak. The random draws happen in the same order however the time is cut into ``advance``
calls, so a seed gives the same incidents at the same instants.

Places are on the roads, favouring dense areas: a node is picked with a weight growing with the number of
nodes around it, then a point along one of its roads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import shapely

from sitroom.services.geo import Projector
from sitroom.services.sim.congestion import local_hour
from sitroom.services.store.kit import Kit
from sitroom.services.vocabulary import INCIDENT_TYPES

DEFAULT_PER_HOUR = 120.0  # the day's mean: one call every 30 s, from ~1/min at night to ~1/20 s at peaks
_DENSITY_RADIUS_M = 400.0
_DENSITY_POWER = 1.5


@dataclass(frozen=True)
class TypeSpec:
    share: float  # of all calls over a day
    hourly: tuple[float, ...]  # 24 relative rates by local hour (normalised to a mean of 1)
    priorities: tuple[float, ...]  # probability of priority 1..5
    descs: tuple[tuple[str, str], ...]  # (Korean, English)


def _curve(values: list[float]) -> tuple[float, ...]:
    a = np.asarray(values, dtype=np.float64)
    assert len(a) == 24
    return tuple(a / a.mean())


# Shares after Korean 119/112 call statistics in rough terms: most calls are medical, then traffic and crime.
TYPES: dict[str, TypeSpec] = {
    "medical": TypeSpec(0.42, _curve([5, 4, 4, 3, 3, 4, 6, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 8, 7, 6]),
                        (0.15, 0.30, 0.35, 0.15, 0.05),
                        (("호흡곤란 환자", "breathing difficulty"), ("의식 없음", "unconscious person"),
                         ("낙상 부상자", "injured after a fall"), ("흉통 호소", "chest pain"),
                         ("고열 소아 환자", "child with high fever"))),
    "traffic": TypeSpec(0.22, _curve([2, 1, 1, 1, 1, 2, 5, 10, 11, 7, 5, 5, 6, 5, 5, 6, 8, 11, 12, 8, 5, 4, 3, 2]),
                        (0.05, 0.20, 0.40, 0.25, 0.10),
                        (("차량 2대 추돌", "two-car collision"), ("보행자 교통사고", "pedestrian struck"),
                         ("오토바이 단독 사고", "motorcycle crash"), ("차량 고장 정체", "broken-down vehicle"),
                         ("다중 추돌 사고", "multi-vehicle pile-up"))),
    "crime": TypeSpec(0.20, _curve([10, 10, 9, 7, 4, 3, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 7, 8, 9, 10, 11, 11]),
                      (0.05, 0.20, 0.35, 0.30, 0.10),
                      (("폭행 신고", "assault reported"), ("절도 신고", "theft reported"),
                       ("가정폭력 신고", "domestic disturbance"), ("주취자 소란", "drunk and disorderly"),
                       ("수상한 사람 신고", "suspicious person"))),
    "fire": TypeSpec(0.12, _curve([4, 3, 3, 3, 3, 3, 4, 5, 6, 6, 7, 8, 8, 8, 7, 7, 8, 9, 10, 9, 8, 6, 5, 4]),
                     (0.35, 0.35, 0.20, 0.08, 0.02),
                     (("주택 화재", "house fire"), ("차량 화재", "vehicle fire"), ("상가 화재", "shop fire"),
                      ("쓰레기 화재", "rubbish fire"), ("연기 감지 신고", "smoke reported"))),
    "disaster": TypeSpec(0.04, _curve([1] * 24),
                         (0.40, 0.35, 0.20, 0.05, 0.0),
                         (("도로 침수", "flooded road"), ("가스 누출", "gas leak"),
                          ("간판 낙하 위험", "sign about to fall"), ("옹벽 붕괴 우려", "retaining wall at risk"))),
}
assert set(TYPES) == set(INCIDENT_TYPES)
assert abs(sum(t.share for t in TYPES.values()) - 1.0) < 1e-9


def type_rates(per_hour: float, hour: float) -> dict[str, float]:
    """Incidents per hour by type at a (fractional) local hour."""
    h = hour % 24.0
    i = int(h)
    frac = h - i
    return {name: per_hour * spec.share * (spec.hourly[i] + (spec.hourly[(i + 1) % 24] - spec.hourly[i]) * frac)
            for name, spec in TYPES.items()}


def peak_rate(per_hour: float) -> float:
    """The highest total rate over the day (curves are piecewise linear, so at a whole hour)."""
    return max(sum(type_rates(per_hour, float(h)).values()) for h in range(24))


def incident_id(epoch_s: float, n: int, utc_offset_h: float = 9.0) -> str:
    return "INC-" + time.strftime("%Y%m%d", time.gmtime(epoch_s + utc_offset_h * 3600)) + f"-{n}"


class IncidentGenerator:
    """``advance(until)`` returns the incidents reported since the last call (wall-clock epoch seconds)."""

    def __init__(self, kit: Kit, *, per_hour: float = DEFAULT_PER_HOUR, seed: int | None = None,
                 start_s: float | None = None, first_n: int = 1, utc_offset_h: float = 9.0) -> None:
        self.kit = kit
        self.per_hour = float(per_hour)
        self.utc_offset_h = utc_offset_h
        self.rng = np.random.default_rng(seed)
        self.next_n = first_n
        self._peak = peak_rate(self.per_hour)
        self._project = Projector(kit.crs)
        from scipy.spatial import cKDTree  # here: importing it costs the AVL backend (which imports cad) 0.2 s

        g = kit.roads
        self._out_deg = np.diff(g.out_ptr)
        nodes = np.flatnonzero(self._out_deg > 0)
        if not len(nodes):
            raise ValueError(f"kit {kit.name!r} has no roads to place incidents on")
        around = cKDTree(g.node_xy).query_ball_point(g.node_xy[nodes], _DENSITY_RADIUS_M, return_length=True)
        w = np.asarray(around, dtype=np.float64) ** _DENSITY_POWER
        self._nodes = nodes
        self._cdf = np.cumsum(w) / w.sum()
        self._districts = shapely.STRtree([d.geometry for d in kit.districts])
        self._district_by_code = {d.code: d for d in kit.districts}
        start = time.time() if start_s is None else float(start_s)
        self._next_t = start + self._gap()

    def _gap(self) -> float:
        return float(self.rng.exponential(3600.0 / self._peak)) if self._peak > 0 else float("inf")

    def advance(self, until_s: float) -> list[dict]:
        out: list[dict] = []
        while self._next_t <= until_s:
            t = self._next_t
            self._next_t = t + self._gap()
            rates = type_rates(self.per_hour, local_hour(t, self.utc_offset_h))
            pick = self.rng.random() * self._peak
            for name, rate in rates.items():
                if pick < rate:
                    out.append(self._make(t, name))
                    break
                pick -= rate
        return out

    def _place(self, edge: int, x: float, y: float) -> tuple[str, str] | None:
        """Where, in words: the road's name, else the district (동 and 구) around the point."""
        road_ko, road_en = self.kit.road_name(edge, "ko"), self.kit.road_name(edge, "en")
        if road_ko:
            return f"{road_ko} 부근", f"near {road_en or road_ko}"
        hits = [self.kit.districts[int(i)] for i in self._districts.query(shapely.Point(x, y), predicate="within")]
        if not hits:
            return None
        small = min(hits, key=lambda d: d.geometry.area)
        parent = self._district_by_code.get(small.parent)
        if parent is None:
            return small.name, small.name_en or small.name
        return f"{parent.name} {small.name}", f"{small.name_en or small.name}, {parent.name_en or parent.name}"

    def _make(self, t: float, type_: str) -> dict:
        spec, rng, g = TYPES[type_], self.rng, self.kit.roads
        cum = np.cumsum(spec.priorities)
        priority = min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), 4) + 1
        node = int(self._nodes[min(int(np.searchsorted(self._cdf, rng.random(), side="right")),
                                   len(self._nodes) - 1)])
        edge = int(g.out_ptr[node] + int(rng.random() * self._out_deg[node]))
        a, b = g.node_xy[g.edge_src[edge]], g.node_xy[g.edge_dst[edge]]
        x, y = a + (b - a) * rng.random()
        ko, en = spec.descs[int(rng.random() * len(spec.descs))]
        place = self._place(edge, float(x), float(y))
        desc = f"{ko} ({place[0]}) / {en} ({place[1]})" if place else f"{ko} / {en}"
        lon, lat = self._project.inverse(float(x), float(y))
        n = self.next_n
        self.next_n += 1
        return {"id": incident_id(t, n, self.utc_offset_h), "type": type_, "priority": priority,
                "lon": round(float(lon), 7), "lat": round(float(lat), 7), "status": "new",
                "reported": int(t * 1000), "desc": desc, "units": []}
