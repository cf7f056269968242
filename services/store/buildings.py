"""A kit's buildings and facilities, from what the sources held: footprints clipped and projected, facilities
placed on their footprints (a hospital mapped as a point gets the building it stands in), one per place.

Facility ids are stable across rebuilds of the same data: ``osm-w<way>``, ``osm-n<node>``, ``osm-r<relation>``
for OpenStreetMap, ``<layer>-<feature>`` for a user's layer, so a sensor feed can name them.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from sitroom.services.geo import Projector
from sitroom.services.store.footprints import Facility, Footprints, match_footprints
from sitroom.services.store.osm import OsmData, OsmPoi
from sitroom.services.store.osm_buildings import OsmFacility, OsmFootprint, polygons
from sitroom.services.store.vector_buildings import facility_word
from sitroom.services.vocabulary import FACILITY_KINDS

_SAME_PLACE_M = 100.0  # two facilities of one kind and name this close are one


def _inside(clip: shapely.Geometry | None, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.ones(len(lon), bool) if clip is None else shapely.contains_xy(clip, lon, lat)


def _project(geoms: np.ndarray, projector: Projector) -> np.ndarray:
    if not len(geoms):
        return geoms
    xy = shapely.get_coordinates(geoms)
    x, y = projector(xy[:, 0], xy[:, 1])
    return shapely.set_coordinates(geoms.copy(), np.column_stack([x, y]))


def kit_buildings(data: OsmData, layers: list[OsmFootprint], pois: list[OsmPoi], clip: shapely.Geometry | None,
                  projector: Projector) -> tuple[Footprints, tuple[Facility, ...]]:
    found = list(data.footprints) + list(layers)
    geoms = polygons(found)
    if len(geoms):
        at = shapely.point_on_surface(geoms)
        keep = _inside(clip, shapely.get_x(at), shapely.get_y(at)) & ~shapely.is_empty(geoms)
    else:
        keep = np.zeros(0, bool)
    found = [f for f, k in zip(found, keep, strict=True) if k]
    projected = _project(geoms[keep], projector)
    footprints = Footprints.of(list(projected), [f.name for f in found], [f.building for f in found],
                               [f.levels for f in found], [f.height for f in found])
    facilities: list[Facility] = []
    for i, f in enumerate(found):
        if f.facility:
            p = shapely.point_on_surface(projected[i])
            facilities.append(Facility(f.osm_id, f.facility, f.name, p.x, p.y, i))
    points = list(data.facilities) + [OsmFacility(k, p.name, p.lon, p.lat, f"{p.layer}-{n}")
                                      for n, p in enumerate(pois) if p.layer and (k := _poi_facility(p.kind))]
    if points:
        lon, lat = np.array([p.lon for p in points]), np.array([p.lat for p in points])
        inside = _inside(clip, lon, lat)
        x, y = projector(lon, lat)
        homes = match_footprints(footprints, x, y)
        for p, ok, px, py, home in zip(points, inside, x, y, homes, strict=True):
            if not ok:
                continue
            # A bridge or tunnel is not a building: it keeps its point even over a footprint.
            fp = int(home) if p.kind not in ("bridge", "tunnel") else -1
            facilities.append(Facility(p.osm_id, p.kind, p.name, float(px), float(py), fp))
    return footprints, _one_each(facilities)


def _poi_facility(kind: str) -> str:
    return kind if kind in FACILITY_KINDS else facility_word(kind)


def _one_each(facilities: list[Facility]) -> tuple[Facility, ...]:
    """One facility per building and kind, and per kind, name and place; ids made unique."""
    out: list[Facility] = []
    by_footprint: set[tuple[int, str]] = set()
    by_name: dict[tuple[str, str], list[Facility]] = {}
    ids: set[str] = set()
    for f in facilities:
        if f.footprint >= 0 and (f.footprint, f.kind) in by_footprint:
            continue
        named = by_name.setdefault((f.kind, f.name), [])
        if any(math.hypot(o.x - f.x, o.y - f.y) < _SAME_PLACE_M for o in named):
            continue
        named.append(f)
        if f.footprint >= 0:
            by_footprint.add((f.footprint, f.kind))
        fid, k = f.id, 2
        while fid in ids:
            fid, k = f"{f.id}-{k}", k + 1
        ids.add(fid)
        out.append(f if fid == f.id else Facility(fid, f.kind, f.name, f.x, f.y, f.footprint))
    return tuple(out)
