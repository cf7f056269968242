"""The live session: a kit, its feeds and the layer models they feed. Qt-free, so tests drive it directly.

Each frame the window calls :meth:`LiveSession.pump`, which drains what the socket thread decoded and
applies it to the models by message kind; the renderers then repaint whatever is dirty.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from layers.traffic import TrafficLayer
from layers.vehicles import VehicleLayer
from services.feeds import protocol
from services.feeds.client import Delivery, FeedClient, FeedConfig
from services.feeds.health import FeedState
from services.geo import Projector
from services.store.kit import Kit


@dataclass
class SessionStats:
    messages: int = 0  # data messages applied (heartbeats excluded)
    records: int = 0
    unhandled: int = 0  # valid messages of kinds no layer takes yet


class LiveSession:
    def __init__(self, kit: Kit, feeds: list[FeedConfig], *, strict: bool = False) -> None:
        self.kit = kit
        self.projector = Projector(kit.crs)
        # Positions are projected on the feed thread (pyproj releases the GIL), not in the frame.
        self.client = FeedClient(feeds, strict=strict, prepare={
            protocol.Kind.AVL_BATCH: lambda msg: self.projector(msg.payload["lon"], msg.payload["lat"]),
        })
        self.vehicles = VehicleLayer(self.projector)
        self.traffic = TrafficLayer(kit.roads)
        self.stats = SessionStats()
        self._handlers: dict[str, Callable[[Delivery, float], int]] = {
            protocol.Kind.AVL_BATCH: lambda d, now: self.vehicles.apply(d.message.payload, feed=d.feed, now=now,
                                                                        xy=d.prepared),
            protocol.Kind.LINK_SPEEDS: lambda d, now: self.traffic.apply(d.message.payload),
        }

    @property
    def layers(self) -> list:
        return [self.traffic, self.vehicles]

    def start(self) -> None:
        self.client.start()

    def stop(self) -> None:
        self.client.stop()

    def pump(self, now: float | None = None, limit: int | None = None) -> int:
        """Apply every waiting message; returns how many records were applied."""
        now = time.monotonic() if now is None else now
        applied = 0
        for d in self.client.drain(limit):
            handler = self._handlers.get(d.message.env.kind)
            if handler is None:
                self.stats.unhandled += 1
                continue
            applied += handler(d, now)
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
