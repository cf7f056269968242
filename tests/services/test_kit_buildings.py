"""Building footprints and facilities in offline kits: from OpenStreetMap (ways and multipolygons) and from GIS
polygon layers, stored beside the roads, and kits built before them still opening."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely

from sitroom.services.geo import transformer
from sitroom.services.store.build import build_kit
from sitroom.services.store.footprints import FACILITIES_FILE, FOOTPRINTS_FILE, Facility, Footprints
from sitroom.services.store.kit import KitError, load_kit, save_kit
from tests.kits import grid_kit
from tests.services.test_kit_build import HELSINKI, SHARED_OSM, needs_helsinki, needs_shared
from tests.services.test_vector_sources import moct_shapefile, write

SONGPA = SHARED_OSM / "seoul-songpa.osm.pbf"


@needs_shared
def test_songpa_buildings_become_footprints_with_names_and_storeys(tmp_path: Path) -> None:
    kit = build_kit(tmp_path / "songpa", osm=SONGPA)
    fp = kit.footprints
    assert len(fp) > 1300  # the extract's 1,355 building ways, and its multipolygons
    assert all(isinstance(g, shapely.Polygon | shapely.MultiPolygon) for g in fp)  # a sequence of polygons
    assert fp.geometry.dtype == object and len(fp.geometry) == len(fp)
    assert shapely.is_valid(fp.geometry).all()
    minx, miny, maxx, maxy = shapely.total_bounds(fp.geometry)  # kit metres (EPSG:5179), not degrees
    assert 960_000 < minx < maxx < 975_000 and 1_940_000 < miny < maxy < 1_955_000
    areas = shapely.area(fp.geometry)
    assert 20 < float(np.median(areas)) < 5000  # square metres: houses to towers
    assert (fp.levels > 0).sum() > 500 and np.isfinite(fp.height_m).sum() >= (fp.levels > 0).sum()
    assert sum(bool(n) for n in fp.name) > 300
    assert Counter(fp.building)["apartments"] > 200
    kinds = Counter(f.kind for f in kit.facilities)
    assert kinds["hospital"] >= 3 and kinds["school"] >= 3 and kinds["bridge"] >= 3 and kinds["tunnel"] == 1
    hospitals = [f for f in kit.facilities if f.kind == "hospital"]
    assert all(f.footprint >= 0 and shapely.contains_xy(fp[f.footprint], f.x, f.y) for f in hospitals)
    bridges = {f.name: f for f in kit.facilities if f.kind == "bridge"}
    assert "잠실철교" in bridges and bridges["잠실철교"].footprint == -1  # a bridge is a point, not a building
    assert len({f.id for f in kit.facilities}) == len(kit.facilities)
    again = load_kit(tmp_path / "songpa")
    assert again.facilities == kit.facilities
    assert shapely.equals_exact(again.footprints.geometry, fp.geometry, tolerance=0).all()
    assert again.footprints.name == fp.name and np.array_equal(again.footprints.levels, fp.levels)


@needs_shared
def test_a_clip_keeps_the_buildings_inside_it(tmp_path: Path) -> None:
    whole = build_kit(tmp_path / "whole", osm=SONGPA)
    part = build_kit(tmp_path / "part", osm=SONGPA, bbox=(127.09, 37.505, 127.11, 37.52))
    assert 0 < len(part.footprints) < len(whole.footprints)
    to_lonlat = transformer(part.crs, "EPSG:4326")
    at = shapely.get_coordinates(shapely.point_on_surface(part.footprints.geometry))
    lon, lat = to_lonlat.transform(at[:, 0], at[:, 1])
    assert (np.asarray(lon) >= 127.09).all() and (np.asarray(lon) <= 127.11).all()
    assert (np.asarray(lat) >= 37.505).all() and (np.asarray(lat) <= 37.52).all()


@needs_helsinki
def test_helsinki_building_multipolygons_are_assembled(tmp_path: Path) -> None:
    kit = build_kit(tmp_path / "helsinki", osm=HELSINKI)
    fp = kit.footprints
    assert len(fp) > 400
    holed = [g for g in fp if g.geom_type == "MultiPolygon" or len(g.interiors)]
    assert holed  # courtyard blocks: outer rings less their inner ones
    assert Counter(f.kind for f in kit.facilities)["school"] >= 3
    assert load_kit(tmp_path / "helsinki").footprints.building == fp.building


def test_gis_polygon_layers_become_footprints_with_korean_registry_fields(tmp_path: Path) -> None:
    roads, _links = moct_shapefile(tmp_path / "roads")
    to_tm = transformer("EPSG:4326", "EPSG:5186")
    x0, y0 = to_tm.transform(127.38, 36.35)
    boxes = [shapely.box(x0 + 50 + 120 * i, y0 + 50, x0 + 130 + 120 * i, y0 + 110) for i in range(3)]
    write(tmp_path / "buildings.gpkg", boxes, {"BLD_NM": ["대전시청", "", "한밭병원"], "GRND_FLR": [20, 3, 8],
                                               "HEIGHT": [85.5, None, None], "FACILITY": ["공공청사", "", "병원"]},
          "EPSG:5186", geometry_type="Polygon")
    write(tmp_path / "schools.gpkg", [shapely.box(x0 + 420, y0 + 420, x0 + 500, y0 + 480)],
          {"BULD_NM": ["둔산초등학교"]}, "EPSG:5186", geometry_type="Polygon")
    kit = build_kit(tmp_path / "kit", roads=[roads],
                    buildings=[tmp_path / "buildings.gpkg", tmp_path / "schools.gpkg"])
    fp = kit.footprints
    assert len(fp) == 4
    assert fp.name[:3] == ("대전시청", "", "한밭병원")
    assert fp.levels.tolist() == [20, 3, 8, -1]
    assert fp.height_m[0] == pytest.approx(85.5) and fp.height_m[1] == pytest.approx(9.0)  # 3 m a storey
    assert abs(shapely.area(fp[0]) - 80 * 60) < 5  # the polygon, reprojected from EPSG:5186 to the kit's CRS
    kinds = {f.name: (f.kind, f.footprint) for f in kit.facilities}
    assert kinds == {"대전시청": ("public_building", 0), "한밭병원": ("hospital", 2), "둔산초등학교": ("school", 3)}
    assert {"buildings.gpkg", "schools.gpkg"} <= {s["name"] for s in kit.sources}


def test_a_layer_of_points_finds_the_building_each_stands_in(tmp_path: Path) -> None:
    roads, _links = moct_shapefile(tmp_path / "roads")
    to_tm = transformer("EPSG:4326", "EPSG:5186")
    x0, y0 = to_tm.transform(127.38, 36.35)
    write(tmp_path / "blocks.gpkg", [shapely.box(x0 + 50, y0 + 50, x0 + 130, y0 + 110)], {"name": ["본관"]},
          "EPSG:5186", geometry_type="Polygon")
    lon, lat = transformer("EPSG:5186", "EPSG:4326").transform([x0 + 90, x0 + 700], [y0 + 80, y0 + 700])
    (tmp_path / "hospitals.csv").write_text(f"lon,lat,name\n{lon[0]},{lat[0]},한밭병원\n{lon[1]},{lat[1]},야외진료소\n",
                                            encoding="utf-8")
    kit = build_kit(tmp_path / "kit", roads=[roads], layers=[tmp_path / "hospitals.csv"],
                    buildings=[tmp_path / "blocks.gpkg"])
    got = {f.name: (f.kind, f.footprint, f.id) for f in kit.facilities}
    assert got == {"한밭병원": ("hospital", 0, "hospitals-0"), "야외진료소": ("hospital", -1, "hospitals-1")}


def test_a_polygon_layer_without_polygons_is_refused_naming_it(tmp_path: Path) -> None:
    roads, _links = moct_shapefile(tmp_path / "roads")
    write(tmp_path / "points.gpkg", [shapely.Point(127.38, 36.35)], {"name": ["x"]}, "EPSG:4326",
          geometry_type="Point")
    with pytest.raises(KitError, match=r"points\.gpkg: no polygon"):
        build_kit(tmp_path / "kit", roads=[roads], buildings=[tmp_path / "points.gpkg"])
    assert not (tmp_path / "kit").exists()


def test_kits_without_buildings_open_and_write_no_files_for_them(tmp_path: Path) -> None:
    path = save_kit(grid_kit(4), tmp_path / "plain")
    assert not (path / FOOTPRINTS_FILE).exists() and not (path / FACILITIES_FILE).exists()
    meta = json.loads((path / "kit.json").read_text(encoding="utf-8"))
    assert "footprints" not in meta and "facilities" not in meta  # as every kit written before
    kit = load_kit(path)
    assert len(kit.footprints) == 0 and not kit.footprints and list(kit.footprints) == [] and kit.facilities == ()


def with_buildings(tmp_path: Path) -> Path:
    kit = grid_kit(4)
    x, y = kit.roads.node_xy[5]
    polys = [shapely.box(x + 10, y + 10, x + 60, y + 40), shapely.Polygon(
        [(x - 100, y), (x - 40, y), (x - 40, y + 50), (x - 100, y + 50)], [[(x - 80, y + 10), (x - 60, y + 10),
                                                                            (x - 60, y + 30)]])]
    fp = Footprints.of(polys, ["중앙병원", ""], ["hospital", "yes"], [5, -1], [float("nan"), 7.5])
    facilities = (Facility("F-1", "hospital", "중앙병원", x + 35, y + 25, 0), Facility("F-2", "bridge", "", x, y))
    return save_kit(dataclasses.replace(kit, footprints=fp, facilities=facilities), tmp_path / "built")


def test_footprints_and_facilities_round_trip_exactly(tmp_path: Path) -> None:
    kit = load_kit(with_buildings(tmp_path))
    assert len(kit.footprints) == 2 and len(kit.footprints[1].interiors) == 1
    assert kit.footprints.height_m.tolist() == [15.0, 7.5]  # 5 storeys of 3 m; a given height kept
    assert kit.footprints.name == ("중앙병원", "") and kit.facilities[0].footprint == 0
    assert kit.facilities[1] == Facility("F-2", "bridge", "", kit.facilities[1].x, kit.facilities[1].y, -1)


@pytest.mark.parametrize("damage", ["flip", "missing", "facility", "kind"])
def test_damaged_building_files_are_refused_naming_the_file(tmp_path: Path, damage: str) -> None:
    path = with_buildings(tmp_path)
    if damage == "flip":
        blob = bytearray((path / FOOTPRINTS_FILE).read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        (path / FOOTPRINTS_FILE).write_bytes(bytes(blob))
        name = FOOTPRINTS_FILE
    elif damage == "missing":
        (path / FACILITIES_FILE).unlink()
        name = FACILITIES_FILE
    else:
        rows = json.loads((path / FACILITIES_FILE).read_text(encoding="utf-8"))
        rows[0]["footprint" if damage == "facility" else "kind"] = 7 if damage == "facility" else "castle"
        (path / FACILITIES_FILE).write_text(json.dumps(rows), encoding="utf-8")
        name = FACILITIES_FILE
    with pytest.raises(KitError, match=name.replace(".", r"\.")):
        load_kit(path)


def test_a_kit_with_buildings_is_still_a_kit_a_build_may_replace(tmp_path: Path) -> None:
    path = with_buildings(tmp_path)
    save_kit(grid_kit(4), path)  # replaced: the old kit's building files go with it
    assert sorted(p.name for p in path.iterdir()) == ["kit.json", "roads.npz"]


def test_kit_build_takes_building_layers_and_kit_info_counts_them(tmp_path: Path, capsys) -> None:
    from sitroom.app.cli import main

    roads, _links = moct_shapefile(tmp_path / "roads")
    x0, y0 = transformer("EPSG:4326", "EPSG:5186").transform(127.38, 36.35)
    write(tmp_path / "hospitals.gpkg", [shapely.box(x0 + 50, y0 + 50, x0 + 130, y0 + 110)], {"name": ["한밭병원"]},
          "EPSG:5186", geometry_type="Polygon")
    assert main(["kit", "build", "--roads", str(roads), "--buildings", str(tmp_path / "hospitals.gpkg"),
                 "--out", str(tmp_path / "kit")]) == 0
    assert "buildings: 1 footprints (0 with storeys); facilities: hospital 1" in capsys.readouterr().out
