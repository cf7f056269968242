"""The video hub: brings every camera stream that something shows to it, newest picture first.

Views (wall tiles, a live view) ``open`` a stream with the size they draw it at and ``close`` it when they stop
showing it; the hub keeps, per open stream, its health and its newest picture:

- **frames over ZeroMQ**: the feed's socket thread ``offer``\\ s each frame. Only the newest undecoded frame of
  a stream is kept (a newer one replaces it: no queue behind a slow view), and decoder threads decode it at
  the size its views draw it (the decode function is the views' business: Qt's JPEG reader, given a size,
  lets libjpeg scale in the DCT). The frame topics of open streams are what the feed subscribes to
  (``subscribe``), so the network carries only what is on screen.
- **stream URLs** (RTSP, HTTP MJPEG, files): a reader thread per open stream (services/video/streams.py)
  decodes with FFmpeg and scales to the same size, reconnecting with back-off.

Nothing here runs on the GUI thread but the calls views make (open, close, picture, report), which only take
a lock briefly.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sitroom.services.feeds.health import FeedHealth
from sitroom.services.video import wire
from sitroom.services.video.stream_state import StreamHealth, StreamReport, StreamState

log = logging.getLogger(__name__)

SD, HD = "sd", "hd"
Key = tuple[str, str]  # (camera id, SD or HD)
Size = tuple[int, int]  # pixels a view draws a stream at (width, height)
# Decodes one JPEG at most this size (aspect kept), returning (image, width, height); raises ValueError(detail).
Decode = Callable[[bytes, Size | None], tuple[Any, int, int]]
DEFAULT_DECODERS = 2


@dataclass(frozen=True)
class Source:
    """Where a stream's pictures come from: a frame topic of a feed, a URL, or nowhere."""

    kind: str  # "topic" | "url" | "none"
    where: str = ""
    feed: int = -1  # the feed carrying a topic

    @staticmethod
    def of(src: str | None, feed: int = -1) -> Source:
        if not src:
            return NO_SOURCE
        return Source("url", src) if wire.is_url(src) else Source("topic", src, feed)


NO_SOURCE = Source("none")


@dataclass(frozen=True)
class Picture:
    image: Any  # a QImage (decoded JPEG) or an (h, w, 4) uint8 BGRA array (a stream URL's frame)
    width: int
    height: int
    ts_ms: int  # when it was taken (the source's clock, epoch ms)
    rx: float  # when it arrived (the session's clock, seconds)
    serial: int  # counts the pictures of this stream


@dataclass
class _Encoded:
    jpeg: bytes
    ts_ms: int
    rx: float


@dataclass
class _Stream:
    source: Source
    health: StreamHealth
    owners: dict[int, Size | None] = field(default_factory=dict)  # id(owner) -> size it draws at
    pending: _Encoded | None = None
    picture: Picture | None = None
    serial: int = 0
    reader: Any = None  # a streams.StreamReader while a URL stream is open

    def size(self) -> Size | None:
        sizes = [s for s in self.owners.values() if s]
        return (max(w for w, _ in sizes), max(h for _, h in sizes)) if sizes else None


@dataclass(frozen=True)
class Offer:
    """What became of a frame offered by a feed: taken, ignored (no view wants it) or refused with a reason."""

    key: Key | None
    fault: str = ""
    detail: str = ""
    rx: float = 0.0  # when it arrived (the session's clock)


@dataclass
class HubStats:
    offered: int = 0  # frames offered for open streams
    superseded: int = 0  # replaced by a newer frame before they were decoded (newest wins)
    decoded: int = 0
    refused: int = 0
    unwatched: int = 0  # frames of declared cameras nobody shows (a feed subscribed to everything)


class VideoHub:
    def __init__(self, clock: Callable[[], float], clock_ms: Callable[[], int]) -> None:
        self.clock = clock
        self.clock_ms = clock_ms
        self._lock = threading.Condition()
        self._sources: dict[Key, Source] = {}
        self._streams: dict[Key, _Stream] = {}
        self._topics: dict[bytes, Key] = {}  # frame topic -> stream, for every declared camera (replaced whole)
        self._ready: deque[Key] = deque()
        self._decode: Decode | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._paused = False
        self.stats = HubStats()
        # Set by the session: subscribe feed N to exactly these frame topics (FeedClient.set_topics).
        self.subscribe: Callable[[int, frozenset[bytes]], None] | None = None
        self._subscribed: dict[int, frozenset[bytes]] = {}
        # Told of faults in frames that came over a feed: (feed, reason, detail), from any thread.
        self.on_fault: Callable[[int, str, str], None] | None = None
        # Told when a camera starts or stops being shown (the viewing log): (camera, shown).
        self.on_view: list[Callable[[str, bool], None]] = []
        # Stream URLs, all together, as a row of the Feeds dock: pictures received and failures by reason.
        self.streams_health = FeedHealth("streams", "camera URLs")
        # Whether stream URLs may be opened: not in a replay, which has only what the journal recorded.
        self.urls_allowed: Callable[[], bool] = lambda: True

    # ------------------------------------------------------------ cameras

    def declare(self, camera: str, sd: Source, hd: Source | None = None) -> None:
        """Where a camera's pictures come from (again: a changed source restarts its open streams)."""
        changed: list[Key] = []
        with self._lock:
            for key, src in (((camera, SD), sd), ((camera, HD), hd or NO_SOURCE)):
                if self._sources.get(key) != src:
                    self._sources[key] = src
                    if key in self._streams:
                        changed.append(key)
            self._topics = {s.where.encode("ascii"): k for k, s in self._sources.items() if s.kind == "topic"}
        for key in changed:
            self._restart(key)
        self._resubscribe()

    def forget(self, camera: str) -> None:
        with self._lock:
            for key in ((camera, SD), (camera, HD)):
                self._sources.pop(key, None)
            self._topics = {s.where.encode("ascii"): k for k, s in self._sources.items() if s.kind == "topic"}

    def source(self, key: Key) -> Source:
        return self._sources.get(key, NO_SOURCE)

    def has_hd(self, camera: str) -> bool:
        return self.source((camera, HD)).kind != "none"

    # ------------------------------------------------------------ views (GUI thread)

    def open(self, key: Key, owner: object, size: Size | None = None) -> None:
        """``owner`` shows stream ``key`` at ``size`` pixels from now on."""
        camera = key[0]
        with self._lock:
            first_view = not any(k[0] == camera and s.owners for k, s in self._streams.items())
            stream = self._streams.get(key)
            start = stream is None or not stream.owners
            if stream is None:
                src = self._sources.get(key, NO_SOURCE)
                stream = self._streams[key] = _Stream(src, StreamHealth(self.clock(), has_source=src.kind != "none"))
            elif start:
                stream.source = self._sources.get(key, NO_SOURCE)
                stream.health.has_source = stream.source.kind != "none"
                stream.health.reopen(self.clock())
            stream.owners[id(owner)] = size
        if start:
            self._start_reader(key)
            self._resubscribe()
        if first_view:
            for listener in list(self.on_view):
                listener(camera, True)

    def resize(self, key: Key, owner: object, size: Size | None) -> None:
        with self._lock:
            stream = self._streams.get(key)
            if stream is not None and id(owner) in stream.owners:
                stream.owners[id(owner)] = size
                if stream.reader is not None:
                    stream.reader.size = stream.size()

    def close(self, key: Key, owner: object) -> None:
        camera = key[0]
        with self._lock:
            stream = self._streams.get(key)
            if stream is None or stream.owners.pop(id(owner), False) is False:
                return
            stop = not stream.owners
            reader = stream.reader if stop else None
            if stop:
                stream.reader, stream.pending = None, None
            last_view = not any(k[0] == camera and s.owners for k, s in self._streams.items())
        if reader is not None:
            reader.stop()
        if stop:
            self._resubscribe()
        if last_view:
            for listener in list(self.on_view):
                listener(camera, False)

    def is_open(self, key: Key) -> bool:
        stream = self._streams.get(key)
        return stream is not None and bool(stream.owners)

    def open_keys(self) -> list[Key]:
        with self._lock:
            return [k for k, s in self._streams.items() if s.owners]

    def picture(self, key: Key) -> Picture | None:
        stream = self._streams.get(key)
        return stream.picture if stream is not None else None

    def report(self, key: Key, now: float | None = None) -> StreamReport:
        stream = self._streams.get(key)
        if stream is None:
            has = self._sources.get(key, NO_SOURCE).kind != "none"
            return StreamReport(StreamState.CONNECTING if has else StreamState.NO_SOURCE, "", 0.0, {})
        return stream.health.report(self.clock() if now is None else now)

    def rewind(self, now: float) -> None:
        """The clock went back (a replay seeks backwards): every open stream is judged afresh from ``now``."""
        with self._lock:
            streams = [s for s in self._streams.values() if s.owners]
            for s in streams:
                s.pending = None
        for s in streams:
            s.health.reopen(now)

    def set_stream_source(self, key: Key, state: str, reason: str = "") -> None:
        stream = self._streams.get(key)
        if stream is not None:
            stream.health.set_source(state, reason)

    def set_feed_state(self, feed: int, state: str, reason: str = "") -> None:
        """The feed carrying frame topics is up, down or refused (its health): streams on it follow."""
        with self._lock:
            streams = [s for s in self._streams.values() if s.source.kind == "topic" and s.source.feed == feed]
        for s in streams:
            s.health.set_source(state, reason)

    # ------------------------------------------------------------ frames from feeds (socket thread)

    def offer(self, topic: bytes, jpeg: bytes, ts_ms: int, rx: float) -> Offer:
        key = self._topics.get(topic)
        if key is None:
            return Offer(None, "unknown-camera", f"frames on {topic.decode('ascii', 'replace')}, a camera no "
                                                 "declaration names", rx)
        stream = self._streams.get(key)
        if stream is None or not stream.owners:
            self.stats.unwatched += 1
            return Offer(None, rx=rx)
        stream.health.arrived(rx)
        fault = wire.frame_fault(jpeg)
        if fault is not None:
            detail = f"{key[0]}: {len(jpeg):,} bytes" + (f" (limit {wire.MAX_JPEG_BYTES:,})"
                                                         if fault == "oversized-frame" else "")
            stream.health.fault(fault, detail)
            self.stats.refused += 1
            return Offer(key, fault, detail, rx)
        with self._lock:
            self.stats.offered += 1
            if stream.pending is not None:
                self.stats.superseded += 1
            else:
                self._ready.append(key)
            stream.pending = _Encoded(jpeg, ts_ms, rx)
            self._lock.notify()
        return Offer(key, rx=rx)

    # ------------------------------------------------------------ decoding (decoder threads)

    def use_decoder(self, decode: Decode, threads: int = DEFAULT_DECODERS) -> None:
        """Decode offered JPEG frames with ``decode`` on ``threads`` threads of the hub's own."""
        self._decode = decode
        while len(self._threads) < threads:
            t = threading.Thread(target=self._decoder, name=f"sitroom-video-{len(self._threads)}", daemon=True)
            self._threads.append(t)
            t.start()

    def pause_decoders(self, paused: bool) -> None:
        """Stop (or resume) the decoder threads taking frames: ``decode_pending`` then does the work."""
        with self._lock:
            self._paused = paused
            self._lock.notify_all()

    def decode_pending(self, decode: Decode) -> int:
        """Decode every waiting frame on the calling thread; how many. The benchmark's naive baseline (the GUI
        thread decoding at full size) and tests; the app leaves this to the decoder threads."""
        n = 0
        while True:
            with self._lock:
                job = self._next_job()
            if job is None:
                return n
            self._decode_one(*job, decode)
            n += 1

    def _next_job(self) -> tuple[Key, _Stream, _Encoded, Size | None] | None:
        while self._ready:
            key = self._ready.popleft()
            stream = self._streams.get(key)
            if stream is None or stream.pending is None:
                continue
            frame, stream.pending = stream.pending, None
            return key, stream, frame, stream.size()
        return None

    def _take(self) -> tuple[Key, _Stream, _Encoded, Size | None] | None:
        with self._lock:
            while not self._stopping:
                job = None if self._paused else self._next_job()
                if job is not None:
                    return job
                self._lock.wait(0.5)
        return None

    def _decoder(self) -> None:
        while (job := self._take()) is not None:
            assert self._decode is not None
            self._decode_one(*job, self._decode)

    def _decode_one(self, key: Key, stream: _Stream, frame: _Encoded, size: Size | None, decode: Decode) -> None:
        try:
            image, w, h = decode(frame.jpeg, size)
        except Exception as exc:  # a corrupt frame must cost one picture, never the thread
            detail = f"{key[0]}: {exc}"[:200]
            stream.health.fault("bad-jpeg", detail)
            self.stats.refused += 1
            if self.on_fault is not None and stream.source.kind == "topic":
                self.on_fault(stream.source.feed, "bad-jpeg", detail)
            return
        self.deliver(key, image, w, h, frame.ts_ms, frame.rx, zlib.crc32(frame.jpeg), stream)

    def deliver(self, key: Key, image: Any, width: int, height: int, ts_ms: int, rx: float, digest: int,
                stream: _Stream | None = None) -> None:
        """A decoded picture of ``key`` (decoder and stream reader threads)."""
        stream = stream or self._streams.get(key)
        if stream is None:
            return
        if stream.source.kind == "url":
            h = self.streams_health
            h.messages += 1
            h.last_rx = self.clock()
        with self._lock:
            stream.serial += 1
            stream.picture = Picture(image, width, height, ts_ms, rx, stream.serial)
            self.stats.decoded += 1
        stream.health.decoded(rx, digest)

    # ------------------------------------------------------------ stream URLs

    def _start_reader(self, key: Key) -> None:
        with self._lock:
            stream = self._streams[key]
            if stream.source.kind != "url" or stream.reader is not None:
                return
            if not self.urls_allowed():
                stream.health.has_source = False  # "no video": stream URLs are not in the journal
                return
            from sitroom.services.video.streams import StreamReader  # FFmpeg only when a URL is opened

            stream.reader = StreamReader(stream.source.where, key, self, stream.health, size=stream.size())
            reader = stream.reader
        reader.start()

    def _restart(self, key: Key) -> None:
        with self._lock:
            stream = self._streams.get(key)
            if stream is None:
                return
            reader, stream.reader, stream.pending = stream.reader, None, None
            stream.source = self._sources.get(key, NO_SOURCE)
            stream.health.has_source = stream.source.kind != "none"
            stream.health.reopen(self.clock())
            open_ = bool(stream.owners)
        if reader is not None:
            reader.stop()
        if open_:
            self._start_reader(key)

    # ------------------------------------------------------------ subscriptions

    def wanted_topics(self) -> dict[int, frozenset[bytes]]:
        """Per feed, the frame topics of the streams open now."""
        out: dict[int, set[bytes]] = {}
        with self._lock:
            for stream in self._streams.values():
                if stream.owners and stream.source.kind == "topic":
                    out.setdefault(stream.source.feed, set()).add(stream.source.where.encode("ascii"))
        return {feed: frozenset(t) for feed, t in out.items()}

    def _resubscribe(self) -> None:
        if self.subscribe is None:
            return
        wanted = self.wanted_topics()
        for feed in set(wanted) | set(self._subscribed):
            topics = wanted.get(feed, frozenset())
            if self._subscribed.get(feed) != topics:
                self._subscribed[feed] = topics
                self.subscribe(feed, topics)

    def stream_fault(self, reason: str, detail: str) -> None:
        """A stream URL failed (reader threads): counted on the streams' row of the Feeds dock."""
        self.streams_health.record_error(reason, detail)

    def has_urls(self) -> bool:
        return any(s.kind == "url" for s in self._sources.values())

    def close_all(self) -> None:
        """Stop every reader and decoder (the session ends)."""
        with self._lock:
            self._stopping = True
            readers = [s.reader for s in self._streams.values() if s.reader is not None]
            for s in self._streams.values():
                s.reader = None
            self._lock.notify_all()
        for r in readers:
            r.stop()
        for t in self._threads:
            t.join(2.0)
        self._threads.clear()
