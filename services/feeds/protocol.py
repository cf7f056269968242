"""SitRoom wire protocol v1: the one module that builds and parses every feed message.

A message is a ZeroMQ multipart ``[topic, envelope, payload...]`` (docs/protocol.md):

- ``topic``: ASCII, prefix-subscribable (``avl``, ``inc``, ``link``, ``cctv.<camera>``, ``sens.<facility>``,
  ``hb``);
- ``envelope``: msgpack map ``{v, kind, src, sess, seq, ts}``;
- ``payload``: AVL, link-speed and sensor-reading batches are one packed numpy structured array each (decoded
  with ``np.frombuffer``, no per-record Python); everything else is a msgpack map.

Stateful topics (``avl``, ``link``, ``inc``) are also served as a snapshot on a ROUTER socket beside the PUB
(the zguide's Clone pattern): a one-frame request, answered by ordinary update messages holding the latest
value of every key and a two-frame end marker with the ``seq`` of each topic at which the snapshot was taken.

Decoding never trusts the sender: every failure is a :class:`DecodeError` with a short ``reason`` that the
feed client counts per source. Nothing here unpickles, evaluates or allocates more than the frame holds.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import msgpack
import numpy as np

from sitroom.services.vocabulary import INCIDENT_STATUSES, INCIDENT_TYPES, PRIORITIES

PROTOCOL_VERSION = 1

# Frames larger than this are refused before any parsing (a 100k-vehicle batch is 4 MB).
MAX_FRAME_BYTES = 16 * 1024 * 1024
MAX_ENVELOPE_BYTES = 1024
MAX_ENVELOPE_STR_BYTES = 256
# Map payloads (incidents, facility metadata, heartbeats) are small; unpacking is bounded by this, since a few
# megabytes of nested empty containers would otherwise expand to gigabytes of Python objects.
MAX_MAP_BYTES = 64 * 1024
MAX_TOPIC_BYTES = 128

HEARTBEAT_INTERVAL_S = 1.0
# A feed with no message for this many heartbeat intervals is stale.
STALE_AFTER_HEARTBEATS = 3
# ...and offline after this long: its publisher is gone, not merely slow.
OFFLINE_AFTER_S = 30.0


class Topic:
    AVL = b"avl"
    VEHICLE_INFO = b"veh"
    MARKER = b"marker"
    INCIDENT = b"inc"
    LINK = b"link"
    HEARTBEAT = b"hb"
    CCTV_PREFIX = b"cctv."
    SENSOR_PREFIX = b"sens."
    SNAPSHOT_END = b"snap.end"  # only on the snapshot socket, never on the PUB


class Kind:
    AVL_BATCH = "avl.batch"
    LINK_SPEEDS = "link.speeds"
    HEARTBEAT = "hb"
    INCIDENT = "inc"
    CCTV_FRAME = "cctv.frame"
    SENSOR = "sens"  # sensor readings, packed records (SENSOR_DTYPE)
    VEHICLE_INFO = "veh"  # a vehicle's label, route, trip (adapters: GTFS-realtime, Cursor-on-Target, NMEA)
    MARKER = "marker"  # a point on the map from outside equipment (Cursor-on-Target markers)


# Stateful topics: the key field of each record (array kinds) or map (incidents) that a snapshot keeps the
# latest value of. Other topics (cameras, sensors, heartbeats) are streams with nothing to snapshot.
# Filled by register_kind (below) from each kind's ``state_key``.
STATE_KEYS: dict[str, str] = {}
STATEFUL_TOPICS: set[bytes] = set()
# Snapshot request limits: a handful of topic prefixes, each a valid topic's length.
MAX_SNAPSHOT_PREFIXES = 16
MAX_SNAPSHOT_END_BYTES = 4096
# Snapshot replies carry records in messages of at most this many (as updates do).
SNAPSHOT_CHUNK = {Kind.AVL_BATCH: 4096, Kind.LINK_SPEEDS: 8192}
# Where a publisher serves its snapshot unless told otherwise (see snapshot_endpoint()).
SNAPSHOT_TCP_PORT_OFFSET = 1000

# Incidents (topic ``inc``, a msgpack map per incident; see docs/protocol.md); their words are the vocabulary's.
MAX_ID_CHARS = 64
MAX_TEXT_CHARS = 2000


# One AVL record: 40 bytes, little-endian, naturally aligned. ``heading`` in degrees clockwise from north,
# ``speed`` in km/h, ``ts`` source time in epoch milliseconds.
AVL_DTYPE = np.dtype(
    [
        ("id", "<u4"),
        ("type", "u1"),
        ("status", "u1"),
        ("flags", "<u2"),
        ("ts", "<i8"),
        ("lon", "<f8"),
        ("lat", "<f8"),
        ("speed", "<f4"),
        ("heading", "<f4"),
    ]
)
assert AVL_DTYPE.itemsize == 40

# One link-speed record: the road link's id (MOCT link ids have 10 digits, hence 64 bits) and its current
# mean speed in km/h. 16 bytes.
LINK_DTYPE = np.dtype([("link", "<u8"), ("kmh", "<f4"), ("flags", "<u4")])
assert LINK_DTYPE.itemsize == 16

# One sensor reading (topic ``sens.<facility>``): the sensor's id (as its facility's metadata names it), the
# device's quality bits (QUALITY_*), the time of the reading in epoch milliseconds and the value in the unit
# of the sensor's kind. 24 bytes, so 10,000 sensors at 1 Hz are 240 kB/s.
SENSOR_DTYPE = np.dtype([("id", "<u4"), ("quality", "<u2"), ("flags", "<u2"), ("ts", "<i8"), ("value", "<f8")])
assert SENSOR_DTYPE.itemsize == 24
QUALITY_BAD = 1  # the device says this value is not a measurement (self-test failed, sensor unplugged)
QUALITY_UNCERTAIN = 2  # a measurement the device doubts (out of calibration, saturated)
QUALITY_MAINTENANCE = 4  # under test or calibration: shown, never alarmed

_ARRAY_KINDS: dict[str, np.dtype] = {}  # filled by register_kind
_ENVELOPE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "v": int,
    "kind": str,
    "src": str,
    "sess": str,
    "seq": int,
    "ts": int,
}


class DecodeError(ValueError):
    """A frame that cannot be a valid v1 message. ``reason`` is a short stable key for counting."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Envelope:
    v: int
    kind: str
    src: str
    sess: str
    seq: int
    ts: int


@dataclass(frozen=True, slots=True)
class Message:
    topic: bytes
    env: Envelope
    # numpy structured array for array kinds, dict for map kinds, bytes for CCTV frames.
    payload: Any
    nbytes: int


def now_ms() -> int:
    return time.time_ns() // 1_000_000


# ---------------------------------------------------------------- encoding


def encode_envelope(kind: str, src: str, sess: str, seq: int, ts: int | None = None) -> bytes:
    """Refuses what every receiver would drop, so a misconfigured publisher fails loudly at the source."""
    for name, value in (("kind", kind), ("src", src), ("sess", sess)):
        if len(value.encode("utf-8")) > MAX_ENVELOPE_STR_BYTES:
            raise ValueError(f"envelope {name} is longer than {MAX_ENVELOPE_STR_BYTES} UTF-8 bytes")
    raw = msgpack.packb(
        {"v": PROTOCOL_VERSION, "kind": kind, "src": src, "sess": sess, "seq": seq,
         "ts": now_ms() if ts is None else ts}
    )
    if len(raw) > MAX_ENVELOPE_BYTES:
        raise ValueError(f"envelope is {len(raw)} bytes, the limit is {MAX_ENVELOPE_BYTES}")
    return raw


def encode_array(topic: bytes, kind: str, records: np.ndarray, *, src: str, sess: str, seq: int,
                 ts: int | None = None) -> list[bytes | memoryview]:
    dtype = _ARRAY_KINDS[kind]
    if records.dtype != dtype:
        raise TypeError(f"{kind} needs dtype {dtype}, got {records.dtype}")
    return [topic, encode_envelope(kind, src, sess, seq, ts), memoryview(np.ascontiguousarray(records)).cast("B")]


def encode_map(topic: bytes, kind: str, payload: dict[str, Any], *, src: str, sess: str, seq: int,
               ts: int | None = None) -> list[bytes]:
    return [topic, encode_envelope(kind, src, sess, seq, ts), msgpack.packb(payload, use_bin_type=True)]


def encode_heartbeat(*, src: str, sess: str, seq: int, seqs: dict[str, int], ts: int | None = None,
                     snapshot: bool = False, health: dict[str, Any] | None = None) -> list[bytes]:
    """``seqs`` maps each topic this publisher sends to its latest ``seq``, so a lost tail shows as a gap.
    ``snapshot`` tells receivers that this publisher answers snapshot requests (``"snap": true``); ``health``
    is the publisher's own account of its input (an adapter's counters, a relay's fan-out), ``"health"``."""
    payload: dict[str, Any] = {"seqs": seqs}
    if snapshot:
        payload["snap"] = True
    if health:
        payload["health"] = health
    return encode_map(Topic.HEARTBEAT, Kind.HEARTBEAT, payload, src=src, sess=sess, seq=seq, ts=ts)


def new_records(n: int) -> np.ndarray:
    return np.zeros(n, dtype=AVL_DTYPE)


# ---------------------------------------------------------------- decoding


def _check_topic(topic: bytes) -> None:
    if not topic or len(topic) > MAX_TOPIC_BYTES:
        raise DecodeError("bad-topic", f"length {len(topic)}")
    try:
        text = topic.decode("ascii")
    except UnicodeDecodeError:
        raise DecodeError("bad-topic", "not ASCII") from None
    if not text.isprintable() or " " in text:
        raise DecodeError("bad-topic", repr(text))


def is_v1(v: Any) -> bool:
    """``v`` is the integer 1: not 1.0, not ``true`` (which Python compares equal to 1), not ``"1"``."""
    return isinstance(v, int) and not isinstance(v, bool) and v == PROTOCOL_VERSION


def decode_envelope(raw: bytes) -> Envelope:
    if len(raw) > MAX_ENVELOPE_BYTES:
        raise DecodeError("bad-envelope", f"{len(raw)} bytes")
    try:
        env = msgpack.unpackb(raw, raw=False, strict_map_key=True, max_bin_len=0, max_ext_len=0,
                              max_array_len=16, max_map_len=16, max_str_len=MAX_ENVELOPE_STR_BYTES)
    except Exception as exc:  # msgpack raises several unrelated types on garbage
        raise DecodeError("bad-envelope", type(exc).__name__) from None
    if not isinstance(env, dict):
        raise DecodeError("bad-envelope", "not a map")
    if not is_v1(env.get("v")):  # before the other fields: a later version may have changed them
        raise DecodeError("bad-version", repr(env.get("v"))[:40])
    for name, typ in _ENVELOPE_FIELDS.items():
        value = env.get(name)
        if not isinstance(value, typ) or isinstance(value, bool):
            raise DecodeError("bad-envelope", f"field {name!r}")
    if env["seq"] < 0:
        raise DecodeError("bad-envelope", "negative seq")
    return Envelope(env["v"], env["kind"], env["src"], env["sess"], env["seq"], env["ts"])


def decode_array(kind: str, raw: bytes | memoryview) -> np.ndarray:
    dtype = _ARRAY_KINDS[kind]
    if len(raw) % dtype.itemsize:
        raise DecodeError("bad-payload", f"{len(raw)} bytes is not a whole number of {kind} records")
    return np.frombuffer(raw, dtype=dtype)


def decode_map(raw: bytes | memoryview) -> dict[str, Any]:
    if len(raw) > MAX_MAP_BYTES:
        raise DecodeError("oversized", f"map payload of {len(raw)} bytes")
    try:
        payload = msgpack.unpackb(raw, raw=False, strict_map_key=False)
    except Exception as exc:
        raise DecodeError("bad-payload", type(exc).__name__) from None
    if not isinstance(payload, dict):
        raise DecodeError("bad-payload", "not a map")
    return payload


def require(payload: dict, name: str, types: type | tuple[type, ...], reason: str, *, optional: bool = False) -> Any:
    value = payload.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, types) or isinstance(value, bool):
        raise DecodeError(reason, f"field {name!r}")
    return value


def require_lonlat(payload: dict, reason: str) -> None:
    lon, lat = require(payload, "lon", (int, float), reason), require(payload, "lat", (int, float), reason)
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise DecodeError(reason, "lon/lat out of range")


def validate_incident(payload: dict) -> dict:
    """Checks an incident map's fields; returns it, or raises DecodeError('bad-incident', field)."""
    r = "bad-incident"
    if not 0 < len(require(payload, "id", str, r)) <= MAX_ID_CHARS:
        raise DecodeError(r, "field 'id'")
    if require(payload, "type", str, r) not in INCIDENT_TYPES:
        raise DecodeError(r, f"type {payload['type'][:20]!r}")
    if require(payload, "priority", int, r) not in PRIORITIES:
        raise DecodeError(r, "priority not 1..5")
    require_lonlat(payload, r)
    if require(payload, "status", str, r) not in INCIDENT_STATUSES:
        raise DecodeError(r, f"status {payload['status'][:20]!r}")
    require(payload, "reported", int, r)
    desc = require(payload, "desc", str, r, optional=True)
    if desc is not None and len(desc) > MAX_TEXT_CHARS:
        raise DecodeError(r, "description too long")
    units = require(payload, "units", list, r, optional=True)
    if units is not None and not all(isinstance(u, int) and not isinstance(u, bool) and 0 <= u < 2**32
                                     for u in units):
        raise DecodeError(r, "field 'units'")
    return payload


def validate_vehicle_info(payload: dict) -> dict:
    """A vehicle's description (topic ``veh``): what an AVL record has no room for, e.g. a transit vehicle's
    label, route and trip, or a TAK unit's callsign. Raises DecodeError('bad-vehicle-info', …)."""
    r = "bad-vehicle-info"
    vid = require(payload, "id", int, r)
    if not 0 <= vid < 2**32:
        raise DecodeError(r, "field 'id'")
    for name in ("ref", "label", "route", "trip", "src_kind"):
        value = require(payload, name, str, r, optional=True)
        if value is not None and len(value) > MAX_ID_CHARS * 2:
            raise DecodeError(r, f"field {name!r} too long")
    require(payload, "delay_s", int, r, optional=True)
    return payload


def validate_marker(payload: dict) -> dict:
    """A map marker from outside equipment (topic ``marker``): a point that is not a vehicle, e.g. a TAK spot
    report. Raises DecodeError('bad-marker', …)."""
    r = "bad-marker"
    if not 0 < len(require(payload, "id", str, r)) <= MAX_ID_CHARS * 2:
        raise DecodeError(r, "field 'id'")
    require_lonlat(payload, r)
    for name in ("type", "label", "text"):
        value = require(payload, name, str, r, optional=True)
        if value is not None and len(value) > MAX_TEXT_CHARS:
            raise DecodeError(r, f"field {name!r} too long")
    require(payload, "ts", int, r)
    require(payload, "stale", int, r, optional=True)
    return payload


def drop_bad_positions(msg: Message) -> tuple[Message, int, str]:
    """An AVL batch without its records whose lon/lat is NaN, infinite or off the globe (reason
    ``bad-position``): the message with the good records only (the very same message when all are good), how
    many were dropped, and a detail naming the first. NaN speed or heading is allowed: it means unknown.

    Kept out of :func:`decode`, which hands over exactly the records the frame holds; receivers apply it right
    after decoding, so no vehicle with an impossible position ever reaches a model."""
    if msg.env.kind != Kind.AVL_BATCH or not len(msg.payload):
        return msg, 0, ""
    records = msg.payload
    good = (np.abs(records["lon"]) <= 180.0) & (np.abs(records["lat"]) <= 90.0)  # False for NaN and ±inf
    if good.all():
        return msg, 0, ""
    first = records[int(np.argmin(good))]
    n = len(records) - int(good.sum())
    detail = (f"{n} of {len(records)} records, e.g. vehicle {int(first['id'])} at lon {float(first['lon'])}, "
              f"lat {float(first['lat'])}")
    return replace(msg, payload=records[good]), n, detail


def bounded_map(raw: bytes, reason: str, limit: int) -> dict:
    """A msgpack map of at most ``limit`` bytes with string keys and no binary or extension values."""
    if len(raw) > limit:
        raise DecodeError(reason, f"{len(raw)} bytes")
    try:
        value = msgpack.unpackb(raw, raw=False, strict_map_key=True, max_bin_len=0, max_ext_len=0)
    except Exception as exc:
        raise DecodeError(reason, type(exc).__name__) from None
    if not isinstance(value, dict):
        raise DecodeError(reason, "not a map")
    return value


# ---------------------------------------------------------------- kinds

MapValidator = Callable[[dict], dict]


@dataclass(frozen=True)
class KindSpec:
    """One kind of feed message: the topic it travels on and how its payload is read.

    Every kind is declared here, through :func:`register_kind`, the built-in ones below and a capability's
    own where it is defined (docs/extending.md), so ``decode`` stays the one place messages are parsed."""

    kind: str  # the envelope's ``kind``
    topic: bytes  # the topic, or its prefix (``cctv.`` for ``cctv.<camera>``) when ``prefix``
    prefix: bool = False
    dtype: np.dtype | None = None  # packed records of this dtype (one numpy structured array per message)
    raw: bool = False  # the payload's bytes as they are (camera frames)
    validate: MapValidator | None = None  # else a MessagePack map, checked field by field (raise DecodeError)
    state_key: str | None = None  # a stateful topic: the key whose latest value a snapshot serves


_KINDS: dict[str, KindSpec] = {}
_EXACT_TOPICS: dict[bytes, str] = {}
_PREFIX_TOPICS: dict[bytes, str] = {}


def register_kind(spec: KindSpec) -> KindSpec:
    """Declare a kind; declaring the same spec again is harmless, a clash of kind or topic is refused."""
    known = _KINDS.get(spec.kind)
    if known is not None:
        if known == spec:
            return known
        raise ValueError(f"feed kind {spec.kind!r} is already declared differently")
    _check_topic(spec.topic)
    topics = _PREFIX_TOPICS if spec.prefix else _EXACT_TOPICS
    if spec.topic in topics or spec.topic in (_EXACT_TOPICS if spec.prefix else _PREFIX_TOPICS):
        raise ValueError(f"topic {spec.topic!r} already carries another kind")
    if len(spec.kind.encode("utf-8")) > MAX_ENVELOPE_STR_BYTES or (spec.dtype is not None and spec.raw):
        raise ValueError(f"feed kind {spec.kind!r}: a name within the envelope's limits, records or raw bytes")
    _KINDS[spec.kind] = spec
    topics[spec.topic] = spec.kind
    if spec.dtype is not None:
        _ARRAY_KINDS[spec.kind] = np.dtype(spec.dtype)
    if spec.state_key is not None:
        STATE_KEYS[spec.kind] = spec.state_key
        if not spec.prefix:
            STATEFUL_TOPICS.add(spec.topic)
    return spec


def topic_kind(topic: bytes) -> str | None:
    """The envelope kind a topic must carry, None for a topic outside the protocol."""
    kind = _EXACT_TOPICS.get(topic)
    if kind is None:
        kind = next((k for prefix, k in _PREFIX_TOPICS.items() if topic.startswith(prefix)), None)
    return kind


def array_dtype(kind: str) -> np.dtype | None:
    """The record dtype of an array kind (AVL, link speeds), None for map and image kinds."""
    return _ARRAY_KINDS.get(kind)


for _spec in (
    KindSpec(Kind.AVL_BATCH, Topic.AVL, dtype=AVL_DTYPE, state_key="id"),
    KindSpec(Kind.LINK_SPEEDS, Topic.LINK, dtype=LINK_DTYPE, state_key="link"),
    KindSpec(Kind.HEARTBEAT, Topic.HEARTBEAT),
    KindSpec(Kind.INCIDENT, Topic.INCIDENT, validate=validate_incident, state_key="id"),
    KindSpec(Kind.CCTV_FRAME, Topic.CCTV_PREFIX, prefix=True, raw=True),
    KindSpec(Kind.SENSOR, Topic.SENSOR_PREFIX, prefix=True, dtype=SENSOR_DTYPE),
    KindSpec(Kind.VEHICLE_INFO, Topic.VEHICLE_INFO, validate=validate_vehicle_info, state_key="id"),
    KindSpec(Kind.MARKER, Topic.MARKER, validate=validate_marker, state_key="id"),
):
    register_kind(_spec)


def decode(frames: list[bytes] | list[memoryview]) -> Message:
    """Parse one multipart message; raises :class:`DecodeError` with a countable reason."""
    if len(frames) != 3:
        raise DecodeError("bad-frames", f"{len(frames)} frames, expected 3")
    # Byte views, so lengths count bytes whatever buffer type the frames arrived as.
    topic, raw_env, raw_payload = bytes(frames[0]), memoryview(frames[1]).cast("B"), memoryview(frames[2]).cast("B")
    nbytes = len(topic) + len(raw_env) + len(raw_payload)
    if len(raw_payload) > MAX_FRAME_BYTES:
        raise DecodeError("oversized", f"{len(raw_payload)} bytes")
    _check_topic(topic)
    expected = topic_kind(topic)
    if expected is None:
        raise DecodeError("unknown-topic", topic.decode("ascii"))
    env = decode_envelope(bytes(raw_env))
    if env.kind != expected:
        raise DecodeError("bad-kind", f"{env.kind!r} on topic {topic.decode('ascii')}")
    spec = _KINDS[expected]
    payload: Any
    if spec.dtype is not None:
        payload = decode_array(env.kind, raw_payload)
    elif spec.raw:
        payload = bytes(raw_payload)
    else:
        payload = decode_map(raw_payload)
        if spec.validate is not None:
            spec.validate(payload)
    return Message(topic, env, payload, nbytes)


# ---------------------------------------------------------------- snapshots (Clone pattern)


@dataclass(frozen=True, slots=True)
class SnapshotEnd:
    """The marker closing a snapshot reply: who answered, and the ``seq`` of each stateful topic at the moment
    the snapshot was taken. Updates with ``seq`` at or below it are already contained in the snapshot."""

    req: int
    src: str
    sess: str
    seqs: dict[str, int]
    items: int  # snapshot messages sent before this marker, so a reply that lost some is recognised
    ts: int


def snapshot_endpoint(endpoint: str) -> str | None:
    """The snapshot socket beside a feed endpoint, by convention (None when none can be derived).

    ``ipc://…/avl.sock`` → ``ipc://…/avl.snap.sock`` (other ipc paths get ``.snap`` appended);
    ``tcp://HOST:PORT`` → ``tcp://HOST:PORT+1000``; ``inproc://NAME`` → ``inproc://NAME.snap``.
    A wildcard tcp port (``tcp://127.0.0.1:*``) has no derivable snapshot port.
    """
    scheme, sep, rest = endpoint.partition("://")
    if not sep or not rest:
        return None
    if scheme == "ipc":
        return f"ipc://{rest[:-5]}.snap.sock" if rest.endswith(".sock") else f"ipc://{rest}.snap"
    if scheme == "inproc":
        return f"inproc://{rest}.snap"
    if scheme == "tcp":
        host, colon, port = rest.rpartition(":")
        if not colon or not port.isdigit() or not 0 < int(port) <= 65535 - SNAPSHOT_TCP_PORT_OFFSET:
            return None
        return f"tcp://{host}:{int(port) + SNAPSHOT_TCP_PORT_OFFSET}"
    return None


_PREFIX_RE = re.compile(rf"[\x21-\x7e]{{0,{MAX_TOPIC_BYTES}}}")


def encode_snapshot_request(req: int, topics: tuple[bytes, ...] | list[bytes]) -> bytes:
    """One frame (DEALER → ROUTER): ``{"v": 1, "req": int, "topics": [prefix, ...]}``."""
    prefixes = sorted({t.decode("ascii") for t in topics})
    if not 0 <= req < 2**63 or len(prefixes) > MAX_SNAPSHOT_PREFIXES:
        raise ValueError("snapshot request out of limits")
    return msgpack.packb({"v": PROTOCOL_VERSION, "req": req, "topics": prefixes})


def decode_snapshot_request(raw: bytes) -> tuple[int, tuple[bytes, ...]]:
    """(request id, topic prefixes); raises DecodeError('bad-request', …)."""
    r = "bad-request"
    if len(raw) > MAX_ENVELOPE_BYTES * 4:
        raise DecodeError(r, f"{len(raw)} bytes")
    try:
        value = msgpack.unpackb(raw, raw=False, strict_map_key=True, max_bin_len=0, max_ext_len=0,
                                max_array_len=MAX_SNAPSHOT_PREFIXES, max_map_len=8, max_str_len=MAX_TOPIC_BYTES)
    except Exception as exc:
        raise DecodeError(r, type(exc).__name__) from None
    if not isinstance(value, dict) or not is_v1(value.get("v")):
        raise DecodeError(r, "not a v1 request")
    req, topics = value.get("req"), value.get("topics")
    if not isinstance(req, int) or isinstance(req, bool) or not 0 <= req < 2**63:
        raise DecodeError(r, "field 'req'")
    if not isinstance(topics, list) or not all(isinstance(t, str) and _PREFIX_RE.fullmatch(t) for t in topics):
        raise DecodeError(r, "field 'topics'")
    return req, tuple(t.encode("ascii") for t in topics)


def encode_snapshot_end(*, req: int, src: str, sess: str, seqs: dict[str, int], items: int,
                        ts: int | None = None) -> list[bytes]:
    """Two frames: ``snap.end`` and a msgpack map ``{v, req, src, sess, seqs, items, ts}``."""
    body = msgpack.packb({"v": PROTOCOL_VERSION, "req": req, "src": src, "sess": sess, "seqs": seqs,
                          "items": items, "ts": now_ms() if ts is None else ts})
    if len(body) > MAX_SNAPSHOT_END_BYTES:
        raise ValueError("snapshot end marker too large")
    return [Topic.SNAPSHOT_END, body]


def decode_snapshot_end(frames: list[bytes]) -> SnapshotEnd:
    r = "bad-snapshot"
    if len(frames) != 2 or bytes(frames[0]) != Topic.SNAPSHOT_END:
        raise DecodeError(r, "not an end marker")
    raw = bytes(frames[1])
    if len(raw) > MAX_SNAPSHOT_END_BYTES:
        raise DecodeError(r, f"{len(raw)} bytes")
    try:
        value = msgpack.unpackb(raw, raw=False, strict_map_key=True, max_bin_len=0, max_ext_len=0,
                                max_array_len=0, max_map_len=64, max_str_len=MAX_ENVELOPE_STR_BYTES)
    except Exception as exc:
        raise DecodeError(r, type(exc).__name__) from None
    if not isinstance(value, dict) or not is_v1(value.get("v")):
        raise DecodeError(r, "not a v1 end marker")
    for name, typ in (("req", int), ("src", str), ("sess", str), ("items", int), ("ts", int), ("seqs", dict)):
        field = value.get(name)
        if not isinstance(field, typ) or isinstance(field, bool):
            raise DecodeError(r, f"field {name!r}")
    seqs = value["seqs"]
    if not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
               for k, v in seqs.items()):
        raise DecodeError(r, "field 'seqs'")
    return SnapshotEnd(value["req"], value["src"], value["sess"], dict(seqs), value["items"], value["ts"])
