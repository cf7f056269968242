"""Live link speeds (``link.speeds``): the congestion on the map, routing's travel times, the speed history."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sitroom.app.capabilities.base import Capability
from sitroom.layers.base import Layer
from sitroom.layers.traffic import TrafficLayer
from sitroom.services.feeds.client import Delivery
from sitroom.services.feeds.protocol import Kind
from sitroom.services.store.kit import Kit

if TYPE_CHECKING:
    from sitroom.app.core.session import LiveSession


class TrafficCapability(Capability):
    def kit_layers(self, kit: Kit) -> dict[str, Layer]:
        return {"traffic": TrafficLayer(kit.roads)}  # keyed on this kit's links

    def install(self, session: LiveSession) -> None:
        def link_speeds(d: Delivery, now: float) -> int:
            traffic = session.traffic
            n = traffic.apply(d.message.payload)
            session.speed_history.add(time.localtime().tm_hour, traffic.kmh, traffic.updated)
            return n

        session.kinds.register(Kind.LINK_SPEEDS, link_speeds)
