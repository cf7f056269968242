"""Camera declarations (``cam``) and JPEG frames (``cctv.<camera>``) on the wire: what is taken and what is refused."""

from __future__ import annotations

import msgpack
import pytest

from sitroom.services.feeds import protocol
from sitroom.services.video import wire

GOOD = {"id": "D017", "name": "대덕대로 & 계룡로", "lon": 127.38, "lat": 36.35, "dir": 135.0, "fov": 60, "range": 150,
        "src": "cctv.D017", "src_hd": "cctv.hd.D017", "status": "ok"}


def decode_cam(payload: dict) -> dict:
    frames = protocol.encode_map(wire.CAM_TOPIC, wire.CAM_KIND, payload, src="vms", sess="s1", seq=1)
    return protocol.decode(frames).payload


def test_a_declaration_round_trips() -> None:
    assert decode_cam(GOOD) == GOOD
    assert decode_cam({"id": "c1", "lon": 127.0, "lat": 36.0, "src": "rtsp://10.0.0.5/cam1"})["src"].startswith("rtsp")


@pytest.mark.parametrize("change", [
    {"id": ""}, {"id": "with space"}, {"lon": 200.0}, {"dir": 361.0}, {"dir": -1}, {"fov": 0}, {"fov": 400},
    {"range": 0}, {"range": float("inf")}, {"src": "cctv."}, {"src": "ftp://x/y"}, {"src": "cctv.a b"},
    {"src_hd": "mms://x"}, {"status": "broken"}, {"name": "x" * 201}, {"dir": True},
])
def test_a_bad_declaration_is_refused_with_its_reason(change: dict) -> None:
    with pytest.raises(protocol.DecodeError) as err:
        decode_cam({**GOOD, **change})
    assert err.value.reason == "bad-camera"


def test_a_camera_without_direction_or_source_is_still_a_camera() -> None:
    p = decode_cam({"id": "c9", "lon": 127.0, "lat": 36.0})
    assert "dir" not in p and "src" not in p


def test_frames_are_raw_jpeg_on_the_cameras_topic() -> None:
    jpeg = b"\xff\xd8" + b"\x00" * 100 + b"\xff\xd9"
    msg = protocol.decode(wire.encode_frame(b"cctv.D017", jpeg, src="vms", sess="s1", seq=3, ts=5))
    assert msg.env.kind == wire.FRAME_KIND and msg.payload == jpeg and msg.env.ts == 5
    assert wire.frame_fault(jpeg) is None


def test_frame_faults_by_reason() -> None:
    assert wire.frame_fault(b"\x89PNG....") == "not-jpeg"
    assert wire.frame_fault(b"\xff\xd8\xff\xe0" + b"\x00" * 50) == "truncated-jpeg"
    assert wire.frame_fault(b"\xff\xd8" + b"\x00" * wire.MAX_JPEG_BYTES + b"\xff\xd9") == "oversized-frame"
    assert wire.frame_fault(b"") == "not-jpeg"


def test_declaring_the_kind_again_is_harmless() -> None:
    protocol.register_kind(protocol.KindSpec(wire.CAM_KIND, wire.CAM_TOPIC, validate=wire.validate_camera,
                                             state_key="id"))
    assert protocol.STATE_KEYS[wire.CAM_KIND] == "id"
    assert wire.CAM_TOPIC in protocol.STATEFUL_TOPICS
    assert msgpack.unpackb(protocol.encode_map(wire.CAM_TOPIC, wire.CAM_KIND, GOOD, src="a", sess="b", seq=1)[2])
