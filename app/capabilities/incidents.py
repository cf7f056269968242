"""Incidents (``inc``): into the session's incident book, and on the map as the incident layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sitroom.app.capabilities.base import Capability
from sitroom.layers.incidents import IncidentLayer
from sitroom.services.feeds.client import Delivery
from sitroom.services.feeds.protocol import Kind

if TYPE_CHECKING:
    from sitroom.app.core.session import LiveSession


class IncidentsCapability(Capability):
    def install(self, session: LiveSession) -> None:
        session.layers.add("incidents", IncidentLayer(session.incidents))

        def receive(d: Delivery, now: float) -> int:
            p = d.message.payload  # validated by the protocol
            x, y = session.projector(np.array([p["lon"]]), np.array([p["lat"]]))
            session.incidents.receive(p, float(x[0]), float(y[0]), session.client.feeds[d.feed].name,
                                      now_ms=getattr(d, "recv_ms", None), snapshot=d.snapshot)
            return 1

        session.kinds.register(Kind.INCIDENT, receive)

    def kit_changed(self, session: LiveSession) -> None:
        book = session.incidents
        for inc in book.incidents.values():
            x, y = session.projector(np.array([inc.lon]), np.array([inc.lat]))
            inc.x, inc.y = float(x[0]), float(y[0])
        book.version += 1
