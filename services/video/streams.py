"""Stream URLs through FFmpeg (PyAV): RTSP, HTTP MJPEG and files, decoded and scaled on a thread of their own.

Why PyAV and not QtMultimedia's FFmpeg backend (measured, README "Cameras"): both cost the same per frame,
but a QMediaPlayer whose stream stalls without closing stays "buffering" with no error for as long as it
stalls, and takes no FFmpeg options (RTSP over TCP, timeouts). Here every open and read has a timeout, so a
stalled stream ends in an error, and the reader dials again with a back-off.

Each frame is scaled to the size its views draw it at in the same pass that converts it (swscale), and handed
to the hub as a BGRA array (QImage's RGB32 layout): nothing of the decoding happens on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from typing import TYPE_CHECKING

import av
import av.error

from sitroom.services.video.stream_state import StreamHealth

if TYPE_CHECKING:
    from sitroom.services.video.hub import Key, Size, VideoHub

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 2.0  # a stream silent this long is dropped and dialled again
BACKOFF_MIN_S = 0.25
BACKOFF_MAX_S = 8.0
_REFUSED = (av.error.ConnectionRefusedError, av.error.HTTPClientError, av.error.FileNotFoundError,
            av.error.PermissionError, av.error.ProtocolNotFoundError, av.error.DemuxerNotFoundError,
            av.error.DecoderNotFoundError)


def fit(width: int, height: int, box: Size | None) -> tuple[int, int]:
    """The size a ``width`` × ``height`` picture is drawn at inside ``box``: aspect kept, never enlarged."""
    if box is None or box[0] <= 0 or box[1] <= 0:
        return width, height
    scale = min(box[0] / width, box[1] / height, 1.0)
    return max(2, round(width * scale)), max(2, round(height * scale))


def describe(exc: BaseException) -> tuple[str, str]:
    """("refused" | "down", the reason in a few words) for an error opening or reading a stream."""
    if isinstance(exc, _REFUSED):
        return "refused", str(getattr(exc, "strerror", "") or exc).strip() or type(exc).__name__
    if isinstance(exc, av.error.ExitError):
        return "down", "stalled (no data)"
    text = str(getattr(exc, "strerror", "") or exc).strip()
    return "down", text or type(exc).__name__


class StreamReader:
    """Reads one URL until stopped: connect, decode and scale every frame, hand it over, and after any
    failure dial again after a back-off that doubles up to :data:`BACKOFF_MAX_S`."""

    def __init__(self, url: str, key: Key, hub: VideoHub, health: StreamHealth, size: Size | None = None) -> None:
        self.url = url
        self.key = key
        self.hub = hub
        self.health = health
        self.size = size  # read for every frame: a resized view gets its new size with the next one
        self.connects = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sitroom-stream-{key[0]}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end; it does at its next frame or timeout (never waited for on the caller's thread)."""
        self._stop.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _options(self) -> dict[str, str]:
        return {"rtsp_transport": "tcp"} if self.url.lower().startswith("rtsp") else {}

    def _run(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stop.is_set():
            self.health.set_source("connecting", "")
            got = False
            try:
                got = self._read()
                if not self._stop.is_set():
                    self.health.set_source("down", "stream ended")
                    self.hub.stream_fault("stream-ended", f"{self.key[0]}: {self.url}")
            except Exception as exc:  # FFmpeg's errors and anything else: the stream is down, not the app
                state, reason = describe(exc)
                self.health.set_source(state, reason)
                self.hub.stream_fault("stream-refused" if state == "refused" else "stream-lost",
                                      f"{self.key[0]}: {reason}")
                log.info("stream %s (%s): %s: %s", self.key[0], self.url, state, reason)
            if got:
                backoff = BACKOFF_MIN_S
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    def _read(self) -> bool:
        """One connection: frames until it ends, fails or the reader is stopped; True if any frame came."""
        got = False
        self.connects += 1
        with av.open(self.url, options=self._options(), timeout=(OPEN_TIMEOUT_S, READ_TIMEOUT_S)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            is_file = self.url.lower().startswith("file:")
            started = time.monotonic()
            first_pts: float | None = None
            self.health.set_source("up", "")
            for frame in container.decode(stream):
                if self._stop.is_set():
                    break
                if is_file and frame.time is not None:  # a recording plays at its own pace
                    first_pts = frame.time if first_pts is None else first_pts
                    due = started + (frame.time - first_pts)
                    if self._stop.wait(max(0.0, due - time.monotonic())):
                        break
                w, h = fit(frame.width, frame.height, self.size)
                image = frame.reformat(width=w, height=h, format="bgra").to_ndarray()
                rx = self.hub.clock()
                self.health.arrived(rx)
                self.hub.deliver(self.key, image, w, h, self.hub.clock_ms(), rx,
                                 zlib.crc32(image[::8, ::8].tobytes()))
                got = True
        return got
