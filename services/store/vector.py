"""Roads, point layers and clip areas from GeoJSON, GeoPackage and Shapefile (via pyogrio), and points from CSV.

Roads come in two flavours, told apart by their fields: the Korean standard node-link (``MOCT_LINK.shp``: each
link one-directional from F_NODE to T_NODE, keyed by LINK_ID) and generic lines with OSM-like fields, whose
vertices join wherever their coordinates coincide. Everything is returned in lon/lat (EPSG:4326).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyogrio
import pyproj
import shapely
from pyogrio import raw

from sitroom.services.geo import transformer
from sitroom.services.store.cameras import CAMERA_COLUMNS, CameraSpec
from sitroom.services.store.cameras import from_columns as camera_from_columns
from sitroom.services.store.kit import DEFAULT_SPEED_KMH, KitError, RoadClass
from sitroom.services.store.osm import HIGHWAY_CLASS, OsmData, OsmPoi, OsmWay, parse_maxspeed

VECTOR_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".shp"})
_MOCT_RANK = {101: RoadClass.MOTORWAY, 102: RoadClass.TRUNK, 103: RoadClass.PRIMARY, 104: RoadClass.PRIMARY,
              105: RoadClass.SECONDARY, 106: RoadClass.SECONDARY, 107: RoadClass.TERTIARY}
_LINE, _MULTILINE, _POINT, _MULTIPOINT, _POLYGON, _MULTIPOLYGON = 1, 5, 0, 4, 3, 6
_GRID = 1e7  # generic vertices join when equal to 1e-7 degree (about 1 cm)
_NO = {"", "no", "0", "false", "n", "none"}
_NO_CLIP = "no polygon in it (empty clip area)"
_T = TypeVar("_T")
log = logging.getLogger(__name__)
_KIND_WORDS = (("fire", "fire"), ("소방", "fire"), ("ambulance", "ems"), ("ems", "ems"), ("구급", "ems"),
               ("hospital", "hospital"), ("병원", "hospital"), ("police", "police"), ("경찰", "police"),
               ("shelter", "shelter"), ("대피", "shelter"), ("school", "school"), ("학교", "school"),
               ("camera", "camera"), ("cctv", "camera"))


def is_vector_file(path: Path | str) -> bool:
    return Path(path).suffix.lower() in VECTOR_SUFFIXES


def _text(v: object) -> str:
    if isinstance(v, float | np.floating):
        return "" if not np.isfinite(v) else str(int(v)) if float(v).is_integer() else str(v)
    if v is None:
        return ""
    return str(v).strip()


def _int(v: object) -> int | None:
    try:
        return int(_text(v))
    except ValueError:
        return None


# ---------------------------------------------------------------- reading a layer


def _sidecar(path: Path, ext: str) -> Path | None:
    return next((p for p in (path.with_suffix(ext), path.with_suffix(ext.upper())) if p.is_file()), None)


def _shapefile_encoding(path: Path) -> str | None:
    """Checks the sidecars and lengths (GDAL reads a truncated .shp as null geometries, a missing .dbf as no
    fields, both silently); the encoding to read the .dbf with, None to let GDAL follow the .cpg."""
    shx, dbf = _sidecar(path, ".shx"), _sidecar(path, ".dbf")
    for ext, found in ((".shx", shx), (".dbf", dbf)):
        if found is None:
            raise KitError(f"{path.with_suffix(ext)}: missing (a shapefile needs its .shp, .shx and .dbf)")
    for f in (path, shx):
        with f.open("rb") as fh:
            head = fh.read(100)
        if len(head) < 100 or int.from_bytes(head[:4], "big") != 9994:
            raise KitError(f"{f}: not a shapefile (bad or truncated header)")
        if (declared := int.from_bytes(head[24:28], "big") * 2) > f.stat().st_size:
            raise KitError(f"{f}: truncated ({f.stat().st_size} bytes, its header says {declared})")
    with dbf.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12:
            raise KitError(f"{dbf}: truncated dBASE header")
        nrec, hlen, rlen = (int.from_bytes(head[4:8], "little"), int.from_bytes(head[8:10], "little"),
                            int.from_bytes(head[10:12], "little"))
        if hlen + nrec * rlen > dbf.stat().st_size:
            raise KitError(f"{dbf}: truncated ({dbf.stat().st_size} bytes for {nrec} records of {rlen})")
        if _sidecar(path, ".cpg"):
            return None
        # Korean node-link files ship without a .cpg, in CP949: take UTF-8 only if the records decode as it.
        fh.seek(hlen)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp949"
    return "utf-8"


@contextlib.contextmanager
def _gdal_warnings_to_log(path: Path) -> Iterator[None]:
    """GDAL's warnings (pyogrio raises them as Python warnings) go to the log naming the file, instead of to
    stderr as bare ``RuntimeWarning`` lines pointing into pyogrio."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for w in seen:
                log.warning("%s: %s", path, w.message)


class _Layer:
    """One layer's geometries (source CRS, 2D) and fields (by lower-case name), and its CRS."""

    def __init__(self, path: Path, wants: tuple[str, ...], nothing: str, source_crs: str | None) -> None:
        self.path = path
        if not path.is_file():
            raise KitError(f"{path}: no such file")
        encoding = _shapefile_encoding(path) if path.suffix.lower() == ".shp" else None
        try:
            with _gdal_warnings_to_log(path):
                layers = [(str(n), str(t)) for n, t in pyogrio.list_layers(path)]
                pick = next((n for n, t in layers if any(w in t for w in wants)), None) \
                    or next((n for n, t in layers if t in ("Unknown", "GeometryCollection")), None)
                if pick is None:
                    raise KitError(f"{path}: {nothing}")
                meta, _, wkb, values = raw.read(path, layer=pick, encoding=encoding, force_2d=True)
        except (RuntimeError, OSError, UnicodeError) as exc:
            raise KitError(f"{path}: not a readable GeoJSON, GeoPackage or Shapefile: {exc}") from None
        self.geoms = shapely.from_wkb(wkb, on_invalid="ignore")  # None where undecodable
        if (broken := np.flatnonzero(shapely.is_missing(self.geoms) & np.not_equal(wkb, None))).size:
            raise KitError(f"{path} feature {broken[0]}: broken geometry")
        self.fields: dict[str, np.ndarray] = {}
        for name, vals in zip(meta["fields"], values, strict=True):
            self.fields.setdefault(str(name).lower(), vals)
        self.crs = meta["crs"] or source_crs
        if not self.crs:
            raise KitError(f"{path}: unknown CRS; give --source-crs")
        try:
            self._tf = transformer(self.crs, "EPSG:4326")
        except pyproj.exceptions.CRSError as exc:
            raise KitError(f"{path}: unusable CRS {self.crs!r}: {exc}") from None

    def field(self, *names: str) -> np.ndarray | None:
        return next((self.fields[n] for n in names if n in self.fields), None)

    def lonlat(self, xy: np.ndarray, feature: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """lon/lat of source coordinates; an error names the first feature that lands off the globe."""
        lon, lat = self._tf.transform(xy[:, 0], xy[:, 1])
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
        if bad.any():
            i = int(np.argmax(bad))
            raise KitError(f"{self.path} feature {feature[i]}: coordinates ({xy[i, 0]}, {xy[i, 1]}) are not a "
                           f"place on Earth in {self.crs} (wrong CRS or broken geometry?)")
        return lon, lat


# ---------------------------------------------------------------- roads


def read_roads(path: Path, *, source_crs: str | None = None) -> OsmData:
    """Drivable roads of a line layer as OSM-like ways; raises :class:`KitError` naming the file and why."""
    path = Path(path)
    layer = _Layer(path, ("LineString",), "no line features in it", source_crs)
    types = shapely.get_type_id(layer.geoms)
    empty = (types < 0) | shapely.is_empty(layer.geoms)
    lines = np.flatnonzero(~empty & np.isin(types, (_LINE, _MULTILINE)))
    if not len(lines):
        raise KitError(f"{path}: no line features in it")
    data = OsmData(ways_seen=len(types), missing_locations=int(empty.sum()))
    moct = {"link_id", "f_node", "t_node"} <= layer.fields.keys()
    data.ways = _moct_ways(layer, lines) if moct else _generic_ways(layer, lines)
    if not data.ways:
        raise KitError(f"{path}: no drivable roads in it ({len(lines)} lines, none of a drivable highway class)")
    return data


def _col(layer: _Layer, names: tuple[str, ...], rows: np.ndarray, conv: Callable[[object], _T],
         missing: _T) -> list[_T]:
    """A field's values at ``rows``, converted once per distinct value (road fields repeat a lot)."""
    values = layer.field(*names)
    if values is None:
        return [missing] * len(rows)
    vals = values[rows].tolist()
    try:
        memo = {v: conv(v) for v in set(vals)}
    except TypeError:  # list-typed fields come as arrays, which do not hash
        return [conv(v) for v in vals]
    return [memo[v] for v in vals]


def _moct_ways(layer: _Layer, lines: np.ndarray) -> list[OsmWay]:
    xy, idx = shapely.get_coordinates(layer.geoms[lines], return_index=True)
    lon, lat = layer.lonlat(xy, lines[idx])
    counts = np.bincount(idx, minlength=len(lines))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ends = starts + counts - 1
    # One id space: node keys first, then every interior vertex its own id after them.
    f_node, t_node = (_col(layer, (n,), lines, _text, "") for n in ("f_node", "t_node"))
    key_ids: dict[str, int] = {}
    key_id = np.fromiter((key_ids.setdefault(k, len(key_ids)) for k in f_node + t_node), np.int64, 2 * len(lines))
    node = len(key_ids) + np.arange(len(xy), dtype=np.int64)
    node[starts], node[ends] = key_id[:len(lines)], key_id[len(lines):]
    node_l, lon_l, lat_l = node.tolist(), lon.tolist(), lat.tolist()
    link_ids = _col(layer, ("link_id",), lines, _int, None)
    rank = _col(layer, ("road_rank",), lines, lambda v: _MOCT_RANK.get(_int(v), RoadClass.RESIDENTIAL),
                RoadClass.RESIDENTIAL)
    speed = _col(layer, ("max_spd",), lines, _int, None)
    name = _col(layer, ("road_name",), lines, _text, "")
    lanes = _col(layer, ("lanes",), lines, lambda v: _int(v) or 0, 0)
    ways = []
    for j, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        link, cls, kmh = link_ids[j], rank[j], speed[j]
        if link is None or link < 0 or not f_node[j] or not t_node[j]:
            raise KitError(f"{layer.path} feature {lines[j]}: LINK_ID {_text(layer.fields['link_id'][lines[j]])!r}, "
                           f"F_NODE {f_node[j]!r}, T_NODE {t_node[j]!r}: a link needs all three")
        ways.append(OsmWay(link, node_l[a:b + 1], lon_l[a:b + 1], lat_l[a:b + 1], cls,
                           float(kmh) if kmh and 0 < kmh <= 150 else DEFAULT_SPEED_KMH[cls], 1, name[j], name[j], "",
                           lanes[j], False, False))
    return ways


def _road_class(value: object, highway: bool) -> RoadClass | None:
    text = _text(value).lower()
    if not highway and text.isdigit():
        return next((c for c in RoadClass if c.value == int(text)), None)
    return HIGHWAY_CLASS.get(text)


def _oneway(value: object) -> int:
    text = _text(value).lower()
    return 1 if text in ("yes", "1", "true") else -1 if text in ("-1", "reverse") else 0


def _generic_ways(layer: _Layer, lines: np.ndarray) -> list[OsmWay]:
    parts, rows = shapely.get_parts(layer.geoms[lines], return_index=True)
    rows = lines[rows]  # the feature of each part
    xy, idx = shapely.get_coordinates(parts, return_index=True)
    lon, lat = layer.lonlat(xy, rows[idx])
    # |lon| * 1e7 < 1.8e9 and |lat| * 1e7 < 1e9, so this key is unique per grid cell and fits int64.
    key = np.round(lon * _GRID).astype(np.int64) * 2_000_000_000 + np.round(lat * _GRID).astype(np.int64)
    node = np.unique(key, return_inverse=True)[1].tolist()
    lon_l, lat_l = lon.tolist(), lat.tolist()
    bounds = np.concatenate([[0], np.cumsum(np.bincount(idx, minlength=len(parts)))]).tolist()
    has_highway = layer.field("highway") is not None
    if has_highway or layer.field("class") is not None:
        cls = _col(layer, ("highway", "class"), rows, lambda v: _road_class(v, has_highway), None)
    else:
        cls = [RoadClass.RESIDENTIAL] * len(rows)
    ids = _col(layer, ("link_id", "id"), rows, _int, None)
    if not all(i is not None and i >= 0 for i in ids):  # not integer ids: number the features
        ids = (rows + 1).tolist()
    name, name_ko, name_en = (_col(layer, n, rows, _text, "")
                              for n in (("name",), ("name_ko", "name:ko"), ("name_en", "name:en")))
    oneway = _col(layer, ("oneway",), rows, _oneway, 0)
    speed = _col(layer, ("maxspeed",), rows, lambda v: parse_maxspeed(_text(v)), None)
    lanes = _col(layer, ("lanes",), rows, lambda v: _int(v) or 0, 0)
    bridge, tunnel = (_col(layer, (n,), rows, lambda v: _text(v).lower() not in _NO, False)
                      for n in ("bridge", "tunnel"))
    ways = []
    for p in range(len(parts)):
        a, b, c = bounds[p], bounds[p + 1], cls[p]
        if c is None or b - a < 2:
            continue
        ways.append(OsmWay(ids[p], node[a:b], lon_l[a:b], lat_l[a:b], c, speed[p] or DEFAULT_SPEED_KMH[c],
                           oneway[p], name[p], name_ko[p], name_en[p], lanes[p], bridge[p], tunnel[p]))
    return ways


# ---------------------------------------------------------------- points and clip areas


def _kind(value: str) -> str | None:
    value = value.strip().lower()
    words = re.split(r"[^0-9a-z가-힣]+", value)
    return next((k for w, k in _KIND_WORDS if any(t.startswith(w) for t in words) or (not w.isascii() and w in value)),
                None)


def _row_kind(value: str, default: str) -> str:
    return (_kind(value) or value.strip().lower()) if value.strip() else default


def read_points(path: Path, *, kind: str | None = None, source_crs: str | None = None) -> list[OsmPoi]:
    """A user point layer (stations, facilities, cameras) from CSV or a vector file, in lon/lat."""
    path = Path(path)
    from sitroom.services.store import gtfs

    if gtfs.is_gtfs(path):  # a transit agency's static GTFS: its stops, named with their routes
        return gtfs.read_stops(path)
    default = kind or _kind(path.stem) or "facility"
    if path.suffix.lower() == ".csv":
        return _csv_points(path, default, source_crs)
    layer = _Layer(path, ("Point", "Polygon"), "no point features in it", source_crs)
    types = shapely.get_type_id(layer.geoms)
    keep = np.flatnonzero((types >= 0) & ~shapely.is_empty(layer.geoms))
    if not len(keep):
        raise KitError(f"{path}: no point features in it")
    geoms = layer.geoms[keep]
    geoms = np.where(np.isin(types[keep], (_POINT, _MULTIPOINT)), geoms, shapely.point_on_surface(geoms))
    pts, feature = shapely.get_parts(geoms, return_index=True)
    feature = keep[feature]
    lon, lat = layer.lonlat(shapely.get_coordinates(pts), feature)
    names, kinds = layer.field("name"), layer.field("kind", "type")
    extra = {c: layer.field(c) for c in CAMERA_COLUMNS if layer.field(c) is not None}
    points = []
    for i, x, y in zip(feature, lon, lat, strict=True):
        kind = _row_kind(_text(kinds[i]) if kinds is not None else "", default)
        camera = _camera({c: _text(v[i]) for c, v in extra.items()}, f"{path} feature {i}") \
            if kind == "camera" else None
        points.append(OsmPoi(kind, _text(names[i]) if names is not None else "", float(x), float(y), path.stem,
                             camera))
    return points


def _camera(values: dict[str, str], where: str) -> CameraSpec:
    try:
        return camera_from_columns(values, where)
    except ValueError as exc:
        raise KitError(str(exc)) from None


def _csv_points(path: Path, default: str, source_crs: str | None) -> list[OsmPoi]:
    if not path.is_file():
        raise KitError(f"{path}: no such file")
    blob = path.read_bytes()
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = blob.decode("cp949")
        except UnicodeDecodeError:
            raise KitError(f"{path}: neither UTF-8 nor CP949 text") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        return _csv_rows(path, rows, default, source_crs)
    except csv.Error as exc:  # a broken quote, an oversized field
        raise KitError(f"{path} line {rows.line_num}: not valid CSV: {exc}") from None


def _csv_rows(path: Path, rows, default: str, source_crs: str | None) -> list[OsmPoi]:
    header = [h.strip().lower() for h in next(rows, [])]
    col = {h: i for i, h in reversed(list(enumerate(header)))}
    lon_i = next((col[c] for c in ("lon", "lng", "longitude", "x") if c in col), None)
    lat_i = next((col[c] for c in ("lat", "latitude", "y") if c in col), None)
    if lon_i is None or lat_i is None:
        raise KitError(f"{path}: no lon/lat columns (found: {', '.join(header) or 'none'}; "
                       "expected lon/lng/longitude/x and lat/latitude/y)")
    name_i, kind_i = col.get("name"), next((col[c] for c in ("kind", "type") if c in col), None)
    extra_i = {c: col[c] for c in CAMERA_COLUMNS if c in col}
    found: list[tuple[int, float, float, str, str, dict[str, str]]] = []
    for row in rows:
        if not any(c.strip() for c in row):
            continue
        cell = [row[i].strip() if i is not None and i < len(row) else "" for i in (lon_i, lat_i, name_i, kind_i)]
        xy = []
        for label, value in zip(("lon", "lat"), cell[:2], strict=True):
            try:
                xy.append(float(value))
            except ValueError:
                raise KitError(f"{path} line {rows.line_num}: {label} {value!r} is not a number") from None
        found.append((rows.line_num, *xy, cell[2], cell[3],
                      {c: row[i].strip() if i < len(row) else "" for c, i in extra_i.items()}))
    if not found:
        raise KitError(f"{path}: no points in it")
    x, y = np.array([f[1] for f in found]), np.array([f[2] for f in found])
    if source_crs:
        try:
            x, y = (np.asarray(a) for a in transformer(source_crs, "EPSG:4326").transform(x, y))
        except pyproj.exceptions.CRSError as exc:
            raise KitError(f"{path}: unusable CRS {source_crs!r}: {exc}") from None
    for (line, *_), lon, lat in zip(found, x, y, strict=True):
        if not (np.isfinite(lon) and np.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
            hint = "" if source_crs else " (projected x/y? give --source-crs)"
            raise KitError(f"{path} line {line}: lon/lat ({lon}, {lat}) is outside -180..180, -90..90{hint}")
    points = []
    for (line, _, _, name, k, extra), lon, lat in zip(found, x, y, strict=True):
        kind = _row_kind(k, default)
        camera = _camera(extra, f"{path} line {line}") if kind == "camera" else None
        points.append(OsmPoi(kind, name, float(lon), float(lat), path.stem, camera))
    return points


def read_clip(path: Path, *, source_crs: str | None = None) -> shapely.Geometry:
    """The union of a file's polygons in lon/lat, to clip a kit to."""
    path = Path(path)
    layer = _Layer(path, ("Polygon",), _NO_CLIP, source_crs)
    keep = np.flatnonzero(np.isin(shapely.get_type_id(layer.geoms), (_POLYGON, _MULTIPOLYGON))
                          & ~shapely.is_empty(layer.geoms))
    polys = layer.geoms[keep]
    area = shapely.Polygon()
    if len(polys):
        xy, idx = shapely.get_coordinates(polys, return_index=True)
        lon, lat = layer.lonlat(xy, keep[idx])
        polys = shapely.set_coordinates(polys.copy(), np.column_stack([lon, lat]))
        parts = shapely.get_parts(shapely.make_valid(polys))  # make_valid may add stray lines; keep the areas
        area = shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (_POLYGON, _MULTIPOLYGON))])
    if area.is_empty or area.area <= 0:
        raise KitError(f"{path}: {_NO_CLIP}")
    return area
