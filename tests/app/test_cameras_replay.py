"""Camera frames in replay, on the journal's timeline: the picture shown is the one received at the position,
a seek shows the newest frame before the target at once, and going back in time judges the stream afresh."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sitroom.app.capabilities.cameras import cameras_of
from sitroom.app.core.replay import ReplaySession
from sitroom.app.core.session import journal_meta
from sitroom.services.feeds import protocol
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.journal import JournalPlayer, JournalWriter
from sitroom.services.journal.writer import write_meta
from sitroom.services.store.kit import load_kit, save_kit
from sitroom.services.video import wire
from sitroom.services.video.hub import SD, Source
from sitroom.services.video.stream_state import StreamState
from tests.kits import CENTER_LONLAT, grid_kit

T0 = 1_800_000_000_000  # the journal's first receive time, epoch ms
FPS = 10
SECONDS = 6


def jpeg(n: int) -> bytes:
    return b"\xff\xd8" + n.to_bytes(4, "little") * 8 + b"\xff\xd9"


def decode(data: bytes, size):
    return data, 8, 6


class Clock:
    def __init__(self) -> None:
        self.t = 10.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def journal(tmp_path: Path):
    save_kit(grid_kit(), tmp_path / "kit")
    kit = load_kit(tmp_path / "kit")
    directory = tmp_path / "journal"
    writer = JournalWriter(directory)
    write_meta(directory, journal_meta(kit, [FeedConfig("cctv", "ipc://x")]))
    cam = {"id": "A", "name": "camera A", "lon": CENTER_LONLAT[0], "lat": CENTER_LONLAT[1], "dir": 90.0,
           "src": "cctv.A"}
    for i in range(SECONDS * FPS):
        t = T0 + i * 1000 // FPS
        if i % FPS == 0:  # declared again every second, as a camera backend does for late joiners and replays
            writer.append("cctv", protocol.encode_map(wire.CAM_TOPIC, wire.CAM_KIND, cam, src="vms", sess="s",
                                                      seq=i // FPS + 1, ts=t), t)
        writer.append("cctv", wire.encode_frame(b"cctv.A", jpeg(i), src="vms", sess="s", seq=i + 1, ts=t), t)
    writer.close()
    return directory, kit


def test_frames_replay_on_the_journals_timeline(journal) -> None:
    directory, kit = journal
    player = JournalPlayer(directory, clock=Clock(), precompute=False)
    session = ReplaySession(kit, player)
    cams = cameras_of(session)
    cams.hub.use_decoder(decode, threads=1)

    def at(ms: int) -> None:
        player.seek(ms)
        session.pump()
        cams.refresh()

    at(T0 + 1500)
    assert len(cams.layer) == 1
    cams.hub.open(("A", SD), object(), (8, 6))
    for ms in range(T0 + 1600, T0 + 3000, 100):  # a straight play, a frame at a time
        at(ms)
        pic = _picture(cams)
        assert pic.ts_ms == ms  # the frame received at the position
    assert cams.hub.report(("A", SD)).state is StreamState.LIVE
    at(T0 + 5050)  # a jump forward: the newest frame before the target at once
    assert _picture(cams).ts_ms == T0 + 5000
    at(T0 + 2000)  # back in time: judged afresh, then live again as frames come
    assert _picture(cams).ts_ms == T0 + 2000
    for ms in range(T0 + 2100, T0 + 2600, 100):
        at(ms)
    assert _picture(cams).ts_ms == T0 + 2500 and cams.hub.report(("A", SD)).state is StreamState.LIVE
    cams.close()
    player.close()


def _picture(cams):
    """The stream's picture once the decoder has taken every frame offered (newest wins)."""
    deadline = time.monotonic() + 5
    want = cams.hub.stats.offered
    while cams.hub.stats.decoded + cams.hub.stats.superseded < want and time.monotonic() < deadline:
        time.sleep(0.002)
    return cams.hub.picture(("A", SD))


def test_a_stream_url_camera_is_not_played_live_in_a_replay(journal) -> None:
    directory, kit = journal
    player = JournalPlayer(directory, clock=Clock(), precompute=False)
    session = ReplaySession(kit, player)
    cams = cameras_of(session)
    cams.hub.declare("R", Source.of("rtsp://127.0.0.1:9/live"))
    cams.hub.open(("R", SD), object(), (8, 6))
    assert cams.hub.report(("R", SD)).state is StreamState.NO_SOURCE
    assert cams.hub._streams[("R", SD)].reader is None
    cams.close()
    player.close()
