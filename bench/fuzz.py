"""Fuzz: every decoder of outside input fed seeded mutations of valid inputs; crashes and hangs counted.

Decoders, and the one error each may raise (anything else is a crash):

- wire protocol, :class:`DecodeError`: ``decode`` (whole multipart messages), ``decode_envelope``,
  ``decode_array``, ``decode_map``, ``validate_incident``, ``decode_command``, ``decode_ack``,
  ``decode_snapshot_request``, ``decode_snapshot_end``;
- files, :class:`KitError`: ``load_kit`` (kit.json + roads.npz), ``check_mbtiles``, ``read_points`` on CSV;
- ``Cad.handle_command`` (command frames from the network): never raises.

Inputs come from a seeded mutator, not hypothesis (which is far too slow for this many): valid messages and
files with fields set to odd values (NaN, infinities, 64-bit extremes, wrong types, deep nesting, oversized
strings), arrays of the wrong dtype or shape, odd SQLite schemas and CSV cells, then byte-level damage (bit
flips, interesting words, truncation, extension, splices), plus raw random bytes. Input ``i`` of a decoder
depends only on the seed, the decoder and ``i``, so every input can be rebuilt from its number.

Campaigns run in worker processes, ``--jobs`` at a time, each with its address space capped, under a watchdog
in the parent: an input still running after ``--limit`` seconds is a hang (a Python signal could not stop a
loop inside SQLite or numpy); that worker is killed and a new one carries on after the input. A decoded
result is also checked against what the decoder promises (an AVL batch has the AVL dtype, an incident its
required fields, a kit's districts are geometries, …): a broken promise is counted as a violation.

Baseline, same inputs, same run: the bare library parse each decoder wraps (``msgpack.unpackb``,
``np.frombuffer``, ``json.loads`` + ``np.load``, the same two SQLite queries, ``csv.reader``);
``ratio_vs_unpackb`` is the msgpack decoders' time over bare ``unpackb`` on the same bytes.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import hashlib
import importlib
import io
import json
import logging
import math
import multiprocessing as mp
import os
import random
import re
import reprlib
import shutil
import sqlite3
import tempfile
import time
import traceback
import warnings
import zlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack
import numpy as np

from bench import common
from services.dispatch import commands
from services.vocabulary import INCIDENT_STATUSES, INCIDENT_TYPES

DEFAULT_INPUTS = 100_000
QUICK_INPUTS = 2_000
LIMIT_S = 2.0
MEMORY_MB = 2048  # address space a worker may add to what it holds at start
SHOW = 5  # distinct crashes (and violations, and hangs) printed in full
KEEP = 20  # distinct crash and violation examples a worker keeps
FLUSH_S = 0.25
T0 = 1_750_000_000.0  # the CAD's clock: fixed, so a run is repeatable

# ---------------------------------------------------------------- the mutator

_BYTES = bytes((0x00, 0x01, 0x7F, 0x80, 0xFF, 0x90, 0xA0, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC6, 0xC7, 0xC9, 0xCB,
                0xCF, 0xD3, 0xD4, 0xD9, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE0))  # msgpack type markers among them
_WORDS = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 2**63 - 1, 2**63,
          2**64 - 1)
_INTS = (0, 1, -1, 5, 128, 255, 256, 65_535, 65_536, 2**31 - 1, 2**31, -(2**31), 2**32 - 1, 2**32, 2**53 + 1,
         2**63 - 1, -(2**63), 2**64 - 1)
_FLOATS = (math.nan, math.inf, -math.inf, -0.0, 0.5, 1e308, -1e308, 5e-324, 180.0000001, -90.0000001)
_TEXTS = ("", " ", "\x00", "한국어", "a" * 64, "a" * 65, "é" * 129, "x" * 2001, "NaN", "-1", "1e999")
# Values that are valid somewhere in the protocol, so a field can get another field's meaning.
_WORDS_OF_PROTOCOL = ("fire", "medical", "traffic", "crime", "disaster", "new", "dispatched", "closed", "cancelled",
                      "dispatch", "recall", "avl.batch", "link.speeds", "hb", "inc", "cctv.frame", "sens", "avl")
_ENDIAN = ("big", "little")
_KEYS = tuple(map(str, range(3000)))


def _rounds(rng: random.Random, most: int = 8) -> int:
    n = 1
    while n < most and rng.random() < 0.5:
        n += 1
    return n


def _note(log: list[str] | None, text: str) -> None:
    if log is not None:
        log.append(text)


def mutate_bytes(rng: random.Random, data: bytes, pool: Sequence[bytes] = (), log: list[str] | None = None,
                 label: str = "") -> bytes:
    """A few stacked byte-level mutations (AFL's havoc stage, roughly)."""
    b = bytearray(data)
    for _ in range(_rounds(rng)):
        n = len(b)
        i = rng.randrange(n + 1)
        op = rng.randrange(12)
        if op <= 1 and n:
            i, bit = rng.randrange(n), rng.randrange(8)
            b[i] ^= 1 << bit
            _note(log, f"{label}flip bit {bit} of byte {i}")
        elif op == 2 and n:
            i = rng.randrange(n)
            b[i] = rng.choice(_BYTES)
            _note(log, f"{label}byte {i} = {b[i]:#04x}")
        elif op == 3 and n:
            i = rng.randrange(n)
            b[i] = rng.randrange(256)
            _note(log, f"{label}byte {i} = {b[i]:#04x}")
        elif op == 4:
            size, order = rng.choice((2, 4, 8)), rng.choice(_ENDIAN)
            value = (rng.choice(_WORDS) + rng.choice((0, 0, 1, -1))) % (1 << 8 * size)
            b[i:i + size] = value.to_bytes(size, order)
            _note(log, f"{label}{size}-byte {order}-endian {value:#x} at {i}")
        elif op == 5:
            chunk = rng.randbytes(rng.randint(1, 16))
            b[i:i] = chunk
            _note(log, f"{label}insert {chunk.hex()} at {i}")
        elif op == 6:
            chunk = bytes((rng.choice(_BYTES),)) * rng.randint(1, 4)
            b[i:i] = chunk
            _note(log, f"{label}insert {chunk.hex()} at {i}")
        elif op == 7 and n:
            i = rng.randrange(n)
            k = rng.randint(1, rng.choice((1, 4, 16, n)))
            del b[i:i + k]
            _note(log, f"{label}delete {k} bytes at {i}")
        elif op == 8 and n:
            j = rng.randrange(n)
            chunk = bytes(b[j:j + rng.randint(1, rng.choice((4, 32, n)))]) * rng.choice((1, 1, 2, 16))
            b[i:i] = chunk
            _note(log, f"{label}copy {len(chunk)} bytes from {j} to {i}")
        elif op == 9 and n:
            del b[i:]
            _note(log, f"{label}truncate to {i}")
        elif op == 10:
            if rng.random() < 0.05:  # just past a size limit somewhere
                extra = bytes(rng.choice((1025, 16 * 1024 + 1, 64 * 1024 + 1)))
            else:
                extra = rng.randbytes(rng.randint(1, 64))
            b += extra
            _note(log, f"{label}append {len(extra)} bytes")
        else:
            other = rng.choice(pool) if pool else rng.randbytes(rng.randint(1, 64))
            j = rng.randrange(len(other) + 1)
            b[i:] = other[j:]
            _note(log, f"{label}splice another input's bytes {j}: at {i}")
    return bytes(b)


def random_bytes(rng: random.Random, log: list[str] | None = None) -> bytes:
    data = rng.randbytes(rng.choice((0, 1, 2, 8, 40, 64, 300)))
    _note(log, f"random {len(data)} bytes")
    return data


def odd_key(rng: random.Random) -> Any:
    return rng.choice((rng.choice(_TEXTS), rng.choice(_WORDS_OF_PROTOCOL), rng.choice(_INTS), b"k", None, True, 1.5,
                       (1, 2)))


def odd_value(rng: random.Random, depth: int = 0) -> Any:
    """Something msgpack can carry that a decoder may not expect."""
    r = rng.randrange(13 if depth < 2 else 9)
    if r == 0:
        return None
    if r == 1:
        return rng.random() < 0.5
    if r == 2:
        return rng.choice(_INTS)
    if r == 3:
        return rng.choice(_FLOATS)
    if r == 4:
        return rng.choice(_TEXTS + _WORDS_OF_PROTOCOL)
    if r == 5:
        return rng.randbytes(rng.choice((0, 1, 8, 300)))
    if r == 6:
        return rng.randint(-(2**63), 2**64 - 1)
    if r == 7:
        if rng.random() < 0.3:
            return msgpack.Timestamp(rng.randrange(-(2**34), 2**34), rng.randrange(10**9))
        return msgpack.ExtType(rng.randrange(128), rng.randbytes(rng.randrange(13)))
    if r == 8:
        return "".join(chr(rng.choice((rng.randrange(32, 127), rng.randrange(0xAC00, 0xD7A4),
                                       rng.randrange(0x10000, 0x110000)))) for _ in range(rng.randrange(12)))
    if r == 9:
        return [odd_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if r == 10:
        return {odd_key(rng): odd_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    if r == 11:
        value: Any = odd_value(rng, 2)
        for _ in range(rng.choice((8, 100, 400))):  # msgpack's packer stops at 511 levels
            value = [value] if rng.random() < 0.5 else {"k": value}
        return value
    return [0] * rng.choice((1000, 20_000)) if rng.random() < 0.5 else dict(zip(_KEYS, range(len(_KEYS)), strict=True))


def near(rng: random.Random, value: Any) -> Any:
    """A value close to ``value``: its type's edges, a neighbouring type, another field's kind of value."""
    if isinstance(value, bool):
        return rng.choice((not value, int(value), None, str(value)))
    if isinstance(value, int):
        return rng.choice((value - 1, value + 1, -value, -1, 0, 2**31, 2**32 - 1, 2**32, 2**63 - 1, -(2**63),
                           2**64 - 1, float(value), True, str(value)))
    if isinstance(value, float):
        return rng.choice((math.nan, math.inf, -math.inf, -value, value + 360.0, 180.0, -180.0, 90.0, -90.0,
                           180.00000001, int(value) if math.isfinite(value) else 0, str(value), True))
    if isinstance(value, str):
        return rng.choice(("", value + "\x00", value * 40, value.upper(), value[:-1], value.encode(), "x" * 65,
                           "x" * 257, "x" * 2001, rng.choice(_WORDS_OF_PROTOCOL)))
    if isinstance(value, list):
        longer = value * (1000 if len(value) < 100 else 2)  # long, but quick to make
        return rng.choice(([], longer, [value], [*value, None], [-1], [2**32], [True], [1.5], {"0": value}))
    if isinstance(value, dict):
        return rng.choice(({}, {1: 2}, mutate_map(rng, value, whole=False)))
    return odd_value(rng)


def mutate_map(rng: random.Random, base: dict, log: list[str] | None = None, *, whole: bool = True) -> Any:
    """Fields changed, dropped or added; with ``whole``, sometimes not a map at all any more."""
    d = dict(base)
    keys = list(base)
    for _ in range(_rounds(rng, 4)):
        op = rng.randrange(16)
        if op <= 5 and keys:
            k = rng.choice(keys)
            d[k] = near(rng, d.get(k)) if op <= 3 else odd_value(rng)
            _note(log, f"set {k!r} = {_short(d[k])}")
        elif op <= 7 and d:
            k = rng.choice(list(d))
            del d[k]
            _note(log, f"drop {k!r}")
        elif op <= 9:
            k = odd_key(rng) if rng.random() < 0.5 else f"{rng.choice(keys or ['x'])}{rng.choice(('', '_', '0'))}"
            d[k] = odd_value(rng)
            _note(log, f"add {_short(k)} = {_short(d[k])}")
        elif op <= 11 and keys and d:
            k = rng.choice(keys)
            d[k] = rng.choice(list(d.values()))
            _note(log, f"set {k!r} to another field's value {_short(d[k])}")
        elif op <= 13 and keys:
            k = rng.choice(keys)
            d[k] = {"v": d.get(k)} if rng.random() < 0.5 else [d.get(k)]
            _note(log, f"wrap {k!r}")
        elif whole and op == 14:
            _note(log, "wrap the map in a list")
            return [d]
        elif whole:
            value = odd_value(rng)
            _note(log, f"replace the map with {_short(value)}")
            return value
    return d


def pack(rng: random.Random, value: Any, log: list[str] | None = None) -> bytes:
    bin_type = rng.random() < 0.85
    try:
        return msgpack.packb(value, use_bin_type=bin_type)
    except (TypeError, ValueError, OverflowError):  # a value the packer itself refuses: send nil instead
        _note(log, "unpackable, nil instead")
        return b"\xc0"


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 4, 8, 12, 80, 80


def _short(value: Any, n: int = 60) -> str:
    """A repr cut short, cheaply even for huge or deeply nested values."""
    text = _REPR.repr(value)
    return text if len(text) <= n else f"{text[:n]}…"


def show_bytes(data: bytes | bytearray | memoryview, n: int = 160) -> str:
    raw = bytes(data)
    text = raw[:n].hex()
    return f"{len(raw)} bytes: {text}{'…' if len(raw) > n else ''}"


# ---------------------------------------------------------------- decoders under test


def _scratch() -> str:
    """Files for the file decoders go to memory when the machine has a tmpfs (the CAD fsyncs every commit)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else tempfile.gettempdir()


def _real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    """A real number that is a float and not NaN or infinite (an int too large for a float is not)."""
    try:
        return _real(value) and math.isfinite(value)
    except OverflowError:
        return False


class Target:
    """One decoder: how its inputs are made, how it is called, what it promises."""

    name = ""
    errors: tuple[type[BaseException], ...] = ()
    baseline_name = ""
    unpackb_baseline = False  # counts towards ratio_vs_unpackb

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def setup(self, work: Path) -> None:
        """Worker-side state (files, the CAD); ``generate`` must not depend on it."""

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> Any:
        raise NotImplementedError

    def prepare(self, value: Any) -> Any:
        """Untimed preparation (writing the input's files)."""
        return value

    def run(self, arg: Any) -> Any:
        raise NotImplementedError

    def check(self, value: Any, result: Any) -> str | None:
        """What is wrong with an accepted input's result, or None."""
        return None

    def baseline(self, arg: Any) -> None:
        raise NotImplementedError

    def show(self, value: Any) -> str:
        return show_bytes(value) if isinstance(value, bytes | bytearray | memoryview) else _short(value, 400)


def _protocol():
    from services.feeds import protocol

    return protocol


def _unpack_or(raw: bytes, default: Any) -> Any:
    try:
        return msgpack.unpackb(raw, raw=False, strict_map_key=False)
    except Exception:  # a frame an earlier mutation already broke
        return default


def _unpackb(raw: bytes | bytearray | memoryview) -> None:
    with contextlib.suppress(Exception):
        msgpack.unpackb(raw)


# ---------------------------------------------------------------- what each decoder promises
# Each check_* takes what a decoder returned for an input it accepted, and names what is wrong with it (None: all
# is as promised). The tests use them too.


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_envelope(env: Any) -> str | None:
    p = _protocol()
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
    p = _protocol()
    dtype = {p.Kind.AVL_BATCH: p.AVL_DTYPE, p.Kind.LINK_SPEEDS: p.LINK_DTYPE}[kind]
    if not isinstance(arr, np.ndarray) or arr.dtype != dtype:
        return f"{kind} array is not of its dtype"
    return None if arr.nbytes == len(memoryview(raw).cast("B")) else f"{kind} array does not cover the bytes"


def check_incident(inc: Any) -> str | None:
    p = _protocol()
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


def check_message(frames: Sequence[Any], msg: Any) -> str | None:
    p = _protocol()
    if (bad := check_envelope(msg.env)) is not None:
        return bad
    if msg.nbytes != sum(len(memoryview(f).cast("B")) for f in frames):
        return "nbytes is not the frames' length"
    kind = msg.env.kind
    if kind in (p.Kind.AVL_BATCH, p.Kind.LINK_SPEEDS):
        return check_array(kind, frames[2], msg.payload)
    if kind == p.Kind.CCTV_FRAME:
        return None if isinstance(msg.payload, bytes) else "cctv payload is not bytes"
    if not isinstance(msg.payload, dict):
        return "map payload is not a dict"
    return check_incident(msg.payload) if kind == p.Kind.INCIDENT else None


def check_command(cmd: Any) -> str | None:
    p = _protocol()
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
    p = _protocol()
    req, topics = result
    if not (_int(req) and 0 <= req < 2**63):
        return "request id is not an int 0..2^63"
    if not (isinstance(topics, tuple) and len(topics) <= p.MAX_SNAPSHOT_PREFIXES):
        return "topics are not a tuple of at most 16"
    ok = all(isinstance(t, bytes) and len(t) <= p.MAX_TOPIC_BYTES and all(0x21 <= c <= 0x7E for c in t)
             for t in topics)
    return None if ok else "a topic prefix is not printable ASCII of at most 128 bytes"


def check_snapshot_end(end: Any) -> str | None:
    p = _protocol()
    if not all(_int(getattr(end, name)) for name in ("req", "items", "ts")):
        return "end marker req, items or ts is not an int"
    if not all(isinstance(getattr(end, n), str) and len(getattr(end, n).encode()) <= p.MAX_ENVELOPE_STR_BYTES
               for n in ("src", "sess")):
        return "end marker src or sess is not a string of at most 256 bytes"
    ok = all(isinstance(k, str) and _int(v) and v >= 0 for k, v in end.seqs.items())
    return None if ok else "end marker seqs are not topic -> seq >= 0"


def check_kit(kit: Any) -> str | None:
    """What ``Kit`` declares of its fields, and what the map and routing take for granted."""
    import shapely

    from services.store.kit import Kit

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
    p = _protocol()
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


def _avl_records(n: int) -> np.ndarray:
    p = _protocol()
    rec = p.new_records(n)
    i = np.arange(n)
    rec["id"], rec["type"], rec["status"] = 1000 + i, i % 6, i % 6
    rec["ts"] = 1_732_240_000_000 + i * 250
    rec["lon"], rec["lat"] = 127.3845 + i * 1e-4, 36.3504 - i * 1e-4
    rec["speed"], rec["heading"] = (i * 7) % 90, (i * 37) % 360
    return rec


def _link_records(n: int) -> np.ndarray:
    rec = np.zeros(n, dtype=_protocol().LINK_DTYPE)
    rec["link"] = 2_510_000_000 + np.arange(n, dtype=np.uint64) * 11
    rec["kmh"] = np.linspace(3.0, 80.0, n)
    return rec


INCIDENT = {"id": "INC-20250615-1", "type": "fire", "priority": 2, "lon": 127.38, "lat": 36.35, "status": "new",
            "reported": 1_750_000_000_000, "desc": "공장 화재 / factory fire", "units": [10001]}
COMMAND = {"cmd_id": "c-1", "cmd": "dispatch", "incident": "INC-20250615-1", "unit": 10001, "lon": 127.4,
           "lat": 36.3, "ts": 1_750_000_000_000, "by": "dispatcher-1"}


def seed_messages() -> list[list[bytes]]:
    """One valid message per topic (two for the array kinds: empty and not)."""
    p = _protocol()
    kw = {"src": "fuzz", "sess": "0123456789ab", "seq": 1, "ts": 5}
    out = [[bytes(f) for f in p.encode_array(p.Topic.AVL, p.Kind.AVL_BATCH, _avl_records(n), **kw)] for n in (0, 3)]
    out += [[bytes(f) for f in p.encode_array(p.Topic.LINK, p.Kind.LINK_SPEEDS, _link_records(n), **kw)]
            for n in (0, 2)]
    out.append(p.encode_heartbeat(seqs={"avl": 3, "inc": 9}, **kw))
    out.append(p.encode_map(p.Topic.HEARTBEAT, p.Kind.HEARTBEAT, {"seqs": {"avl": 3}, "snap": True}, **kw))
    out.append(p.encode_map(p.Topic.INCIDENT, p.Kind.INCIDENT, INCIDENT, **kw))
    out.append(p.encode_map(b"sens.pump-3", p.Kind.SENSOR, {"level_m": 2.5, "pumps": [1, 0], "ok": True}, **kw))
    out.append([b"cctv.cam-017", p.encode_envelope(p.Kind.CCTV_FRAME, "fuzz", "0123456789ab", 1, 5),
                b"\xff\xd8\xff\xe0" + bytes(range(64)) + b"\xff\xd9"])
    return out


class DecodeTarget(Target):
    name = "decode"
    baseline_name = "unpackb of the envelope"
    unpackb_baseline = True
    _TOPICS = (b"avl", b"inc", b"link", b"hb", b"cctv.", b"sens.", b"cctv.x", b"sens.\x7f", b"avl ", b"AVL", b"")

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        p = _protocol()
        self.p = p
        self.errors = (p.DecodeError,)
        self.seeds = seed_messages()
        self.pool = [f for m in self.seeds for f in m]

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> list:
        frames = list(rng.choice(self.seeds))
        _note(log, f"from the valid {frames[0]!r} message")
        r = rng.random()
        if r < 0.06:
            frames = [random_bytes(rng, log) for _ in range(rng.randrange(6))]
        elif r < 0.14:
            for _ in range(_rounds(rng, 3)):
                j = rng.randrange(len(frames) + 1)
                op = rng.randrange(3)
                if op == 0 and frames:
                    del frames[j % len(frames)]
                elif op == 1 and frames:
                    frames.insert(j, frames[j % len(frames)])
                else:
                    frames.insert(j, rng.choice(self.pool))
                _note(log, f"frames now {len(frames)}")
        else:
            for _ in range(_rounds(rng, 3)):
                self._mutate_frame(rng, frames, log)
        how = rng.random()
        if how < 0.1:
            _note(log, "frames as memoryviews")
            return [memoryview(f) for f in frames]
        if how < 0.15:
            _note(log, "frames as bytearrays")
            return [bytearray(f) for f in frames]
        return frames

    def _mutate_frame(self, rng: random.Random, frames: list[bytes], log: list[str] | None) -> None:
        which = rng.choices((0, 1, 2), (15, 40, 45))[0]
        r = rng.random()
        if which == 0:
            if r < 0.5:
                frames[0] = rng.choice(self._TOPICS) + (rng.randbytes(rng.randrange(4)) if r < 0.2 else b"")
                _note(log, f"topic {frames[0]!r}")
            else:
                frames[0] = mutate_bytes(rng, frames[0], self._TOPICS, log, "topic: ")
        elif which == 1:
            if r < 0.6:
                env = _unpack_or(frames[1], None)
                frames[1] = pack(rng, mutate_map(rng, env if isinstance(env, dict) else {"v": 1}, log), log)
            if r >= 0.4:
                frames[1] = mutate_bytes(rng, frames[1], self.pool, log, "envelope: ")
        else:
            topic = frames[0]
            if topic in (b"avl", b"link") and r < 0.5:
                itemsize = 40 if topic == b"avl" else 16
                n = rng.choice((0, 1, 2, 100, 5000))
                frames[2] = rng.randbytes(n * itemsize + rng.choice((0, 0, 0, 1, -1, itemsize // 2)) % itemsize)
                _note(log, f"payload of {len(frames[2])} random bytes")
            elif topic not in (b"avl", b"link") and r < 0.5:
                base = _unpack_or(frames[2], INCIDENT)
                payload = mutate_map(rng, base if isinstance(base, dict) else dict(INCIDENT), log)
                frames[2] = pack(rng, payload, log)
            else:
                frames[2] = mutate_bytes(rng, frames[2], self.pool, log, "payload: ")

    def run(self, arg: list) -> Any:
        return self.p.decode(arg)

    def baseline(self, arg: list) -> None:
        if len(arg) > 1:
            _unpackb(arg[1])

    def check(self, value: list, msg: Any) -> str | None:
        return check_message(value, msg)

    def show(self, value: list) -> str:
        return f"{len(value)} frames: " + " | ".join(show_bytes(f, 96) for f in value)


class EnvelopeTarget(Target):
    name = "decode_envelope"
    baseline_name = "unpackb"
    unpackb_baseline = True

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.p = _protocol()
        self.errors = (self.p.DecodeError,)
        self.seeds = [m[1] for m in seed_messages()]

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        raw = rng.choice(self.seeds)
        r = rng.random()
        if r < 0.06:
            return random_bytes(rng, log)
        if r < 0.65:
            raw = pack(rng, mutate_map(rng, msgpack.unpackb(raw), log), log)
            if rng.random() < 0.3:
                raw = mutate_bytes(rng, raw, self.seeds, log)
            return raw
        return mutate_bytes(rng, raw, self.seeds, log)

    def run(self, arg: bytes) -> Any:
        return self.p.decode_envelope(arg)

    def baseline(self, arg: bytes) -> None:
        _unpackb(arg)

    def check(self, value: bytes, env: Any) -> str | None:
        return check_envelope(env)


class ArrayTarget(Target):
    name = "decode_array"
    baseline_name = "np.frombuffer"

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.p = _protocol()
        self.errors = (self.p.DecodeError,)
        self.kinds = {self.p.Kind.AVL_BATCH: self.p.AVL_DTYPE, self.p.Kind.LINK_SPEEDS: self.p.LINK_DTYPE}
        self.seeds = {self.p.Kind.AVL_BATCH: _avl_records(4).tobytes(), self.p.Kind.LINK_SPEEDS: _link_records(4)
                      .tobytes()}

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> tuple[str, Any]:
        kind = rng.choice(list(self.kinds))
        itemsize = self.kinds[kind].itemsize
        r = rng.random()
        if r < 0.3:
            raw = rng.randbytes(rng.choice((0, 1, 2, 17, 300)) * itemsize + rng.randrange(itemsize))
            _note(log, f"{len(raw)} random bytes")
        elif r < 0.5:  # records full of NaN, infinities and extreme integers
            raw = bytes(rng.choice(_BYTES) for _ in range(itemsize * rng.randrange(1, 5)))
            _note(log, f"{len(raw)} bytes of interesting values")
        else:
            raw = mutate_bytes(rng, self.seeds[kind], list(self.seeds.values()), log)
        _note(log, f"as {kind}")
        return kind, (memoryview(raw) if rng.random() < 0.3 else raw)

    def run(self, arg: tuple[str, Any]) -> Any:
        return self.p.decode_array(*arg)

    def baseline(self, arg: tuple[str, Any]) -> None:
        with contextlib.suppress(ValueError):
            np.frombuffer(arg[1], dtype=self.kinds[arg[0]])

    def check(self, value: tuple[str, Any], arr: Any) -> str | None:
        return check_array(*value, arr)

    def show(self, value: tuple[str, Any]) -> str:
        return f"{value[0]}: {show_bytes(value[1])}"


class MapTarget(Target):
    name = "decode_map"
    baseline_name = "unpackb"
    unpackb_baseline = True

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.p = _protocol()
        self.errors = (self.p.DecodeError,)
        self.maps = [INCIDENT, {"seqs": {"avl": 3, "inc": 9}}, {"level_m": 2.5, "pumps": [1, 0], "ok": True}]
        self.seeds = [msgpack.packb(m, use_bin_type=True) for m in self.maps]

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        r = rng.random()
        if r < 0.06:
            return random_bytes(rng, log)
        if r < 0.65:
            raw = pack(rng, mutate_map(rng, rng.choice(self.maps), log), log)
            return mutate_bytes(rng, raw, self.seeds, log) if rng.random() < 0.3 else raw
        return mutate_bytes(rng, rng.choice(self.seeds), self.seeds, log)

    def run(self, arg: bytes) -> Any:
        return self.p.decode_map(arg)

    def baseline(self, arg: bytes) -> None:
        _unpackb(arg)

    def check(self, value: bytes, result: Any) -> str | None:
        return None if isinstance(result, dict) else f"map payload is {type(result).__name__}"


class IncidentTarget(Target):
    """``validate_incident`` takes what ``decode_map`` gives: any dict msgpack can carry."""

    name = "validate_incident"

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.p = _protocol()
        self.errors = (self.p.DecodeError,)

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> dict:
        raw = pack(rng, mutate_map(rng, INCIDENT, log, whole=False), log)
        try:
            value = msgpack.unpackb(raw, raw=False, strict_map_key=False)
        except Exception:  # not something decode_map would hand over
            value = None
        return value if isinstance(value, dict) else dict(INCIDENT)

    def run(self, arg: dict) -> Any:
        return self.p.validate_incident(arg)

    def check(self, value: dict, result: Any) -> str | None:
        return check_incident(result)


class CommandTarget(Target):
    name = "decode_command"
    baseline_name = "unpackb"
    unpackb_baseline = True

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.p = _protocol()
        self.errors = (self.p.DecodeError,)
        self.maps = self.seed_maps()
        self.seeds = [msgpack.packb(m, use_bin_type=True) for m in self.maps]

    def seed_maps(self) -> list[dict]:
        return [COMMAND, {**COMMAND, "cmd": "recall", "cmd_id": "c-2"}]

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        r = rng.random()
        if r < 0.06:
            return random_bytes(rng, log)
        if r < 0.65:
            raw = pack(rng, mutate_map(rng, rng.choice(self.maps), log), log)
            return mutate_bytes(rng, raw, self.seeds, log) if rng.random() < 0.3 else raw
        return mutate_bytes(rng, rng.choice(self.seeds), self.seeds, log)

    def run(self, arg: bytes) -> Any:
        return self.commands.decode_command(arg)

    def baseline(self, arg: bytes) -> None:
        _unpackb(arg)

    def check(self, value: bytes, cmd: Any) -> str | None:
        return check_command(cmd)


class AckTarget(CommandTarget):
    name = "decode_ack"

    def seed_maps(self) -> list[dict]:
        return [{"cmd_id": "c-1", "ok": True, "reason": ""}, {"cmd_id": "c-2", "ok": False, "reason": "unit busy"}]

    def run(self, arg: bytes) -> Any:
        return self.commands.decode_ack(arg)

    def check(self, value: bytes, ack: Any) -> str | None:
        return check_ack(ack)

class SnapshotRequestTarget(Target):
    name = "decode_snapshot_request"
    baseline_name = "unpackb"
    unpackb_baseline = True
    _TOPICS = ("", "avl", "inc", "cctv.", "a b", "\x7f", "é", "x" * 128, "x" * 129, "sens.pump-3")

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.p = _protocol()
        self.errors = (self.p.DecodeError,)
        self.maps = [{"v": 1, "req": 7, "topics": ["avl", "inc"]}, {"v": 1, "req": 0, "topics": []},
                     {"v": 1, "req": 2**63 - 1, "topics": ["", "cctv.", "link"]}]
        self.seeds = [msgpack.packb(m) for m in self.maps]

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        r = rng.random()
        if r < 0.06:
            return random_bytes(rng, log)
        if r < 0.7:
            request = dict(rng.choice(self.maps))
            if rng.random() < 0.3:
                request["topics"] = [rng.choice(self._TOPICS) for _ in range(rng.choice((1, 3, 16, 17)))]
                _note(log, f"topics {_short(request['topics'])}")
            raw = pack(rng, mutate_map(rng, request, log) if rng.random() < 0.8 else request, log)
            return mutate_bytes(rng, raw, self.seeds, log) if rng.random() < 0.25 else raw
        return mutate_bytes(rng, rng.choice(self.seeds), self.seeds, log)

    def run(self, arg: bytes) -> Any:
        return self.p.decode_snapshot_request(arg)

    def baseline(self, arg: bytes) -> None:
        _unpackb(arg)

    def check(self, value: bytes, result: Any) -> str | None:
        return check_snapshot_request(result)

class SnapshotEndTarget(Target):
    name = "decode_snapshot_end"
    baseline_name = "unpackb"
    unpackb_baseline = True

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.p = _protocol()
        self.errors = (self.p.DecodeError,)
        self.maps = [{"v": 1, "req": 7, "src": "avl-daejeon", "sess": "3f9c2a7b1d04", "seqs": {"avl": 42, "inc": 3},
                      "items": 25, "ts": 1_750_000_000_000},
                     {"v": 1, "req": 0, "src": "cad", "sess": "s", "seqs": {}, "items": 0, "ts": 0}]
        self.seeds = [msgpack.packb(m) for m in self.maps]

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> list:
        topic = b"snap.end"
        r = rng.random()
        if r < 0.06:
            body = random_bytes(rng, log)
        elif r < 0.7:
            body = pack(rng, mutate_map(rng, rng.choice(self.maps), log), log)
            if rng.random() < 0.25:
                body = mutate_bytes(rng, body, self.seeds, log)
        else:
            body = mutate_bytes(rng, rng.choice(self.seeds), self.seeds, log)
        frames: list = [topic, body]
        r = rng.random()
        if r < 0.08:
            frames[0] = mutate_bytes(rng, topic, (b"snap.", b"avl"), log, "topic: ")
        elif r < 0.14:
            frames = rng.choice(([], [topic], [topic, body, body], [body, topic]))
            _note(log, f"{len(frames)} frames")
        if rng.random() < 0.1:
            _note(log, "frames as memoryviews")
            frames = [memoryview(f) for f in frames]
        return frames

    def run(self, arg: list) -> Any:
        return self.p.decode_snapshot_end(arg)

    def baseline(self, arg: list) -> None:
        if len(arg) > 1:
            _unpackb(arg[1])

    def check(self, value: list, end: Any) -> str | None:
        return check_snapshot_end(end)

    def show(self, value: list) -> str:
        return f"{len(value)} frames: " + " | ".join(show_bytes(f, 120) for f in value)


def fuzz_kit() -> Any:
    """A 5 × 5 street grid at Daejeon city hall with two districts, stations of each service and road names."""
    import shapely

    from services.geo import Projector
    from services.store.kit import District, Kit, Poi, RoadClass, RoadGraph

    n, step = 5, 250.0
    proj = Projector("EPSG:5179")
    x0, y0 = proj(np.array([127.385]), np.array([36.351]))
    ii, jj = np.divmod(np.arange(n * n), n)
    xy = np.column_stack([x0[0] + ii * step, y0[0] + jj * step])
    pairs = [(a, b) for a in range(n * n) for b in (a + 1, a + n) if b < n * n and (b == a + n or b % n)]
    src, dst = np.array(sorted(pairs + [(b, a) for a, b in pairs]), dtype=np.int32).T
    m = len(src)
    roads = RoadGraph(np.ascontiguousarray(xy), np.ascontiguousarray(src), np.ascontiguousarray(dst),
                      np.where(np.arange(m) % 5 == 0, RoadClass.PRIMARY, RoadClass.RESIDENTIAL).astype(np.uint8),
                      np.full(m, 40, np.float32), (3_000_000_000 + np.arange(m)).astype(np.uint64),
                      np.zeros(m, bool), (np.arange(m) % 3).astype(np.int32), np.full(m, 2, np.uint8),
                      (np.arange(m) % 7 == 0).astype(np.uint8))
    lo, hi = xy.min(axis=0) - 125, xy.max(axis=0) + 125
    mid = (lo[0] + hi[0]) / 2
    districts = (District("30140", "중구", "Jung-gu", "gu", "", shapely.box(lo[0], lo[1], hi[0], hi[1])),
                 District("3014051000", "은행선화동", "Eunhaengseonhwa-dong", "dong", "30140",
                          shapely.box(lo[0], lo[1], mid, hi[1])))
    places = (("fire", 0), ("fire", n * n - 1), ("ems", n * n // 2), ("police", n), ("hospital", 2 * n + 1))
    pois = tuple(Poi(kind, f"{kind} {k}", float(xy[k, 0]), float(xy[k, 1]), k) for kind, k in places)
    lon, lat = proj.inverse(np.array([lo[0], hi[0]]), np.array([lo[1], hi[1]]))
    names = (("중앙로", "중앙로", "Jungang-ro"), ("대종로", "대종로", "Daejong-ro"),
             ("계룡로", "계룡로", "Gyeryong-ro"))
    return Kit("Fuzz grid", "EPSG:5179", (float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])), roads,
               districts, pois, ({"name": "fuzz", "licence": "none", "attribution": "fuzz grid"},), generated=True,
               road_names=names, created="2025-06-15T00:00:00Z")


def _json_paths(value: Any, path: tuple = (), out: list | None = None) -> list[tuple]:
    out = [] if out is None else out
    out.append(path)
    if isinstance(value, dict):
        for k, v in value.items():
            _json_paths(v, (*path, k), out)
    elif isinstance(value, list):
        for k, v in enumerate(value):
            _json_paths(v, (*path, k), out)
    return out


_JSON_ODD = (None, True, False, 0, -1, 2**63, -(2**63) - 1, 10**30, 1.5, math.nan, math.inf, -math.inf, "", "x",
             "0" * 300, [], {}, [[]], {"": None}, [1, 2, 3, 4, 5])


def _json_odd(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(_JSON_ODD))  # a fresh one: documents are changed in place


def mutate_json(rng: random.Random, doc: Any, log: list[str] | None = None) -> Any:
    """One change somewhere in a JSON document: a value set, dropped, duplicated, emptied or damaged."""
    paths = _json_paths(doc)
    path = rng.choice(paths)
    if not path:
        value = rng.choice((_json_odd(rng), [doc]))
        _note(log, f"json: the document is now {_short(value)}")
        return value
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    old = parent[key]
    op = rng.randrange(8)
    where = "json: $" + "".join(f"[{k!r}]" for k in path)
    if op == 0 and isinstance(parent, dict):
        del parent[key]
        _note(log, f"{where} dropped")
        return doc
    if op == 1 and isinstance(parent, list):
        parent.insert(key, old if rng.random() < 0.5 else _json_odd(rng))
        _note(log, f"{where} duplicated or something put before it")
        return doc
    if op == 2 and isinstance(old, str) and old:
        if re.fullmatch(r"[0-9a-fA-F]+", old) and rng.random() < 0.8:  # WKB, a checksum: damage the hex
            chars = list(old)
            for _ in range(_rounds(rng, 4)):
                chars[rng.randrange(len(chars))] = rng.choice("0123456789abcdefABCDEF")
            new: Any = "".join(chars)[:rng.choice((len(old), len(old), rng.randrange(len(old) + 1)))]
        else:
            new = rng.choice((old[:-1], old * 50, old + "\x00", old.upper(), ""))
        parent[key] = new
        _note(log, f"{where} = {_short(new)}")
        return doc
    if op == 3 and isinstance(old, list | dict):
        parent[key] = type(old)()
        _note(log, f"{where} emptied")
        return doc
    new = near(rng, old) if op <= 5 and not isinstance(old, dict | list) else _json_odd(rng)
    if isinstance(new, bytes):
        new = new.decode("utf-8", "replace")
    if isinstance(new, dict) and any(not isinstance(k, str | int | float | bool) and k is not None for k in new):
        new = {}
    parent[key] = new
    _note(log, f"{where} = {_short(new)}")
    return doc


def mutate_json_text(rng: random.Random, text: bytes, log: list[str] | None = None) -> bytes:
    r = rng.random()
    if r < 0.15:
        k = rng.choice((100, 5000, 100_000))
        at = rng.randrange(len(text) + 1)
        _note(log, f"json text: {k} '[' at {at}")
        return text[:at] + b"[" * k + text[at:]
    if r < 0.3:
        numbers = list(re.finditer(rb"-?\d+(\.\d+)?", text))
        if numbers:
            m = rng.choice(numbers)
            digits = b"9" * rng.choice((20, 400, 4301, 20_000))
            _note(log, f"json text: the number at {m.start()} has {len(digits)} digits")
            return text[:m.start()] + digits + text[m.end():]
    if r < 0.35:
        _note(log, "json text: byte-order mark in front")
        return b"\xef\xbb\xbf" + text
    return mutate_bytes(rng, text, (), log, "json text: ")


class KitTarget(Target):
    name = "load_kit"
    baseline_name = "json.loads + np.load"

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        from services.store.kit import KitError, save_kit

        self.errors = (KitError,)
        with tempfile.TemporaryDirectory(prefix="sitroom-fuzz-kit-") as d:
            path = save_kit(fuzz_kit(), Path(d) / "kit")
            self.meta_text = (path / "kit.json").read_bytes()
            self.npz = (path / "roads.npz").read_bytes()
        with np.load(io.BytesIO(self.npz)) as z:
            self.arrays = {k: z[k] for k in z.files}

    def setup(self, work: Path) -> None:
        self.dir = work / "kit"
        self.dir.mkdir()

    def _arrays(self, rng: random.Random, log: list[str] | None) -> bytes:
        arrays = dict(self.arrays)
        for _ in range(_rounds(rng, 3)):
            name = rng.choice(list(arrays) or ["node_xy"])
            a = arrays.get(name, np.zeros(3))
            op = rng.randrange(10)
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if op == 0:
                        arrays.pop(name, None)
                        _note(log, f"npz: drop {name}")
                        continue
                    if op == 1:
                        name = rng.choice(("edge_length", "out_ptr", "extra", "", "../x", "node_xy.npy"))
                        a = np.arange(4)
                    elif op == 2:
                        a = a.astype(rng.choice(("f2", "f4", "f8", "i1", "i8", "u8", "?", "c8", "U3", "S2", ">i4")))
                    elif op == 3:
                        a = rng.choice((a.reshape(-1), a[..., None], np.stack([a, a], -1), np.asarray(a.flat[0]),
                                        a.reshape(-1)[: a.size // 2 * 2].reshape(-1, 2) if a.size > 1 else a))
                    elif op == 4:
                        a = a[:rng.randrange(len(a) + 1)] if a.ndim else a
                    elif op == 5:
                        a = np.concatenate([a, a]) if a.ndim else a
                    elif op == 6 and a.size:
                        a = a.copy()
                        value = rng.choice((math.nan, math.inf, -1, 0, 2**31 - 1, -(2**31), 10**9, 1e300, 2**63 - 1))
                        a.flat[rng.randrange(a.size)] = np.array(value).astype(a.dtype)
                    elif op == 7 and a.ndim:
                        a = a[np.random.default_rng(rng.randrange(2**32)).permutation(len(a))]
                    elif op == 8:
                        a = a[:0]
                    else:
                        a = np.array([1, "a", None], dtype=object) if rng.random() < 0.5 else np.asfortranarray(a.T)
            except (ValueError, TypeError, OverflowError, IndexError):
                continue
            arrays[name] = a
            _note(log, f"npz: {name} now {a.dtype} {a.shape}")
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> tuple[bytes | None, bytes | None]:
        meta: Any = json.loads(self.meta_text)
        npz: bytes | None = self.npz
        checksum, json_text, drop = True, False, None
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            r = rng.random()
            if r < 0.35:
                meta = mutate_json(rng, meta, log)
            elif r < 0.6:
                npz = self._arrays(rng, log)
            elif r < 0.82:
                npz = mutate_bytes(rng, npz or b"", (), log, "npz: ")
            elif r < 0.87:
                checksum = False
            elif r < 0.95:
                json_text = True
            elif r < 0.98 and isinstance(meta, dict):
                meta["tiles"] = {"format": "png", "minzoom": 0, "maxzoom": 1, "tiles": 1}
                _note(log, "json: says there are tiles (there are none)")
            else:
                drop = rng.choice(("kit.json", "roads.npz"))
        if checksum and isinstance(meta, dict):
            meta["roads_sha256"] = hashlib.sha256(npz or b"").hexdigest()
        else:
            _note(log, "checksum left as it was")
        # Values JSON has no form for (bytes, msgpack extensions) go in as their repr.
        text = json.dumps(meta, ensure_ascii=rng.random() < 0.5, default=repr, skipkeys=True).encode()
        if json_text:
            text = mutate_json_text(rng, text, log)
        if drop:
            _note(log, f"no {drop}")
        return (None if drop == "kit.json" else text), (None if drop == "roads.npz" else npz)

    def prepare(self, value: tuple[bytes | None, bytes | None]) -> Path:
        for name, data in zip(("kit.json", "roads.npz"), value, strict=True):
            f = self.dir / name
            f.unlink(missing_ok=True)
            if data is not None:
                f.write_bytes(data)
        return self.dir

    def run(self, arg: Path) -> Any:
        from services.store.kit import load_kit

        return load_kit(arg)

    def baseline(self, arg: Path) -> None:
        try:
            json.loads((arg / "kit.json").read_bytes())
            with np.load(arg / "roads.npz") as z:
                for k in z.files:
                    z[k]
        except Exception:
            pass

    def check(self, value: Any, kit: Any) -> str | None:
        return check_kit(kit)

    def show(self, value: tuple[bytes | None, bytes | None]) -> str:
        meta, npz = value
        text = "missing" if meta is None else _short(meta.decode("utf-8", "replace"), 300)
        return f"kit.json {text}; roads.npz {'missing' if npz is None else show_bytes(npz, 48)}"


_SQL_VALUES: tuple[Any, ...] = (None, 0, 5, 22, -1, 2**63 - 1, -(2**63), 1.5, 1e308, "abc", "5", "", b"\x00", b"",
                                "x" * 1000)
_FORMAT_VALUES: tuple[Any, ...] = ("png", "PNG", "jpg", "jpeg", "webp", "pbf", "", None, 5, 1.5, b"png", "png\x00")


def _view_rows(rng: random.Random, columns: str, log: list[str] | None) -> str:
    bound = rng.choice((3, 1000, 100_000, None))
    _note(log, f"a recursive view of {'endless' if bound is None else bound} rows")
    where = "" if bound is None else f" WHERE x < {bound}"
    return f"WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c{where}) SELECT {columns} FROM c"


def mbtiles_bytes(rng: random.Random, log: list[str] | None = None, *, valid: bool = False) -> bytes:
    """An MBTiles file made in memory: valid, or with odd tables, columns, types and rows."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute(f"PRAGMA page_size={512 if valid else rng.choice((512, 512, 1024, 4096))}")
        odd = not valid
        # metadata
        r = rng.random() if odd else 0.5
        if r < 0.04:
            _note(log, "no metadata table")
        elif r < 0.042:  # rare: an endless one is a hang, which costs the limit
            db.execute("CREATE VIEW metadata AS " + _view_rows(rng, "'format' AS name, 'png' AS value", log))
        else:
            cols = "name text, value text" if r > 0.1 else rng.choice(("name", "name, value blob", "value, name"))
            db.execute(f"CREATE TABLE metadata ({cols})")
            if r < 0.1:
                _note(log, f"metadata ({cols})")
            rows = [("name", "fuzz"), ("format", "png"), ("attribution", "© fuzz")]
            if odd and rng.random() < 0.5:
                rows[1] = ("format", rng.choice(_FORMAT_VALUES))
                _note(log, f"format {rows[1][1]!r}")
            if odd and rng.random() < 0.3:
                rows[2] = ("attribution", rng.choice(_SQL_VALUES))
                _note(log, f"attribution {rows[2][1]!r}")
            if odd and rng.random() < 0.2:
                rows.append((rng.choice(_SQL_VALUES), rng.choice(_SQL_VALUES)))
            ncols = len(cols.split(","))
            db.executemany(f"INSERT INTO metadata VALUES ({', '.join('?' * ncols)})", [row[:ncols] for row in rows])
        # tiles
        r = rng.random() if odd else 0.5
        if r < 0.04:
            _note(log, "no tiles table")
        elif r < 0.042:  # rare: an endless one is a hang, which costs the limit
            db.execute("CREATE VIEW tiles AS " + _view_rows(
                rng, "x % 23 AS zoom_level, x AS tile_column, x AS tile_row, x'00' AS tile_data", log))
        else:
            cols = ("zoom_level integer, tile_column integer, tile_row integer, tile_data blob" if r > 0.1 else
                    rng.choice(("tile_column, tile_row, tile_data", "zoom_level", "zoom_level text, tile_data")))
            db.execute(f"CREATE TABLE tiles ({cols})")
            ncols = len(cols.split(","))
            rows = [(z, 0, 0, b"\x89PNG\r\n\x1a\n") for z in range(rng.randrange(4) if odd else 2)]
            if odd and rng.random() < 0.4:
                rows.append((rng.choice(_SQL_VALUES), 0, 0, rng.choice(_SQL_VALUES)))
                _note(log, f"a tile at zoom {rows[-1][0]!r}")
            db.executemany(f"INSERT INTO tiles VALUES ({', '.join('?' * ncols)})", [row[:ncols] for row in rows])
            _note(log, f"tiles ({cols}), {len(rows)} rows")
        db.commit()
        try:
            return db.serialize()
        except sqlite3.OperationalError:  # no tables at all: an empty database, which is an empty file
            return b""
    finally:
        db.close()


class TilesTarget(Target):
    name = "check_mbtiles"
    baseline_name = "sqlite3, the same queries"

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        from services.store.kit import KitError

        self.errors = (KitError,)
        self.base = mbtiles_bytes(random.Random(seed), valid=True)

    def setup(self, work: Path) -> None:
        self.path = work / "tiles.mbtiles"

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        r = rng.random()
        if r < 0.03:
            return random_bytes(rng, log)
        data = mbtiles_bytes(rng, log) if r < 0.55 else self.base
        if r >= 0.45:
            data = mutate_bytes(rng, data, (self.base,), log, "file: ")
        return data

    def prepare(self, value: bytes) -> Path:
        self.path.unlink(missing_ok=True)  # a new file, whatever a leaked connection still holds
        self.path.write_bytes(value)
        return self.path

    def run(self, arg: Path) -> Any:
        from services.store.tiles import check_mbtiles

        return check_mbtiles(arg)

    def baseline(self, arg: Path) -> None:
        try:
            db = sqlite3.connect(f"file:{arg}?mode=ro", uri=True)
            try:
                db.execute("SELECT name, value FROM metadata").fetchall()
                db.execute("SELECT MIN(zoom_level), MAX(zoom_level), COUNT(*) FROM tiles").fetchone()
            finally:
                db.close()
        except Exception:
            pass

    def check(self, value: bytes, info: Any) -> str | None:
        return check_tiles(info)

_CSV_HEADERS: tuple[tuple[str, ...], ...] = (
    ("lon", "lat", "name", "kind"), ("name", "x", "y"), ("longitude", "latitude", "type", "name"), ("LNG", "Lat"),
    (" lon ", " lat ", "name"), ("lat", "lon"), ("lon", "lon", "lat"), ("name",), (), ("lon", "lat", "kind", "kind"))
_CSV_NUMBERS = ("nan", "NaN", "inf", "-inf", "1e999", "", " ", "abc", "0x10", "1_000", "١٢٧", "1e-400", "9" * 400,
                "+.5", "127,5", "--1", "-0", "180.0001", "-180", "90", "-90.5", "127.385e0")
_CSV_TEXTS = ("", "중앙 119안전센터", "fire", "소방서", "Police", "x" * 300, '"', 'a"b', "a,b", "a\nb", "\x00",
              "\ufeff", "\r", "병원;hospital")


def csv_bytes(rng: random.Random, log: list[str] | None = None) -> bytes:
    """A point CSV with odd headers, cells, quoting, separators, line ends and encodings."""
    header = list(rng.choice(_CSV_HEADERS))
    rows: list[list[str]] = [header] if header or rng.random() < 0.5 else []
    for _ in range(rng.randrange(6)):
        row = []
        for h in header:
            coord = h.strip().lower() in ("lon", "lat", "x", "y", "lng", "longitude", "latitude")
            if coord and rng.random() < 0.7:
                row.append(f"{rng.uniform(-200, 200) if rng.random() < 0.1 else rng.uniform(30, 40):.6f}")
            else:
                row.append(rng.choice(_CSV_NUMBERS if coord else _CSV_TEXTS))
        if rng.random() < 0.15:
            row = row[:rng.randrange(len(row) + 1)] + [rng.choice(_CSV_TEXTS)] * rng.randrange(3)
        rows.append(row)
    if rows and rng.random() < 0.005:  # a cell past csv's field size limit
        rows[-1].append("x" * 131_073)
        _note(log, "a 131,073-character cell")
    out = io.StringIO()
    sep, end = rng.choice((",", ",", ",", ";", "\t")), rng.choice(("\n", "\r\n", "\r"))
    quoting = rng.choice((csv.QUOTE_MINIMAL, csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE))
    try:
        csv.writer(out, delimiter=sep, lineterminator=end, quoting=quoting, escapechar="\\").writerows(rows)
    except csv.Error:  # a lone empty cell cannot be written unquoted
        out = io.StringIO()
        csv.writer(out, delimiter=sep, lineterminator=end, quoting=csv.QUOTE_ALL).writerows(rows)
    encoding = rng.choice(("utf-8", "utf-8", "utf-8", "utf-8-sig", "cp949", "utf-16", "latin-1"))
    _note(log, f"{len(rows)} rows, header {header}, separator {sep!r}, line end {end!r}, {encoding}")
    return out.getvalue().encode(encoding, "replace")


class CsvTarget(Target):
    name = "read_points"
    baseline_name = "csv.reader"

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        from services.store.kit import KitError

        self.errors = (KitError,)
        self.base = "lon,lat,name,kind\n127.385,36.351,중앙 119안전센터,fire\n127.40,36.36,대전병원,hospital\n".encode()

    def setup(self, work: Path) -> None:
        self.path = work / "stations.csv"

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        r = rng.random()
        if r < 0.05:
            return random_bytes(rng, log)
        data = csv_bytes(rng, log) if r < 0.65 else self.base
        if r >= 0.55:
            data = mutate_bytes(rng, data, (self.base,), log)
        return data

    def prepare(self, value: bytes) -> Path:
        self.path.write_bytes(value)
        return self.path

    def run(self, arg: Path) -> Any:
        from services.store.vector import read_points

        return read_points(arg)

    def baseline(self, arg: Path) -> None:
        with contextlib.suppress(csv.Error):
            list(csv.reader(io.StringIO(arg.read_bytes().decode("utf-8-sig", "replace"), newline="")))

    def check(self, value: bytes, points: Any) -> str | None:
        return check_points(points)

class CadTarget(Target):
    """``Cad.handle_command`` on a live CAD (SQLite state, incidents, a roster): must answer, never raise."""

    name = "Cad.handle_command"
    baseline_name = "unpackb"
    unpackb_baseline = True

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        from services.sim.fleet import station_units
        from services.sim.incidents import IncidentGenerator

        self.p = _protocol()
        self.kit = fuzz_kit()
        self.incidents = IncidentGenerator(self.kit, per_hour=36_000, seed=1, start_s=T0 - 5).advance(T0)[:8]
        units = [u.id for u in station_units(self.kit)]
        self.commands = [{**COMMAND, "cmd": cmd, "incident": inc["id"], "unit": unit, "lon": inc["lon"],
                          "lat": inc["lat"]}
                         for inc in self.incidents for unit in units[:6] for cmd in ("dispatch", "recall")]
        self.seeds = [msgpack.packb(c, use_bin_type=True) for c in self.commands[:8]]

    def setup(self, work: Path) -> None:
        from services.sim.cad import Cad, CadState
        from services.sim.incidents import IncidentGenerator

        gen = IncidentGenerator(self.kit, per_hour=36_000, seed=1, start_s=T0 - 5)
        self.cad = Cad(self.kit, CadState(work / "cad.sqlite"), use_avl=False, generator=gen, now_s=T0)
        self.cad.tick(T0)
        self.cad.generator = None
        self.clock = T0

    def generate(self, rng: random.Random, i: int, log: list[str] | None) -> bytes:
        r = rng.random()
        if r < 0.05:
            return random_bytes(rng, log)
        cmd = dict(rng.choice(self.commands))
        # Fresh ids mostly (each command carried out once); now and then one seen before, a repeat.
        cmd["cmd_id"] = f"fz-{rng.randrange(i + 1) if rng.random() < 0.1 else i}"
        _note(log, f"{cmd['cmd']} unit {cmd['unit']} to {cmd['incident']} as {cmd['cmd_id']}")
        if r < 0.35:
            return msgpack.packb(cmd, use_bin_type=True)
        if r < 0.8:
            raw = pack(rng, mutate_map(rng, cmd, log), log)
            return mutate_bytes(rng, raw, self.seeds, log) if rng.random() < 0.25 else raw
        return mutate_bytes(rng, msgpack.packb(cmd, use_bin_type=True), self.seeds, log)

    def run(self, arg: bytes) -> Any:
        self.clock += 0.05
        out = self.cad.handle_command(arg, self.clock)
        self.cad.take_incidents()
        self.cad.take_assignments()
        return out

    def baseline(self, arg: bytes) -> None:
        _unpackb(arg)

    def check(self, value: bytes, ack: Any) -> str | None:
        return check_cad_answer(value, ack)

TARGETS: dict[str, type[Target]] = {t.name: t for t in (
    DecodeTarget, EnvelopeTarget, ArrayTarget, MapTarget, IncidentTarget, CommandTarget, AckTarget,
    SnapshotRequestTarget, SnapshotEndTarget, KitTarget, TilesTarget, CsvTarget, CadTarget)}


def rng_for(seed: int, name: str, i: int) -> random.Random:
    """Input ``i`` of decoder ``name`` comes from this generator alone."""
    return random.Random((seed << 80) | (zlib.crc32(name.encode()) << 48) | i)


# ---------------------------------------------------------------- workers


@dataclass
class Finding:
    """One distinct crash or violation: where, how often, and the first input that showed it."""

    kind: str
    message: str
    count: int
    first: int
    where: str = ""
    input: str = ""
    mutations: list[str] = field(default_factory=list)
    trace: str = ""


@dataclass
class Tally:
    inputs: int = 0
    accepted: int = 0
    rejected: int = 0
    crashes: int = 0
    hangs: int = 0
    violations: int = 0
    run_s: float = 0.0
    baseline_s: float = 0.0
    baseline_n: int = 0
    slowest_s: float = 0.0
    slowest_i: int = -1
    found: dict[tuple[str, str], Finding] = field(default_factory=dict)

    def merge(self, other: Tally) -> None:
        for name in ("inputs", "accepted", "rejected", "crashes", "hangs", "violations", "run_s", "baseline_s",
                     "baseline_n"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.slowest_s > self.slowest_s:
            self.slowest_s, self.slowest_i = other.slowest_s, other.slowest_i
        for key, f in other.found.items():
            mine = self.found.get(key)
            if mine is None:
                self.found[key] = f
            else:
                mine.count += f.count
                if f.first < mine.first and f.input:
                    mine.first, mine.message, mine.input, mine.mutations, mine.trace = (
                        f.first, f.message, f.input, f.mutations, f.trace)


def _where(exc: BaseException) -> str:
    """The innermost frame in this project's code, and the innermost frame overall when that is elsewhere."""
    frames = traceback.extract_tb(exc.__traceback__)
    root = Path(__file__).resolve().parent.parent
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(root / "services")]
    parts = [f"{Path(f.filename).name}:{f.lineno}" for f in ours[-1:] + frames[-1:]]
    return " → ".join(dict.fromkeys(parts))


def _record(tally: Tally, kind: str, message: str, where: str, i: int,
            describe: Callable[[], tuple[str, list[str]]], trace: str = "") -> None:
    key = (kind, f"{message.split(':')[0]} at {where}" if where else message)
    f = tally.found.get(key)
    if f is not None:
        f.count += 1
        return
    f = Finding(kind, message, 1, i, where, trace=trace)
    if len(tally.found) < KEEP:
        f.input, f.mutations = describe()
    tally.found[key] = f


def _cap_memory(mb: int) -> None:
    try:
        import resource
    except ImportError:  # not on this platform
        return
    with open("/proc/self/statm") as fh:
        held = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = held + mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker(name: str, seed: int, start: int, stop: int, work: str, memory_mb: int, progress: Any, clock: Any,
            conn: Any) -> None:
    """Runs inputs ``start``..``stop``; ``progress`` holds the current one, ``clock`` when its decoder call began
    (0 outside a call, so slow input generation never counts as a hang)."""
    logging.disable(logging.WARNING)  # the CAD logs its first malformed command; that is the point here
    warnings.simplefilter("ignore")  # numpy's casting warnings on odd arrays, thousands of them
    with contextlib.suppress(OSError, ValueError):
        _cap_memory(memory_mb)
    target = TARGETS[name](seed)
    target.setup(Path(work))
    tally, flushed = Tally(), time.perf_counter()
    has_baseline = type(target).baseline is not Target.baseline
    for i in range(start, stop):
        progress.value = i
        value = target.generate(rng_for(seed, name, i), i, None)

        def describe(i: int = i) -> tuple[str, list[str]]:
            log: list[str] = []
            again = target.generate(rng_for(seed, name, i), i, log)
            return target.show(again), log

        arg = target.prepare(value)
        clock.value = time.monotonic()
        t0 = time.perf_counter()
        try:
            result = target.run(arg)
        except target.errors:
            t1 = time.perf_counter()
            clock.value = 0.0
            tally.rejected += 1
        except Exception as exc:
            t1 = time.perf_counter()
            clock.value = 0.0
            tally.crashes += 1
            tb = exc.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename == __file__:  # from the decoder's call down
                tb = tb.tb_next
            trace = "".join(traceback.format_exception(type(exc), exc, tb, limit=-10))
            _record(tally, "crash", f"{type(exc).__name__}: {str(exc)[:200]}", _where(exc), i, describe, trace)
        else:
            t1 = time.perf_counter()
            clock.value = 0.0
            tally.accepted += 1
            try:
                bad = target.check(value, result)
            except Exception as exc:  # a result too broken to even check
                bad = f"checking the result raised {type(exc).__name__}"
            if bad is not None:
                tally.violations += 1
                _record(tally, "violation", bad, "", i, describe)
        tally.inputs += 1
        tally.run_s += t1 - t0
        if t1 - t0 > tally.slowest_s:
            tally.slowest_s, tally.slowest_i = t1 - t0, i
        if has_baseline:
            b0 = time.perf_counter()
            target.baseline(arg)
            tally.baseline_s += time.perf_counter() - b0
            tally.baseline_n += 1
        if t1 - flushed > FLUSH_S:
            conn.send(("part", i + 1, tally))
            tally, flushed = Tally(), time.perf_counter()
    conn.send(("done", stop, tally))


@dataclass
class _Running:
    proc: Any
    conn: Any
    progress: Any
    clock: Any
    name: str
    stop: int
    done: int


class Campaign:
    """Runs the tasks (decoder, first input, end) in workers and keeps them to the per-input time limit."""

    def __init__(self, seed: int, jobs: int, limit_s: float, memory_mb: int) -> None:
        self.seed, self.jobs, self.limit_s, self.memory_mb = seed, jobs, limit_s, memory_mb
        self.ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.tallies: dict[str, Tally] = {}
        self._targets: dict[str, Target] = {}
        self._scratch = tempfile.mkdtemp(prefix="sitroom-fuzz-", dir=_scratch())

    def _target(self, name: str) -> Target:
        if name not in self._targets:
            self._targets[name] = TARGETS[name](self.seed)
        return self._targets[name]

    def _start(self, name: str, start: int, stop: int) -> _Running:
        work = tempfile.mkdtemp(prefix=f"{name}-{start}-", dir=self._scratch)
        progress, clock = self.ctx.RawValue("q", -1), self.ctx.RawValue("d", 0.0)
        parent, child = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=_worker, name=f"fuzz-{name}", daemon=True,
                                args=(name, self.seed, start, stop, work, self.memory_mb, progress, clock, child))
        proc.start()
        child.close()
        return _Running(proc, parent, progress, clock, name, stop, start)

    def _drain(self, r: _Running) -> bool:
        """Take the worker's reports; True once it has reported its last input."""
        done = False
        try:
            while r.conn.poll():
                what, upto, tally = r.conn.recv()
                self.tallies.setdefault(r.name, Tally()).merge(tally)
                r.done = upto
                done = what == "done"
        except (EOFError, OSError):
            pass
        return done

    def _lost(self, r: _Running, kind: str, i: int, message: str, pending: deque) -> None:
        """Input ``i`` hung or killed its worker: record it, run again what was not reported, go on after it."""
        tally = self.tallies.setdefault(r.name, Tally())
        tally.inputs += 1
        if kind == "hang":
            tally.hangs += 1
        else:
            tally.crashes += 1
        target = self._target(r.name)
        log: list[str] = []
        value = target.generate(rng_for(self.seed, r.name, i), i, log)
        found = Finding(kind, message, 1, i, input=target.show(value), mutations=log)
        tally.merge(Tally(found={(kind, message): found}))
        if r.done < i:
            pending.appendleft((r.name, r.done, i))
        if i + 1 < r.stop:
            pending.appendleft((r.name, i + 1, r.stop))

    def run(self, tasks: list[tuple[str, int, int]], on_progress: Callable[[], None] | None = None) -> None:
        pending, running = deque(tasks), []
        try:
            while pending or running:
                while pending and len(running) < self.jobs:
                    running.append(self._start(*pending.popleft()))
                time.sleep(0.02)
                now = time.monotonic()
                for r in list(running):
                    if self._drain(r):
                        r.proc.join()
                        running.remove(r)
                        continue
                    i = r.progress.value
                    if not r.proc.is_alive():
                        self._drain(r)
                        running.remove(r)
                        if r.done < r.stop:
                            if i < 0:
                                raise RuntimeError(f"fuzz: the {r.name} worker failed before its first input "
                                                   f"(exit status {r.proc.exitcode}); see its error above")
                            i = max(i, r.done)
                            code = r.proc.exitcode
                            why = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
                            self._lost(r, "crash", i, f"worker died ({why})", pending)
                        continue
                    began = r.clock.value
                    if began and now - began > self.limit_s and r.progress.value == i:  # still that one input
                        r.proc.kill()
                        r.proc.join()
                        self._drain(r)
                        running.remove(r)
                        self._lost(r, "hang", i, f"still running after {self.limit_s:g} s", pending)
                if on_progress is not None:
                    on_progress()
        finally:
            for r in running:
                r.proc.kill()
                r.proc.join()
            shutil.rmtree(self._scratch, ignore_errors=True)


# ---------------------------------------------------------------- report


def _us(seconds: float, n: int) -> float:
    return seconds / n * 1e6 if n else float("nan")


def _rounded(value: float, digits: int = 3) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def _print_findings(tallies: dict[str, Tally], kind: str, title: str) -> None:
    found = [(name, f) for name, t in tallies.items() for f in t.found.values() if f.kind == kind]
    if not found:
        return
    found.sort(key=lambda nf: -nf[1].count)
    common.heading(f"{title}: {len(found)} distinct (first {min(SHOW, len(found))} in full)")
    for n, (name, f) in enumerate(found):
        at = f" at {f.where}" if f.where else ""
        common.say(f"  {name}: {f.message}{at}   ({f.count:,} inputs; first #{f.first})")
        if n >= SHOW:
            continue
        if f.mutations:
            common.say(f"    mutations: {'; '.join(f.mutations)[:600]}")
        if f.input:
            common.say(f"    input: {f.input[:700]}")
        if f.trace:
            common.say("    " + f.trace.rstrip().replace("\n", "\n    "))


def main(argv: list[str]) -> dict:
    p = common.parser("fuzz", __doc__.splitlines()[0])
    p.add_argument("--inputs", type=int, default=None,
                   help=f"inputs per decoder (default {DEFAULT_INPUTS:,}; quick {QUICK_INPUTS:,})")
    p.add_argument("--seed", type=int, default=1, help="the mutator's seed (default 1)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes at a time (default: one per CPU)")
    p.add_argument("--limit", type=float, default=LIMIT_S, help=f"seconds one input may take (default {LIMIT_S:g})")
    p.add_argument("--memory-mb", type=int, default=MEMORY_MB,
                   help=f"address space a worker may add, MB (default {MEMORY_MB}); past it is a MemoryError")
    p.add_argument("--only", default="", help=f"comma-separated decoders (of: {', '.join(TARGETS)})")
    args = p.parse_args(argv)
    per = args.inputs or (QUICK_INPUTS if args.quick else DEFAULT_INPUTS)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        p.error(f"unknown decoder(s) {', '.join(unknown)}")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    jobs = max(1, args.jobs or cpus)
    for module in ("services.feeds.protocol", "services.sim.cad", "services.store.tiles", "services.store.vector"):
        importlib.import_module(module)  # once here, so forked workers start with them loaded

    chunks = max(1, min(jobs * 2, per // 500))  # several per decoder, so the slow decoders share the CPUs
    size = -(-per // chunks)
    tasks = [(name, s, min(s + size, per)) for name in names for s in range(0, per, size)]
    common.heading(f"fuzz: {len(names)} decoders × {per:,} inputs, seed {args.seed}, {jobs} workers, "
                   f"{args.limit:g} s per input at most")
    campaign = Campaign(args.seed, jobs, args.limit, args.memory_mb)
    t0 = time.perf_counter()
    last = [t0]

    def progress() -> None:
        now = time.perf_counter()
        if now - last[0] >= 30:
            last[0] = now
            done = sum(t.inputs for t in campaign.tallies.values())
            common.say(f"  … {done:,} of {per * len(names):,} inputs after {now - t0:.0f} s")

    campaign.run(tasks, progress)
    wall = time.perf_counter() - t0

    common.heading("per decoder (µs per input: the call alone; baseline: the bare library parse of the same input)")
    common.say(f"  {'decoder':<25}{'inputs':>10}{'accepted':>10}{'crashes':>9}{'hangs':>7}{'violations':>12}"
               f"{'µs/input':>10}{'baseline':>10}  {'slowest':>9}  baseline is")
    per_decoder: dict[str, dict] = {}
    total = Tally()
    ours_s = base_s = 0.0
    for name in names:
        t = campaign.tallies.get(name, Tally())
        total.merge(Tally(inputs=t.inputs, accepted=t.accepted, rejected=t.rejected, crashes=t.crashes,
                          hangs=t.hangs, violations=t.violations))
        us, base_us = _us(t.run_s, t.inputs - t.hangs), _us(t.baseline_s, t.baseline_n)
        if TARGETS[name].unpackb_baseline and t.baseline_n:
            ours_s += t.run_s * t.baseline_n / max(t.inputs - t.hangs, 1)
            base_s += t.baseline_s
        common.say(f"  {name:<25}{t.inputs:>10,}{t.accepted:>10,}{t.crashes:>9,}{t.hangs:>7,}{t.violations:>12,}"
                   f"{us:>10.1f}{base_us:>10.1f}  {t.slowest_s * 1000:>7.1f}ms  {TARGETS[name].baseline_name or '-'}")
        per_decoder[name] = {"inputs": t.inputs, "accepted": t.accepted, "rejected": t.rejected,
                             "crashes": t.crashes, "hangs": t.hangs, "violations": t.violations,
                             "us_per_input": _rounded(us), "baseline_us_per_input": _rounded(base_us),
                             "slowest_ms": _rounded(t.slowest_s * 1000), "slowest_input": t.slowest_i}
    _print_findings(campaign.tallies, "crash", "crashes")
    _print_findings(campaign.tallies, "hang", "hangs")
    _print_findings(campaign.tallies, "violation", "violations (accepted, but not what the decoder promises)")
    ratio = common.ratio(ours_s, base_s)
    enough = args.quick or per >= DEFAULT_INPUTS
    common.heading("result")
    common.say(f"  {total.inputs:,} inputs in {wall:.1f} s ({total.inputs / wall:,.0f}/s on {jobs} workers): "
               f"{total.crashes:,} crashes, {total.hangs:,} hangs, {total.violations:,} violations; msgpack "
               f"decoders {ratio:.2f}× bare unpackb   (goal 0 crashes, 0 hangs"
               f"{'' if args.quick else f', ≥ {DEFAULT_INPUTS:,} inputs per decoder'}: "
               f"{common.goal(enough and total.crashes == 0 and total.hangs == 0)})")
    return {"benchmark": "fuzz", "quick": args.quick, "inputs": total.inputs, "crashes": total.crashes,
            "hangs": total.hangs, "violations": total.violations, "decoders": len(names),
            "inputs_per_decoder": per, "seed": args.seed, "jobs": jobs, "limit_s": args.limit, "wall_s": wall,
            "inputs_per_s": total.inputs / wall if wall > 0 else float("nan"), "ratio_vs_unpackb": ratio,
            "per_decoder": per_decoder}


if __name__ == "__main__":
    raise SystemExit(common.run_module(main))
