"""The demo's CCTV backend: dozens of street cameras along the demo city's roads, each rendering synthetic
street frames (a road, moving cars and people, the camera's name and the time) as JPEG at 5–15 fps.

Cameras are declared on ``cam`` (with snapshots, and again every few seconds so a replay finds them after a
seek); frames go out on ``cctv.<id>`` (and ``cctv.hd.<id>`` for the cameras with a full-resolution stream).
The socket is an XPUB: a camera is rendered only while someone subscribes to it, so the backend's work, like
the network's, follows what the control rooms show. A few cameras misbehave on purpose: some freeze (the
same picture again and again), some drop out for a while, one is declared without a direction and one is
out of order.
"""

from __future__ import annotations

import io
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from sitroom.services.feeds.protocol import snapshot_endpoint
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.feeds.security import Security
from sitroom.services.sim.runner import run_loop
from sitroom.services.store.kit import Kit, RoadClass
from sitroom.services.video import wire

log = logging.getLogger(__name__)

DEFAULT_CAMERAS = 48
CENTRE_RADIUS_M = 3500.0
SD_SIZE = (480, 270)
HD_SIZE = (1280, 720)
JPEG_QUALITY = 72
DECLARE_EVERY_S = 10.0  # within the replay's state tail (15 s): a seek finds every camera
_TICK_S = 0.01
_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# Misbehaving cameras (by index): freezing 20 s of every 60 s, dropping out 15 s of every 45 s.
_FREEZE_EVERY, _FREEZE_FOR = 60.0, 20.0
_DROP_EVERY, _DROP_FOR = 45.0, 15.0


@dataclass
class SimCamera:
    id: str
    name: str
    lon: float
    lat: float
    direction: float | None
    fov: float
    range_m: float
    fps: float
    hd: bool = False
    fault: str = ""  # "", "freeze", "drop", "offline"
    seed: int = 0
    due: float = 0.0
    due_hd: float = 0.0
    frames: int = 0
    frozen: bytes | None = None
    background: dict[tuple[int, int], Image.Image] = field(default_factory=dict)

    @property
    def topic(self) -> bytes:
        return f"cctv.{self.id}".encode()

    @property
    def topic_hd(self) -> bytes:
        return f"cctv.hd.{self.id}".encode()

    def declaration(self) -> dict:
        d = {"id": self.id, "name": self.name, "lon": self.lon, "lat": self.lat, "fov": self.fov,
             "range": self.range_m, "src": self.topic.decode(), "type": "outdoor",
             "status": "offline" if self.fault == "offline" else "ok"}
        if self.direction is not None:
            d["dir"] = round(self.direction, 1)
        if self.hd:
            d["src_hd"] = self.topic_hd.decode()
        return d


def place_cameras(kit: Kit, n: int, seed: int = 17, *, fps: tuple[float, float] = (5.0, 15.0),
                  faults: bool = True, radius_m: float = CENTRE_RADIUS_M) -> list[SimCamera]:
    """``n`` cameras at crossings of the bigger roads within ``radius_m`` of the city's centre (where a city
    puts most of its traffic cameras), spread out, each looking down one of the roads."""
    from sitroom.services.geo import Projector

    g = kit.roads
    rng = np.random.default_rng(seed)
    big = np.flatnonzero(g.edge_class <= RoadClass.SECONDARY)
    if not len(big):
        big = np.arange(g.n_edges)
    degree = np.bincount(g.edge_src[big], minlength=g.n_nodes)
    crossings = np.flatnonzero(degree >= 3)
    if len(crossings) < n:
        crossings = np.unique(g.edge_src[big])
    centre = np.median(g.node_xy[crossings], axis=0)
    central = crossings[np.hypot(*(g.node_xy[crossings] - centre).T) <= radius_m]
    if len(central) >= n:
        crossings = central
    # Spread: farthest-point sampling from a random start.
    xy = g.node_xy[crossings]
    chosen = [int(rng.integers(len(crossings)))]
    dist = np.hypot(*(xy - xy[chosen[0]]).T)
    while len(chosen) < min(n, len(crossings)):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(*(xy - xy[nxt]).T))
    project = Projector(kit.crs)
    cams = []
    for i, c in enumerate(chosen):
        node = int(crossings[c])
        out = big[g.edge_src[big] == node]
        edge = int(out[rng.integers(len(out))]) if len(out) else -1
        dx, dy = (g.node_xy[g.edge_dst[edge]] - g.node_xy[node]) if edge >= 0 else (0.0, 1.0)
        # Grid bearing of the road, close enough to the compass one for a demo city.
        direction = math.degrees(math.atan2(dx, dy)) % 360.0
        x, y = g.node_xy[node] + rng.normal(0.0, 4.0, 2)
        lon, lat = project.inverse(float(x), float(y))
        road = kit.road_name(edge) if edge >= 0 else ""
        cam_id = f"D{i + 1:03d}"
        fault = ""
        if faults:
            fault = {5: "freeze", 11: "freeze", 8: "drop", 17: "drop", 23: "offline"}.get(i, "")
        fov = 360.0 if i % 9 == 4 else float(rng.choice([60, 75, 90]))  # every ninth a dome
        blind = faults and i == 14  # mapped without a direction
        cams.append(SimCamera(cam_id, f"{road or '교차로'} {cam_id}", float(lon), float(lat),
                              None if blind else direction, fov, float(rng.choice([120, 150, 180])),
                              float(rng.uniform(*fps)), hd=i % 4 == 0, fault=fault, seed=seed * 1000 + i))
    return cams


class Renderer:
    """Street scenes as JPEG: a background per camera and size, drawn once; moving traffic and text per frame."""

    def __init__(self) -> None:
        try:
            self.font = ImageFont.truetype(str(_FONT), 16) if _FONT.is_file() else ImageFont.load_default()
        except OSError:
            self.font = ImageFont.load_default()
        self.ascii_only = not _FONT.is_file()

    def background(self, cam: SimCamera, size: tuple[int, int]) -> Image.Image:
        bg = cam.background.get(size)
        if bg is None:
            w, h = size
            rng = np.random.default_rng(cam.seed)
            base = np.empty((h, w, 3), dtype=np.uint8)
            base[:] = (52, 58, 64)
            base[: h // 3] = (96, 118, 140)  # sky or far buildings
            base += rng.integers(0, 12, (h, w, 1), dtype=np.uint8)
            img = Image.fromarray(base)
            d = ImageDraw.Draw(img)
            for _ in range(6):  # buildings
                x0 = int(rng.integers(0, w - 40))
                bw, bh = int(rng.integers(30, w // 4)), int(rng.integers(h // 6, h // 2))
                colour = tuple(int(v) for v in rng.integers(60, 150, 3))
                d.rectangle([x0, h // 3 - bh // 2, x0 + bw, h // 2], fill=colour)
            d.polygon([(w * 0.35, h * 0.5), (w * 0.65, h * 0.5), (w, h), (0, h)], fill=(70, 72, 76))  # the road
            for k in range(6):  # lane marks
                y = h * (0.55 + 0.075 * k)
                d.rectangle([w * 0.49, y, w * 0.51, y + h * 0.03], fill=(220, 220, 200))
            bg = cam.background[size] = img
        return bg

    def frame(self, cam: SimCamera, size: tuple[int, int], t: float) -> bytes:
        w, h = size
        img = self.background(cam, size).copy()
        d = ImageDraw.Draw(img)
        rng = np.random.default_rng(cam.seed + 7)
        for k in range(5):  # cars coming down the road, at their own speeds
            speed = 0.08 + 0.05 * rng.random()
            phase = (t * speed + k / 5.0) % 1.0
            y = h * (0.5 + 0.5 * phase)
            half = w * (0.035 + 0.12 * phase)
            lane = -1 if k % 2 else 1
            cx = w / 2 + lane * (0.1 + 0.25 * phase) * w * 0.5
            colour = tuple(int(v) for v in rng.integers(40, 255, 3))
            d.rectangle([cx - half, y - half * 0.55, cx + half, y + half * 0.25], fill=colour)
        for k in range(3):  # people on the pavement
            x = (t * 12 * (k + 1) + k * 97) % w
            d.ellipse([x, h * 0.62, x + 6, h * 0.62 + 14], fill=(230, 200, 160))
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) + f".{int(t * 10) % 10}"
        label = cam.id if self.ascii_only else cam.name
        d.rectangle([0, 0, w, 22], fill=(0, 0, 0))
        d.text((6, 2), f"{label}   {stamp}", fill=(255, 255, 255), font=self.font)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=JPEG_QUALITY)
        return out.getvalue()


def _misbehaving(cam: SimCamera, t: float) -> str:
    """What a faulty camera does at time ``t`` (seconds since the backend started): "", "freeze" or "drop"."""
    if cam.fault == "freeze" and (t % _FREEZE_EVERY) >= _FREEZE_EVERY - _FREEZE_FOR:
        return "freeze"
    if cam.fault == "drop" and (t % _DROP_EVERY) >= _DROP_EVERY - _DROP_FOR:
        return "drop"
    return ""


class CctvBackend:
    """The publishing side, apart from its loop (the benchmark drives it too)."""

    def __init__(self, pub: Publisher, cameras: list[SimCamera], *, sd: tuple[int, int] = SD_SIZE,
                 hd: tuple[int, int] = HD_SIZE, prerender: int = 0) -> None:
        self.pub = pub
        self.cameras = cameras
        self.sd, self.hd = sd, hd
        self.renderer = Renderer()
        self.started = time.monotonic()
        self.declared_at = -math.inf
        self.seq: dict[bytes, int] = {}
        self.sent = 0
        # Pre-rendered frames per camera (cycled): the benchmark's load without the rendering's cost.
        self.prerendered: dict[str, list[bytes]] = {}
        for cam in cameras if prerender else ():
            self.prerendered[cam.id] = [self.renderer.frame(cam, sd, 1e9 + k / cam.fps) for k in range(prerender)]

    def declare(self) -> None:
        for cam in self.cameras:
            self.pub.send_map(wire.CAM_TOPIC, wire.CAM_KIND, cam.declaration())
        self.declared_at = time.monotonic()

    def _send(self, topic: bytes, jpeg: bytes, ts: int) -> None:
        self.seq[topic] = self.seq.get(topic, 0) + 1
        self.pub.socket.send_multipart(wire.encode_frame(topic, jpeg, src=self.pub.src, sess=self.pub.sess,
                                                         seq=self.seq[topic], ts=ts))
        self.sent += 1

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.declared_at >= DECLARE_EVERY_S:
            self.declare()
        wanted = self.pub.subscriptions()
        for cam in self.cameras:
            for topic, size, attr in ((cam.topic, self.sd, "due"), (cam.topic_hd, self.hd, "due_hd")):
                if topic not in wanted or (attr == "due_hd" and not cam.hd) or cam.fault == "offline":
                    continue
                if now < getattr(cam, attr):
                    continue
                setattr(cam, attr, max(getattr(cam, attr) + 1.0 / cam.fps, now))
                mode = _misbehaving(cam, now - self.started)
                if mode == "drop":
                    continue
                if mode == "freeze" and cam.frozen is not None:
                    jpeg = cam.frozen  # a stuck encoder: the same picture, fresh timestamps
                elif cam.id in self.prerendered and size == self.sd:
                    frames = self.prerendered[cam.id]
                    jpeg = frames[cam.frames % len(frames)]
                else:
                    jpeg = self.renderer.frame(cam, size, time.time())
                if mode != "freeze":
                    cam.frozen = jpeg if size == self.sd else cam.frozen
                if size == self.sd:
                    cam.frames += 1
                self._send(topic, jpeg, int(time.time() * 1000))


def run(kit: Kit, endpoint: str, *, cameras: int = DEFAULT_CAMERAS, fps: tuple[float, float] = (5.0, 15.0),
        size: tuple[int, int] = SD_SIZE, faults: bool = True, prerender: int = 0, parent_pid: int | None = None,
        duration_s: float | None = None, src: str = "sim-cctv", security: Security | None = None) -> None:
    security = security if security is not None else Security.from_env()
    pub = Publisher(endpoint, src, snapshot=snapshot_endpoint(endpoint), security=security, xpub=True)
    backend = CctvBackend(pub, place_cameras(kit, cameras, fps=fps, faults=faults), sd=size, prerender=prerender)
    log.info("cctv: %d cameras on %s", len(backend.cameras), endpoint)
    run_loop(pub, lambda _n, _wall: backend.tick(), period_s=_TICK_S, parent_pid=parent_pid, duration_s=duration_s)
