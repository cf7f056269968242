"""The live session: a kit, its feeds, the models on the map and the journal. Qt-free, so tests drive it.

Each frame :meth:`LiveSession.pump` drains what the socket thread decoded and hands each delivery to the
handler its kind is registered with (:class:`~app.core.kinds.KindTable`); the renderers then repaint
whatever is dirty. Which kinds and models exist is up to the capabilities the session is built with
(``app/capabilities``): the session itself names none of them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sitroom.app.core.kinds import KindTable
from sitroom.layers.base import Layer, LayerSet
from sitroom.services.feeds import protocol
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.health import FeedState
from sitroom.services.feeds.security import Security
from sitroom.services.geo import Projector
from sitroom.services.incidents.model import IncidentBook
from sitroom.services.journal import JournalWriter, frames_of
from sitroom.services.routing.history import SpeedHistory
from sitroom.services.store.kit import Kit

if TYPE_CHECKING:
    from sitroom.app.capabilities.base import Capability
    from sitroom.layers.traffic import TrafficLayer
    from sitroom.layers.vehicles import VehicleLayer


@dataclass
class SessionStats:
    messages: int = 0  # data messages applied (heartbeats excluded)
    records: int = 0
    unhandled: int = 0  # valid messages of kinds no capability takes


def prepare_kit_layers(kit: Kit, capabilities: Sequence[Capability]) -> dict[str, Layer]:
    """Every capability's models built from ``kit`` alone. Slow (a basemap simplifies every road per zoom
    band), so a window calls it on a worker thread and hands the result to :meth:`LiveSession.set_kit`."""
    layers: dict[str, Layer] = {}
    for capability in capabilities:
        layers.update(capability.kit_layers(kit))
    return layers


def journal_meta(kit: Kit, feeds: Sequence[FeedConfig]) -> dict:
    """What a journal says about the session that recorded it (``journal.json``): its kit and feeds."""
    return {"kit": {"name": kit.name, "path": str(kit.path) if kit.path is not None else None,
                    "generated": bool(kit.generated), "crs": kit.crs},
            "feeds": [{"name": f.name, "endpoint": f.endpoint} for f in feeds]}


class LiveSession:
    """A kit and its live feeds, turned into the models the map draws.

    ``layers`` holds the models bottom to top; ``kinds`` says which handler takes which feed kind; the
    incident book, the link-speed history and the journal are the session's own records. ``clock`` and
    ``clock_ms`` are the session's time (wall time live; the journal's position in replay): views ask
    here, never the system clock."""

    def __init__(self, kit: Kit, feeds: list[FeedConfig], *, strict: bool = False,
                 security: Security | None = None, capabilities: Sequence[Capability] | None = None,
                 kit_layers: dict[str, Layer] | None = None) -> None:
        if capabilities is None:
            from sitroom.app.capabilities import default_capabilities

            capabilities = default_capabilities()
        self.capabilities = list(capabilities)
        self.kit = kit
        self.projector = Projector(kit.crs)
        self.kinds = KindTable()
        self.client = FeedClient(feeds, strict=strict, security=security, prepare=self.kinds.prepare)
        self.layers = LayerSet()
        self.incidents = IncidentBook()
        self.speed_history = SpeedHistory(kit.roads)
        self.history_dir: Path | None = None  # where link-speed history is kept per kit, when set
        self.journal: JournalWriter | None = None  # every message received, for replay
        self.clock = time.monotonic
        self.clock_ms = protocol.now_ms
        self.stats = SessionStats()
        for key, layer in (kit_layers if kit_layers is not None
                           else prepare_kit_layers(kit, self.capabilities)).items():
            self.layers.add(key, layer)
        for capability in self.capabilities:
            capability.install(self)

    # The models every dispatcher's view relies on (capabilities put them there).
    @property
    def vehicles(self) -> VehicleLayer:
        return self.layers["vehicles"]  # type: ignore[return-value]

    @property
    def traffic(self) -> TrafficLayer:
        return self.layers["traffic"]  # type: ignore[return-value]

    def set_kit(self, kit: Kit, kit_layers: dict[str, Layer] | None = None) -> None:
        """Switch to another kit while the feeds run on: kit-bound models are replaced, live ones move along."""
        self.save_history()
        self.kit = kit
        self.projector = Projector(kit.crs)  # the feed thread's prepare hooks read this attribute each batch
        for key, layer in (kit_layers if kit_layers is not None
                           else prepare_kit_layers(kit, self.capabilities)).items():
            if key in self.layers:
                self.layers.replace(key, layer)
            else:
                self.layers.add(key, layer)
        self.speed_history = SpeedHistory(kit.roads)
        self.use_history_dir(self.history_dir)
        for capability in self.capabilities:
            capability.kit_changed(self)

    def journal_meta(self) -> dict:
        return journal_meta(self.kit, self.client.feeds)

    # ------------------------------------------------------------ link-speed history

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

    # ------------------------------------------------------------ running

    def start(self) -> None:
        self.client.start()

    def stop(self) -> None:
        self.client.stop()
        self.save_history()

    def pump(self, now: float | None = None, limit: int | None = None) -> int:
        """Apply every waiting message; returns how many records were applied."""
        now = self.clock() if now is None else now
        applied = 0
        for d in self.client.drain(limit):
            if self.journal is not None and self.kinds.journals(d):
                self.journal.append(self.client.feeds[d.feed].name, frames_of(d.message), self.clock_ms())
            handler = self.kinds.handler(d.message.env.kind)
            if handler is None:
                self.stats.unhandled += 1
                continue
            # A replayed delivery carries its own receive time, so ages and staleness are history's.
            applied += handler(d, getattr(d, "rx", now))
            self.stats.messages += 1
        self.stats.records += applied
        for capability in self.capabilities:
            capability.tick(self, now)
        return applied

    def stale_feeds(self, now: float | None = None) -> np.ndarray:
        """Indices of feeds that are silent past the heartbeat timeout (or never spoke)."""
        now = self.clock() if now is None else now
        return np.array([i for i, h in enumerate(self.client.health) if h.state(now) != FeedState.LIVE],
                        dtype=np.int16)

    def decode_errors(self) -> int:
        return sum(h.decode_errors for h in self.client.health)
