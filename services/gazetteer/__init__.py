"""Finding anything offline, as people type it: addresses, places, roads, intersections and districts of the
open kit, and what lies at a point (its gu and dong, the nearest road and the road crossing it nearby).

What can be typed (Korean-aware; every keystroke state of a Korean IME works, ``댛`` on the way to 대학로):

- names, spacing and punctuation ignored (``대덕 대로``), initial consonants (``ㄷㅎㄹ`` → 대학로), English names
  and romanisations (``Daehak-ro``, ``daehangno``), one or two wrong letters (``대핟로``, ``계롱로``);
- a district in front narrows the rest (``대전 유성구 대학로``, ``서울 마포구``, ``강원도``, ``전북``);
- a road and a building number (``대학로 99``, ``대학로12번길 3-1``): that address when known, else the road;
- a lot address (``봉명동 538-1``, ``봉명동 산 12``);
- two roads (``대덕대로 & 계룡로``, ``대덕대로와 계룡로``, ``대덕대로, 계룡로``): where they cross.

Built into every kit at ``kit build`` (``gazetteer.npz``, services/gazetteer/index.py); a kit without one gets
it from its own roads, districts and POIs when it opens.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely

from sitroom.services.gazetteer.index import DISTRICT, FILE, KEY_INITIALS, KEY_NAME, KINDS, ROAD, GazetteerIndex
from sitroom.services.gazetteer.korean import initials, is_syllable, jamo, normalize, script_of, typed_initials
from sitroom.services.store.kit import Kit

__all__ = ["Gazetteer", "Place", "Where", "initials", "normalize"]
log = logging.getLogger(__name__)

_CROSSING = re.compile(r"\s*(?:&|＆|\+|,|/| and | x |와\s|과\s|와$|과$|사거리)\s*")
_CROSSING_WORD = re.compile(r"(?<=[로길])(?:와|과)(?=\s*\S)")  # 대덕대로와 계룡로: a 와 after a road's 로/길
# A number at the end: a building number (대학로 99, 12번길 3-1) or a lot (봉명동 538-1, 산 12, 538번지).
_NUMBER_TAIL = re.compile(r"^(?P<head>.*?\D)\s*(?P<san>산\s*)?(?P<main>\d{1,5})(?:\s*-\s*(?P<sub>\d{0,5}))?"
                          r"\s*(?:번지|번)?\s*$")
KIND_ORDER = {"district": 0, "road": 1, "address": 2, "place": 3, "lot": 4, "intersection": 5}
NEAR_ROAD_M = 300.0  # "nearest road" within this; farther, a point is described by its district alone
NEAR_CROSSING_M = 200.0  # a crossing this near names the road crossing the nearest one ("대학로 near 계룡로")
NEAR_ADDRESS_M = 30.0  # an address point this near is the point's address
MAX_QUERY = 100  # characters; longer is no address anyone types
_PREFIX_K = 48  # keys taken from a prefix range, heaviest first
_PIECE_CANDIDATES = 1000
_FUZZY_CANDIDATES = 400


@dataclass(frozen=True)
class Place:
    kind: str  # "district", "road", "address", "place" (POI, facility, station, camera, building), "lot",
    #            "intersection"
    name: str  # as shown: 대학로, 대학로 99, 봉명동 538-1, 대덕대로 & 계룡로
    x: float  # kit metres
    y: float
    detail: str = ""  # a place's kind (fire, station, building…), a district's level, a road's English name
    keys: tuple[str, ...] = ()  # kept for callers of the first gazetteer; empty
    area: str = ""  # where it lies, in words: 유성구 봉명동
    bounds: tuple[float, float, float, float] | None = None  # a road's or district's extent (minx, miny, maxx, maxy)
    note: str = ""  # e.g. that the building number typed is not known on this road
    score: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class Where:
    """What lies at a point: its district (gu and dong), the nearest named road, the road crossing that one
    nearby, and the address when one is this close."""

    district: str  # 유성구 봉명동
    road: str
    road_m: float  # distance to that road (inf when none is near)
    near: str = ""  # the road crossing ``road`` nearest the point, within NEAR_CROSSING_M
    near_m: float = float("inf")  # distance from the point to that crossing
    address: str = ""  # 대학로 99, when an address point lies within NEAR_ADDRESS_M
    address_m: float = float("inf")

    def label(self) -> str:
        """"유성구 봉명동 · 대학로 / 계룡로" (the road, then the crossing road near): no words of one language,
        since the label is stored with incidents and sent to the CAD."""
        road = self.address or self.road
        if not self.address and road and self.near:
            road = f"{road} / {self.near}"
        return " · ".join(p for p in (self.district, road) if p)


@dataclass
class _Hit:
    score: float
    kind: str
    make: Callable[[], Place]  # the Place, made only for the candidates shown


class Gazetteer:
    def __init__(self, kit: Kit, index: GazetteerIndex) -> None:
        import rapidfuzz.distance  # noqa: F401 (loaded here, not on the keystroke that first needs it)

        self.kit = kit
        self.index = index
        polys = [d for d in kit.districts if d.geometry.geom_type in ("Polygon", "MultiPolygon")]
        polys.sort(key=lambda d: float(d.geometry.area))  # the most local first
        self._districts = polys
        self._district_tree = shapely.STRtree([d.geometry for d in polys]) if polys else None
        self._road_tree: tuple[shapely.STRtree, np.ndarray] | None = None
        self._cross_tree = None
        self._addr_tree = None
        ix = index
        self._district_names: dict[str, list[int]] = {}  # a district's names (decomposed) → its entries
        for e in np.flatnonzero(ix.kind == DISTRICT).tolist():
            for k, kind in ix.keys_with_kind(e):
                if kind == KEY_NAME and not k.isascii():
                    self._district_names.setdefault(k, []).append(e)
        # The districts in depth-first order: those within district d are numbered tin[d]..tout[d], so "does
        # this entry lie in d" is two comparisons on the number of its district.
        districts = np.flatnonzero(ix.kind == DISTRICT)
        children: dict[int, list[int]] = {}
        for d in districts.tolist():
            children.setdefault(int(ix.area[d]), []).append(d)
        self._tin = np.full(ix.n_entries, -1, np.int64)
        self._tout = np.full(ix.n_entries, -1, np.int64)
        clock = 0
        stack: list[tuple[int, bool]] = [(d, False) for d in reversed(children.get(-1, []))]
        while stack:
            d, done = stack.pop()
            if done:
                self._tout[d] = clock - 1
                continue
            self._tin[d] = clock
            clock += 1
            stack.append((d, True))
            stack += [(c, False) for c in reversed(children.get(d, []))]
        self._pos = np.where(ix.area >= 0, self._tin[np.maximum(ix.area, 0)], -1)
        self._pos[districts] = self._tin[districts]

    @classmethod
    def from_kit(cls, kit: Kit) -> Gazetteer:
        """The kit's gazetteer: its file when it has one (kits built with this version), else built from the
        kit's roads, districts and POIs (a fraction of a second)."""
        from sitroom.services.gazetteer import sources

        path = kit.path / FILE if kit.path is not None else None
        if path is not None and path.is_file():
            try:
                return cls(kit, GazetteerIndex.load(path))
            except ValueError as exc:
                log.warning("%s; searching the kit's own names instead", exc)
        return cls(kit, sources.from_kit(kit))

    # ------------------------------------------------------------ search

    def search(self, text: str, limit: int = 10) -> list[Place]:
        """The best candidates for what was typed, best first; [] for nothing, an absurd query, or one in a
        script none of the kit's names is written in."""
        query = text.strip()
        if not query or len(query) > MAX_QUERY or limit <= 0:
            return []
        folded = normalize(query)
        if not folded or {script_of(ch) for ch in folded} - {"digit"} - self.index.scripts:
            return []
        hits: dict[tuple, _Hit] = {}
        split = _CROSSING.split(_CROSSING_WORD.sub(" & ", query))
        parts = [p for p in split if p.strip()]
        if len(parts) == 2:
            self._crossings(parts[0], parts[1], hits, limit)
            if hits:
                return self._best(hits, limit)
        number = _NUMBER_TAIL.match(query)
        for rest, areas in self._grouped(normalize(query)):
            self._match(rest, areas, hits, limit)
        if number:
            head = normalize(number.group("head"))
            main = int(number.group("main"))
            sub = int(number.group("sub")) if number.group("sub") else None
            for rest, areas in self._grouped(head):
                if rest:
                    self._numbered(rest, areas, bool(number.group("san")), main, sub, hits, limit)
        if len(hits) < limit:
            self._glued_crossing(normalize(query), hits, limit)
        return self._best(hits, limit)

    def _best(self, hits: dict[tuple, _Hit], limit: int) -> list[Place]:
        ranked = sorted(hits.items(), key=lambda t: (-t[1].score, KIND_ORDER.get(t[1].kind, 9), t[0]))
        return [h.make() for _k, h in ranked[:limit]]

    def _add(self, hits: dict[tuple, _Hit], key: tuple, score: float, make: Callable[[], Place],
             kind: str = "") -> None:
        old = hits.get(key)
        if old is None or old.score < score:
            if not kind:  # an entry: its kind from the index, its Place only if shown
                kind = KINDS[int(self.index.kind[key[1]])]
            hits[key] = _Hit(score, kind, make)

    # ------------------------------------------------------------ interpretations of a query

    def _interpretations(self, q: str) -> list[tuple[int, str]]:
        """(district, the rest) for every way the query may start with districts (대전 유성구 대학로 → 유성구,
        대학로), and (-1, the whole query)."""
        out = [(-1, q)]
        frontier = [(-1, q)]
        for _ in range(3):
            nxt = []
            for area, rest in frontier:
                for i in range(min(len(rest), 12), 1, -1):
                    for e in self._district_names.get(jamo(rest[:i]), ()):
                        if area < 0 or area in self.index.chain(e) or e in self.index.chain(area):
                            nxt.append((e, rest[i:]))
            out += nxt
            frontier = [(a, r) for a, r in nxt if r]
        return out[:12]

    def _grouped(self, q: str) -> list[tuple[str, tuple[int, ...]]]:
        """The interpretations of a query by what is left after its districts: one search per rest, within any
        of the districts it may follow (중동 is a 동 of several cities)."""
        groups: dict[str, list[int]] = {}
        for area, rest in self._interpretations(q):
            groups.setdefault(rest, []).append(area)
        return [(rest, tuple(areas)) for rest, areas in groups.items()]

    def _allowed(self, areas: tuple[int, ...], kind: int | None) -> Callable[[np.ndarray], np.ndarray] | None:
        """Which of some entries may be meant when one of ``areas`` was typed first: those within it, those
        holding it (a road of its 시군구), and those placed in no district but inside its extent; and of ``kind``.
        (-1 among the areas: no district typed, anything goes.)"""
        if (-1 in areas or not areas) and kind is None:
            return None
        ix = self.index
        within = [] if -1 in areas else [
            (self._tin[a], self._tout[a], np.array(ix.chain(a), np.int64), ix.ext[a]) for a in areas]

        def allowed(entries: np.ndarray) -> np.ndarray:
            ok = np.ones(len(entries), bool) if kind is None else ix.kind[entries] == kind
            if not within:
                return ok
            pos, home, not_district = self._pos[entries], ix.area[entries], ix.kind[entries] != DISTRICT
            x, y = ix.x[entries], ix.y[entries]
            anywhere = np.zeros(len(entries), bool)
            for lo, hi, up, ext in within:
                anywhere |= (pos >= lo) & (pos <= hi)
                anywhere |= np.isin(home, up) & not_district
                anywhere |= (home < 0) & not_district & (x >= ext[0]) & (x <= ext[2]) & (y >= ext[1]) & (y <= ext[3])
            return ok & anywhere

        return allowed

    # ------------------------------------------------------------ names

    def _names(self, q: str, areas: tuple[int, ...], limit: int, kind: int | None = None, fuzzy: bool = True,
               pieces: bool = True) -> dict[int, float]:
        """Entries whose names match ``q`` (folded), with how well: exact 100, initials 75, prefix 80–90,
        initials prefix 55, a piece of the name 60, one or two letters wrong 25–45."""
        ix = self.index
        found: dict[int, float] = {}
        if not q:
            return found
        qj = jamo(q)
        mask = self._allowed(areas, kind)

        def take(e: int, score: float) -> None:
            if found.get(e, -1.0) < score:
                found[e] = score

        lo, hi = ix.exact_range(qj)
        rows = np.arange(lo, min(hi, lo + 200))
        if mask is not None:
            rows = rows[mask(ix.key_entry[rows])]
        for row in rows.tolist():
            take(int(ix.key_entry[row]), 75.0 if ix.key_kind[row] == KEY_INITIALS else 100.0)
        plo, phi = ix.prefix_range(qj)
        for row in ix.best_keys(plo, phi, _PREFIX_K, mask).tolist():
            e = int(ix.key_entry[row])
            if ix.key_kind[row] == KEY_INITIALS:
                take(e, 55.0)
            else:
                take(e, 80.0 + 10.0 * len(qj) / max(len(ix.keys[row]), len(qj)))
        units = _units(q)
        strong = sum(1 for v in found.values() if v >= 80)
        if pieces and strong < limit and len(units) >= 2 and not typed_initials(q):
            self._pieces(q, qj, units, mask, take)
            strong = sum(1 for v in found.values() if v >= 60)
        # One or two letters wrong: only when what was typed is the start of no name at all.
        if fuzzy and not any(v >= 80 for v in found.values()) and len(units) >= 3 and not typed_initials(q):
            self._fuzzy(q, qj, units, mask, take)
        return found

    def _pieces(self, q: str, qj: str, units: list[str], mask, take) -> None:
        """A piece from the middle of a name: every syllable (Latin letter pair) typed, the last one perhaps
        still being composed."""
        ix = self.index
        need = units[:-1] if len(units[-1]) == 1 and is_syllable(units[-1]) else units
        if len(set(need)) < 2:
            return  # one syllable or letter pair is in too many names to say which
        entries, counts = ix.gram_counts(set(need))
        cand = entries[counts >= len(set(need))]
        if mask is not None:
            cand = cand[mask(cand)]
        if len(cand) > _PIECE_CANDIDATES:
            cand = cand[np.argpartition(-ix.weight[cand], _PIECE_CANDIDATES - 1)[:_PIECE_CANDIDATES]]
        raw = qj.encode()
        keys, ptr, entry_key = ix.keys, ix.entry_key_ptr, ix.entry_key
        for e in cand.tolist():
            if any(raw in keys.raw(int(r)) for r in entry_key[ptr[e]:ptr[e + 1]]):
                take(e, 60.0)

    def _fuzzy(self, q: str, qj: str, units: list[str], mask, take) -> None:
        """Names one or two letters (jamo) off what was typed, whole or as far as it was typed."""
        from rapidfuzz.distance import Levenshtein

        ix = self.index
        pieces = set(units)
        entries, counts = ix.gram_counts(pieces)
        latin = q.isascii()
        allowed = 1 if len(qj) < (8 if latin else 9) else 2
        need = max(1, len(pieces) - (2 * allowed if latin else allowed))
        keep = counts >= need
        entries, counts = entries[keep], counts[keep]
        if mask is not None:
            ok = mask(entries)
            entries, counts = entries[ok], counts[ok]
        if not len(entries):
            return
        if len(entries) > _FUZZY_CANDIDATES:
            rank = counts * 100.0 + ix.weight[entries]
            pick = np.argpartition(-rank, _FUZZY_CANDIDATES - 1)[:_FUZZY_CANDIDATES]
            entries = entries[pick]
        n = len(qj)
        for e in entries.tolist():
            best = -1.0
            for k in ix.keys_of(e):
                if not k or k.isascii() != latin:
                    continue
                d = Levenshtein.distance(qj, k, score_cutoff=allowed)
                if d <= allowed:
                    best = max(best, 45.0 - 10.0 * d)
                elif len(k) > n and (d := Levenshtein.distance(qj, k[:n], score_cutoff=allowed)) <= allowed:
                    best = max(best, 38.0 - 10.0 * d)  # a name typed wrongly so far
            if best > 0:
                take(e, best)

    # ------------------------------------------------------------ what a match becomes

    def _entry_place(self, e: int, score: float = 0.0, note: str = "") -> Place:
        ix = self.index
        kind = KINDS[int(ix.kind[e])]
        bounds = tuple(float(v) for v in ix.ext[e]) if kind in ("road", "district") else None
        return Place(kind, ix.names[e], float(ix.x[e]), float(ix.y[e]), ix.details[e], (),
                     ix.context(int(ix.area[e])), bounds, note, score)  # type: ignore[arg-type]

    def _match(self, rest: str, areas: tuple[int, ...], hits: dict[tuple, _Hit], limit: int,
               fuzzy: bool = True) -> None:
        ix = self.index
        if not rest:
            for area in areas:
                if area >= 0:
                    self._add(hits, ("e", area), 100.0 + min(float(ix.weight[area]), 10.0) / 2,
                              lambda area=area: self._entry_place(area, 100.0))
            return
        # A district typed first narrows the rest; a single letter after it is too little to go on.
        narrowed = (3.0 if len(_units(rest)) >= 2 else -10.0) if -1 not in areas else 0.0
        best_road, best_road_score = -1, 0.0
        for e, s in self._names(rest, areas, limit, fuzzy=fuzzy).items():
            score = s + min(float(ix.weight[e]), 10.0) / 2 + narrowed
            self._add(hits, ("e", e), score, lambda e=e, score=score: self._entry_place(e, score))
            if ix.kind[e] == ROAD and s > best_road_score:
                best_road, best_road_score = e, s
        if best_road >= 0 and best_road_score >= 80 and len(hits) < limit:
            # One road typed: the road first, then where others cross it.
            rows = ix.crossings_on(best_road)
            others = [(r, ix.crossing_roads(int(r))) for r in rows.tolist()]
            others.sort(key=lambda t: -float(ix.weight[t[1][0] if t[1][1] == best_road else t[1][1]]))
            for r, (a, b) in others[: limit]:
                other = b if a == best_road else a
                self._add_crossing(hits, int(r), best_road, other, best_road_score - 25.0)

    def _add_crossing(self, hits: dict[tuple, _Hit], row: int, a: int, b: int, score: float) -> None:
        ix = self.index

        def make() -> Place:
            na, nb = ix.names[a], ix.names[b]
            return Place("intersection", f"{na} & {nb}", float(ix.cross_x[row]), float(ix.cross_y[row]),
                         f"{na}\n{nb}", (), ix.context(int(ix.area[a])), None, "", score)

        self._add(hits, ("x", row), score, make, "intersection")

    def _crossings(self, a: str, b: str, hits: dict[tuple, _Hit], limit: int, fuzzy: bool = True) -> None:
        qa, qb = normalize(a), normalize(b)
        ra = {e: s for e, s in self._names(qa, (-1,), limit, ROAD, fuzzy=fuzzy).items() if s >= 25}
        rb = {e: s for e, s in self._names(qb, (-1,), limit, ROAD, fuzzy=fuzzy).items() if s >= 25}
        ra = dict(sorted(ra.items(), key=lambda t: -t[1])[:40])
        rb = dict(sorted(rb.items(), key=lambda t: -t[1])[:40])
        for ea, sa in ra.items():
            for eb, sb in rb.items():
                if ea == eb:
                    continue
                for row in self.index.crossings(ea, eb).tolist():
                    lo, hi = self.index.crossing_roads(row)
                    first, second = (lo, hi) if lo == ea else (hi, lo)
                    self._add_crossing(hits, row, first, second, min(sa, sb))

    def _glued_crossing(self, q: str, hits: dict[tuple, _Hit], limit: int) -> None:
        """Two road names typed together (대덕대로계룡로): a road's whole name, then the start of another."""
        ix = self.index
        lo, hi = ix.prefix_range(jamo(q))
        if len(q) < 4 or hi > lo:
            return
        for i in range(2, len(q) - 1):
            lo, hi = ix.exact_range(jamo(q[:i]))
            if any(ix.kind[int(ix.key_entry[r])] == ROAD for r in range(lo, hi)) and is_syllable(q[i]):
                self._crossings(q[:i], q[i:], hits, limit, fuzzy=False)

    def _numbered(self, rest: str, areas: tuple[int, ...], san: bool, main: int, sub: int | None,
                  hits: dict[tuple, _Hit], limit: int) -> None:
        """A road and a building number, or a 동/리 and a lot number."""
        ix = self.index
        named = self._names(rest, areas, limit, fuzzy=False, pieces=False)
        strong = {e: s for e, s in named.items() if s >= 80}
        if not strong:  # the road or 동 typed with a wrong letter (대핟로 99)
            strong = {e: s for e, s in self._names(rest, areas, limit).items() if s >= 25}
        roads = sorted(((e, s) for e, s in strong.items() if ix.kind[e] == ROAD), key=lambda t: -t[1])
        exact = [(e, s) for e, s in roads if s >= 100]
        roads = (exact or roads)[:30]  # the road named, else those its start names
        number = f"{'산 ' if san else ''}{main}" + (f"-{sub}" if sub else "")
        found = False
        for e, s in roads if not san else ():
            rows = ix.addresses(e, main, sub)
            found |= bool(len(rows))
            for row in rows[:limit].tolist():
                n = ix.address_numbers(row)[1]
                self._add_address(hits, row, s + 20.0 - (0 if (sub is not None or n == 0) else 2))
            if not len(rows) and sub is None and main * 10 <= 99999:
                # As it is typed (9 on the way to 99): the numbers that start with it, after the road.
                for lo_n, hi_n in ((main * 10, main * 10 + 10), (main * 100, main * 100 + 100)):
                    lo = np.searchsorted(ix.addr_key, (np.int64(e) << 34) | (np.int64(lo_n) << 17))
                    hi = np.searchsorted(ix.addr_key, (np.int64(e) << 34) | (np.int64(min(hi_n, 99999)) << 17))
                    for row in range(int(lo), min(int(hi), int(lo) + limit)):
                        self._add_address(hits, row, s - 10.0)
        for e, s in roads if not san and not found else ():
            if s >= 100 or len(roads) == 1:
                self._add(hits, ("e", e), s + 1.0,
                          lambda e=e, s=s: self._entry_place(e, s, note=f"no building number {number} known here"))
        dongs = [(e, s) for e, s in strong.items() if ix.kind[e] == DISTRICT and ix.level[e] >= 2][:10]
        for e, s in dongs:
            rows = ix.lots(e, main, sub, san)
            for row in rows[:limit].tolist():
                self._add_lot(hits, row, s + 18.0)
            if not len(rows):
                self._add(hits, ("e", e), s + 1.0,
                          lambda e=e, s=s: self._entry_place(e, s, note=f"no lot {number} known here"))

    def _add_address(self, hits: dict[tuple, _Hit], row: int, score: float) -> None:
        ix = self.index

        def make() -> Place:
            road = int(ix.addr_road[row])
            m, n = ix.address_numbers(row)
            name_row = int(ix.addr_name[row])
            return Place("address", f"{ix.names[road]} {m}" + (f"-{n}" if n else ""), float(ix.addr_x[row]),
                         float(ix.addr_y[row]), ix.names[name_row] if name_row >= 0 else "", (),
                         ix.context(int(ix.addr_area[row])), None, "", score)

        self._add(hits, ("a", row), score, make, "address")

    def _add_lot(self, hits: dict[tuple, _Hit], row: int, score: float) -> None:
        ix = self.index

        def make() -> Place:
            area = int(ix.lot_area[row])
            m, n = ix.lot_numbers(row)
            san = "산 " if ix.lot_san[row] else ""
            return Place("lot", f"{ix.names[area]} {san}{m}" + (f"-{n}" if n else ""), float(ix.lot_x[row]),
                         float(ix.lot_y[row]), "", (), ix.context(int(ix.area[area])), None, "", score)

        self._add(hits, ("l", row), score, make, "lot")

    # ------------------------------------------------------------ reverse

    def where(self, x: float, y: float) -> Where:
        """The gu and dong at a point, the nearest named road (within NEAR_ROAD_M), the road crossing it
        nearest the point (within NEAR_CROSSING_M), and the address when one is within NEAR_ADDRESS_M."""
        point = shapely.Point(x, y)
        district = ""
        if self._district_tree is not None:
            inside = sorted(self._district_tree.query(point, predicate="within").tolist())
            here = [self._districts[i] for i in inside]
            gu = next((d.name for d in here if d.level == "gu"), "")
            dong = next((d.name for d in here if d.level != "gu"), "")
            district = " ".join(p for p in (gu, dong) if p)
            if here:  # the gazetteer knows the districts above the kit's own (the gu of a kit of dong)
                ix = self.index
                for e in self._district_names.get(jamo(normalize(here[0].name)), ()):
                    x0, y0, x1, y1 = ix.ext[e]
                    if x0 <= x <= x1 and y0 <= y <= y1:
                        district = ix.context(e)
                        break
        road, road_m = "", float("inf")
        tree, edges = self._named_roads()
        if len(edges):
            (_, idx), dist = tree.query_nearest(shapely.points([x], [y]), max_distance=NEAR_ROAD_M,
                                                return_distance=True, all_matches=False)
            if len(idx):
                road, road_m = self.kit.road_name(int(edges[idx[0]])), float(dist[0])
        near, near_m = self._crossing_near(x, y, road) if road else ("", float("inf"))
        address, address_m = self._address_near(x, y)
        return Where(district, road, road_m, near, near_m, address, address_m)

    def _named_roads(self) -> tuple[shapely.STRtree, np.ndarray]:
        if self._road_tree is None:
            g = self.kit.roads
            first = g.street_edges()
            if g.edge_name is not None and len(self.kit.road_names):
                first = first[g.edge_name[first] >= 0]
            else:
                first = first[:0]
            segments = np.stack([g.node_xy[g.edge_src[first]], g.node_xy[g.edge_dst[first]]], axis=1)
            self._road_tree = (shapely.STRtree(shapely.linestrings(segments)) if len(first)
                               else shapely.STRtree([]), first)
        return self._road_tree

    def _crossing_near(self, x: float, y: float, road: str) -> tuple[str, float]:
        from scipy.spatial import cKDTree

        ix = self.index
        if not len(ix.cross_key):
            return "", float("inf")
        if self._cross_tree is None:
            self._cross_tree = cKDTree(np.stack([ix.cross_x, ix.cross_y], axis=1))
        best, best_d = "", float("inf")
        for row in self._cross_tree.query_ball_point([x, y], NEAR_CROSSING_M):
            a, b = ix.crossing_roads(int(row))
            na, nb = ix.names[a], ix.names[b]
            other = nb if na == road else na if nb == road else ""
            d = float(np.hypot(ix.cross_x[row] - x, ix.cross_y[row] - y))
            if other and other != road and d < best_d:
                best, best_d = other, d
        return best, best_d

    def _address_near(self, x: float, y: float) -> tuple[str, float]:
        from scipy.spatial import cKDTree

        ix = self.index
        if not len(ix.addr_key):
            return "", float("inf")
        if self._addr_tree is None:
            self._addr_tree = cKDTree(np.stack([ix.addr_x, ix.addr_y], axis=1))
        d, row = self._addr_tree.query([x, y], distance_upper_bound=NEAR_ADDRESS_M)
        if not np.isfinite(d):
            return "", float("inf")
        m, n = ix.address_numbers(int(row))
        return f"{ix.names[int(ix.addr_road[row])]} {m}" + (f"-{n}" if n else ""), float(d)


def _units(q: str) -> list[str]:
    """What a typed query is made of, for its pieces: Hangul syllables, pairs of Latin letters."""
    out: list[str] = []
    run = ""
    for ch in q + " ":
        if is_syllable(ch):
            out.append(ch)
        if ch.isascii() and ch.isalpha():
            run += ch
            continue
        if len(run) == 1:
            out.append(run)
        out += [run[i:i + 2] for i in range(len(run) - 1)]
        run = ""
    return out

