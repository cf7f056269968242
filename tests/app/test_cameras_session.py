"""Cameras through a live session over a real socket, without a window: declarations onto the map, frames to
the streams that are open and only those, faults counted on the feed, frames into the journal at their rate,
and the viewing log."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely
import zmq

from sitroom.app.capabilities.cameras import CamerasCapability, cameras_of
from sitroom.app.core.session import LiveSession
from sitroom.layers.cameras import CamState
from sitroom.services.feeds import protocol
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.geo import Projector
from sitroom.services.incidents.audit import AuditLog
from sitroom.services.journal import JournalReader, JournalWriter
from sitroom.services.store.footprints import Footprints
from sitroom.services.video import wire
from sitroom.services.video.hub import SD
from sitroom.services.video.stream_state import StreamState
from tests.kits import CENTER_LONLAT, grid_kit
from tests.waiting import wait_for

LON, LAT = CENTER_LONLAT


def jpeg(n: int) -> bytes:
    return b"\xff\xd8" + n.to_bytes(4, "little") * 16 + b"\xff\xd9"


def fake_decode(data: bytes, size):
    """Stands in for Qt's JPEG reader: a picture is its bytes; 'BAD' in them fails like a corrupt JPEG."""
    if b"BAD" in data:
        raise ValueError("Corrupt JPEG data: premature end of data segment")
    return data, (size or (640, 480))[0], (size or (640, 480))[1]


class Cams:
    """A camera backend: declarations (with snapshots) and frames, on an XPUB that tells what is watched."""

    def __init__(self, ctx: zmq.Context, tmp: Path) -> None:
        self.pub = Publisher(f"ipc://{tmp}/cctv.sock", "vms", context=ctx, snapshot=f"ipc://{tmp}/cctv.snap.sock",
                             xpub=True)
        self.seq: dict[bytes, int] = {}

    def declare(self, cam_id: str, **fields) -> None:
        self.pub.send_map(wire.CAM_TOPIC, wire.CAM_KIND, {"id": cam_id, "name": f"cam {cam_id}", "lon": LON,
                                                          "lat": LAT, "src": f"cctv.{cam_id}", **fields})

    def frame(self, cam_id: str, data: bytes) -> None:
        topic = f"cctv.{cam_id}".encode()
        self.seq[topic] = self.seq.get(topic, 0) + 1
        self.pub.socket.send_multipart(wire.encode_frame(topic, data, src="vms", sess=self.pub.sess,
                                                         seq=self.seq[topic]))


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    c = zmq.Context()
    yield c
    c.term()


@pytest.fixture
def cams(ctx, tmp_path) -> Iterator[Cams]:
    c = Cams(ctx, tmp_path)
    yield c
    c.pub.close()


@pytest.fixture
def session(cams: Cams) -> Iterator[LiveSession]:
    s = LiveSession(grid_kit(), [FeedConfig("cctv", cams.pub.endpoint, (wire.CAM_TOPIC,))])
    s.start()
    yield s
    cameras_of(s).close()
    s.stop()


def pumped(session: LiveSession, cams: Cams, predicate) -> bool:
    cams.pub.heartbeat()
    session.pump()
    cameras_of(session).refresh()
    return bool(predicate())


def test_declared_cameras_reach_the_map_with_grid_headings(session: LiveSession, cams: Cams) -> None:
    cap = cameras_of(session)
    assert isinstance(cap, CamerasCapability)
    cams.declare("A", dir=90.0, fov=70, range=120)
    cams.declare("B")  # no direction: a fault on the map
    wait_for(lambda: pumped(session, cams, lambda: len(cap.layer) == 2), what="two cameras")
    a, b = cap.layer.get("A"), cap.layer.get("B")
    assert a.fov == 70 and a.range_m == 120 and 89.0 < a.heading < 91.0
    assert b.fault == "no direction" and np.isnan(b.heading)
    assert cap.layer.state[cap.layer.index["A"]] == CamState.IDLE


def test_frames_flow_only_while_a_stream_is_open(session: LiveSession, cams: Cams) -> None:
    cap = cameras_of(session)
    hub = cap.hub
    hub.use_decoder(fake_decode, threads=1)
    cams.declare("A")
    cams.declare("B")
    wait_for(lambda: pumped(session, cams, lambda: len(cap.layer) == 2), what="cameras")
    assert cams.pub.subscriptions() == {wire.CAM_TOPIC, protocol.Topic.HEARTBEAT}
    owner = object()
    hub.open(("A", SD), owner, (320, 240))
    wait_for(lambda: b"cctv.A" in cams.pub.subscriptions(), what="subscribed to A")
    assert b"cctv.B" not in cams.pub.subscriptions()
    n = [0]

    def flowing() -> bool:
        n[0] += 1
        cams.frame("A", jpeg(n[0]))
        cams.frame("B", jpeg(n[0]))
        return pumped(session, cams, lambda: hub.report(("A", SD)).state is StreamState.LIVE)

    wait_for(flowing, what="A live")
    pic = hub.picture(("A", SD))
    assert pic is not None and (pic.width, pic.height) == (320, 240)
    assert cap.layer.state[cap.layer.index["A"]] == CamState.LIVE
    assert hub.stats.unwatched == 0  # B's frames never came: not subscribed
    hub.close(("A", SD), owner)
    wait_for(lambda: cams.pub.subscriptions() == {wire.CAM_TOPIC, protocol.Topic.HEARTBEAT}, what="unsubscribed")
    wait_for(lambda: pumped(session, cams, lambda: cap.layer.state[cap.layer.index["A"]] == CamState.IDLE),
             what="A idle on the map")


def test_bad_frames_are_counted_on_the_feed_and_shown_on_the_stream(session: LiveSession, cams: Cams) -> None:
    cap = cameras_of(session)
    hub = cap.hub
    hub.use_decoder(fake_decode, threads=1)
    cams.declare("A")
    wait_for(lambda: pumped(session, cams, lambda: len(cap.layer) == 1), what="camera")
    hub.open(("A", SD), object(), (320, 240))
    wait_for(lambda: b"cctv.A" in cams.pub.subscriptions(), what="subscribed")
    health = session.client.health[0]
    bad = [b"\xff\xd8BAD" + b"\x00" * 20 + b"\xff\xd9",  # corrupt inside
           b"\xff\xd8\xff\xe0" + b"\x00" * 40,  # truncated
           b"GIF89a" + b"\x00" * 10,  # not a JPEG
           b"\xff\xd8" + b"\x00" * wire.MAX_JPEG_BYTES + b"\xff\xd9"]  # over the limit

    def counted() -> bool:
        for data in bad:
            cams.frame("A", data)
        return pumped(session, cams, lambda: {"bad-jpeg", "truncated-jpeg", "not-jpeg", "oversized-frame"}
                      <= set(health.errors))

    wait_for(counted, what="every fault counted")
    report = hub.report(("A", SD))
    assert report.state is not StreamState.LIVE
    assert {"bad-jpeg", "truncated-jpeg", "not-jpeg", "oversized-frame"} <= set(report.faults)


def test_frames_of_a_camera_nobody_declared(cams: Cams, ctx) -> None:
    s = LiveSession(grid_kit(), [FeedConfig("cctv", cams.pub.endpoint)])  # subscribed to everything
    s.start()
    try:
        def counted() -> bool:
            cams.frame("ghost", jpeg(1))
            return pumped(s, cams, lambda: s.client.health[0].errors.get("unknown-camera", 0) > 0)

        wait_for(counted, what="unknown-camera counted")
        assert "cctv.ghost" in s.client.health[0].last_error
    finally:
        cameras_of(s).close()
        s.stop()


def test_frames_are_journaled_at_their_rate(session: LiveSession, cams: Cams, tmp_path: Path) -> None:
    cap = cameras_of(session)
    session.journal = JournalWriter(tmp_path / "journal")
    now = [1000.0]
    session.clock = lambda: now[0]  # frames received 0.1 s apart on the session's clock
    cap.hub.use_decoder(fake_decode, threads=1)
    cams.declare("A")
    wait_for(lambda: pumped(session, cams, lambda: len(cap.layer) == 1), what="camera")
    cap.hub.open(("A", SD), object(), (64, 48))
    wait_for(lambda: b"cctv.A" in cams.pub.subscriptions(), what="subscribed")
    for sent in range(1, 31):
        before = session.stats.messages
        cams.frame("A", jpeg(sent))
        wait_for(lambda b=before: pumped(session, cams, lambda: session.stats.messages > b), what="the frame")
        now[0] += 0.1
    rec = cap.recorder
    assert (rec.recorded, rec.skipped_rate) == (3, 27)  # 3 s of frames at ten a second, one a second kept
    session.journal.close()
    reader = JournalReader(tmp_path / "journal")
    frames = [r for r in reader.records() if r.frames[0].startswith(b"cctv.")]
    reader.close()
    assert len(frames) == rec.recorded


def test_the_viewing_log_says_who_saw_which_camera_when(session: LiveSession, cams: Cams, tmp_path: Path) -> None:
    cap = cameras_of(session)
    audit = AuditLog(tmp_path / "audit.sqlite")
    cap.attach_audit(audit, "kim")
    cams.declare("A")
    wait_for(lambda: pumped(session, cams, lambda: len(cap.layer) == 1), what="camera")
    tile1, tile2 = object(), object()
    cap.hub.open(("A", SD), tile1)
    cap.hub.open(("A", SD), tile2)  # the same camera twice: one viewing
    cap.hub.close(("A", SD), tile1)
    assert [(v[0], v[1], v[5]) for v in audit.camera_views()] == [("kim", "A", None)]
    cap.hub.close(("A", SD), tile2)
    (view,) = audit.camera_views()
    assert view[1] == "A" and view[2] == "cam A" and view[5] >= view[4] and view[6] == "closed"
    audit.close()


@pytest.mark.parametrize("with_building", [False, True])
def test_a_kit_building_between_camera_and_incident_hides_it(cams: Cams, with_building: bool) -> None:
    # The camera at the grid's corner looks east; the point is 80 m east of it. A kit footprint across the sight
    # line (40–60 m east) hides the point; without it the camera is picked.
    (cx,), (cy,) = Projector("EPSG:5179")(np.array([LON]), np.array([LAT]))
    kit = grid_kit()
    if with_building:
        kit = dataclasses.replace(kit, footprints=Footprints.of([shapely.box(cx + 40, cy - 10, cx + 60, cy + 10)],
                                                                ["상가"], ["retail"], [3], [float("nan")]))
    s = LiveSession(kit, [FeedConfig("cctv", cams.pub.endpoint, (wire.CAM_TOPIC,))])
    s.start()
    try:
        cap = cameras_of(s)
        cams.declare("E", dir=90.0, fov=60, range=150)
        wait_for(lambda: pumped(s, cams, lambda: len(cap.layer) == 1), what="the camera")
        seen = [cap.layer.cameras[h.row].id for h in cap.cameras_for(cx + 80, cy)]
        assert seen == ([] if with_building else ["E"])
    finally:
        cap.close()
        s.stop()
