"""The camera model without Qt: kit and feed cameras merged by id, states, filters and picking."""

from __future__ import annotations

import math

from sitroom.layers.cameras import Camera, CameraLayer, CamState


def cam(cam_id: str, x: float = 0.0, feed: int = -1, src: str = "", status: str = "ok", heading: float = 0.0) -> Camera:
    return Camera(cam_id, cam_id, 127.0, 36.0, x, 0.0, heading, 60.0, 100.0, src, "", feed, status)


def test_a_feeds_camera_replaces_the_kits_of_the_same_id() -> None:
    layer = CameraLayer()
    layer.set_kit_cameras([cam("k1"), cam("k2", x=50)])
    layer.declare(cam("k2", x=60, feed=0, src="cctv.k2"))
    assert len(layer) == 2 and layer.get("k2").x == 60
    layer.set_kit_cameras([cam("k1"), cam("k2", x=50), cam("k3")])  # another kit: the feed's camera stays
    assert sorted(c.id for c in layer.cameras) == ["k1", "k2", "k3"] and layer.get("k2").feed == 0


def test_states_filters_and_picking() -> None:
    layer = CameraLayer()
    layer.set_kit_cameras([cam("a"), cam("b", x=40, src="rtsp://x/b"), cam("c", x=80, src="cctv.c", status="offline")])
    assert [CamState(s) for s in layer.state] == [CamState.NO_VIDEO, CamState.IDLE, CamState.OFFLINE]
    assert layer.nearest(38, 0, 5) == 1
    layer.set_state("b", CamState.LIVE)
    layer.shown_groups = {"trouble"}
    assert layer.shown_mask().tolist() == [False, False, True]
    assert layer.nearest(38, 0, 5) == -1
    layer.declare(cam("d", x=90, feed=0, src="cctv.d"))
    assert layer.state[layer.index["b"]] == CamState.LIVE  # states survive other cameras coming


def test_no_direction_is_a_fault_unless_it_turns() -> None:
    assert cam("a", heading=math.nan).fault == "no direction"
    dome = Camera("d", "d", 0, 0, 0, 0, math.nan, 360.0, 50.0)
    assert dome.fault == ""
