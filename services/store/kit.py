"""The offline kit: everything the map and routing need for one region, in one directory.

A kit directory holds ``kit.json`` (metadata, districts, POIs and user layers, road names) and
``roads.npz`` (the road graph as arrays), and optionally ``tiles.mbtiles`` (raster tiles drawn under the
vectors). Coordinates are metres in the kit's projected CRS; ``kit.json`` also keeps lon/lat bounds.
Edge length and free-flow time are derived from node positions and speeds when the kit is opened, so
they can never disagree with them. Writes are atomic (a temporary directory renamed into place), so a
failed build leaves nothing behind.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from sitroom.services.store.cameras import CameraSpec
from sitroom.services.store.errors import KitError
from sitroom.services.store.footprints import (
    FACILITIES_FILE,
    FOOTPRINTS_FILE,
    Facility,
    Footprints,
    read_buildings,
    write_buildings,
)

if TYPE_CHECKING:
    from sitroom.services.gazetteer.index import GazetteerIndex

KIT_FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)  # version 1 had no road names, lanes or bridge/tunnel flags
TILES_FILE = "tiles.mbtiles"
GAZETTEER_FILE = "gazetteer.npz"  # names, addresses and crossings for search (services/gazetteer); optional
# Below this share of its districts' area inside the roads' hull, a kit's data covers only part of its area.
# A kit whose data covers its 시군구 keeps about 0.96 of it inside the hull (the median over the NGII 시군구
# with roads stopping 500 m short of every boundary; 0.58 for the 5% with islands or odd shapes), while a
# town's extract in its whole 시군구 keeps far less (the Songpa test extract in 송파구: 0.21).
PARTIAL_COVERAGE = 0.5


class RoadClass(enum.IntEnum):
    MOTORWAY = 1
    TRUNK = 2
    PRIMARY = 3
    SECONDARY = 4
    TERTIARY = 5
    RESIDENTIAL = 6
    SERVICE = 7


# Free-flow speed (km/h) by class, used where the source gives none.
DEFAULT_SPEED_KMH: dict[RoadClass, float] = {
    RoadClass.MOTORWAY: 100.0,
    RoadClass.TRUNK: 70.0,
    RoadClass.PRIMARY: 60.0,
    RoadClass.SECONDARY: 50.0,
    RoadClass.TERTIARY: 40.0,
    RoadClass.RESIDENTIAL: 30.0,
    RoadClass.SERVICE: 20.0,
}


class EdgeFlag(enum.IntFlag):
    BRIDGE = 1
    TUNNEL = 2


@dataclass(frozen=True)
class RoadGraph:
    """Directed road graph; edges are straight segments between nodes, sorted by source node (CSR)."""

    node_xy: np.ndarray  # (n, 2) float64 metres
    edge_src: np.ndarray  # (m,) int32
    edge_dst: np.ndarray  # (m,) int32
    edge_class: np.ndarray  # (m,) uint8 RoadClass
    edge_speed: np.ndarray  # (m,) float32 free-flow km/h
    edge_link: np.ndarray  # (m,) uint64 link id (keys the live link-speed feed)
    edge_oneway: np.ndarray  # (m,) bool
    edge_name: np.ndarray | None = None  # (m,) int32 index into Kit.road_names, -1 unnamed
    edge_lanes: np.ndarray | None = None  # (m,) uint8, 0 unknown
    edge_flags: np.ndarray | None = None  # (m,) uint8 EdgeFlag bits
    edge_length: np.ndarray = field(init=False)  # (m,) float32 metres
    out_ptr: np.ndarray = field(init=False)  # (n + 1,) int64: out-edges of node i are out_ptr[i]:out_ptr[i+1]

    def __post_init__(self) -> None:
        if len(self.edge_src) and np.any(np.diff(self.edge_src) < 0):
            raise KitError("road graph edges must be sorted by source node")
        m = len(self.edge_src)
        for name, dtype, empty in (("edge_name", np.int32, -1), ("edge_lanes", np.uint8, 0),
                                   ("edge_flags", np.uint8, 0)):
            value = getattr(self, name)
            if value is not None and value.dtype.kind not in "iub":
                raise KitError(f"road graph array {name} holds {value.dtype}, not integers")
            object.__setattr__(self, name, np.full(m, empty, dtype) if value is None else value.astype(dtype))
        for name in ("edge_dst", "edge_class", "edge_speed", "edge_link", "edge_oneway", "edge_name",
                     "edge_lanes", "edge_flags"):
            if len(getattr(self, name)) != m:
                raise KitError(f"road graph array {name} has {len(getattr(self, name))} entries for {m} edges")
        if m and (self.edge_src.min() < 0 or max(self.edge_src.max(), self.edge_dst.max()) >= self.n_nodes
                  or self.edge_dst.min() < 0):
            raise KitError("road graph edge refers to a node that does not exist")
        if m and not np.all(self.edge_speed > 0):
            raise KitError("road graph has an edge with a free-flow speed of 0 or less")
        if not np.isfinite(self.node_xy).all():
            raise KitError("road graph has a node whose coordinates are not finite")
        d = self.node_xy[self.edge_dst] - self.node_xy[self.edge_src]
        object.__setattr__(self, "edge_length", np.hypot(d[:, 0], d[:, 1]).astype(np.float32))
        ptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.edge_src, minlength=self.n_nodes), out=ptr[1:])
        object.__setattr__(self, "out_ptr", ptr)

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.edge_src)

    def free_flow_seconds(self) -> np.ndarray:
        return self.edge_length / (self.edge_speed / 3.6)

    @functools.cached_property
    def street_segments(self) -> tuple[np.ndarray, np.ndarray]:
        """(first directed edge of each street segment, segment of every edge): the two directions of a
        two-way street are one segment, drawn, snapped to and measured once."""
        lo = np.minimum(self.edge_src, self.edge_dst).astype(np.int64)
        hi = np.maximum(self.edge_src, self.edge_dst).astype(np.int64)
        _, first, segment = np.unique(lo * max(self.n_nodes, 1) + hi, return_index=True, return_inverse=True)
        return first.astype(np.int64), segment.astype(np.int64)

    def street_edges(self) -> np.ndarray:
        """One directed edge per street segment (the first of its node pair), so lengths summed over these
        count every street once."""
        return self.street_segments[0]

    def street_length(self) -> float:
        """Metres of street, each street once whatever its directions."""
        return float(self.edge_length[self.street_edges()].sum(dtype=np.float64))

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in
                ("node_xy", "edge_src", "edge_dst", "edge_class", "edge_speed", "edge_link", "edge_oneway",
                 "edge_name", "edge_lanes", "edge_flags")}


@dataclass(frozen=True)
class District:
    code: str
    name: str  # local name, e.g. "유성구"
    name_en: str
    level: str  # "gu" | "dong"
    parent: str  # parent district code, "" for top level
    geometry: shapely.Geometry  # projected metres

    @property
    def label_point(self) -> tuple[float, float]:
        p = self.geometry.representative_point()
        return (p.x, p.y)


@dataclass(frozen=True)
class Poi:
    kind: str  # "fire" | "ems" | "hospital" | "police" | "shelter" | "camera" | "facility" | "school"
    name: str
    x: float
    y: float
    node: int = -1  # nearest road-graph node, -1 if unknown
    layer: str = ""  # the user layer it came from; "" for POIs of the map data
    camera: CameraSpec | None = None  # where a camera looks and its streams (kind "camera")


@dataclass(frozen=True)
class Kit:
    name: str
    crs: str  # e.g. "EPSG:5179"
    bounds_lonlat: tuple[float, float, float, float]  # W, S, E, N
    roads: RoadGraph
    districts: tuple[District, ...]
    pois: tuple[Poi, ...]
    sources: tuple[dict, ...] = ()  # [{"name", "licence", "attribution"}]
    generated: bool = False  # True for synthetic data (the demo roads)
    path: Path | None = None
    road_names: tuple[tuple[str, str, str], ...] = ()  # (name, Korean name, English name), by edge_name
    created: str = ""  # ISO 8601 UTC time of the build
    # Buildings as shapely polygons in kit metres (a sequence; .geometry is their array), and the facilities the
    # city watches; empty for kits built before they existed.
    footprints: Footprints = field(default_factory=Footprints)
    facilities: tuple[Facility, ...] = ()

    @property
    def tiles_path(self) -> Path | None:
        """The kit's raster tiles (MBTiles), when it has them."""
        if self.path is not None and (self.path / TILES_FILE).is_file():
            return self.path / TILES_FILE
        return None

    def road_name(self, edge: int, language: str = "ko") -> str:
        i = int(self.roads.edge_name[edge])
        if i < 0 or i >= len(self.road_names):
            return ""
        name, ko, en = self.road_names[i]
        return (en if language == "en" else ko) or name

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Projected bounds (minx, miny, maxx, maxy) of the road nodes and districts; :attr:`road_bounds` is
        where the data is, which may be a small part of this."""
        xy = self.roads.node_xy
        geoms = [d.geometry for d in self.districts]
        minx, miny, maxx, maxy = shapely.total_bounds(geoms) if geoms else (np.inf, np.inf, -np.inf, -np.inf)
        if len(xy):
            minx, miny = min(minx, xy[:, 0].min()), min(miny, xy[:, 1].min())
            maxx, maxy = max(maxx, xy[:, 0].max()), max(maxy, xy[:, 1].max())
        return (float(minx), float(miny), float(maxx), float(maxy))

    @functools.cached_property
    def road_bounds(self) -> tuple[float, float, float, float]:
        """Projected bounds (minx, miny, maxx, maxy) of the road nodes: the view that shows the data. Those of
        :attr:`bounds` for a kit without roads."""
        xy = self.roads.node_xy
        if not len(xy):
            return self.bounds
        (minx, miny), (maxx, maxy) = xy.min(axis=0), xy.max(axis=0)
        return (float(minx), float(miny), float(maxx), float(maxy))

    @functools.cached_property
    def road_coverage(self) -> float | None:
        """The share (0 to 1) of the area of the kit's districts that lies within the convex hull of its roads;
        None when the kit has no district outlines (point labels only) or no roads.

        A kit clipped to a whole 시군구 from a town's extract has its roads in a corner of its districts: a low
        share. Computed from the districts and nodes, so kits of every format have it. Of the districts, only
        the top level counts (the 시군구 when there are any, else the 읍면동): one level does not overlap."""
        polys = [d for d in self.districts if d.geometry.geom_type in ("Polygon", "MultiPolygon")]
        top = [d.geometry for d in polys if d.level == "gu"] or [d.geometry for d in polys]
        total = float(shapely.area(top).sum()) if top else 0.0
        if total <= 0 or not self.roads.n_nodes:
            return None
        hull = shapely.convex_hull(shapely.multipoints(_hull_points(self.roads.node_xy)))
        return min(float(shapely.area(shapely.intersection(top, hull)).sum()) / total, 1.0)

    @property
    def covers_only_part(self) -> bool:
        """True when the roads reach over less than :data:`PARTIAL_COVERAGE` of the kit's districts: the map
        should show the roads, and say that the data covers only part of the area."""
        coverage = self.road_coverage
        return coverage is not None and coverage < PARTIAL_COVERAGE

    def pois_of(self, *kinds: str) -> list[Poi]:
        return [p for p in self.pois if p.kind in kinds]

    def attribution(self) -> str:
        return "; ".join(s["attribution"] for s in self.sources if s.get("attribution"))


def _hull_points(xy: np.ndarray) -> np.ndarray:
    """The corners of the convex hull of ``xy`` (all of ``xy`` when they are fewer than three or on one line):
    qhull finds them in a tenth of the time GEOS takes over a million nodes."""
    from scipy.spatial import ConvexHull, QhullError

    try:
        return xy[ConvexHull(xy).vertices]
    except (QhullError, ValueError):
        return xy


# ---------------------------------------------------------------- persistence


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez`` but with fixed member timestamps, so equal arrays give equal bytes (and checksums)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, arr in arrays.items():
            with z.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w",
                        force_zip64=True) as f:
                np.lib.format.write_array(f, np.asanyarray(arr), allow_pickle=False)


def kit_target(path: Path) -> Path:
    """The absolute directory a kit may be written to, or KitError saying why not, touching nothing.

    A kit replaces only a kit (or an empty directory): ``--out`` naming a user's folder must never delete
    what is in it. The working directory cannot be swapped for a new one under the shell that stands in it."""
    given = Path(path)
    path = given.expanduser().resolve()
    if path.parent == path:
        raise KitError(f"{given}: a kit cannot be written over the root directory")
    if path == Path.cwd().resolve() or path in Path.cwd().resolve().parents:
        raise KitError(f"{given}: that is the current directory (or holds it), which a kit build would "
                       "replace; give a new directory for the kit, e.g. --out kits/NAME")
    if not path.exists() and not path.is_symlink():
        return path
    if not path.is_dir():
        raise KitError(f"{given}: exists and is not a directory; give a new directory for the kit")
    entries = {p.name for p in path.iterdir()}
    if not entries:
        return path
    if not _is_kit_dir(path):
        shown = ", ".join(sorted(entries)[:3]) + (", …" if len(entries) > 3 else "")
        raise KitError(f"{given}: exists and is not a SitRoom kit (it holds {shown}); nothing was touched. "
                       "Give a new directory, or an existing kit to replace")
    return path


_KIT_FILES = {"kit.json", "roads.npz", TILES_FILE, GAZETTEER_FILE, FOOTPRINTS_FILE, FACILITIES_FILE}


def _is_kit_dir(path: Path) -> bool:
    """A directory that a kit build wrote: kit.json with a kit format, and nothing but kit files."""
    try:
        meta = json.loads((path / "kit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    names = {p.name for p in path.iterdir()}
    return isinstance(meta, dict) and meta.get("format") in READABLE_FORMATS and names <= _KIT_FILES


def save_kit(kit: Kit, path: Path, *, tiles: Path | None = None, gazetteer: GazetteerIndex | None = None) -> Path:
    """Write ``kit`` to directory ``path`` atomically; returns the absolute path written. ``tiles``: an MBTiles
    file to include; ``gazetteer``: its search index (without one, the kit's names are indexed when it opens).
    An existing ``path`` is replaced only when it is a kit or empty (``kit_target``)."""
    path = kit_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        # mkdtemp makes the directory private (0700); a kit is map data to copy between workstations.
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)
        tiles_meta = None
        if tiles is not None:
            from sitroom.services.store.tiles import check_mbtiles

            tiles_meta = check_mbtiles(tiles)
            shutil.copyfile(tiles, tmp / TILES_FILE)
        _write_npz(tmp / "roads.npz", kit.roads.arrays())
        checksum = hashlib.sha256((tmp / "roads.npz").read_bytes()).hexdigest()
        gazetteer_meta = None
        if gazetteer is not None:
            gazetteer.save(tmp / GAZETTEER_FILE)
            counts = gazetteer.counts
            gazetteer_meta = {"file": GAZETTEER_FILE, "entries": counts.entries, "addresses": counts.addresses,
                              "lots": counts.lots, "crossings": counts.crossings,
                              "sha256": hashlib.sha256((tmp / GAZETTEER_FILE).read_bytes()).hexdigest()}
        meta = {
            "format": KIT_FORMAT_VERSION,
            "name": kit.name,
            "crs": kit.crs,
            "bounds_lonlat": list(kit.bounds_lonlat),
            "generated": kit.generated,
            "created": kit.created,
            "sources": list(kit.sources),
            "roads_sha256": checksum,
            "tiles": tiles_meta,
            "gazetteer": gazetteer_meta,
            "road_names": [list(n) for n in kit.road_names],
            "districts": [
                {"code": d.code, "name": d.name, "name_en": d.name_en, "level": d.level, "parent": d.parent,
                 "wkb": shapely.to_wkb(d.geometry, hex=True)}
                for d in kit.districts
            ],
            "pois": [{"kind": p.kind, "name": p.name, "x": p.x, "y": p.y, "node": p.node, "layer": p.layer,
                      **({"camera": p.camera.to_json()} if p.camera is not None else {})}
                     for p in kit.pois],
            **write_buildings(tmp, kit.footprints, kit.facilities),
        }
        (tmp / "kit.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


# Everything a damaged file can make numpy, zipfile, json or shapely raise while a kit is read.
_READ_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError, EOFError, OSError,
                NotImplementedError, RuntimeError, zipfile.BadZipFile, shapely.errors.GEOSException)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} is not text")
    return value


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise TypeError(f"{what} is not a finite number")
    return float(value)


def _polygonal(wkb: object, what: str) -> shapely.Geometry:
    geom = shapely.from_wkb(_text(wkb, what))
    if not isinstance(geom, shapely.Geometry) or geom.geom_type not in ("Polygon", "MultiPolygon", "Point"):
        raise TypeError(f"{what} is not a polygon or point")
    return geom


def _check_arrays(roads: RoadGraph) -> None:
    xy = roads.node_xy
    if xy.ndim != 2 or xy.shape[1] != 2 or xy.dtype.kind != "f" or not np.isfinite(xy).all():
        raise ValueError("node_xy must be finite (n, 2) floating point coordinates")
    for name in ("edge_src", "edge_dst"):
        if getattr(roads, name).dtype.kind not in "iu":
            raise ValueError(f"{name} must hold integers")


def load_kit(path: Path) -> Kit:
    """Open and validate a kit directory; raises :class:`KitError` naming the file on any problem. The kit's
    ``path`` is absolute: it is remembered in settings and journals, read later from another directory."""
    path = Path(path).absolute()
    meta_file, roads_file = path / "kit.json", path / "roads.npz"
    for f in (meta_file, roads_file):
        if not f.is_file():
            raise KitError(f"{f}: missing (not a SitRoom kit?)")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise KitError(f"{meta_file}: unreadable: {exc}") from None
    if not isinstance(meta, dict):
        raise KitError(f"{meta_file}: not a kit description (a JSON object is expected)")
    if meta.get("format") not in READABLE_FORMATS:
        raise KitError(f"{meta_file}: kit format {str(meta.get('format'))[:20]!r}, this SitRoom reads "
                       f"{', '.join(map(str, READABLE_FORMATS))}")
    blob = roads_file.read_bytes()
    if hashlib.sha256(blob).hexdigest() != meta.get("roads_sha256"):
        raise KitError(f"{roads_file}: checksum mismatch (file damaged or changed after the build)")
    try:
        with np.load(roads_file, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        xy = arrays.get("node_xy")
        if xy is not None and (xy.ndim != 2 or xy.shape[-1] != 2):
            raise ValueError("node_xy must be (n, 2)")
        roads = RoadGraph(**arrays)
        _check_arrays(roads)
        districts = tuple(
            District(_text(d["code"], "district code"), _text(d["name"], "district name"),
                     _text(d["name_en"], "district name_en"), _text(d["level"], "district level"),
                     _text(d["parent"], "district parent"), _polygonal(d["wkb"], "district wkb"))
            for d in meta["districts"]
        )
        pois = []
        for p in meta["pois"]:
            node = p["node"]
            if isinstance(node, bool) or not isinstance(node, int) or not -1 <= node < roads.n_nodes:
                raise ValueError(f"POI node {str(node)[:20]} is not a node of the graph")
            pois.append(Poi(_text(p["kind"], "POI kind"), _text(p["name"], "POI name"), _number(p["x"], "POI x"),
                            _number(p["y"], "POI y"), node, _text(p.get("layer", ""), "POI layer"),
                            CameraSpec.from_json(p["camera"]) if "camera" in p else None))
        road_names = tuple((_text(a, "road name"), _text(b, "road name"), _text(c, "road name"))
                           for a, b, c in meta.get("road_names", ()))
        bounds = tuple(_number(v, "bounds_lonlat") for v in meta["bounds_lonlat"])
        if len(bounds) != 4:
            raise ValueError("bounds_lonlat must be W, S, E, N")
        sources = tuple(meta.get("sources", ()))
        if not all(isinstance(src, dict) for src in sources):
            raise TypeError("sources must be objects")
        name, crs = _text(meta["name"], "kit name"), _text(meta["crs"], "kit crs")
    except _READ_ERRORS as exc:
        raise KitError(f"{path}: invalid kit content: {str(exc)[:200]}") from None
    if meta.get("tiles") and not (path / TILES_FILE).is_file():
        raise KitError(f"{path / TILES_FILE}: missing (the kit was built with raster tiles)")
    if len(roads.edge_name) and int(roads.edge_name.max()) >= len(road_names):
        raise KitError(f"{roads_file}: a road name index points past the {len(road_names)} names in {meta_file}")
    footprints, facilities = read_buildings(path, meta)
    return Kit(name, crs, bounds, roads, districts, tuple(pois), sources, bool(meta.get("generated")), path,
               road_names, str(meta.get("created", "")), footprints, facilities)
