"""What a kit keeps about its cameras: direction, field of view, range and streams, from OpenStreetMap tags and
user layers, through a build and back from disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitroom.services.store.build import build_kit
from sitroom.services.store.cameras import (
    DEFAULT_FOV,
    DEFAULT_RANGE_M,
    CameraSpec,
    from_osm_tags,
    parse_direction,
    reach,
)
from sitroom.services.store.kit import KitError, load_kit
from sitroom.services.store.vector import read_points

LON0, LAT0 = 127.385, 36.351


def test_directions_in_degrees_and_compass_points() -> None:
    assert parse_direction("135") == 135.0
    assert parse_direction("370") == 10.0
    assert parse_direction("NE") == 45.0
    assert parse_direction("wsw") == 247.5
    assert parse_direction("90;180") == 90.0
    assert parse_direction("") is None and parse_direction("up") is None and parse_direction(None) is None


def test_osm_tags() -> None:
    tags = {"camera:direction": "SE", "camera:angle": "30", "height": "6", "surveillance": "public",
            "surveillance:type": "camera", "camera:type": "fixed"}
    spec = from_osm_tags(tags.get)
    assert spec is not None
    assert (spec.direction, spec.fov, spec.tilt, spec.mount, spec.camera_type) == (135.0, DEFAULT_FOV, 30.0,
                                                                                   "public", "fixed")
    assert spec.range_m == pytest.approx(reach(30.0, 6.0)) == pytest.approx(2 * 6.0 / 0.5773502691896257)
    assert from_osm_tags({"camera:type": "dome"}.get).fov == 360.0
    assert from_osm_tags({}.get).direction is None
    assert from_osm_tags({"surveillance:type": "guard"}.get) is None
    assert reach(None, None) == DEFAULT_RANGE_M and reach(89.0, 2.0) == 15.0


def _osm(path: Path) -> Path:
    """Two crossing streets and three surveillance nodes: a fixed camera, one without direction, a guard."""
    d = 0.002
    nodes = [(1, LON0 - d, LAT0), (2, LON0, LAT0), (3, LON0 + d, LAT0), (4, LON0, LAT0 - d), (5, LON0, LAT0 + d)]
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    xml += [f'<node id="{i}" version="1" lat="{lat}" lon="{lon}"/>' for i, lon, lat in nodes]
    cams = [(10, {"man_made": "surveillance", "surveillance:type": "camera", "camera:direction": "90",
                  "name": "east cam"}),
            (11, {"man_made": "surveillance", "surveillance": "outdoor"}),
            (12, {"man_made": "surveillance", "surveillance:type": "guard"})]
    for i, tags in cams:
        body = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        xml.append(f'<node id="{i}" version="1" lat="{LAT0 + 0.0003}" lon="{LON0 + 0.0001 * i}">{body}</node>')
    for wid, refs in ((100, (1, 2, 3)), (101, (4, 2, 5))):
        xml.append(f'<way id="{wid}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                   + '<tag k="highway" v="residential"/></way>')
    xml.append("</osm>")
    path.write_text("\n".join(xml), encoding="utf-8")
    return path


def test_a_kit_from_osm_keeps_its_cameras_views(tmp_path: Path) -> None:
    kit = build_kit(tmp_path / "kit", osm=_osm(tmp_path / "cams.osm"))
    cams = sorted(kit.pois_of("camera"), key=lambda p: p.name)
    assert len(cams) == 2  # the guard is no camera
    unnamed, east = cams
    assert east.camera == CameraSpec(direction=90.0, kind="camera")
    assert unnamed.camera is not None and unnamed.camera.direction is None and unnamed.camera.mount == "outdoor"
    again = load_kit(tmp_path / "kit")
    assert sorted((p.name, p.camera) for p in again.pois_of("camera")) == [(p.name, p.camera) for p in cams]


def test_user_layer_columns(tmp_path: Path) -> None:
    csv = tmp_path / "cctv.csv"
    csv.write_text("name,lon,lat,dir,fov,range,url\n"
                   f"a,{LON0},{LAT0},45,90,200,rtsp://10.1.2.3/a\n"
                   f"b,{LON0},{LAT0},,,,\n", encoding="utf-8")
    a, b = read_points(csv)
    assert a.camera == CameraSpec(direction=45.0, fov=90.0, range_m=200.0, url="rtsp://10.1.2.3/a")
    assert b.camera == CameraSpec()
    bad = tmp_path / "bad_cctv.csv"
    bad.write_text(f"name,lon,lat,fov\nc,{LON0},{LAT0},wide\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"bad_cctv\.csv line 2: fov 'wide' is not a number"):
        read_points(bad)


def test_a_damaged_camera_entry_fails_the_kit(tmp_path: Path) -> None:
    build_kit(tmp_path / "kit", osm=_osm(tmp_path / "cams.osm"))
    meta = tmp_path / "kit" / "kit.json"
    text = meta.read_text(encoding="utf-8")
    damaged = text.replace('"camera": {"direction": 90.0}', '"camera": {"direction": "east"}')
    assert damaged != text
    meta.write_text(damaged, encoding="utf-8")
    with pytest.raises(KitError, match="invalid kit content"):
        load_kit(tmp_path / "kit")
