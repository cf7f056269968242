"""The live session: a kit, its feeds and the layer models they feed. Qt-free, so tests drive it directly.

Each frame the window calls :meth:`LiveSession.pump`, which drains what the socket thread decoded and
applies it to the models by message kind; the renderers then repaint whatever is dirty.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from layers.traffic import TrafficLayer
from layers.vehicles import VehicleLayer
from services.feeds import protocol
from services.feeds.client import Delivery, FeedClient, FeedConfig
from services.feeds.health import FeedState
from services.feeds.security import Security
from services.geo import Projector
from services.incidents.model import IncidentBook
from services.journal import JournalWriter, frames_of
from services.routing.history import SpeedHistory
from services.store.kit import Kit


@dataclass
class SessionStats:
    messages: int = 0  # data messages applied (heartbeats excluded)
    records: int = 0
    unhandled: int = 0  # valid messages of kinds no layer takes yet


class LiveSession:
    def __init__(self, kit: Kit, feeds: list[FeedConfig], *, strict: bool = False,
                 security: Security | None = None) -> None:
        self.kit = kit
        self.projector = Projector(kit.crs)
        # Positions are projected on the feed thread (pyproj releases the GIL), not in the frame.
        self.client = FeedClient(feeds, strict=strict, security=security, prepare={
            protocol.Kind.AVL_BATCH: self._project_batch,
        })
        self.vehicles = VehicleLayer(self.projector)
        self.traffic = TrafficLayer(kit.roads)
        self.incidents = IncidentBook()
        self.speed_history = SpeedHistory(kit.roads)
        self.history_dir: Path | None = None  # where link-speed history is kept per kit, when set
        self.journal: JournalWriter | None = None  # every message received, for replay
        # The session's clock: wall time live, the journal's position in replay (views ask here, not time).
        self.clock = time.monotonic
        self.clock_ms = protocol.now_ms
        self.stats = SessionStats()
        self._handlers: dict[str, Callable[[Delivery, float], int]] = {
            protocol.Kind.AVL_BATCH: lambda d, now: self.vehicles.apply(
                d.message.payload, feed=d.feed, now=now, xy=self._prepared_xy(d),
                now_ms=self.clock_ms() if d.snapshot else None),
            protocol.Kind.LINK_SPEEDS: self._link_speeds,
            protocol.Kind.INCIDENT: self._incident,
        }

    def _project_batch(self, msg: protocol.Message) -> tuple[str, np.ndarray, np.ndarray]:
        projector = self.projector
        return (projector.crs, *projector(msg.payload["lon"], msg.payload["lat"]))

    def _prepared_xy(self, d: Delivery) -> tuple[np.ndarray, np.ndarray] | None:
        """The positions projected on the feed thread, unless the kit (and its CRS) changed since."""
        if d.prepared is None or d.prepared[0] != self.projector.crs:
            return None  # the layer projects them itself
        return d.prepared[1], d.prepared[2]

    def _link_speeds(self, d: Delivery, now: float) -> int:
        n = self.traffic.apply(d.message.payload)
        self.speed_history.add(time.localtime().tm_hour, self.traffic.kmh, self.traffic.updated)
        return n

    def _incident(self, d: Delivery, now: float) -> int:
        p = d.message.payload  # validated by the protocol
        x, y = self.projector(np.array([p["lon"]]), np.array([p["lat"]]))
        self.incidents.receive(p, float(x[0]), float(y[0]), self.client.feeds[d.feed].name,
                               now_ms=getattr(d, "recv_ms", None))
        return 1

    def set_kit(self, kit: Kit) -> None:
        """Switch to another kit while the feeds run on: vehicles move into its CRS, traffic keys on its links."""
        self.kit = kit
        self.projector = Projector(kit.crs)  # the feed thread's prepare hook reads this attribute each batch
        self.vehicles.reproject(self.projector)
        self.traffic = TrafficLayer(kit.roads)
        self.save_history()
        self.speed_history = SpeedHistory(kit.roads)
        self.use_history_dir(self.history_dir)
        for inc in self.incidents.incidents.values():
            x, y = self.projector(np.array([inc.lon]), np.array([inc.lat]))
            inc.x, inc.y = float(x[0]), float(y[0])
        self.incidents.version += 1

    def _history_file(self) -> Path | None:
        if self.history_dir is None:
            return None
        key = hashlib.sha256(f"{self.kit.name}|{self.kit.crs}|{self.kit.roads.n_edges}".encode()).hexdigest()[:16]
        return self.history_dir / f"speeds-{key}.npz"

    def use_history_dir(self, directory: Path | None) -> None:
        """Keep the link-speed history of each kit in ``directory``, and load this kit's."""
        self.history_dir = directory
        if (path := self._history_file()) is not None:
            self.speed_history = SpeedHistory.load(self.kit.roads, path)

    def save_history(self) -> None:
        if (path := self._history_file()) is not None and self.speed_history.hours():
            self.speed_history.save(path)

    def start(self) -> None:
        self.client.start()

    def stop(self) -> None:
        self.client.stop()
        self.save_history()

    def pump(self, now: float | None = None, limit: int | None = None) -> int:
        """Apply every waiting message; returns how many records were applied."""
        now = time.monotonic() if now is None else now
        applied = 0
        for d in self.client.drain(limit):
            if self.journal is not None:
                self.journal.append(self.client.feeds[d.feed].name, frames_of(d.message), self.clock_ms())
            handler = self._handlers.get(d.message.env.kind)
            if handler is None:
                self.stats.unhandled += 1
                continue
            # A replayed delivery carries its own receive time, so ages and staleness are history's.
            applied += handler(d, getattr(d, "rx", now))
            self.stats.messages += 1
        self.stats.records += applied
        return applied

    def stale_feeds(self, now: float | None = None) -> np.ndarray:
        """Indices of feeds that are silent past the heartbeat timeout (or never spoke)."""
        now = time.monotonic() if now is None else now
        return np.array([i for i, h in enumerate(self.client.health) if h.state(now) != FeedState.LIVE],
                        dtype=np.int16)

    def decode_errors(self) -> int:
        return sum(h.decode_errors for h in self.client.health)
