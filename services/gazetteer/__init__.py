"""Finding places offline, as people type them: roads, intersections of named roads, places and districts of
the open kit, and what lies at a point (its district and nearest road).

Matching is Korean-aware: spacing and punctuation are ignored (``대덕 대로`` finds 대덕대로), initial
consonants find a name (ㄷㄷㄷㄹ → 대덕대로), English names match too, and ``A & B`` (or ``A와 B``,
``A, B``) finds where two roads cross. Built from the kit when it opens, in a fraction of a second.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely

from services.store.kit import Kit
from services.store.snap import EdgeSnapper

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_IGNORED = re.compile(r"[\s·・.,\-_()\[\]/'\"]+")
_CROSSING = re.compile(r"\s*(?:&|＆|\+|,|/| and | x |와|과|사거리)\s*")
KIND_ORDER = {"district": 0, "road": 1, "place": 2, "intersection": 3}  # ties: the broader thing first
_CROSSING_PENALTY = 25  # one road typed: the road itself before every crossing on it
NEAR_ROAD_M = 300.0  # "nearest road" within this; farther, a point is described by its district alone


_CONJOINING_TO_COMPAT = {0x1100 + i: ord(c) for i, c in enumerate(_CHOSEONG)}


def normalize(text: str) -> str:
    """Case, width, spacing and punctuation folded away: what two spellings of one name have in common.
    (NFKC turns a typed ㄷ into its conjoining form; it is turned back, so initials still match.)"""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_CONJOINING_TO_COMPAT)
    return _IGNORED.sub("", folded)


def initials(text: str) -> str:
    """The initial consonant of each Hangul syllable (초성), other characters as they are."""
    out = []
    for ch in text:
        code = ord(ch)
        out.append(_CHOSEONG[(code - _HANGUL_FIRST) // 588] if _HANGUL_FIRST <= code <= _HANGUL_LAST else ch)
    return "".join(out)


def _typed_initials(text: str) -> bool:
    """Initial consonants typed for syllables (ㄷㄷㄷㄹ, ㄷㅅㄹ3): any bare consonant says so."""
    return any(ch in _CHOSEONG for ch in text)


@dataclass(frozen=True)
class Place:
    kind: str  # "road", "intersection", "place" (a POI) or "district"
    name: str  # as shown
    x: float  # kit metres
    y: float
    detail: str = ""  # e.g. the POI's kind, the district's level
    keys: tuple[str, ...] = ()  # normalized names (local and English)


@dataclass(frozen=True)
class Where:
    """What lies at a point: the most local district containing it and the nearest named road."""

    district: str
    road: str
    road_m: float  # distance to that road (inf when none is near)

    def label(self) -> str:
        return " · ".join(p for p in (self.district, self.road) if p)


class Gazetteer:
    def __init__(self, kit: Kit, places: list[Place]) -> None:
        self.kit = kit
        self.places = places
        self._keys = [p.keys for p in places]
        self._initials = [tuple(initials(k) for k in p.keys) for p in places]
        self._snapper: EdgeSnapper | None = None
        # Districts smallest first, so a point is described by its dong before its gu.
        polys = [d for d in kit.districts if d.geometry.geom_type in ("Polygon", "MultiPolygon")]
        polys.sort(key=lambda d: float(d.geometry.area))
        self._districts = polys
        for d in polys:
            shapely.prepare(d.geometry)

    @classmethod
    def from_kit(cls, kit: Kit) -> Gazetteer:
        places = [*_roads_and_crossings(kit), *_pois(kit), *_districts(kit)]
        return cls(kit, places)

    # ------------------------------------------------------------ search

    def search(self, text: str, limit: int = 10) -> list[Place]:
        """The best candidates for what was typed, best first."""
        query = text.strip()
        if not query:
            return []
        parts = [p for p in _CROSSING.split(query) if p.strip()]
        if len(parts) == 2:
            crossings = self._crossings(parts[0], parts[1], limit)
            if crossings:
                return crossings
        q = normalize(query)
        scored = []
        for i, keys in enumerate(self._keys):
            score = _score(q, keys, self._initials[i])
            if score:
                p = self.places[i]
                if p.kind == "intersection":
                    score -= _CROSSING_PENALTY
                scored.append((-score, KIND_ORDER.get(p.kind, 9), len(p.name), p.name, i))
        scored.sort()
        return [self.places[i] for *_rest, i in scored[:limit]]

    def _crossings(self, a: str, b: str, limit: int) -> list[Place]:
        qa, qb = normalize(a), normalize(b)
        out = []
        for i, p in enumerate(self.places):
            if p.kind != "intersection":
                continue
            first, second = p.detail.split("\n")
            ka, kb = (normalize(first),), (normalize(second),)
            sa, sb = _score(qa, ka, (initials(ka[0]),)), _score(qb, kb, (initials(kb[0]),))
            sa2, sb2 = _score(qa, kb, (initials(kb[0]),)), _score(qb, ka, (initials(ka[0]),))
            score = max(min(sa, sb), min(sa2, sb2))
            if score:
                out.append((-score, len(p.name), i))
        out.sort()
        return [self.places[i] for *_rest, i in out[:limit]]

    # ------------------------------------------------------------ reverse

    def where(self, x: float, y: float) -> Where:
        point = shapely.Point(x, y)
        district = next((d.name for d in self._districts if d.geometry.contains(point)), "")
        if self._snapper is None:
            self._snapper = EdgeSnapper(self.kit.roads)
        snapped = self._snapper.snap(np.array([x]), np.array([y]), NEAR_ROAD_M)
        edge, dist = int(snapped.edge[0]), float(snapped.distance[0])
        road = self.kit.road_name(edge) if edge >= 0 else ""
        return Where(district, road, dist if edge >= 0 else float("inf"))


def _score(q: str, keys: tuple[str, ...], key_initials: tuple[str, ...]) -> int:
    best = 0
    for key, ini in zip(keys, key_initials, strict=True):
        if not key:
            continue
        if key == q:
            best = max(best, 100)
        elif key.startswith(q):
            best = max(best, 80)
        elif q in key:
            best = max(best, 60)
        elif _typed_initials(q) and ini.startswith(q):
            best = max(best, 50)
        elif _typed_initials(q) and q in ini:
            best = max(best, 40)
    return best


def _keys(*names: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for k in (normalize(n) for n in names if n) if k))


def _roads_and_crossings(kit: Kit) -> list[Place]:
    g = kit.roads
    if g.edge_name is None or not len(kit.road_names):
        return []
    first = g.street_edges()
    names = g.edge_name[first]
    named = names >= 0
    first, names = first[named], names[named]
    mid = (g.node_xy[g.edge_src[first]] + g.node_xy[g.edge_dst[first]]) / 2
    out = []
    for name in np.unique(names):
        rows = np.flatnonzero(names == name)
        centre = mid[rows].mean(axis=0)
        pick = rows[np.argmin(np.hypot(*(mid[rows] - centre).T))]  # on the road, near its middle
        local, ko, en = kit.road_names[int(name)]
        label = ko or local
        out.append(Place("road", label, float(mid[pick, 0]), float(mid[pick, 1]), en,
                         _keys(local, ko, en)))
    # Intersections: nodes where streets of two different names meet.
    at_node: dict[int, set[int]] = defaultdict(set)
    for e, name in zip(first.tolist(), names.tolist(), strict=True):
        at_node[int(g.edge_src[e])].add(name)
        at_node[int(g.edge_dst[e])].add(name)
    seen: set[tuple[int, int]] = set()
    for node, here in at_node.items():
        if len(here) < 2:
            continue
        ordered = sorted(here)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                if (a, b) in seen:
                    continue  # one crossing per pair of roads (long roads may cross twice; the first will do)
                seen.add((a, b))
                na = kit.road_names[a][1] or kit.road_names[a][0]
                nb = kit.road_names[b][1] or kit.road_names[b][0]
                x, y = g.node_xy[node]
                out.append(Place("intersection", f"{na} & {nb}", float(x), float(y), f"{na}\n{nb}",
                                 _keys(f"{na}{nb}", f"{nb}{na}")))
    return out


def _pois(kit: Kit) -> list[Place]:
    return [Place("place", p.name, p.x, p.y, p.kind, _keys(p.name)) for p in kit.pois if p.name]


def _districts(kit: Kit) -> list[Place]:
    out = []
    for d in kit.districts:
        x, y = d.label_point
        out.append(Place("district", d.name, x, y, d.level, _keys(d.name, d.name_en)))
    return out
