"""What ``sitroom kit info`` and ``sitroom kit route`` print: street lengths, the roads' extent, partial data,
durations, snap distances and the warnings past the snap limit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import shapely

from sitroom.app.cli import SNAP_WARN_M, _duration, main
from sitroom.services.geo import Projector
from sitroom.services.store.kit import District, save_kit
from tests.kits import grid_kit
from tests.services.test_kit_build import HELSINKI, SHARED_OSM, needs_helsinki, needs_shared

# 5 edges of 399.334 m at 40 km/h: 179.70 s from one end of a grid street to the other.
SPACING = 399.334


def _kit_dir(tmp_path: Path, kit=None) -> Path:
    return save_kit(kit if kit is not None else grid_kit(6, spacing=SPACING), tmp_path / "grid")


def _lonlat(kit, x: float, y: float) -> str:
    lon, lat = Projector(kit.crs).inverse(x, y)
    return f"{float(lon):.8f},{float(lat):.8f}"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_durations_round_once() -> None:
    assert _duration(179.6) == "3 min 0 s"
    assert _duration(159.4) == "2 min 39 s"
    assert _duration(42.2) == "42 s"
    assert _duration(3599.7) == "1 h 0 min"
    assert _duration(5000) == "1 h 23 min"


def test_route_time_never_reads_60_s(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kit = grid_kit(6, spacing=SPACING)
    path = _kit_dir(tmp_path, kit)
    xy = kit.roads.node_xy
    code, out, _ = _run(capsys, "kit", "route", str(path), "--from", _lonlat(kit, *xy[0]),
                        "--to", _lonlat(kit, *xy[30]))
    assert code == 0
    assert out.splitlines()[0] == "2.00 km, 3 min 0 s at free flow, 5 edges"
    assert "60 s" not in out


def test_route_to_the_same_place_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kit = grid_kit(6, spacing=SPACING)
    path = _kit_dir(tmp_path, kit)
    x, y = kit.roads.node_xy[7] + (SPACING / 2, 20.0)  # 20 m off the middle of a street
    here = _lonlat(kit, x, y)
    code, out, err = _run(capsys, "kit", "route", str(path), "--from", here, "--to", here)
    assert code == 0 and not err
    assert "the start and the end meet the road at the same place" in out and "nothing to drive" in out
    assert "0.00 km" not in out and "1 edges" not in out
    assert "start: 20 m from the point given" in out and "end: 20 m from the point given" in out


def test_route_prints_each_snap_distance_and_warns_past_the_limit(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    kit = grid_kit(6, spacing=SPACING)
    path = _kit_dir(tmp_path, kit)
    xy = kit.roads.node_xy
    near = _lonlat(kit, xy[0, 0] + 100.0, xy[0, 1] - 40.0)  # 40 m south of the first street
    far = _lonlat(kit, xy[30, 0] + 300.0, xy[30, 1] + 100.0)  # 300 m east of the last street
    code, out, err = _run(capsys, "kit", "route", str(path), "--from", near, "--to", far)
    assert code == 0
    assert "start: 40 m from the point given, on 동서로 0" in out
    assert "end: 300 m from the point given, on 남북로 5" in out
    assert SNAP_WARN_M < 300
    assert err.count("warning") == 1
    assert f"the end is 300 m from the nearest road (more than {SNAP_WARN_M:.0f} m)" in err
    assert "the start" not in err


def test_route_names_a_lat_lon_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kit = grid_kit(6, spacing=SPACING)
    path = _kit_dir(tmp_path, kit)
    lon, lat = (float(v) for v in _lonlat(kit, *kit.roads.node_xy[8]).split(","))
    code, out, err = _run(capsys, "kit", "route", str(path), "--from", f"{lat},{lon}",
                          "--to", _lonlat(kit, *kit.roads.node_xy[0]))
    assert code == 1 and not out
    assert "the start is more than 500 m from any road" in err
    assert f"--from {lat:g},{lon:g} looks like LAT,LON: give LON,LAT, i.e. --from {lon:g},{lat:g}" in err
    code, _, err = _run(capsys, "kit", "route", str(path), "--from", "126.0,35.0", "--to", f"{lon},{lat}")
    assert code == 1 and "--from 126,35 is outside the kit's roads (W " in err and "--to" not in err


def test_info_counts_each_street_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save_kit(grid_kit(6, spacing=200.0), tmp_path / "grid")  # 60 two-way streets of 200 m
    code, out, _ = _run(capsys, "kit", "info", str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Test grid: EPSG:5179"
    assert lines[1] == "  roads: 12.0 km of street: primary 1.2 km, residential 10.8 km"
    assert lines[2] == ("  graph: 36 nodes, 120 directed edges, 24.0 km over directed edges (a two-way street "
                        "counts once each way)")
    assert lines[3].startswith("  extent of the roads: W 127.38499, S 36.35100, E 127.39614, N 36.36003")
    assert lines[3].endswith("(1.0 × 1.0 km)")
    assert "only part" not in out


def test_info_says_when_the_data_covers_only_part_of_the_area(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    kit = grid_kit(6, spacing=200.0)
    x0, y0 = kit.roads.node_xy.min(axis=0)
    gu = District("30140", "중구", "Jung-gu", "gu", "", shapely.box(x0 - 4000, y0 - 4000, x0 + 6000, y0 + 6000))
    path = save_kit(dataclasses.replace(kit, districts=(gu,)), tmp_path / "corner")
    code, out, _ = _run(capsys, "kit", "info", str(path))
    assert code == 0
    assert ("  the data covers only part of the area: 1% of its districts' area lies within the roads' hull; "
            "the districts extend over W ") in out
    assert out.rstrip().splitlines()[4].endswith("(10.0 × 10.0 km)")


@needs_helsinki
def test_helsinki_info_and_route(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kit", "build", "--osm", str(HELSINKI), "--out", str(tmp_path / "k")]) == 0
    out = capsys.readouterr().out
    assert "  extent of the roads: W 24.93555, S 60.16416, E 24.95339, N 60.17901 (1.0 × 1.7 km)" in out
    street = float(out.split("roads: ")[1].split(" km of street")[0])
    directed = float(out.split("directed edges, ")[1].split(" km over")[0])
    assert 0.5 * directed < street < 0.75 * directed  # most streets are two-way
    code, out, err = _run(capsys, "kit", "route", str(tmp_path / "k"), "--from", "24.935,60.168",
                          "--to", "24.95,60.172")
    assert code == 0 and not err
    first = out.splitlines()[0]
    assert first.startswith("1.48 km, 2 min ") and first.endswith(" at free flow, 101 edges")
    assert "  start: 73 m from the point given, on Annankatu" in out


@needs_shared
def test_songpa_info_says_the_extract_covers_part_of_songpa_gu(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kit", "build", "--osm", str(SHARED_OSM / "seoul-songpa.osm.pbf"), "--area", "서울특별시 송파구",
                 "--out", str(tmp_path / "k")]) == 0
    out = capsys.readouterr().out
    assert "  extent of the roads: W 127.07753, S 37.50633, E 127.12091, N 37.53173 (3.8 × 2.8 km)" in out
    assert "the data covers only part of the area: 21% of its districts' area" in out
    street = float(out.split("roads: ")[1].split(" km of street")[0])
    assert 55 < street < 70 and "105.5 km over directed edges" in out
    assert np.isclose(street, 61.1)
