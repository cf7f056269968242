"""Cameras: the kit's and the camera feeds' cameras on the map (``cam`` declarations), their pictures
(``cctv.frame`` JPEG frames, stream URLs) through the video hub, which of them see an incident, what of
their frames the journal keeps, and who watched which camera when (the audit log's viewing log).

The views (the video wall, a live view) open streams on :attr:`CamerasCapability.hub` and decode with Qt;
everything here is Qt-free and runs in replay too, where frames come from the journal on the same clock.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from typing import TYPE_CHECKING

import numpy as np

from sitroom.app.capabilities.base import Capability
from sitroom.layers.cameras import Camera, CameraLayer, CamState
from sitroom.services.feeds.client import Delivery
from sitroom.services.feeds.health import FeedState
from sitroom.services.journal.writer import DEFAULT_RETENTION_BYTES
from sitroom.services.store.cameras import DEFAULT_FOV, DEFAULT_RANGE_M
from sitroom.services.store.kit import Kit
from sitroom.services.video import wire
from sitroom.services.video.hub import HD, SD, Offer, Source, VideoHub
from sitroom.services.video.recording import FrameRecorder, budget_bytes_per_s
from sitroom.services.video.stream_state import StreamState
from sitroom.services.video.visibility import Obstacles, Sighting, cameras_seeing, grid_heading

if TYPE_CHECKING:
    from sitroom.app.core.session import LiveSession
    from sitroom.services.incidents.audit import AuditLog

_STATE = {StreamState.NO_SOURCE: CamState.NO_VIDEO, StreamState.CONNECTING: CamState.CONNECTING,
          StreamState.LIVE: CamState.LIVE, StreamState.FROZEN: CamState.FROZEN, StreamState.LOST: CamState.LOST,
          StreamState.REFUSED: CamState.REFUSED}
log = logging.getLogger(__name__)
_SEEN_EVERY_S = 10.0  # how often the viewing log learns that the cameras shown are still shown


def cameras_of(session: LiveSession) -> CamerasCapability | None:
    """The session's cameras capability, when it has one."""
    return next((c for c in session.capabilities if isinstance(c, CamerasCapability)), None)


class CamerasCapability(Capability):
    def __init__(self) -> None:
        self.layer = CameraLayer()
        self.hub: VideoHub | None = None
        self.recorder = FrameRecorder()
        self.session: LiveSession | None = None
        self._obstacles: tuple[object, Obstacles] | None = None  # (the footprints it was built from, index)
        self._shown: set[str] = set()  # cameras whose state came from an open stream at the last refresh
        # The incident the wall's cameras were chosen for: while it is open they are recorded at full rate.
        self.incident: str | None = None
        self._audit: AuditLog | None = None
        self._who = ""
        self._views: dict[str, int] = {}  # camera -> its open viewing-log entry
        self.frames_shown = 0  # pictures the views drew (counted by them)
        self._seen_at = 0.0

    # ------------------------------------------------------------ capability

    def install(self, session: LiveSession) -> None:
        self.session = session
        session.layers.add("cameras", self.layer)
        # The session's clock and client are looked up on each call: a replay session swaps both after install.
        hub = self.hub = VideoHub(lambda: session.clock(), lambda: session.clock_ms())

        def subscribe(feed: int, topics: frozenset[bytes]) -> None:
            set_topics = getattr(session.client, "set_topics", None)
            if set_topics is not None and 0 <= feed < len(session.client.feeds):
                set_topics(feed, topics)

        def on_fault(feed: int, reason: str, detail: str) -> None:
            health = session.client.health
            if 0 <= feed < len(health):
                health[feed].record_error(reason, detail)

        hub.subscribe = subscribe
        hub.on_fault = on_fault
        hub.urls_allowed = lambda: getattr(session, "player", None) is None  # a replay has no live streams
        hub.on_view.append(self._viewed)
        retention = getattr(getattr(session.journal, "_files", None), "retention_bytes", None)
        self.recorder.bytes_per_s = budget_bytes_per_s(retention or DEFAULT_RETENTION_BYTES)
        self._load_kit(session)

        def declared(d: Delivery, now: float) -> int:
            cam = self._camera(d.message.payload, d.feed)
            self.layer.declare(cam)
            hub.declare(cam.id, Source.of(cam.src, d.feed), Source.of(cam.src_hd, d.feed))
            return 1

        def offer(msg) -> Offer:  # the feed's socket thread (the GUI thread in replay)
            return hub.offer(msg.topic, msg.payload, msg.env.ts, session.clock())

        def frame(d: Delivery, now: float) -> int:
            taken = d.prepared if isinstance(d.prepared, Offer) else offer(d.message)
            if taken.fault:
                session.client.health[d.feed].record_error(taken.fault, taken.detail)
            return 1

        def record(d: Delivery) -> bool:
            taken = d.prepared
            if not isinstance(taken, Offer) or taken.key is None or taken.fault:
                return False
            return self.recorder.keep(taken.key[0], d.message.nbytes, taken.rx)

        session.kinds.register(wire.CAM_KIND, declared)
        session.kinds.register(wire.FRAME_KIND, frame, prepare=offer, record=record)

    def kit_changed(self, session: LiveSession) -> None:
        moved = {}
        for cam in self.layer.cameras:
            if cam.feed >= 0:
                x, y = session.projector(np.array([cam.lon]), np.array([cam.lat]))
                moved[cam.id] = (float(x[0]), float(y[0]), self._grid(cam.lon, cam.lat, cam.compass))
        self.layer.move(moved)
        self._obstacles = None
        self._load_kit(session)

    # ------------------------------------------------------------ cameras

    def _grid(self, lon: float, lat: float, compass: float | None) -> float:
        if compass is None:
            return math.nan
        assert self.session is not None
        return float(grid_heading(self.session.projector, np.array([lon]), np.array([lat]), np.array([compass]))[0])

    def _camera(self, p: dict, feed: int) -> Camera:
        assert self.session is not None
        lon, lat = float(p["lon"]), float(p["lat"])
        x, y = self.session.projector(np.array([lon]), np.array([lat]))
        compass = float(p["dir"]) if p.get("dir") is not None else None
        return Camera(p["id"], p.get("name") or p["id"], lon, lat, float(x[0]), float(y[0]),
                      self._grid(lon, lat, compass), float(p.get("fov") or DEFAULT_FOV),
                      float(p.get("range") or DEFAULT_RANGE_M), p.get("src") or "", p.get("src_hd") or "", feed,
                      p.get("status") or "ok", str(p.get("type") or ""), compass)

    def _load_kit(self, session: LiveSession) -> None:
        cams = []
        kit: Kit = session.kit
        found = [p for p in kit.pois if p.kind == "camera"]
        lon, lat = session.projector.inverse(np.array([p.x for p in found], dtype=np.float64),
                                             np.array([p.y for p in found], dtype=np.float64))
        for n, (p, lo, la) in enumerate(zip(found, np.atleast_1d(lon), np.atleast_1d(lat), strict=True)):
            spec = p.camera
            cam_id = f"{p.layer or 'osm'}-{n}"  # the kit's order: stable while the kit is
            compass = spec.direction if spec is not None else None
            cams.append(Camera(cam_id, p.name or cam_id, float(lo), float(la), p.x, p.y,
                               self._grid(float(lo), float(la), compass),
                               spec.fov if spec is not None else DEFAULT_FOV,
                               spec.range_m if spec is not None else DEFAULT_RANGE_M,
                               spec.url if spec is not None else "", spec.url_hd if spec is not None else "",
                               -1, "ok", spec.mount if spec is not None else "", compass))
        self.layer.set_kit_cameras(cams)
        if self.hub is not None:
            for cam in cams:
                self.hub.declare(cam.id, Source.of(cam.src), Source.of(cam.src_hd))

    # ------------------------------------------------------------ per frame (the views call this)

    def refresh(self, now: float | None = None) -> None:
        """Feed health into the streams, stream states onto the map, incident recording rates."""
        session, hub = self.session, self.hub
        if session is None or hub is None:
            return
        now = session.clock() if now is None else now
        player = getattr(session, "player", None)  # a replay: a seek judges the streams afresh
        if player is not None and self._seeked not in player.on_reset:
            player.on_reset.append(self._seeked)
        feeds = {cam.feed for cam in self.layer.cameras if cam.feed >= 0}
        for feed in feeds:
            if feed >= len(session.client.health):
                continue
            h = session.client.health[feed]
            state = h.state(now)
            if state is FeedState.LIVE:
                hub.set_feed_state(feed, "up")
            elif state is FeedState.REJECTED:
                hub.set_feed_state(feed, "refused", h.rejected)
            elif state is FeedState.WAITING:
                hub.set_feed_state(feed, "connecting", f"waiting for feed {h.name}")
            else:
                hub.set_feed_state(feed, "down", f"feed {h.name} {state.value}")
        for key in hub.open_keys():  # what the camera's own backend says of it outranks its feed's health
            cam = self.layer.get(key[0])
            if cam is not None and cam.status != "ok":
                hub.set_stream_source(key, "down", f"out of order ({cam.status})")
        shown: set[str] = set()
        for key in hub.open_keys():
            camera = key[0]
            if camera in shown and key[1] == SD:
                continue  # its hd stream (enlarged) speaks for it
            shown.add(camera)
            self.layer.set_state(camera, _STATE[hub.report(key, now).state])
        for camera in self._shown - shown:
            cam = self.layer.get(camera)
            if cam is not None:
                self.layer.set_state(camera, CameraLayer._initial(cam))
        self._shown = shown
        inc = session.incidents.incidents.get(self.incident) if self.incident else None
        self.recorder.full_rate = set(self.layer.chosen) & shown if inc is not None and inc.open else set()
        if self._audit is not None and self._views and time.monotonic() - self._seen_at >= _SEEN_EVERY_S:
            self._seen_at = time.monotonic()
            try:
                self._audit.cameras_seen(int(time.time() * 1000))
            except sqlite3.Error as exc:
                log.error("viewing log %s: %s", self._audit.path, exc)

    def _seeked(self) -> None:
        """A replay jumped: frames waiting are from before the jump, and what the streams did says nothing now."""
        if self.hub is not None and self.session is not None:
            self.hub.rewind(self.session.clock())

    # ------------------------------------------------------------ cameras for an incident

    def extra_health(self) -> list:
        """Rows for the Feeds dock beside the feeds': the stream URLs', when there are any."""
        return [self.hub.streams_health] if self.hub is not None and self.hub.has_urls() else []

    def obstacles(self) -> Obstacles:
        """The kit's building footprints as sight-line obstacles (indexed once per kit)."""
        assert self.session is not None
        footprints = self.session.kit.footprints
        if self._obstacles is None or self._obstacles[0] is not footprints:
            self._obstacles = (footprints, Obstacles(footprints))
        return self._obstacles[1]

    def cameras_for(self, x: float, y: float, limit: int = 16) -> list[Sighting]:
        """The cameras that can see (x, y), best first (services/video/visibility.py), at most ``limit``."""
        layer = self.layer
        usable = np.flatnonzero(np.array([c.mount != "indoor" for c in layer.cameras], dtype=bool)) \
            if len(layer) else np.empty(0, dtype=np.int64)
        return cameras_seeing((x, y), layer.x, layer.y, layer.heading, layer.fov, layer.range_m, self.obstacles(),
                              candidates=usable)[:limit]

    def without_direction_near(self, x: float, y: float) -> int:
        """Cameras in range of (x, y) that cannot be judged: their direction is unknown."""
        layer = self.layer
        if not len(layer):
            return 0
        near = np.hypot(layer.x - x, layer.y - y) <= layer.range_m
        return int((near & ~np.isfinite(layer.heading) & (layer.fov < 360.0)).sum())

    # ------------------------------------------------------------ the viewing log

    def attach_audit(self, audit: AuditLog, who: str) -> None:
        """Record in ``audit`` every camera shown, by ``who``, from when to when (Korean CCTV rules)."""
        self._audit, self._who = audit, who

    def _viewed(self, camera: str, shown: bool) -> None:
        if self._audit is None:
            return
        now_ms = int(time.time() * 1000)  # the real time of the viewing, in replay too
        try:
            if shown:
                cam = self.layer.get(camera)
                self._views[camera] = self._audit.camera_opened(self._who, camera, cam.name if cam else camera,
                                                                now_ms, self.incident or "")
            elif camera in self._views:
                self._audit.camera_closed(self._views.pop(camera), now_ms)
        except sqlite3.Error as exc:  # a log that cannot be written must not take the wall down: say so
            log.error("viewing log %s: cannot record camera %s: %s", self._audit.path, camera, exc)

    def close(self) -> None:
        """The session ends: every stream stops, every viewing is closed in the log."""
        if self.hub is not None:
            self.hub.close_all()
        if self._audit is not None:
            now_ms = int(time.time() * 1000)
            try:
                for entry in self._views.values():
                    self._audit.camera_closed(entry, now_ms)
            except sqlite3.Error as exc:
                log.error("viewing log %s: cannot close the views: %s", self._audit.path, exc)
            self._views.clear()


__all__ = ["HD", "SD", "CamerasCapability", "cameras_of"]
