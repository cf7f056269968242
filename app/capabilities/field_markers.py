"""Markers from outside equipment (``marker``, sent by the Cursor-on-Target adapter) on the map."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sitroom.app.capabilities.base import Capability
from sitroom.layers.field_markers import FieldMarker, FieldMarkerLayer
from sitroom.services.feeds.client import Delivery
from sitroom.services.feeds.protocol import Kind

if TYPE_CHECKING:
    from sitroom.app.core.session import LiveSession


class FieldMarkersCapability(Capability):
    def __init__(self) -> None:
        self.layer = FieldMarkerLayer()

    def install(self, session: LiveSession) -> None:
        layer = self.layer = session.layers.add("field_markers", self.layer)

        def receive(d: Delivery, now: float) -> int:
            p = d.message.payload  # validated by the protocol (bad-marker otherwise)
            x, y = session.projector(np.array([float(p["lon"])]), np.array([float(p["lat"])]))
            label = p.get("label") or (p.get("text") or "").split("\n")[0][:40] or p["id"]
            marker = FieldMarker(float(p["lon"]), float(p["lat"]), float(x[0]), float(y[0]), label,
                                 p.get("type") or "", int(p["ts"]), p.get("stale"))
            return layer.apply(p["id"], marker, session.clock_ms())

        session.kinds.register(Kind.MARKER, receive)

    def tick(self, session: LiveSession, now: float) -> None:
        self.layer.expire(session.clock_ms())

    def kit_changed(self, session: LiveSession) -> None:
        held = list(self.layer.markers.values())
        if held:
            x, y = session.projector(np.array([m.lon for m in held]), np.array([m.lat for m in held]))
            self.layer.move(x.tolist(), y.tolist())
