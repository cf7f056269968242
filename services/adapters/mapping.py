"""Mapping files: which column of a CSV row, or which field of a JSON message, is which SitRoom field.

A mapping is a TOML (or JSON) file; the CSV/JSON adapter reads one table of it, the MQTT adapter one per topic
filter. Its keys:

``kind``
    ``avl`` (vehicle positions), ``incident``, ``sensor`` (readings) or ``facility`` (a facility with its
    sensors: ``id`` ``kind`` ``lon`` ``lat`` ``sensors`` required, ``name``; MQTT only).
``fields``
    SitRoom field → where its value is: a column name, a dotted path into JSON (``reading.value``,
    ``sensors.0.id``), or for MQTT a level of the message's topic (``topic:1``, counted from 0).
    AVL: ``id`` ``lon`` ``lat`` (required), ``ts`` ``speed`` ``heading`` ``type`` ``status``.
    Incident: ``id`` ``type`` ``priority`` ``lon`` ``lat`` ``status`` ``reported`` (``reported`` may come
    from ``ts``), ``desc``. Sensor: ``id`` (the sensor's integer id) ``value`` (required), ``ts`` ``quality``
    ``facility``.
``const``
    SitRoom field → a fixed value, for what the source does not say (``type = "bus"``).
``values``
    SitRoom field → a table translating the source's words (``[values.status] "운행" = "available"``).
``scale``
    SitRoom field → a factor (``speed = 3.6`` for metres per second).
``time``
    How ``ts`` is written: ``epoch_ms``, ``epoch_s``, ``iso`` (ISO 8601; without a zone it is taken in
    ``timezone``), or a ``strptime`` format such as ``"%Y-%m-%d %H:%M:%S"``. Default: ``auto`` (numbers
    are epoch seconds or milliseconds by their size, text is ISO 8601).
``timezone``
    The zone of times that carry none (default ``Asia/Seoul``).

Whatever a row or message lacks or holds in a form that cannot be read raises :class:`~base.Dropped`
with a reason (``missing-field``, ``bad-field``, ``bad-time``, ``bad-position``), which the adapter counts.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from sitroom.services.adapters.base import Dropped
from sitroom.services.feeds.protocol import AVL_DTYPE, SENSOR_DTYPE
from sitroom.services.vocabulary import INCIDENT_STATUSES, INCIDENT_TYPES, VehicleStatus, VehicleType

KINDS = ("avl", "incident", "sensor", "facility")
REQUIRED = {"avl": ("id", "lon", "lat"), "incident": ("id", "type", "lon", "lat"), "sensor": ("id", "value"),
            "facility": ("id", "kind", "lon", "lat", "sensors")}
KNOWN = {"avl": ("id", "lon", "lat", "ts", "speed", "heading", "type", "status"),
         "incident": ("id", "type", "priority", "lon", "lat", "status", "reported", "ts", "desc"),
         "sensor": ("id", "value", "ts", "quality", "facility"),
         "facility": ("id", "kind", "name", "lon", "lat", "sensors")}
# A facility's sensors keep these keys of each listed sensor (docs/protocol.md §6.4); others are left out.
SENSOR_KEYS = ("id", "kind", "unit", "label", "floor", "lon", "lat", "alarm_lo", "warn_lo", "warn_hi", "alarm_hi",
               "deadband", "on_delay_s", "off_delay_s", "rate_s", "priority")
_MISSING = object()
TOPIC_LEVELS = "\0topic"  # where the MQTT adapter puts a message's topic levels, for fields ``topic:N``


class MappingError(ValueError):
    """A mapping file that cannot be used (told at start, before any input is read)."""


def _path_get(item: Any, path: str) -> Any:
    if path.startswith("topic:") and isinstance(item, dict) and isinstance(item.get(TOPIC_LEVELS), list):
        levels = item[TOPIC_LEVELS]  # MQTT: a level of the message's topic, counted from 0
        n = path[6:]
        return levels[int(n)] if n.isdigit() and int(n) < len(levels) else _MISSING
    if isinstance(item, dict) and path in item:  # a column named with dots is still a column
        return item[path]
    cur = item
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return _MISSING
    return cur


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise Dropped("bad-field", f"{name}: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise Dropped("bad-field", f"{name}: {value[:40]!r} is not a number") from None
    raise Dropped("bad-field", f"{name}: {type(value).__name__}")


@dataclass
class Mapping:
    kind: str
    fields: dict[str, str]
    const: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    time: str = "auto"
    timezone: str = "Asia/Seoul"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MappingError(f"kind {self.kind!r}: expected one of {', '.join(KINDS)}")
        for name in (*self.fields, *self.const):
            if name not in KNOWN[self.kind]:
                raise MappingError(f"{self.kind} has no field {name!r} (fields: {', '.join(KNOWN[self.kind])})")
        missing = [f for f in REQUIRED[self.kind] if f not in self.fields and f not in self.const]
        if missing:
            raise MappingError(f"{self.kind} mapping lacks {', '.join(missing)} (in [fields] or [const])")
        try:
            self._zone = ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:
            raise MappingError(f"unknown timezone {self.timezone!r}") from exc
        self.values = {k: {str(a): b for a, b in v.items()} for k, v in self.values.items()}

    @classmethod
    def from_dict(cls, data: dict) -> Mapping:
        if not isinstance(data, dict):
            raise MappingError("a mapping is a table")
        unknown = set(data) - {"kind", "fields", "const", "values", "scale", "time", "timezone", "topic",
                               "facility", "qos"}
        if unknown:
            raise MappingError(f"unknown keys {', '.join(sorted(unknown))}")
        fields = data.get("fields", {})
        if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
            raise MappingError("[fields] maps SitRoom fields to column names or JSON paths (text)")
        scale = data.get("scale", {})
        if not all(isinstance(v, int | float) for v in scale.values()):
            raise MappingError("[scale] values are numbers")
        return cls(str(data.get("kind", "")), dict(fields), dict(data.get("const", {})),
                   dict(data.get("values", {})), {k: float(v) for k, v in scale.items()},
                   str(data.get("time", "auto")), str(data.get("timezone", "Asia/Seoul")))

    # ------------------------------------------------------------ reading one item

    def raw(self, item: Any, name: str, *, required: bool = False) -> Any:
        """The item's value for SitRoom field ``name`` (translated by ``values``), or None when it has none."""
        value: Any = _MISSING
        if name in self.fields:
            value = _path_get(item, self.fields[name])
            if isinstance(value, str) and not value.strip():
                value = _MISSING
        if value is _MISSING or value is None:
            value = self.const.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                raise Dropped("missing-field", f"{name} ({self.fields.get(name, 'no column')})")
            return None
        table = self.values.get(name)
        if table is not None:
            value = table.get(str(value).strip(), value)
        return value

    def number(self, item: Any, name: str, *, required: bool = False) -> float | None:
        value = self.raw(item, name, required=required)
        if value is None:
            return None
        return _number(value, name) * self.scale.get(name, 1.0)

    def time_ms(self, item: Any, name: str = "ts") -> int | None:
        value = self.raw(item, name)
        if value is None:
            return None
        return parse_time(value, self.time, self._zone)

    # ------------------------------------------------------------ to SitRoom

    def avl(self, item: Any, ids, now_ms: int) -> np.ndarray:
        """One AVL record (``ids`` turns the source's identifier into a vehicle id)."""
        rec = np.zeros(1, dtype=AVL_DTYPE)
        ref = str(self.raw(item, "id", required=True)).strip()
        lon, lat = self.number(item, "lon", required=True), self.number(item, "lat", required=True)
        if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
            raise Dropped("bad-position", f"{ref}: lon {lon}, lat {lat}")
        ts = self.time_ms(item)
        rec["id"] = ids(ref)
        rec["ts"] = now_ms if ts is None else ts
        rec["lon"], rec["lat"] = lon, lat
        speed, heading = self.number(item, "speed"), self.number(item, "heading")
        rec["speed"] = float("nan") if speed is None else speed
        rec["heading"] = float("nan") if heading is None else heading % 360.0
        rec["type"] = _enum(VehicleType, self.raw(item, "type"), "type")
        rec["status"] = _enum(VehicleStatus, self.raw(item, "status"), "status")
        return rec

    def incident(self, item: Any, now_ms: int) -> dict:
        ref = str(self.raw(item, "id", required=True)).strip()
        kind = str(self.raw(item, "type", required=True)).strip().lower()
        if kind not in INCIDENT_TYPES:
            raise Dropped("bad-field", f"type {kind[:40]!r} (expected {', '.join(INCIDENT_TYPES)})")
        lon, lat = self.number(item, "lon", required=True), self.number(item, "lat", required=True)
        if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
            raise Dropped("bad-position", f"{ref}: lon {lon}, lat {lat}")
        priority = self.number(item, "priority")
        status = str(self.raw(item, "status") or "new").strip().lower()
        if status not in INCIDENT_STATUSES:
            raise Dropped("bad-field", f"status {status[:40]!r}")
        reported = self.time_ms(item, "reported") if "reported" in self.fields else None
        if reported is None:
            reported = self.time_ms(item)
        out: dict[str, Any] = {"id": ref[:64], "type": kind, "priority": int(priority) if priority else 3,
                               "lon": lon, "lat": lat, "status": status,
                               "reported": now_ms if reported is None else reported}
        if not 1 <= out["priority"] <= 5:
            raise Dropped("bad-field", f"priority {out['priority']}")
        desc = self.raw(item, "desc")
        if desc is not None:
            out["desc"] = str(desc)[:2000]
        return out

    def reading(self, item: Any, now_ms: int) -> tuple[str, np.ndarray]:
        """(facility id or "", one SENSOR_DTYPE record)."""
        rec = np.zeros(1, dtype=SENSOR_DTYPE)
        sid = self.number(item, "id", required=True)
        if not (sid.is_integer() and 0 <= sid < 2**32):
            raise Dropped("bad-field", f"sensor id {sid}")
        rec["id"] = int(sid)
        rec["value"] = self.number(item, "value", required=True)
        quality = self.number(item, "quality")
        rec["quality"] = int(quality) & 0x7 if quality is not None and math.isfinite(quality) else 0
        ts = self.time_ms(item)
        rec["ts"] = now_ms if ts is None else ts
        facility = self.raw(item, "facility")
        return ("" if facility is None else str(facility).strip()), rec


    def facility(self, item: Any) -> dict:
        """A facility map with its sensors (checked by the adapter as the receiver will)."""
        out: dict[str, Any] = {"id": str(self.raw(item, "id", required=True)).strip(),
                               "kind": str(self.raw(item, "kind", required=True)).strip(),
                               "lon": self.number(item, "lon", required=True),
                               "lat": self.number(item, "lat", required=True)}
        name = self.raw(item, "name")
        if name is not None:
            out["name"] = str(name)[:200]
        sensors = self.raw(item, "sensors", required=True)
        if not isinstance(sensors, list):
            raise Dropped("bad-field", "sensors: not a list")
        out["sensors"] = [{k: v for k, v in s.items() if k in SENSOR_KEYS} if isinstance(s, dict) else s
                          for s in sensors]
        return out


def _enum(enum_type, value: Any, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if int(value) in {int(m) for m in enum_type} else 0
    text = str(value).strip()
    if text.isdigit():
        return int(text) if int(text) in {int(m) for m in enum_type} else 0
    try:
        return int(enum_type[text.upper().replace(" ", "_").replace("-", "_")])
    except KeyError:
        raise Dropped("bad-field", f"{name} {text[:40]!r}") from None


def parse_time(value: Any, how: str, zone: ZoneInfo) -> int:
    """Epoch milliseconds from a source's time (see the module's ``time``)."""
    try:
        if how in ("epoch_ms", "epoch_s") or (how == "auto" and not isinstance(value, str)) or (
                how == "auto" and value.strip().lstrip("-").replace(".", "", 1).isdigit()):
            x = _number(value, "ts")
            if how == "epoch_s" or (how == "auto" and abs(x) < 1e11):  # seconds until the year 5138
                x *= 1000.0
            if not math.isfinite(x):
                raise ValueError("not finite")
            return round(x)
        text = str(value).strip()
        if how in ("iso", "auto"):
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            dt = datetime.strptime(text, how)
    except (ValueError, OverflowError, Dropped) as exc:
        raise Dropped("bad-time", f"{str(value)[:40]!r}: {exc}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return int(dt.timestamp() * 1000)


def load(path: str | Path) -> dict:
    """A mapping file's table (TOML, or JSON for a ``.json`` file)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError and JSONDecodeError are ValueErrors
        raise MappingError(f"{path}: {exc}") from None
