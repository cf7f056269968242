"""The facility kinds on the wire (docs/protocol.md §6.4): facility metadata with its sensors (``fac``), the
readings (``sens.<facility>``, packed records declared in protocol.py) and device alarms (``fac.evt``).

A map that cannot be read as a facility or an event is refused whole (``bad-facility``, ``bad-device-event``:
a wire problem, counted per feed). A facility whose map is sound but one of whose sensors is badly configured
(limits in the wrong order, another unit than its kind's) is taken, and that sensor is shown as a fault: one
mistyped limit must not hide a whole building.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from sitroom.services.feeds import protocol
from sitroom.services.feeds.protocol import DecodeError, require, require_lonlat
from sitroom.services.vocabulary import DEVICE_ALARMS, FACILITY_KINDS

FACILITY_TOPIC = b"fac"
EVENT_TOPIC = b"fac.evt"
FACILITY_KIND = "fac"
EVENT_KIND = "fac.evt"
MAX_SENSORS = 512  # per facility message (about 40 kB of metadata, within MAX_MAP_BYTES)
MAX_LABEL_CHARS = 200
LIMIT_FIELDS = ("alarm_lo", "warn_lo", "warn_hi", "alarm_hi")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _optional_number(sensor: dict, name: str, reason: str, where: str, *, minimum: float | None = None) -> None:
    value = sensor.get(name)
    if value is None:
        return
    if not _number(value) or (minimum is not None and value < minimum):
        raise DecodeError(reason, f"{where}: field {name!r}")


def _text(payload: dict, name: str, reason: str, limit: int, *, optional: bool = False, where: str = "") -> None:
    value = payload.get(name)
    if value is None and optional:
        return
    if not isinstance(value, str) or len(value) > limit or (not optional and not value):
        raise DecodeError(reason, f"{where}field {name!r}")


def validate_facility(payload: dict) -> dict:
    """A facility and its sensors; raises DecodeError('bad-facility', …) on a map no one could use."""
    r = "bad-facility"
    _text(payload, "id", r, protocol.MAX_ID_CHARS)
    if require(payload, "kind", str, r) not in FACILITY_KINDS:
        raise DecodeError(r, f"kind {payload['kind'][:32]!r}")
    _text(payload, "name", r, MAX_LABEL_CHARS, optional=True)
    require_lonlat(payload, r)
    sensors = require(payload, "sensors", list, r)
    if len(sensors) > MAX_SENSORS:
        raise DecodeError(r, f"{len(sensors)} sensors, at most {MAX_SENSORS} per facility")
    seen: set[int] = set()
    for i, s in enumerate(sensors):
        where = f"sensor {i}"
        if not isinstance(s, dict):
            raise DecodeError(r, f"{where}: not a map")
        sid = s.get("id")
        if not isinstance(sid, int) or isinstance(sid, bool) or not 0 <= sid < 2**32:
            raise DecodeError(r, f"{where}: field 'id'")
        if sid in seen:
            raise DecodeError(r, f"sensor {sid} listed twice")
        seen.add(sid)
        where = f"sensor {sid}"
        _text(s, "kind", r, 32, where=f"{where}: ")
        _text(s, "unit", r, 16, optional=True, where=f"{where}: ")
        _text(s, "label", r, MAX_LABEL_CHARS, optional=True, where=f"{where}: ")
        floor = s.get("floor")
        if floor is not None and (not isinstance(floor, int) or isinstance(floor, bool) or not -20 <= floor <= 300):
            raise DecodeError(r, f"{where}: field 'floor'")
        if "lon" in s or "lat" in s:
            require_lonlat(s, r)
        for name in LIMIT_FIELDS:
            _optional_number(s, name, r, where)
        _optional_number(s, "deadband", r, where, minimum=0.0)
        _optional_number(s, "on_delay_s", r, where, minimum=0.0)
        _optional_number(s, "off_delay_s", r, where, minimum=0.0)
        _optional_number(s, "rate_s", r, where, minimum=1e-3)
        priority = s.get("priority")
        if priority is not None and (not isinstance(priority, int) or isinstance(priority, bool)
                                     or not 1 <= priority <= 4):
            raise DecodeError(r, f"{where}: priority not 1..4")
    return payload


def validate_event(payload: dict) -> dict:
    """A device alarm raised or cleared; raises DecodeError('bad-device-event', …)."""
    r = "bad-device-event"
    _text(payload, "id", r, 128)
    _text(payload, "facility", r, protocol.MAX_ID_CHARS)
    if require(payload, "type", str, r) not in DEVICE_ALARMS:
        raise DecodeError(r, f"type {payload['type'][:32]!r}")
    if not isinstance(payload.get("active"), bool):
        raise DecodeError(r, "field 'active'")
    require(payload, "ts", int, r)
    sensor = payload.get("sensor")
    if sensor is not None and (not isinstance(sensor, int) or isinstance(sensor, bool) or not 0 <= sensor < 2**32):
        raise DecodeError(r, "field 'sensor'")
    _text(payload, "text", r, MAX_LABEL_CHARS, optional=True)
    return payload


def readings_topic(facility: str) -> bytes:
    """``sens.<facility>``: the readings of one facility (an ASCII id as it is; any other by its digest)."""
    ok = facility.isascii() and facility.isprintable() and " " not in facility and len(facility) <= 64
    text = facility if ok else hashlib.sha1(facility.encode()).hexdigest()[:16]
    return protocol.Topic.SENSOR_PREFIX + text.encode("ascii")


# Facilities are state (a late joiner gets every one from the snapshot); device alarms too, keyed by their id, so
# a smoke alarm raised before the control room started is still seen.
protocol.register_kind(protocol.KindSpec(FACILITY_KIND, FACILITY_TOPIC, validate=validate_facility, state_key="id"))
protocol.register_kind(protocol.KindSpec(EVENT_KIND, EVENT_TOPIC, validate=validate_event, state_key="id"))
