"""Buildings and facilities of a kit: footprint polygons (``footprints.npz``) and facilities (``facilities.json``).

``Kit.footprints`` is a :class:`Footprints`: a sequence of shapely polygons (Polygon or MultiPolygon) in the kit's
projected metres (iterating it, or ``kit.footprints.geometry``, an object array of them), with per building its
name, its OSM ``building=*`` value (or its GIS layer's use), its storeys (``levels``, -1 unknown) and its height in
metres (``height_m``: the ``height`` tag, else 3 m a storey, NaN unknown). ``Kit.facilities`` are the public
facilities the city watches (hospitals, tunnels, bridges, underground malls, public buildings, schools), each a
point and, where one is known, the index of its footprint.

Both files are optional: a kit without them (every kit built before) opens with none. The polygons are stored as
flat arrays (shapely's ragged arrays: coordinates and offsets), so no pickle and no library version is in the file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from sitroom.services.store.errors import KitError
from sitroom.services.vocabulary import FACILITY_KINDS

FOOTPRINTS_FILE = "footprints.npz"
FACILITIES_FILE = "facilities.json"
STOREY_M = 3.0  # height of a storey where only the storeys are known


@dataclass(frozen=True, eq=False)
class Footprints:
    """Building footprints in kit metres; a sequence of their polygons."""

    geometry: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))  # shapely (Multi)Polygons
    name: tuple[str, ...] = ()
    building: tuple[str, ...] = ()  # OSM building=* (yes, apartments, hospital, …) or the GIS layer's use
    levels: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))  # storeys above ground, -1 unknown
    height_m: np.ndarray = field(default_factory=lambda: np.empty(0, np.float32))  # NaN unknown

    def __post_init__(self) -> None:
        n = len(self.geometry)
        if not (len(self.name) == len(self.building) == len(self.levels) == len(self.height_m) == n):
            raise KitError(f"footprints: {n} polygons but attributes of another length")

    def __len__(self) -> int:
        return len(self.geometry)

    def __iter__(self) -> Iterator[shapely.Geometry]:
        return iter(self.geometry)

    def __getitem__(self, i: int) -> shapely.Geometry:
        return self.geometry[i]

    @classmethod
    def of(cls, geoms: list[shapely.Geometry], names: list[str], buildings: list[str], levels: list[int],
           heights: list[float]) -> Footprints:
        lv = np.array(levels, np.int16) if levels else np.empty(0, np.int16)
        h = np.array(heights, np.float32) if heights else np.empty(0, np.float32)
        h = np.where(np.isnan(h) & (lv > 0), lv * STOREY_M, h).astype(np.float32)
        return cls(np.array(geoms, dtype=object) if geoms else np.empty(0, dtype=object), tuple(names),
                   tuple(buildings), lv, h)


@dataclass(frozen=True)
class Facility:
    id: str
    kind: str  # one of FACILITY_KINDS
    name: str
    x: float  # kit metres
    y: float
    footprint: int = -1  # index into Kit.footprints, -1 without one


# ---------------------------------------------------------------- writing


def _npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Fixed member timestamps, as the roads' file: the same buildings give the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, arr in arrays.items():
            with z.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w",
                        force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(arr), allow_pickle=False)


def _strings(values: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct strings as one UTF-8 blob with offsets, and each value's index."""
    distinct = sorted(set(values))
    index = {s: i for i, s in enumerate(distinct)}
    blobs = [s.encode("utf-8") for s in distinct]
    offsets = np.zeros(len(blobs) + 1, np.int64)
    np.cumsum([len(b) for b in blobs], out=offsets[1:])
    return (np.frombuffer(b"".join(blobs), np.uint8).copy(), offsets,
            np.array([index[v] for v in values], np.int32))


def write_buildings(directory: Path, footprints: Footprints, facilities: tuple[Facility, ...]) -> dict:
    """Write the files into a kit directory being built; returns what kit.json says of them."""
    meta: dict = {}
    if len(footprints):
        parts, index = shapely.get_parts(footprints.geometry, return_index=True)
        _kind, coords, offsets = shapely.to_ragged_array(shapely.multipolygons(parts, indices=index))
        blob, string_offsets, names = _strings(footprints.name)
        bblob, bstring_offsets, buildings = _strings(footprints.building)
        _npz(directory / FOOTPRINTS_FILE, {
            "coords": coords, "ring_offsets": offsets[0], "part_offsets": offsets[1], "geom_offsets": offsets[2],
            "name_blob": blob, "name_offsets": string_offsets, "name": names,
            "building_blob": bblob, "building_offsets": bstring_offsets, "building": buildings,
            "levels": footprints.levels, "height_m": footprints.height_m})
        meta["footprints"] = {"count": len(footprints),
                              "sha256": hashlib.sha256((directory / FOOTPRINTS_FILE).read_bytes()).hexdigest()}
    if facilities:
        (directory / FACILITIES_FILE).write_text(json.dumps(
            [{"id": f.id, "kind": f.kind, "name": f.name, "x": f.x, "y": f.y, "footprint": f.footprint}
             for f in facilities], ensure_ascii=False), encoding="utf-8")
        meta["facilities"] = len(facilities)
    return meta


# ---------------------------------------------------------------- reading


def _decode_strings(z: dict, prefix: str, n: int) -> tuple[str, ...]:
    blob, offsets, index = bytes(z[f"{prefix}_blob"]), z[f"{prefix}_offsets"], z[prefix]
    if len(index) != n or (len(index) and (index.min() < 0 or index.max() >= len(offsets) - 1)) \
            or np.any(np.diff(offsets) < 0) or (len(offsets) and offsets[-1] != len(blob)):
        raise ValueError(f"footprint {prefix}s do not match their polygons")
    distinct = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets.tolist())]
    return tuple(distinct[i] for i in index.tolist())


def read_buildings(path: Path, meta: dict) -> tuple[Footprints, tuple[Facility, ...]]:
    """The footprints and facilities of the kit at ``path`` as its kit.json (``meta``) describes them; none when
    it describes none (a kit built before they existed). KitError naming the file when one is damaged."""
    footprints = Footprints()
    info = meta.get("footprints")
    if info:
        file = path / FOOTPRINTS_FILE
        if not file.is_file():
            raise KitError(f"{file}: missing (the kit was built with building footprints)")
        if not isinstance(info, dict) or hashlib.sha256(file.read_bytes()).hexdigest() != info.get("sha256"):
            raise KitError(f"{file}: checksum mismatch (file damaged or changed after the build)")
        try:
            with np.load(file, allow_pickle=False) as z:
                a = {k: z[k] for k in z.files}
            coords = a["coords"]
            if coords.ndim != 2 or coords.shape[1] != 2 or not np.isfinite(coords).all():
                raise ValueError("footprint coordinates must be finite (n, 2)")
            offsets = (a["ring_offsets"], a["part_offsets"], a["geom_offsets"])
            geoms = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)
            single = shapely.get_num_geometries(geoms) == 1  # stored as multipolygons, given back as they were
            geoms[single] = shapely.get_geometry(geoms[single], 0)
            n = len(geoms)
            levels, height = a["levels"].astype(np.int16), a["height_m"].astype(np.float32)
            if len(levels) != n or len(height) != n:
                raise ValueError("footprint storeys or heights do not match their polygons")
            footprints = Footprints(geoms, _decode_strings(a, "name", n), _decode_strings(a, "building", n),
                                    levels, height)
        except (KeyError, TypeError, ValueError, IndexError, OSError, UnicodeDecodeError, zipfile.BadZipFile,
                shapely.errors.GEOSException) as exc:
            raise KitError(f"{file}: invalid footprints: {str(exc)[:200]}") from None
    facilities: tuple[Facility, ...] = ()
    if meta.get("facilities"):
        file = path / FACILITIES_FILE
        try:
            rows = json.loads(file.read_text(encoding="utf-8"))
            facilities = tuple(_facility(r, len(footprints)) for r in rows)
        except FileNotFoundError:
            raise KitError(f"{file}: missing (the kit was built with facilities)") from None
        except (KeyError, TypeError, ValueError, OSError, RecursionError) as exc:
            raise KitError(f"{file}: invalid facilities: {str(exc)[:200]}") from None
    return footprints, facilities


def _facility(r: dict, n_footprints: int) -> Facility:
    fid, kind, name = r["id"], r["kind"], r["name"]
    x, y, fp = r["x"], r["y"], r["footprint"]
    if not all(isinstance(v, str) for v in (fid, kind, name)) or kind not in FACILITY_KINDS:
        raise ValueError(f"facility {str(fid)[:40]!r}: id, kind or name")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
        raise ValueError(f"facility {fid!r}: x, y")
    if isinstance(fp, bool) or not isinstance(fp, int) or not -1 <= fp < n_footprints:
        raise ValueError(f"facility {fid!r}: footprint {str(fp)[:20]} is not one of the kit's")
    return Facility(fid, kind, name, float(x), float(y), fp)


def match_footprints(footprints: Footprints, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The footprint each point lies in (the smallest, where several hold it), -1 for none."""
    out = np.full(len(x), -1, np.int64)
    if not len(footprints) or not len(x):
        return out
    tree = shapely.STRtree(footprints.geometry)
    pts, polys = tree.query(shapely.points(x, y), predicate="within")
    if len(pts):
        area = shapely.area(footprints.geometry[polys])
        order = np.lexsort((area, pts))  # per point, the smallest first
        pts, polys = pts[order], polys[order]
        first = np.r_[True, pts[1:] != pts[:-1]]
        out[pts[first]] = polys[first]
    return out
