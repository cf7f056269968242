"""Which cameras see a point, against geometry worked out by hand (metres; headings clockwise from +y)."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely

from sitroom.services.geo import Projector
from sitroom.services.video.visibility import (
    MOUNT_TOLERANCE_M,
    Obstacles,
    angle_apart,
    bearing,
    cameras_seeing,
    grid_heading,
)


def one(heading: float = 90.0, fov: float = 60.0, rng: float = 100.0, x: float = 0.0, y: float = 0.0):
    return (np.array([x]), np.array([y]), np.array([heading]), np.array([fov]), np.array([rng]))


def sees(target, cam, obstacles=None) -> bool:
    return bool(cameras_seeing(target, *cam, obstacles=obstacles))


def test_bearings_and_angles() -> None:
    assert bearing(0.0, 1.0) == pytest.approx(0.0)
    assert bearing(1.0, 0.0) == pytest.approx(90.0)
    assert bearing(0.0, -1.0) == pytest.approx(180.0)
    assert bearing(-1.0, 0.0) == pytest.approx(270.0)
    assert angle_apart(350.0, 10.0) == pytest.approx(20.0)
    assert angle_apart(10.0, 350.0) == pytest.approx(20.0)
    assert angle_apart(0.0, 180.0) == pytest.approx(180.0)


def test_range_edge_counts_and_beyond_does_not() -> None:
    cam = one()  # at the origin looking east, 60° wide, 100 m
    assert sees((100.0, 0.0), cam)
    assert not sees((100.01, 0.0), cam)
    found = cameras_seeing((50.0, 0.0), *cam)
    assert found[0].distance_m == pytest.approx(50.0) and found[0].off_axis_deg == pytest.approx(0.0)


def test_field_of_view_edge_by_bearing() -> None:
    cam = one()
    # 30° off the axis exactly: tan(30°) = y / x.
    assert sees((50.0, 50.0 * math.tan(math.radians(30.0))), cam)
    assert sees((50.0, -50.0 * math.tan(math.radians(30.0))), cam)
    assert not sees((50.0, 30.0), cam)  # 30.96° off
    assert not sees((-10.0, 0.0), cam)  # behind


def test_heading_across_north() -> None:
    cam = one(heading=350.0, fov=40.0)  # sees 330°..10°
    assert sees((math.sin(math.radians(5.0)) * 50, math.cos(math.radians(5.0)) * 50), cam)
    assert sees((math.sin(math.radians(-15.0)) * 50, math.cos(math.radians(-15.0)) * 50), cam)
    assert not sees((math.sin(math.radians(15.0)) * 50, math.cos(math.radians(15.0)) * 50), cam)


def test_without_a_heading_only_a_dome_sees() -> None:
    assert not sees((10.0, 0.0), one(heading=float("nan"), fov=60.0))
    assert sees((-10.0, 0.0), one(heading=float("nan"), fov=360.0))
    assert sees((0.0, 0.0), one(heading=0.0))  # a camera at the target


def test_a_building_in_between_blocks_and_a_touch_does_not() -> None:
    cam = one()
    wall = Obstacles([shapely.box(20.0, -5.0, 30.0, 5.0)])
    assert not sees((50.0, 0.0), cam, wall)
    assert sees((15.0, 0.0), cam, wall)  # in front of it
    # A footprint whose edge the sight line runs along (y = 0), and one it touches at a corner only.
    assert sees((50.0, 0.0), cam, Obstacles([shapely.box(20.0, 0.0, 30.0, 10.0)]))
    assert sees((50.0, 0.0), cam, Obstacles([shapely.Polygon([(25, 0), (35, 10), (15, 10)])]))


def test_the_incidents_own_building_and_the_cameras_mount() -> None:
    cam = one()
    assert sees((50.0, 0.0), cam, Obstacles([shapely.box(40.0, -10.0, 60.0, 10.0)]))  # a fire in a building
    # Mounted inside a footprint: up to MOUNT_TOLERANCE_M of the sight line may run inside it.
    assert sees((50.0, 0.0), cam, Obstacles([shapely.box(-5.0, -5.0, MOUNT_TOLERANCE_M - 0.5, 5.0)]))
    assert not sees((50.0, 0.0), cam, Obstacles([shapely.box(-5.0, -5.0, 10.0, 5.0)]))


def test_ranked_by_distance_and_angle() -> None:
    # Four cameras around the target (0, 0), each 100 m range and 90° wide.
    x = np.array([-50.0, 0.0, 80.0, -20.0, 10.0])
    y = np.array([0.0, -30.0, 0.0, 0.0, 300.0])
    heading = np.array([90.0, 20.0, 270.0, 90.0, 180.0])
    fov = np.full(5, 90.0)
    rng = np.full(5, 100.0)
    found = cameras_seeing((0.0, 0.0), x, y, heading, fov, rng)
    # scores: 0: 0.5 + 0; 1: 0.3 + 20/45; 2: 0.8 + 0; 3: 0.2 + 0; 4: out of range.
    assert [s.row for s in found] == [3, 0, 1, 2]
    assert found[2].score == pytest.approx(0.3 + 20.0 / 45.0)
    assert [s.row for s in cameras_seeing((0.0, 0.0), x, y, heading, fov, rng, candidates=np.array([2, 1]))] == [1, 2]


def test_compass_heading_on_a_projected_grid() -> None:
    # Away from UTM-K's central meridian (127.5°E) grid north and true north differ by the meridian
    # convergence (pyproj's figure): true north lies that far anticlockwise of grid north east of the meridian.
    proj = Projector("EPSG:5179")
    lon, lat = np.array([129.3, 125.0]), np.array([35.5, 37.5])
    got = grid_heading(proj, lon, lat, np.array([0.0, 90.0]))
    factors = pyproj.Proj("EPSG:5179").get_factors(lon, lat)
    assert got == pytest.approx(np.mod(np.array([0.0, 90.0]) - factors.meridian_convergence, 360.0), abs=1e-3)
    assert np.isnan(grid_heading(proj, np.array([127.0]), np.array([36.0]), np.array([np.nan]))[0])
