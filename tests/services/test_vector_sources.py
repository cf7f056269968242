"""Roads, points and clip areas from Shapefile, GeoPackage, GeoJSON and CSV, and their clear errors."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio import raw

from sitroom.services.geo import Projector, transformer
from sitroom.services.store.build import build_graph
from sitroom.services.store.kit import DEFAULT_SPEED_KMH, KitError, RoadClass
from sitroom.services.store.vector import is_vector_file, read_clip, read_points, read_roads

LON0, LAT0 = 127.38, 36.35  # Daejeon


def write(path: Path, geoms: list[shapely.Geometry], fields: dict[str, list], crs: str, **kw) -> Path:
    arrays = [np.asarray(v, dtype=object if any(isinstance(x, str) or x is None for x in v) else None)
              for v in fields.values()]
    kw.setdefault("geometry_type", "Unknown")
    raw.write(path, shapely.to_wkb(np.asarray(geoms, dtype=object)), arrays, list(fields), crs=crs, **kw)
    return path


def moct_shapefile(folder: Path, encoding: str = "cp949", keep_cpg: bool = False) -> tuple[Path, list[dict]]:
    """A 3x3 node grid in EPSG:5186: rows are two-way (one link each way), one column a one-way link."""
    folder.mkdir(parents=True, exist_ok=True)
    to_tm = transformer("EPSG:4326", "EPSG:5186")
    x0, y0 = to_tm.transform(LON0, LAT0)
    node_xy = {f"30100{r}{c}000": (x0 + 400.0 * c, y0 + 400.0 * r) for r in range(3) for c in range(3)}
    links: list[dict] = []

    def link(a: str, b: str, rank: str, name: str, spd: int, bend: bool = False) -> None:
        (ax, ay), (bx, by) = node_xy[a], node_xy[b]
        pts = [(ax, ay), ((ax + bx) / 2 + 30.0, (ay + by) / 2 + 30.0), (bx, by)] if bend else [(ax, ay), (bx, by)]
        links.append({"LINK_ID": f"30100{len(links):05d}", "F_NODE": a, "T_NODE": b, "ROAD_RANK": rank,
                      "ROAD_NAME": name, "MAX_SPD": spd, "LANES": 2, "geom": shapely.LineString(pts)})

    names = {0: ("103", "한밭대로", 60), 1: ("104", "계룡로", 0), 2: ("101", "호남고속도로", 100)}
    for r, (rank, name, spd) in names.items():
        for c in range(2):
            a, b = f"30100{r}{c}000", f"30100{r}{c + 1}000"
            link(a, b, rank, name, spd, bend=(r == 0))
            link(b, a, rank, name, spd, bend=(r == 0))
    for c in range(3):
        for r in range(2):
            a, b = f"30100{r}{c}000", f"30100{r + 1}{c}000"
            link(a, b, "107", "대덕대로", 999)
            if (r, c) != (0, 1):
                link(b, a, "107", "대덕대로", 999)
    path = folder / "MOCT_LINK.shp"
    write(path, [lk["geom"] for lk in links], {k: [lk[k] for lk in links] for k in links[0] if k != "geom"},
          "EPSG:5186", geometry_type="LineString", encoding=encoding)
    if not keep_cpg:
        path.with_suffix(".cpg").unlink()  # the real files ship without one
    return path, links


# ---------------------------------------------------------------- Korean standard node-link


@pytest.mark.parametrize(("encoding", "keep_cpg"), [("cp949", False), ("utf-8", False), ("cp949", True)])
def test_moct_node_link_shapefile(tmp_path: Path, encoding: str, keep_cpg: bool) -> None:
    path, links = moct_shapefile(tmp_path, encoding, keep_cpg)
    assert path.with_suffix(".cpg").exists() == keep_cpg
    data = read_roads(path)
    assert data.ways_seen == len(links) == len(data.ways)
    by_id = {w.id: w for w in data.ways}
    assert set(by_id) == {int(lk["LINK_ID"]) for lk in links}  # 10-digit ids kept exactly
    assert all(w.oneway == 1 for w in data.ways)
    assert {w.name for w in data.ways} == {"한밭대로", "계룡로", "호남고속도로", "대덕대로"}
    assert all(w.name_ko == w.name for w in data.ways)
    first = by_id[int(links[0]["LINK_ID"])]
    assert (first.road_class, first.speed_kmh, first.lanes) == (RoadClass.PRIMARY, 60.0, 2)
    assert len(first.nodes) == 3  # the bend is an interior vertex
    classes = {w.name: (w.road_class, w.speed_kmh) for w in data.ways}
    assert classes["계룡로"] == (RoadClass.PRIMARY, DEFAULT_SPEED_KMH[RoadClass.PRIMARY])  # MAX_SPD 0
    assert classes["대덕대로"] == (RoadClass.TERTIARY, DEFAULT_SPEED_KMH[RoadClass.TERTIARY])  # MAX_SPD 999
    assert classes["호남고속도로"] == (RoadClass.MOTORWAY, 100.0)
    lon = np.concatenate([w.lon for w in data.ways])
    lat = np.concatenate([w.lat for w in data.ways])
    assert np.allclose(lon.min(), LON0, atol=1e-6) and lon.max() < LON0 + 0.02
    assert np.allclose(lat.min(), LAT0, atol=1e-6) and lat.max() < LAT0 + 0.02
    # Endpoints: the same node id wherever a link starts or ends at the same F_NODE/T_NODE.
    node_of: dict[str, int] = {}
    for lk in links:
        w = by_id[int(lk["LINK_ID"])]
        for key, nid in ((lk["F_NODE"], w.nodes[0]), (lk["T_NODE"], w.nodes[-1])):
            assert node_of.setdefault(key, nid) == nid
    interior = {n for w in data.ways for n in w.nodes[1:-1]}
    assert len(node_of) == 9 and len(set(node_of.values())) == 9
    assert interior and not interior & set(node_of.values())


def test_moct_links_build_a_graph_keyed_by_link_id(tmp_path: Path) -> None:
    path, links = moct_shapefile(tmp_path)
    data = read_roads(path)
    g = build_graph(data, None, Projector("EPSG:5179"))
    assert g.n_edges == sum(len(w.nodes) - 1 for w in data.ways)
    assert set(g.edge_link.tolist()) == {int(lk["LINK_ID"]) for lk in links}
    assert g.n_nodes == 9 + sum(len(w.nodes) - 2 for w in data.ways)
    one_way = next(lk for lk in links if lk["F_NODE"] == "3010001000" and lk["T_NODE"] == "3010011000")
    assert np.count_nonzero(g.edge_link == int(one_way["LINK_ID"])) == 1
    assert 300.0 < float(np.median(g.edge_length)) < 500.0


# ---------------------------------------------------------------- generic lines


def test_generic_lines_geopackage(tmp_path: Path) -> None:
    d = 0.001
    geoms = [
        shapely.LineString([(LON0, LAT0), (LON0 + d, LAT0), (LON0 + 2 * d, LAT0)]),
        shapely.LineString([(LON0 + d, LAT0), (LON0 + d, LAT0 + d)]),  # meets the first at its middle vertex
        shapely.MultiLineString([[(LON0 + 2 * d, LAT0), (LON0 + 2 * d, LAT0 + d)],
                                 [(LON0 + 2 * d, LAT0 + d), (LON0 + 3 * d, LAT0 + d)]]),
        shapely.LineString([(LON0, LAT0), (LON0, LAT0 - d)]),
        None,
    ]
    fields = {"highway": ["primary", "residential", "secondary", "footway", "residential"],
              "name": ["대학로", "", "Gyeryong-ro", "path", None], "name:en": ["Daehak-ro", "", "", "", ""],
              "oneway": ["yes", "-1", "no", None, None], "maxspeed": ["50", None, "30 mph", None, None],
              "lanes": ["4", "x", None, None, None], "bridge": ["yes", "no", None, None, None],
              "link_id": [1_000_000_001, 1_000_000_002, 1_000_000_003, 1_000_000_004, 1_000_000_005]}
    data = read_roads(write(tmp_path / "roads.gpkg", geoms, fields, "EPSG:4326", layer="roads"))
    assert (data.ways_seen, data.missing_locations) == (5, 1)
    assert [w.id for w in data.ways] == [1_000_000_001, 1_000_000_002, 1_000_000_003, 1_000_000_003]
    a, b, c1, c2 = data.ways
    assert (a.road_class, a.speed_kmh, a.oneway, a.name, a.name_en, a.lanes, a.bridge) == \
        (RoadClass.PRIMARY, 50.0, 1, "대학로", "Daehak-ro", 4, True)
    assert (b.road_class, b.oneway, b.speed_kmh, b.lanes, b.bridge) == \
        (RoadClass.RESIDENTIAL, -1, DEFAULT_SPEED_KMH[RoadClass.RESIDENTIAL], 0, False)
    assert c1.speed_kmh == pytest.approx(48.28, abs=0.01) and c1.oneway == 0
    assert b.nodes[0] == a.nodes[1] and c1.nodes[0] == a.nodes[2] and c2.nodes[0] == c1.nodes[-1]
    assert len({n for w in data.ways for n in w.nodes}) == 6
    g = build_graph(data, None, Projector("EPSG:5179"))
    assert set(g.edge_link.tolist()) <= {1_000_000_001, 1_000_000_002, 1_000_000_003}


def test_generic_lines_geojson_in_web_mercator(tmp_path: Path) -> None:
    to_merc = transformer("EPSG:4326", "EPSG:3857")
    pts = [to_merc.transform(LON0 + 0.001 * i, LAT0) for i in range(3)]
    geoms = [shapely.LineString(pts[:2]), shapely.LineString(pts[1:])]
    path = write(tmp_path / "roads.geojson", geoms, {"highway": ["tertiary", "tertiary"], "name": ["a", "b"],
                                                     "oneway": ["true", "1"], "id": ["x1", "x2"]}, "EPSG:3857")
    data = read_roads(path)
    assert [w.id for w in data.ways] == [1, 2]  # non-integer ids: the feature number
    assert all(w.oneway == 1 and w.road_class == RoadClass.TERTIARY for w in data.ways)
    assert data.ways[0].nodes[1] == data.ways[1].nodes[0]
    assert data.ways[1].lon[-1] == pytest.approx(LON0 + 0.002) and data.ways[1].lat[-1] == pytest.approx(LAT0)


def test_generic_lines_without_a_class_field_are_residential(tmp_path: Path) -> None:
    path = write(tmp_path / "lines.geojson", [shapely.LineString([(LON0, LAT0), (LON0 + 0.01, LAT0)])],
                 {"name": ["x"]}, "EPSG:4326")
    (w,) = read_roads(path).ways
    assert (w.road_class, w.id, w.oneway) == (RoadClass.RESIDENTIAL, 1, 0)


# ---------------------------------------------------------------- errors name the file and why


def test_shapefile_missing_sidecars_and_crs(tmp_path: Path) -> None:
    for ext in ("dbf", "shx"):
        path, _ = moct_shapefile(tmp_path / ext)
        path.with_suffix(f".{ext}").unlink()
        with pytest.raises(KitError, match=rf"MOCT_LINK\.{ext}: missing \(a shapefile needs its \.shp, \.shx"):
            read_roads(path)
    path, links = moct_shapefile(tmp_path / "prj")
    path.with_suffix(".prj").unlink()
    with pytest.raises(KitError, match=r"MOCT_LINK\.shp: unknown CRS; give --source-crs"):
        read_roads(path)
    data = read_roads(path, source_crs="EPSG:5186")
    assert len(data.ways) == len(links) and 127.0 < data.ways[0].lon[0] < 128.0


def test_corrupt_truncated_and_missing_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(KitError, match=r"junk\.gpkg: not a readable"):
        read_roads(junk)
    path, _ = moct_shapefile(tmp_path / "cut")
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])  # GDAL alone would return the lost links as null geometries
    with pytest.raises(KitError, match=r"MOCT_LINK\.shp: truncated"):
        read_roads(path)
    path.write_bytes(blob[:40])
    with pytest.raises(KitError, match=r"MOCT_LINK\.shp: not a shapefile"):
        read_roads(path)
    with pytest.raises(KitError, match=r"nowhere\.shp: no such file"):
        read_roads(tmp_path / "nowhere.shp")


def test_bad_contents(tmp_path: Path) -> None:
    pts = write(tmp_path / "pts.geojson", [shapely.Point(LON0, LAT0)], {"name": ["p"]}, "EPSG:4326",
                geometry_type="Point")
    with pytest.raises(KitError, match=r"pts\.geojson: no line features"):
        read_roads(pts)
    walk = write(tmp_path / "walk.geojson", [shapely.LineString([(LON0, LAT0), (LON0 + 0.01, LAT0)])],
                 {"highway": ["footway"]}, "EPSG:4326")
    with pytest.raises(KitError, match=r"walk\.geojson: no drivable roads"):
        read_roads(walk)
    wrong = write(tmp_path / "metres.geojson", [shapely.LineString([(LON0, LAT0), (LON0 + 0.01, LAT0)]),
                                                shapely.LineString([(235000.0, 415000.0), (236000.0, 415000.0)])],
                  {"highway": ["primary", "primary"]}, "EPSG:4326")
    with pytest.raises(KitError, match=r"metres\.geojson feature 1: coordinates .* not a place on Earth"):
        read_roads(wrong)
    broken = tmp_path / "broken.geojson"
    features = [{"type": "Feature", "properties": {"highway": "primary"}, "geometry": geom} for geom in (
        {"type": "LineString", "coordinates": [[LON0, LAT0], [LON0 + 0.01, LAT0]]},
        None,
        {"type": "LineString", "coordinates": [[LON0, LAT0]]},  # one point: not a line
    )]
    broken.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    with pytest.raises(KitError, match=r"broken\.geojson feature 2: broken geometry"):
        read_roads(broken)
    broken.write_text(json.dumps({"type": "FeatureCollection", "features": features[:2]}), encoding="utf-8")
    data = read_roads(broken)
    assert (len(data.ways), data.ways_seen, data.missing_locations) == (1, 2, 1)
    path, links = moct_shapefile(tmp_path / "ids")
    links[3]["LINK_ID"] = "abc"
    write(path, [lk["geom"] for lk in links], {k: [lk[k] for lk in links] for k in links[0] if k != "geom"},
          "EPSG:5186", geometry_type="LineString", encoding="cp949")
    with pytest.raises(KitError, match=r"MOCT_LINK\.shp feature 3: LINK_ID 'abc'"):
        read_roads(path)


def test_gdal_warnings_go_to_the_log_naming_the_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GDAL warns of repeated feature ids in GeoJSON (common in exports); the warning is logged with the file,
    not left to print as a bare RuntimeWarning pointing into pyogrio."""
    dup = tmp_path / "exported.geojson"
    features = [{"type": "Feature", "id": 7, "properties": {"highway": "residential", "name": name},
                 "geometry": {"type": "LineString", "coordinates": line}}
                for name, line in (("a", [[LON0, LAT0], [LON0 + 0.01, LAT0]]),
                                   ("b", [[LON0 + 0.01, LAT0], [LON0 + 0.01, LAT0 + 0.01]]))]
    dup.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    with (warnings.catch_warnings(record=True) as seen,
          caplog.at_level(logging.WARNING, "sitroom.services.store.vector")):
        warnings.simplefilter("always")
        data = read_roads(dup)
    assert len(data.ways) == 2
    assert [str(w.message) for w in seen] == []
    logged = [r.getMessage() for r in caplog.records if r.name == "sitroom.services.store.vector"]
    assert len(logged) == 1 and logged[0].startswith(f"{dup}: Several features with id = 7")


def test_cli_build_keeps_gdal_warnings_off_bare_stderr(tmp_path: Path) -> None:
    dup = tmp_path / "exported.geojson"
    features = [{"type": "Feature", "id": 1, "properties": {"highway": "residential"},
                 "geometry": {"type": "LineString", "coordinates": line}}
                for line in ([[LON0, LAT0], [LON0 + 0.01, LAT0]], [[LON0 + 0.01, LAT0], [LON0 + 0.01, LAT0 + 0.01]])]
    dup.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "sitroom", "kit", "build", "--roads", str(dup), "--out",
                          str(tmp_path / "k")], capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "RuntimeWarning" not in out.stderr and "pyogrio" not in out.stderr
    warned = [line for line in out.stderr.splitlines() if "Several features with id = 1" in line]
    assert len(warned) == 1 and "sitroom.services.store.vector WARNING" in warned[0] and str(dup) in warned[0]


# ---------------------------------------------------------------- points


def test_csv_points(tmp_path: Path) -> None:
    good = tmp_path / "fire_stations.csv"
    good.write_text("\ufeffName,Longitude,Latitude,type\n유성소방서,127.35,36.36,\n"
                    "\"Ambulance, 1\",127.36,36.37,ambulance\n\n", encoding="utf-8")
    a, b = read_points(good)
    assert (a.kind, a.name, a.lon, a.lat, a.layer) == ("fire", "유성소방서", 127.35, 36.36, "fire_stations")
    assert (b.kind, b.name) == ("ems", "Ambulance, 1")
    assert read_points(good, kind="school")[0].kind == "school"
    korean = tmp_path / "시설.csv"
    korean.write_bytes("name,lon,lat\n대전역,127.43,36.33\n".encode("cp949"))
    (p,) = read_points(korean)
    assert (p.name, p.kind) == ("대전역", "facility")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lng,lat\nok,127.1,36.1\nbroken,abc,36.2\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"bad\.csv line 3: lon 'abc' is not a number"):
        read_points(bad)
    far = tmp_path / "far.csv"
    far.write_text("x,y\n234000,415000\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"far\.csv line 2: .*outside.*--source-crs"):
        read_points(far)
    (q,) = read_points(far, source_crs="EPSG:5186")
    assert 127.0 < q.lon < 128.0 and 36.0 < q.lat < 37.0
    cols = tmp_path / "cols.csv"
    cols.write_text("name,east,north\na,1,2\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"cols\.csv: no lon/lat columns \(found: name, east, north"):
        read_points(cols)


def test_vector_points(tmp_path: Path) -> None:
    square = shapely.box(LON0, LAT0, LON0 + 0.01, LAT0 + 0.01)
    geoms = [shapely.Point(LON0, LAT0), shapely.MultiPoint([(LON0 + 0.1, LAT0), (LON0 + 0.2, LAT0)]), square]
    path = write(tmp_path / "cctv.geojson", geoms, {"name": ["c1", "c2", "hospital"], "type": [None, "", "병원"]},
                 "EPSG:4326")
    pois = read_points(path)
    assert [(p.name, p.kind) for p in pois] == [("c1", "camera"), ("c2", "camera"), ("c2", "camera"),
                                                ("hospital", "hospital")]
    assert pois[2].lon == pytest.approx(LON0 + 0.2)
    assert square.contains(shapely.Point(pois[3].lon, pois[3].lat))
    assert {p.layer for p in pois} == {"cctv"}


# ---------------------------------------------------------------- clip areas


def test_clip_polygons(tmp_path: Path) -> None:
    to_tm = transformer("EPSG:4326", "EPSG:5186")
    x, y = to_tm.transform(LON0, LAT0)
    boxes = [shapely.box(x, y, x + 1000, y + 1000), shapely.box(x + 500, y, x + 2000, y + 500)]
    shp = write(tmp_path / "area.shp", boxes, {"code": [1, 2]}, "EPSG:5186", geometry_type="Polygon")
    area = read_clip(shp)
    assert area.geom_type == "Polygon"  # the two overlapping boxes, unioned
    w, s, e, _ = area.bounds
    assert w == pytest.approx(LON0, abs=1e-6) and s == pytest.approx(LAT0, abs=1e-3) and 0.01 < e - w < 0.03
    lines = write(tmp_path / "lines.geojson", [shapely.LineString([(0, 0), (1, 1)])], {"a": [1]}, "EPSG:4326")
    with pytest.raises(KitError, match=r"lines\.geojson: no polygon in it \(empty clip area\)"):
        read_clip(lines)
    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    with pytest.raises(KitError, match=r"empty\.geojson: no polygon"):
        read_clip(empty)


def test_is_vector_file() -> None:
    assert all(is_vector_file(Path(f"a.{s}")) for s in ("geojson", "json", "GPKG", "shp"))
    assert not any(is_vector_file(Path(f"a.{s}")) for s in ("pbf", "osm", "csv"))
