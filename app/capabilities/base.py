"""What a capability is: one kind of data in the control room, plugged into the core from outside it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sitroom.layers.base import Layer
from sitroom.services.store.kit import Kit

if TYPE_CHECKING:
    from sitroom.app.core.session import LiveSession


class Capability:
    """The models a kind of data puts on the map, the feed kinds that feed them, and what opening another
    kit means for them. Subclass and override what applies; docs/extending.md walks through one."""

    def kit_layers(self, kit: Kit) -> dict[str, Layer]:
        """Models built from the kit alone, by key. Called off the GUI thread whenever a kit opens (slow
        work is fine here) and swapped in whole; a key keeps its place on the map across kits."""
        return {}

    def install(self, session: LiveSession) -> None:
        """Once per session: add live models to ``session.layers`` and register the feed kinds they take
        (``session.kinds.register``). The kit's layers are already in place."""

    def tick(self, session: LiveSession, now: float) -> None:
        """After each pump (every frame, live and in replay), with the session's clock: work that spans a
        frame's deliveries (apply them as one batch) or that time alone drives (delays, expiries)."""

    def kit_changed(self, session: LiveSession) -> None:
        """The session moved to ``session.kit`` (with this capability's new kit layers in place): move what
        outlives a kit along, e.g. reproject positions into the new CRS."""
