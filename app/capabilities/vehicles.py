"""Vehicle positions (``avl.batch``): buses, taxis and emergency units with their status, heading and trails."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sitroom.app.capabilities.base import Capability
from sitroom.layers.vehicles import VehicleLayer
from sitroom.services.feeds.client import Delivery
from sitroom.services.feeds.protocol import Kind, Message

if TYPE_CHECKING:
    from sitroom.app.core.session import LiveSession


class VehiclesCapability(Capability):
    def install(self, session: LiveSession) -> None:
        vehicles = session.layers.add("vehicles", VehicleLayer(session.projector))

        def project(msg: Message) -> tuple[str, np.ndarray, np.ndarray]:
            # On the feed thread (pyproj releases the GIL), not in the frame.
            projector = session.projector
            return (projector.crs, *projector(msg.payload["lon"], msg.payload["lat"]))

        def apply(d: Delivery, now: float) -> int:
            # Positions projected for another kit's CRS (the kit changed since) are projected again here.
            xy = d.prepared[1:] if d.prepared is not None and d.prepared[0] == session.projector.crs else None
            return vehicles.apply(d.message.payload, feed=d.feed, now=now, xy=xy,
                                  now_ms=session.clock_ms() if d.snapshot else None)

        session.kinds.register(Kind.AVL_BATCH, apply, prepare=project)

    def kit_changed(self, session: LiveSession) -> None:
        session.vehicles.reproject(session.projector)  # the kit changed, the fleet did not
