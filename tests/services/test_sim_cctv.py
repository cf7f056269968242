"""The demo's CCTV backend as a process of its own: cameras declared along the demo city's roads, JPEG street
frames only for the cameras subscribed to, a frozen camera's picture repeating, and the frames decoding."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.sim.cctv import SimCamera, _misbehaving, place_cameras
from sitroom.services.sim.demo_kit import open_demo_city
from sitroom.services.video import wire
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def city():
    return open_demo_city()


def test_cameras_stand_at_crossings_spread_over_the_centre(city) -> None:
    cams = place_cameras(city, 48)
    assert len(cams) == 48 and len({c.id for c in cams}) == 48
    lon = np.array([c.lon for c in cams])
    lat = np.array([c.lat for c in cams])
    w, s, e, n = city.bounds_lonlat
    assert ((w <= lon) & (lon <= e) & (s <= lat) & (lat <= n)).all()
    assert np.ptp(lon) > 0.04 and np.ptp(lat) > 0.04  # spread over the centre's 7 km, not in one spot
    faults = {c.fault for c in cams}
    assert {"freeze", "drop", "offline"} <= faults and any(c.direction is None for c in cams)
    assert all(5.0 <= c.fps <= 15.0 for c in cams)
    assert [c.id for c in place_cameras(city, 48)] == [c.id for c in cams]  # deterministic


def test_misbehaving_cameras_freeze_and_drop_out_in_cycles() -> None:
    cam = SimCamera("X", "x", 0, 0, 0, 60, 100, 10, fault="freeze")
    assert _misbehaving(cam, 10.0) == "" and _misbehaving(cam, 50.0) == "freeze"
    cam.fault = "drop"
    assert _misbehaving(cam, 31.0) == "drop" and _misbehaving(cam, 46.0) == ""


@pytest.fixture
def backend(tmp_path: Path, city) -> Iterator[str]:
    endpoint = f"ipc://{tmp_path}/cctv.sock"
    proc = subprocess.Popen([sys.executable, "-m", "sitroom", "sim", "cctv", "--endpoint", endpoint, "--cameras", "6",
                             "--fps", "8,10", "--no-faults", "--duration", "120"], cwd=ROOT)
    yield endpoint
    proc.terminate()
    proc.wait(10)


def test_frames_only_for_the_cameras_subscribed(backend: str) -> None:
    client = FeedClient([FeedConfig("cctv", backend, (wire.CAM_TOPIC,))])
    client.start()
    try:
        declared: dict[str, dict] = {}
        frames: dict[bytes, list[bytes]] = {}

        def take() -> None:
            for d in client.drain():
                if d.message.env.kind == wire.CAM_KIND:
                    declared[d.message.payload["id"]] = d.message.payload
                else:
                    frames.setdefault(d.message.topic, []).append(d.message.payload)

        wait_for(lambda: take() or len(declared) == 6, 60, "six cameras declared")
        assert not frames  # nothing subscribed, nothing sent
        first = sorted(declared)[0]
        client.set_topics(0, [declared[first]["src"].encode()])
        wait_for(lambda: take() or len(frames.get(declared[first]["src"].encode(), [])) >= 5, 60, "frames")
        assert set(frames) == {declared[first]["src"].encode()}
        jpeg = frames[declared[first]["src"].encode()][-1]
        assert wire.frame_fault(jpeg) is None
        assert Image.open(io.BytesIO(jpeg)).size == (480, 270)
        assert len({bytes(f) for f in frames[declared[first]["src"].encode()]}) > 1  # moving pictures
    finally:
        client.stop()
