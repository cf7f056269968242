"""Building footprints from GIS polygon layers (GeoPackage, Shapefile, GeoJSON) through pyogrio.

Field names of the usual sources are recognised, in any case: OSM-like ``name``, ``building``,
``building:levels``, ``height``; the Korean building registry's GIS files (건물통합정보: ``GRND_FLR`` storeys
above ground, ``HEIGHT``, ``BLD_NM``) and the road-name address buildings (도로명주소 건물: ``BULD_NM``,
``GRO_FLO_CO``). A feature's facility kind comes from a ``facility`` (or ``kind``) field, else from the file name
(``hospitals.gpkg``: every building in it is a hospital).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import shapely

from sitroom.services.store.errors import KitError
from sitroom.services.store.osm_buildings import OsmFootprint
from sitroom.services.store.vector import _Layer, _text
from sitroom.services.vocabulary import FACILITY_KINDS

_POLYGONS = (3, 6)
_FACILITY_WORDS = (("hospital", "hospital"), ("병원", "hospital"), ("school", "school"), ("학교", "school"),
                   ("tunnel", "tunnel"), ("터널", "tunnel"), ("지하차도", "tunnel"), ("bridge", "bridge"),
                   ("교량", "bridge"), ("mall", "underground_mall"), ("지하상가", "underground_mall"),
                   ("public", "public_building"), ("청사", "public_building"), ("공공", "public_building"))


def facility_word(text: str) -> str:
    """The facility kind a word names ("hospitals", "학교", "underground_mall"), "" for none."""
    text = text.strip().lower()
    if text in FACILITY_KINDS:
        return text
    words = re.split(r"[^0-9a-z가-힣]+", text)
    return next((k for w, k in _FACILITY_WORDS
                 if any(t.startswith(w) for t in words) or (not w.isascii() and w in text)), "")


def _number(value: object) -> float:
    try:
        v = float(_text(value).replace("m", "").strip())
    except ValueError:
        return math.nan
    return v if math.isfinite(v) else math.nan


def read_footprints(path: Path, *, source_crs: str | None = None) -> list[OsmFootprint]:
    """Every polygon of a layer as a footprint, in lon/lat; KitError naming the file when there is none."""
    path = Path(path)
    layer = _Layer(path, ("Polygon",), "no polygon features in it", source_crs)
    types = shapely.get_type_id(layer.geoms)
    keep = np.flatnonzero(np.isin(types, _POLYGONS) & ~shapely.is_empty(layer.geoms))
    if not len(keep):
        raise KitError(f"{path}: no polygon features in it (building footprints are polygons)")
    geoms = layer.geoms[keep]
    xy, index = shapely.get_coordinates(geoms, return_index=True)
    lon, lat = layer.lonlat(xy, keep[index])
    geoms = shapely.set_coordinates(geoms.copy(), np.column_stack([lon, lat]))
    by_file = facility_word(path.stem)

    def field(*names: str) -> np.ndarray | None:
        return layer.field(*names)

    names = field("name", "bld_nm", "buld_nm", "bldg_nm")
    uses = field("building", "use", "usage", "bdtyp_cd", "main_purps_cd_nm")
    levels = field("building:levels", "building_levels", "levels", "floors", "grnd_flr", "gro_flo_co")
    heights = field("height", "bldg_hgt", "hgt")
    kinds = field("facility", "kind", "type")
    out = []
    for i, f in enumerate(keep.tolist()):
        storeys = _number(levels[f]) if levels is not None else math.nan
        height = _number(heights[f]) if heights is not None else math.nan
        kind = facility_word(_text(kinds[f])) if kinds is not None else ""
        out.append(OsmFootprint("", _text(names[f]) if names is not None else "",
                                _text(uses[f]) if uses is not None else "yes",
                                int(storeys) if math.isfinite(storeys) and 0 <= storeys < 300 else -1,
                                height if 0 < height < 1000 else math.nan, kind or by_file,
                                f"{path.stem}-{f}", geoms[i]))
    return out
