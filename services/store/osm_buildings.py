"""Buildings and facilities in OpenStreetMap: footprints of ``building=*`` ways and multipolygons, and the public
facilities a city watches (hospitals, schools, public buildings, underground malls, bridges and tunnels).

Called from the one pass services/store/osm.py makes over an extract: closed building ways become footprints at
once; building multipolygons are assembled after the pass from their member ways, whose geometry the pass kept
(members are untagged ways, a few hundred in a city extract), so no second read of the file is needed.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass, field

import numpy as np
import osmium
import shapely

_UNDERGROUND_NAME = re.compile(r"지하상가|지하도상가|지하쇼핑|underground", re.IGNORECASE)
_NUMBER = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(m|meters?|metres?)?\s*$")
_PUBLIC_AMENITY = {"townhall", "courthouse", "community_centre", "library"}
_PUBLIC_BUILDING = {"public", "civic", "government", "townhall"}
MIN_STRUCTURE_M = 30.0  # a bridge or tunnel shorter than this is a culvert or a passage, not a facility


@dataclass
class OsmFootprint:
    ring: str  # the outline (a closed way) as hex WKB of its lon/lat line, "" for an assembled multipolygon
    name: str
    building: str
    levels: int  # -1 unknown
    height: float  # metres, NaN unknown
    facility: str = ""  # its facility kind, when the building is one
    osm_id: str = ""  # its id as a facility: "osm-w123", "osm-r456", "<layer>-<feature>"
    geometry: shapely.Geometry | None = None  # lon/lat, set for assembled multipolygons


@dataclass
class OsmFacility:
    kind: str
    name: str
    lon: float
    lat: float
    osm_id: str
    length_m: float = 0.0  # bridges and tunnels: the length of road they carry


@dataclass
class BuildingParts:
    """What the pass keeps for assembling building multipolygons after it."""

    untagged: dict[int, str] = field(default_factory=dict)  # way id -> its line as hex WKB (lon/lat)
    relations: list[tuple[int, dict[str, str], list[tuple[int, str]]]] = field(default_factory=list)


def _underground(tags: osmium.osm.TagList) -> bool:
    layer = tags.get("layer", "")
    level = tags.get("level", "")
    return (tags.get("location") == "underground" or layer.startswith("-") or level.startswith("-")
            or bool(_UNDERGROUND_NAME.search(tags.get("name", ""))))


def facility_kind(tags: osmium.osm.TagList) -> str | None:
    """The facility kind a feature's tags make it, or None."""
    amenity, building = tags.get("amenity"), tags.get("building")
    if amenity == "hospital" or tags.get("healthcare") == "hospital" or building == "hospital":
        return "hospital"
    if amenity == "school" or building == "school":
        return "school"
    if tags.get("shop") == "mall" and _underground(tags):
        return "underground_mall"
    if amenity in _PUBLIC_AMENITY or tags.get("office") == "government" or building in _PUBLIC_BUILDING:
        return "public_building"
    if tags.get("man_made") == "bridge":
        return "bridge"
    return None


def node_facility(tags: osmium.osm.TagList, poi: str | None) -> str | None:
    """The facility kind of a node whose POI kind is already known: two tag lookups at most (nodes that reach
    Python carry an amenity-like key; shops and offices mapped as nodes are not read)."""
    if poi in ("hospital", "school"):
        return poi
    if tags.get("amenity") in _PUBLIC_AMENITY:
        return "public_building"
    return "bridge" if tags.get("man_made") == "bridge" else None


def building_facility(tags: osmium.osm.TagList, building: str) -> str:
    """The facility kind of a building way, "" for most buildings (few lookups: most are found by their
    ``building`` value alone)."""
    if building in ("hospital", "school"):
        return building
    if building in _PUBLIC_BUILDING:
        return "public_building"
    amenity = tags.get("amenity")
    if amenity is None and "shop" not in tags and "office" not in tags and "healthcare" not in tags:
        return ""
    return facility_kind(tags) or ""


def _number(text: str | None) -> float:
    m = _NUMBER.fullmatch(text or "")
    return float(m.group(1)) if m else math.nan


def attributes(tags: osmium.osm.TagList) -> tuple[str, str, int, float]:
    """(name, building value, storeys above ground or -1, height in metres or NaN)."""
    levels = _number(tags.get("building:levels"))
    levels_i = round(levels) if math.isfinite(levels) and 0 <= levels < 300 else -1
    height = _number(tags.get("height"))
    if not (math.isfinite(height) and 0 < height < 1000):
        height = math.nan
    return tags.get("name") or tags.get("name:ko") or "", tags.get("building", "yes"), levels_i, height


def is_building(tags: osmium.osm.TagList) -> bool:
    return "building" in tags and tags.get("building") != "no"


_WKB = osmium.geom.WKBFactory()


def way_footprint(w: osmium.osm.Way) -> OsmFootprint | None:
    """A closed building way as a footprint (None when it is not closed or a node has no location). The outline
    is kept as libosmium writes it (WKB): polygons are made for all footprints at once after the pass."""
    if w.tags.get("building") == "no" or len(w.nodes) < 4 or not w.is_closed():
        return None
    try:
        ring = _WKB.create_linestring(w)
    except (osmium.InvalidLocationError, RuntimeError):  # RuntimeError: too few distinct points
        return None
    name, building, levels, height = attributes(w.tags)
    return OsmFootprint(ring, name, building, levels, height, building_facility(w.tags, building), f"osm-w{w.id}")


def polygons(footprints: list[OsmFootprint]) -> np.ndarray:
    """Every footprint's polygon in lon/lat, made at once (an outline that is not a valid polygon is made valid,
    keeping its area)."""
    out = np.empty(len(footprints), dtype=object)
    outlined = np.array([bool(f.ring) for f in footprints], dtype=bool)
    if outlined.any():
        lines = shapely.from_wkb([f.ring for f in footprints if f.ring])
        xy, index = shapely.get_coordinates(lines, return_index=True)
        out[outlined] = shapely.polygons(shapely.linearrings(xy, indices=index))
    for i in np.flatnonzero(~outlined):
        out[i] = footprints[i].geometry
    for i in np.flatnonzero(~shapely.is_valid(out)):
        parts = shapely.get_parts(shapely.make_valid(out[i]))
        out[i] = shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (3, 6))])
    return out


def keep_member(w: osmium.osm.Way, parts: BuildingParts) -> None:
    """An untagged way: perhaps part of a building multipolygon (kept as lon/lat until the pass ends)."""
    with contextlib.suppress(osmium.InvalidLocationError, RuntimeError):
        parts.untagged[w.id] = _WKB.create_linestring(w)


def keep_relation(r: osmium.osm.Relation, parts: BuildingParts) -> None:
    if r.tags.get("type") == "multipolygon" and is_building(r.tags):
        parts.relations.append((r.id, dict(r.tags), [(m.ref, m.role) for m in r.members if m.type == "w"]))


def assemble(parts: BuildingParts) -> list[OsmFootprint]:
    """Building multipolygons from their kept member ways: outer rings less inner ones; a relation with a member
    the pass did not keep (a tagged way, or one outside the extract) is left out."""
    out = []
    for rid, tags, members in parts.relations:
        if not members or any(ref not in parts.untagged for ref, _role in members):
            continue
        outer = list(shapely.from_wkb([parts.untagged[ref] for ref, role in members if role != "inner"]))
        inner = list(shapely.from_wkb([parts.untagged[ref] for ref, role in members if role == "inner"]))
        area = shapely.union_all(shapely.get_parts(shapely.polygonize(outer))) if outer else shapely.Polygon()
        if inner:
            area = shapely.difference(area, shapely.union_all(shapely.get_parts(shapely.polygonize(inner))))
        if area.is_empty or area.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        t = _Tags(tags)
        name, building, levels, height = attributes(t)
        out.append(OsmFootprint("", name, building, levels, height, facility_kind(t) or "", f"osm-r{rid}", area))
    return out


class _Tags(dict):
    """A relation's tags kept as a dict, read like osmium's TagList."""


def structure(w: osmium.osm.Way, lon: list[float], lat: list[float]) -> OsmFacility | None:
    """A named road bridge or tunnel way as a facility candidate (grouped by name after the pass)."""
    tags = w.tags
    if tags.get("bridge", "no") != "no":
        kind, name = "bridge", tags.get("bridge:name") or tags.get("name") or ""
    elif tags.get("tunnel", "no") not in ("no", "building_passage", "culvert"):
        kind, name = "tunnel", tags.get("tunnel:name") or tags.get("name") or ""
    else:
        return None
    if not name:
        return None
    k = math.cos(math.radians(lat[0])) * 111_320.0
    length = sum(math.hypot((lon[i + 1] - lon[i]) * k, (lat[i + 1] - lat[i]) * 110_540.0) for i in range(len(lon) - 1))
    mid = len(lon) // 2
    return OsmFacility(kind, name, (lon[mid - 1] + lon[mid]) / 2 if mid else lon[0],
                       (lat[mid - 1] + lat[mid]) / 2 if mid else lat[0], f"osm-w{w.id}", length)


def group_structures(found: list[OsmFacility], radius_m: float = 500.0) -> list[OsmFacility]:
    """One facility per bridge or tunnel: its ways (two carriageways, several segments) joined by name and
    nearness, placed at the middle of its longest way; those shorter than MIN_STRUCTURE_M in all are dropped."""
    groups: list[list[OsmFacility]] = []
    for f in sorted(found, key=lambda f: (f.kind, f.name, f.osm_id)):
        for g in groups:
            head = g[0]
            if head.kind == f.kind and head.name == f.name and any(
                    math.hypot((o.lon - f.lon) * 88_000, (o.lat - f.lat) * 111_000) <= radius_m for o in g):
                g.append(f)
                break
        else:
            groups.append([f])
    out = []
    for g in groups:
        total = sum(f.length_m for f in g)
        if total < MIN_STRUCTURE_M:
            continue
        longest = max(g, key=lambda f: f.length_m)
        out.append(OsmFacility(longest.kind, longest.name, longest.lon, longest.lat, longest.osm_id, total))
    return out
