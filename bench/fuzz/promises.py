"""What each decoder promises of what it returns for an input it accepted.

Each ``check_*`` takes a decoder's result and names what is wrong with it, or returns None when all is as
promised. The fuzz run counts a broken promise as a violation; tests/services/test_fuzz.py uses the same checks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from sitroom.services.dispatch import commands
from sitroom.services.feeds import protocol as p
from sitroom.services.store.kit import Kit
from sitroom.services.vocabulary import INCIDENT_STATUSES, INCIDENT_TYPES


def _real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    """A real number that is a float and not NaN or infinite (an int too large for a float is not)."""
    try:
        return _real(value) and math.isfinite(value)
    except OverflowError:
        return False


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_envelope(env: Any) -> str | None:
    if not isinstance(env, p.Envelope):
        return f"envelope is {type(env).__name__}"
    if env.v != p.PROTOCOL_VERSION or not _int(env.v):
        return "envelope version is not 1"
    for name in ("kind", "src", "sess"):
        value = getattr(env, name)
        if not isinstance(value, str) or len(value.encode()) > p.MAX_ENVELOPE_STR_BYTES:
            return f"envelope {name} is not a string of at most {p.MAX_ENVELOPE_STR_BYTES} bytes"
    if not (_int(env.seq) and _int(env.ts)):
        return "envelope seq or ts is not an int"
    return "envelope seq is negative" if env.seq < 0 else None


def check_array(kind: str, raw: bytes | bytearray | memoryview, arr: Any) -> str | None:
    dtype = p.array_dtype(kind)
    if not isinstance(arr, np.ndarray) or arr.dtype != dtype:
        return f"{kind} array is not of its dtype"
    return None if arr.nbytes == len(memoryview(raw).cast("B")) else f"{kind} array does not cover the bytes"


def check_incident(inc: Any) -> str | None:
    if not isinstance(inc, dict):
        return f"incident is {type(inc).__name__}"
    if not (isinstance(inc.get("id"), str) and 0 < len(inc["id"]) <= p.MAX_ID_CHARS):
        return "incident id is not a string of 1..64"
    if inc.get("type") not in INCIDENT_TYPES or inc.get("status") not in INCIDENT_STATUSES:
        return "incident type or status unknown"
    if not (_int(inc.get("priority")) and 1 <= inc["priority"] <= 5):
        return "incident priority is not an int 1..5"
    lon, lat = inc.get("lon"), inc.get("lat")
    if not (_real(lon) and _real(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return "incident lon/lat missing or out of range"
    if not _int(inc.get("reported")):
        return "incident reported is not an int"
    if inc.get("desc") is not None and not (isinstance(inc["desc"], str) and len(inc["desc"]) <= p.MAX_TEXT_CHARS):
        return "incident desc is not a string of at most 2000"
    units = inc.get("units")
    if units is not None and not (isinstance(units, list) and all(_int(u) and 0 <= u < 2**32 for u in units)):
        return "incident units are not uint32s"
    return None


def check_vehicle_info(info: Any) -> str | None:
    if not isinstance(info, dict):
        return f"vehicle info is {type(info).__name__}"
    if not (_int(info.get("id")) and 0 <= info["id"] < 2**32):
        return "vehicle info id is not a uint32"
    for name in ("ref", "label", "route", "trip", "src_kind"):
        value = info.get(name)
        if value is not None and not (isinstance(value, str) and len(value) <= 2 * p.MAX_ID_CHARS):
            return f"vehicle info {name} is not a string of at most 128"
    if info.get("delay_s") is not None and not _int(info["delay_s"]):
        return "vehicle info delay_s is not an int"
    return None


def check_marker(mark: Any) -> str | None:
    if not isinstance(mark, dict):
        return f"marker is {type(mark).__name__}"
    if not (isinstance(mark.get("id"), str) and 0 < len(mark["id"]) <= 2 * p.MAX_ID_CHARS):
        return "marker id is not a string of 1..128"
    lon, lat = mark.get("lon"), mark.get("lat")
    if not (_real(lon) and _real(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return "marker lon/lat missing or out of range"
    for name in ("type", "label", "text"):
        value = mark.get(name)
        if value is not None and not (isinstance(value, str) and len(value) <= p.MAX_TEXT_CHARS):
            return f"marker {name} is not a string of at most 2000"
    if not _int(mark.get("ts")) or (mark.get("stale") is not None and not _int(mark["stale"])):
        return "marker ts or stale is not an int"
    return None


def check_message(frames: Sequence[Any], msg: Any) -> str | None:
    if (bad := check_envelope(msg.env)) is not None:
        return bad
    if msg.nbytes != sum(len(memoryview(f).cast("B")) for f in frames):
        return "nbytes is not the frames' length"
    kind = msg.env.kind
    if p.array_dtype(kind) is not None:  # AVL, link speeds, sensor readings
        return check_array(kind, frames[2], msg.payload)
    if kind == p.Kind.CCTV_FRAME:
        return None if isinstance(msg.payload, bytes) else "cctv payload is not bytes"
    if not isinstance(msg.payload, dict):
        return "map payload is not a dict"
    return check_incident(msg.payload) if kind == p.Kind.INCIDENT else None


def check_command(cmd: Any) -> str | None:
    if not isinstance(cmd, dict):
        return f"command is {type(cmd).__name__}"
    for name in ("cmd_id", "incident"):
        if not (isinstance(cmd.get(name), str) and 0 < len(cmd[name]) <= p.MAX_ID_CHARS):
            return f"command {name} is not a string of 1..64"
    if cmd.get("cmd") not in commands.COMMANDS:
        return "command cmd unknown"
    if not (_int(cmd.get("unit")) and 0 <= cmd["unit"] < 2**32):
        return "command unit is not a uint32"
    lon, lat = cmd.get("lon"), cmd.get("lat")
    if not (_real(lon) and _real(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return "command lon/lat missing or out of range"
    return None if _int(cmd.get("ts")) else "command ts is not an int"


def check_ack(ack: Any) -> str | None:
    if not isinstance(ack, dict) or not isinstance(ack.get("cmd_id"), str) or not isinstance(ack.get("ok"), bool):
        return "ack without a string cmd_id and a bool ok"
    return None if ack.get("reason") is None or isinstance(ack["reason"], str) else "ack reason is not a string"


def check_snapshot_request(result: Any) -> str | None:
    req, topics = result
    if not (_int(req) and 0 <= req < 2**63):
        return "request id is not an int 0..2^63"
    if not (isinstance(topics, tuple) and len(topics) <= p.MAX_SNAPSHOT_PREFIXES):
        return "topics are not a tuple of at most 16"
    ok = all(isinstance(t, bytes) and len(t) <= p.MAX_TOPIC_BYTES and all(0x21 <= c <= 0x7E for c in t)
             for t in topics)
    return None if ok else "a topic prefix is not printable ASCII of at most 128 bytes"


def check_snapshot_end(end: Any) -> str | None:
    if not all(_int(getattr(end, name)) for name in ("req", "items", "ts")):
        return "end marker req, items or ts is not an int"
    if not all(isinstance(getattr(end, n), str) and len(getattr(end, n).encode()) <= p.MAX_ENVELOPE_STR_BYTES
               for n in ("src", "sess")):
        return "end marker src or sess is not a string of at most 256 bytes"
    ok = all(isinstance(k, str) and _int(v) and v >= 0 for k, v in end.seqs.items())
    return None if ok else "end marker seqs are not topic -> seq >= 0"


def check_kit(kit: Any) -> str | None:
    """What ``Kit`` declares of its fields, and what the map and routing take for granted."""
    if not isinstance(kit, Kit):
        return f"load_kit gave {type(kit).__name__}"
    xy = kit.roads.node_xy
    if xy.ndim != 2 or xy.shape[1] != 2 or xy.dtype.kind != "f":
        return "node_xy is not (n, 2) floats"
    if not np.isfinite(xy).all():
        return "node_xy is not finite"
    if not (isinstance(kit.name, str) and isinstance(kit.crs, str)):
        return "kit name or crs is not a string"
    if len(kit.bounds_lonlat) != 4 or not all(_finite(v) for v in kit.bounds_lonlat):
        return "bounds_lonlat is not four finite numbers"
    for d in kit.districts:
        if not isinstance(d.geometry, shapely.Geometry):
            return f"district geometry is {type(d.geometry).__name__}"
        if not all(isinstance(getattr(d, f), str) for f in ("code", "name", "name_en", "level", "parent")):
            return "district field is not a string"
    for poi in kit.pois:
        if not (_finite(poi.x) and _finite(poi.y)):
            return "POI x/y is not a finite number"
        if not (_int(poi.node) and -1 <= poi.node < len(xy)):
            return "POI node is not a node"
        if not (isinstance(poi.kind, str) and isinstance(poi.name, str) and isinstance(poi.layer, str)):
            return "POI kind, name or layer is not a string"
    return None if all(isinstance(s, dict) for s in kit.sources) else "a source is not a map"


def check_tiles(info: Any) -> str | None:
    if not isinstance(info, dict) or info.get("format") not in ("png", "jpg", "jpeg", "webp"):
        return "tile format is not a raster format"
    zmin, zmax, count = info.get("minzoom"), info.get("maxzoom"), info.get("tiles")
    if not all(_int(v) for v in (zmin, zmax, count)) or not (zmin <= zmax and count > 0):
        return "zoom range or tile count is not ints with min <= max and count > 0"
    a = info.get("attribution")
    return None if isinstance(a, str) else f"attribution is {type(a).__name__}, not a string"


def check_points(points: Any) -> str | None:
    if not isinstance(points, list) or not points:
        return "no points and no error"
    for poi in points:
        if not (_finite(poi.lon) and _finite(poi.lat) and abs(poi.lon) <= 180 and abs(poi.lat) <= 90):
            return "point lon/lat not finite and in range"
        if not (isinstance(poi.kind, str) and poi.kind and isinstance(poi.name, str)):
            return "point kind or name is not a string"
    return None


def check_cad_answer(raw: bytes, ack: Any) -> str | None:
    """An acknowledgement for every command with a usable ``cmd_id``, for that ``cmd_id``; never 'done' for a
    malformed one."""
    try:
        cmd = commands.decode_command(raw)
    except p.DecodeError:
        cmd = None
    if ack is None:
        return None if cmd is None else "a valid command got no acknowledgement"
    if not isinstance(ack, bytes):
        return f"acknowledgement is {type(ack).__name__}"
    try:
        decoded = commands.decode_ack(ack)
    except p.DecodeError:
        return "the acknowledgement does not decode"
    if cmd is not None and decoded["cmd_id"] != cmd["cmd_id"]:
        return "acknowledgement for another cmd_id"
    return None if cmd is not None or decoded["ok"] is False else "a malformed command acknowledged as done"
