"""Stream URLs through FFmpeg against real servers in processes of their own: GStreamer's RTSP server and an
HTTP MJPEG server, each killed mid-stream and started again; a stream that stalls without closing; a refused
connection; a file. States are waited on, never timed."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from sitroom.services.video.hub import SD, Source, VideoHub
from sitroom.services.video.stream_state import StreamState
from sitroom.services.video.streams import fit
from tests.waiting import wait_for

SERVERS = Path(__file__).resolve().parents[1] / "servers"
SYSTEM_PYTHON = "/usr/bin/python3"
WAIT_S = 30.0  # two busy cores: far above what a quiet machine needs


def _has_gst_rtsp() -> bool:
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    probe = ("import gi; gi.require_version('Gst','1.0'); gi.require_version('GstRtspServer','1.0'); "
             "from gi.repository import Gst, GstRtspServer; Gst.init(None); "
             "assert Gst.ElementFactory.find('x264enc')")
    return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True).returncode == 0


needs_rtsp = pytest.mark.skipif(not _has_gst_rtsp(), reason="GStreamer's RTSP server (python3-gi, "
                                "gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-ugly) is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process started (and started again) by the test; waits for its "ready" line."""

    def __init__(self, cmd: list[str]) -> None:
        self.cmd = cmd
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        deadline = time.monotonic() + WAIT_S
        while True:
            self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert self.proc.stdout is not None
            ready, _, _ = select.select([self.proc.stdout], [], [], WAIT_S)
            if ready and self.proc.stdout.readline().strip() == "ready":
                return
            self.proc.kill()
            err = self.proc.communicate()[1]
            if time.monotonic() > deadline:  # a port still held by the killed one: try again until then
                raise AssertionError(f"server did not start: {err[-2000:]}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    made: list[Server] = []
    yield made
    for s in made:
        s.kill()


@pytest.fixture
def hub() -> Iterator[VideoHub]:
    h = VideoHub(time.monotonic, lambda: time.time_ns() // 1_000_000)
    yield h
    h.close_all()


def state(hub: VideoHub, key=("cam", SD)) -> StreamState:
    return hub.report(key).state


def watch(hub: VideoHub, url: str, size=(160, 120)) -> tuple[str, str]:
    hub.declare("cam", Source.of(url))
    key = ("cam", SD)
    hub.open(key, object(), size)
    return key


def reader(hub: VideoHub, key):
    return hub._streams[key].reader


def kill_and_recover(hub: VideoHub, server: Server, key) -> None:
    wait_for(lambda: state(hub, key) is StreamState.LIVE, WAIT_S, "the stream live")
    pic = hub.picture(key)
    assert pic is not None and isinstance(pic.image, np.ndarray) and pic.image.shape[2] == 4
    assert pic.width <= 160 and pic.height <= 120  # scaled to the view at decode time
    server.kill()
    wait_for(lambda: state(hub, key) in (StreamState.LOST, StreamState.REFUSED), WAIT_S, "the stream lost")
    server.start()
    wait_for(lambda: state(hub, key) is StreamState.LIVE, WAIT_S, "the stream live again")
    assert reader(hub, key).connects >= 2


@needs_rtsp
def test_rtsp_server_killed_mid_stream_and_restarted(hub: VideoHub, servers: list[Server]) -> None:
    port = free_port()
    server = Server([SYSTEM_PYTHON, str(SERVERS / "rtsp_server.py"), str(port)])
    servers.append(server)
    server.start()
    key = watch(hub, f"rtsp://127.0.0.1:{port}/cam")
    kill_and_recover(hub, server, key)


def test_mjpeg_server_killed_mid_stream_and_restarted(hub: VideoHub, servers: list[Server]) -> None:
    port = free_port()
    server = Server([sys.executable, str(SERVERS / "mjpeg_server.py"), str(port)])
    servers.append(server)
    server.start()
    key = watch(hub, f"http://127.0.0.1:{port}/video.mjpg")
    kill_and_recover(hub, server, key)


def test_a_stream_that_stalls_without_closing_is_lost_then_dialled_again(hub: VideoHub, servers) -> None:
    port = free_port()
    server = Server([sys.executable, str(SERVERS / "mjpeg_server.py"), str(port), "--stall-after", "15"])
    servers.append(server)
    server.start()
    key = watch(hub, f"http://127.0.0.1:{port}/")
    wait_for(lambda: state(hub, key) is StreamState.LIVE, WAIT_S, "live")
    wait_for(lambda: state(hub, key) is StreamState.LOST, WAIT_S, "lost while the server stalls")
    wait_for(lambda: reader(hub, key).connects >= 2, WAIT_S, "dialled again after the read timeout")
    assert hub.streams_health.errors["stream-lost"] >= 1 and hub.streams_health.messages >= 15
    wait_for(lambda: state(hub, key) is StreamState.LIVE, WAIT_S, "live on the new connection")


def test_a_refused_connection_says_so(hub: VideoHub) -> None:
    key = watch(hub, f"http://127.0.0.1:{free_port()}/")
    wait_for(lambda: state(hub, key) is StreamState.REFUSED, WAIT_S, "refused")
    assert "refused" in hub.report(key).reason.lower()
    assert hub.streams_health.errors["stream-refused"] >= 1  # the Feeds dock's streams row counts it


def test_a_file_plays_at_its_own_pace(hub: VideoHub, tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuvj420p"
        for i in range(40):
            img = np.zeros((240, 320, 3), dtype=np.uint8)
            img[:, (i * 8) % 320:(i * 8) % 320 + 20] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    key = watch(hub, path.as_uri())
    wait_for(lambda: state(hub, key) is StreamState.LIVE, WAIT_S, "the file playing")
    assert hub.picture(key).width == 160


def test_fit_keeps_the_aspect_and_never_enlarges() -> None:
    assert fit(640, 480, (320, 320)) == (320, 240)
    assert fit(640, 480, (2000, 2000)) == (640, 480)
    assert fit(640, 480, None) == (640, 480)

