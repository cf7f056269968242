"""Facilities and their sensors (``fac``, ``sens.<facility>``, ``fac.evt``): the facility monitor with its alarm
engine, on the map as the facility layer.

Readings are taken in once per frame, all the feeds' batches of that frame as one (a city's sensors arrive as
hundreds of small per-facility messages a second); time-driven work (silent sensors, delays that run out,
shelving that expires, escalation) runs four times a second. The first dispatch to an incident made from an
alarm is noted on the alarm, from the incident book's own record of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sitroom.app.capabilities.base import Capability
from sitroom.layers.facilities import FacilityLayer
from sitroom.services.facilities import wire
from sitroom.services.facilities.monitor import FacilityMonitor
from sitroom.services.feeds.client import Delivery
from sitroom.services.feeds.protocol import Kind, Message
from sitroom.services.incidents.model import Incident
from sitroom.services.sensors.catalog import FacilityInfo
from sitroom.services.store.kit import Kit

if TYPE_CHECKING:
    from sitroom.app.core.session import LiveSession

LAYER = "facilities"
TICK_MS = 250


def facility_layer(session: LiveSession) -> FacilityLayer | None:
    layer = session.layers.get(LAYER)
    return layer if isinstance(layer, FacilityLayer) else None


def monitor_of(session: LiveSession) -> FacilityMonitor | None:
    """The session's facility monitor (None when the capability is not installed)."""
    layer = facility_layer(session)
    return layer.monitor if layer is not None else None


def kit_facilities(kit: Kit) -> list[FacilityInfo]:
    return [FacilityInfo(f.id, f.kind, f.name, f.x, f.y, footprint=f.footprint) for f in kit.facilities]


class FacilitiesCapability(Capability):
    def __init__(self) -> None:
        self._pending: list[np.ndarray] = []
        self._next_tick = 0
        self._resets = 0  # the replay player's seeks that rebuilt the state, as of the monitor in use

    def install(self, session: LiveSession) -> None:
        monitor = FacilityMonitor()
        monitor.place(kit_facilities(session.kit))
        layer = session.layers.add(LAYER, FacilityLayer(monitor, session.kit.footprints))

        def project(msg: Message) -> tuple:
            # On the feed thread: the facility's and its sensors' positions in the kit's metres.
            p, projector = msg.payload, session.projector
            placed = [s for s in p["sensors"] if "lon" in s]
            lon = np.array([p["lon"], *(s["lon"] for s in placed)], np.float64)
            lat = np.array([p["lat"], *(s["lat"] for s in placed)], np.float64)
            x, y = projector(lon, lat)
            return projector.crs, float(x[0]), float(y[0]), {int(s["id"]): (float(sx), float(sy))
                                                               for s, sx, sy in zip(placed, x[1:], y[1:], strict=True)}

        def describe(d: Delivery, now: float) -> int:
            self._follow_seeks(session)
            prepared = d.prepared if d.prepared is not None and d.prepared[0] == session.projector.crs \
                else project(d.message)
            _crs, x, y, sensor_xy = prepared
            layer.monitor.describe(d.message.payload, x, y, sensor_xy, session.clock_ms())
            layer.mark_dirty()
            return 1

        def readings(d: Delivery, now: float) -> int:
            self._follow_seeks(session)
            self._pending.append(d.message.payload)  # taken in with the rest of the frame's, in tick
            return len(d.message.payload)

        def event(d: Delivery, now: float) -> int:
            self._follow_seeks(session)
            layer.monitor.event(d.message.payload, session.clock_ms())
            return 1

        session.kinds.register(wire.FACILITY_KIND, describe, prepare=project)
        session.kinds.register(Kind.SENSOR, readings)
        session.kinds.register(wire.EVENT_KIND, event)

        def dispatched(inc: Incident, action: str, who: str, detail: str) -> None:
            if action in ("dispatch sent", "dispatched"):
                layer.monitor.engine.dispatched(inc.id, session.clock_ms())

        session.incidents.listeners.append(dispatched)

    def tick(self, session: LiveSession, now: float) -> None:
        self._follow_seeks(session)
        monitor = monitor_of(session)
        if monitor is None:
            return
        now_ms = session.clock_ms()
        if self._pending:
            batch = self._pending[0] if len(self._pending) == 1 else np.concatenate(self._pending)
            self._pending = []
            monitor.readings_in(batch, now_ms)
        if now_ms >= self._next_tick or now_ms < self._next_tick - 10 * TICK_MS:  # (or the clock went back)
            self._next_tick = now_ms + TICK_MS
            monitor.tick(now_ms)

    def kit_changed(self, session: LiveSession) -> None:
        """Another kit: its facilities and footprints; facilities the feeds described move to the new metres."""
        layer = facility_layer(session)
        if layer is None:
            return
        old = layer.monitor.catalog.facilities
        layer.monitor.catalog.forget_facilities([f for f, info in old.items() if not info.described])
        for info in old.values():
            x, y = session.projector(np.array([info.lon]), np.array([info.lat]))
            info.x, info.y, info.footprint = float(x[0]), float(y[0]), -1
        for f in kit_facilities(session.kit):
            known = old.get(f.id)
            if known is None:
                layer.monitor.place([f])
            else:
                known.x, known.y, known.footprint = f.x, f.y, f.footprint
        layer.monitor.catalog.version += 1
        layer.set_footprints(session.kit.footprints)

    def _follow_seeks(self, session: LiveSession) -> None:
        """Replay: a seek that rebuilt the state (the player counts them) starts the facilities over too, before
        the messages that rebuild them are taken in."""
        resets = getattr(getattr(session, "player", None), "resets", 0)
        if resets != self._resets:
            self._resets = resets
            self._reset(session)

    def _reset(self, session: LiveSession) -> None:
        layer = facility_layer(session)
        if layer is None:
            return
        self._pending = []
        self._next_tick = 0
        engine = layer.monitor.engine
        fresh = FacilityMonitor(type(engine)(escalate_after_s=engine.escalate_after_s))
        fresh.engine.listeners = engine.listeners
        fresh.place(kit_facilities(session.kit))
        layer.monitor = fresh
        layer.mark_dirty()
