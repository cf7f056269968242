"""Fuzzing every decoder of outside input: only the documented error, and accepted inputs decode as promised.

Protocol decoders may raise :class:`DecodeError` only, the kit and file readers :class:`KitError` only, and the
CAD's command handler nothing at all. Inputs are valid messages and files with fields set to odd values (NaN,
infinities, 64-bit extremes, wrong types, deep nesting), arrays of the wrong dtype or shape, odd SQLite schemas
and CSV cells, damaged bytes and random bytes. What each decoder promises is written once, in
bench/fuzz/promises.py (``check_*``), whose long run is ``python -m bench fuzz``; the last tests here check that
run's watchdog and report. Properties test_protocol.py already has (random frames, random envelope fields, AVL
round trips) are not repeated here.

Most ``@example`` inputs are shapes the long run found to break a decoder; they stay as regression cases.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import hashlib
import io
import itertools
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bench.fuzz.pool import Campaign
from bench.fuzz.promises import (
    check_ack,
    check_array,
    check_cad_answer,
    check_command,
    check_envelope,
    check_incident,
    check_kit,
    check_marker,
    check_message,
    check_points,
    check_snapshot_end,
    check_snapshot_request,
    check_tiles,
    check_vehicle_info,
)
from bench.fuzz.targets import TARGETS
from bench.fuzz.targets.base import Target
from bench.fuzz.targets.dispatch import COMMAND, T0
from bench.fuzz.targets.kit import fuzz_kit
from bench.fuzz.targets.mbtiles import TilesTarget
from bench.fuzz.targets.protocol import INCIDENT, MARKER, VEHICLE_INFO, seed_messages
from sitroom.services.dispatch import commands
from sitroom.services.feeds import protocol as p
from sitroom.services.feeds.protocol import DecodeError, Kind
from sitroom.services.store.kit import KitError, load_kit, save_kit
from sitroom.services.store.tiles import check_mbtiles
from sitroom.services.store.vector import read_points

REPO = Path(__file__).resolve().parents[2]

_PROPS = settings(max_examples=150, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_FILES = settings(_PROPS, max_examples=60)  # each example writes and reads files

# ---------------------------------------------------------------- strategies

_EDGE_INTS = (0, 1, -1, 2**31, 2**32 - 1, 2**32, 2**53 + 1, 2**63 - 1, -(2**63), 2**64 - 1)
_WORDS = ("fire", "closed", "dispatch", "recall", "avl.batch", "inc", "hb", "", "x" * 65, "x" * 257)


def _nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


_scalars = st.one_of(
    st.none(), st.booleans(), st.sampled_from(_EDGE_INTS), st.integers(-(2**63), 2**64 - 1), st.floats(),
    st.text(max_size=70), st.binary(max_size=16), st.sampled_from(_WORDS),
    st.builds(msgpack.ExtType, st.integers(0, 127), st.binary(max_size=8)))
# Anything msgpack carries: odd scalars, small containers, and nesting up to the packer's depth limit.
_values = st.one_of(
    st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                 | st.dictionaries(st.text(max_size=6) | st.integers(-1, 3), inner, max_size=4), max_leaves=8),
    st.integers(1, 500).map(_nested))


@st.composite
def changed(draw: st.DrawFn, base: dict, *, whole: bool = True) -> Any:
    """``base`` with fields dropped, set to odd values or added; with ``whole``, sometimes not a map at all."""
    d = dict(base)
    for key in draw(st.lists(st.sampled_from(sorted(base, key=repr)), unique=True, max_size=3)):
        if draw(st.integers(0, 3)) == 0:
            del d[key]
        else:
            d[key] = draw(_values)
    d.update(draw(st.dictionaries(st.text(max_size=8) | st.integers() | st.none(), _values, max_size=2)))
    if whole and draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([[d], list(d.values())]) | _scalars)
    return d


_DAMAGE = st.lists(st.tuples(st.sampled_from(("flip", "set", "insert", "delete", "truncate", "extend")),
                             st.integers(0, 1 << 16), st.binary(min_size=1, max_size=16)), min_size=1, max_size=4)


def damage(data: bytes, ops: list[tuple[str, int, bytes]]) -> bytes:
    b = bytearray(data)
    for op, at, chunk in ops:
        i = at % (len(b) + 1)
        if op == "flip" and b:
            b[i % len(b)] ^= 1 << (chunk[0] % 8)
        elif op == "set" and b:
            b[i % len(b)] = chunk[0]
        elif op == "insert":
            b[i:i] = chunk
        elif op == "delete":
            del b[i:i + len(chunk)]
        elif op == "truncate":
            del b[i:]
        else:
            b += chunk
    return bytes(b)


def pack(value: Any, bin_type: bool = True) -> bytes:
    try:
        return msgpack.packb(value, use_bin_type=bin_type)
    except (TypeError, ValueError, OverflowError):  # what the packer itself refuses cannot reach a decoder
        return b"\xc0"


def unpack(raw: bytes) -> Any:
    try:
        return msgpack.unpackb(raw, raw=False, strict_map_key=False)
    except Exception:
        return None


def msgpack_bytes(base: dict) -> st.SearchStrategy[bytes]:
    """A changed ``base`` packed (sometimes damaged too), a damaged ``base``, or random bytes."""
    packed = st.builds(pack, changed(base), st.booleans())
    return st.one_of(packed, st.builds(damage, packed, _DAMAGE), st.builds(damage, st.just(pack(base)), _DAMAGE),
                     st.binary(max_size=64))


# ---------------------------------------------------------------- protocol

SEEDS = seed_messages()
ARRAY_KINDS = {Kind.AVL_BATCH: p.AVL_DTYPE, Kind.LINK_SPEEDS: p.LINK_DTYPE}


@st.composite
def messages(draw: st.DrawFn) -> list:
    """A valid message of any topic with one to three frames changed, sometimes the wrong number of frames,
    as bytes, bytearrays or memoryviews."""
    frames = list(draw(st.sampled_from(SEEDS)))
    for which in draw(st.lists(st.integers(0, 2), min_size=1, max_size=3)):
        old = frames[which]
        value = unpack(old) if which else None
        if isinstance(value, dict) and draw(st.booleans()):
            frames[which] = pack(draw(changed(value)), draw(st.booleans()))
        elif which == 2 and frames[0] in (b"avl", b"link") and draw(st.booleans()):
            size = 40 if frames[0] == b"avl" else 16
            frames[which] = draw(st.integers(0, 4).flatmap(lambda n, s=size: st.binary(min_size=n * s,
                                                                                   max_size=n * s + 1)))
        else:
            frames[which] = damage(old, draw(_DAMAGE))
    if draw(st.integers(0, 9)) == 0:
        frames = frames[:draw(st.integers(0, 3))] + draw(st.lists(st.binary(max_size=8), max_size=2))
    as_type = draw(st.sampled_from((bytes, bytearray, memoryview)))
    return [as_type(f) for f in frames]


@_PROPS
@given(frames=messages())
def test_decode_of_changed_messages_raises_decode_error_or_keeps_its_promises(frames):
    try:
        msg = p.decode(frames)
    except DecodeError:
        return
    assert check_message(frames, msg) is None, check_message(frames, msg)


_ENVELOPE = msgpack.unpackb(SEEDS[0][1])


@_PROPS
@given(raw=msgpack_bytes(_ENVELOPE))
@example(raw=b"\x91" * 1000 + b"\xc0")
def test_decode_envelope_raises_decode_error_or_gives_a_valid_envelope(raw):
    try:
        env = p.decode_envelope(raw)
    except DecodeError:
        return
    assert check_envelope(env) is None, check_envelope(env)


@_PROPS
@given(kind=st.sampled_from(sorted(ARRAY_KINDS)), n=st.integers(0, 6), extra=st.integers(0, 39),
       view=st.booleans(), data=st.data())
def test_decode_array_gives_the_declared_dtype_or_decode_error(kind, n, extra, view, data):
    size = ARRAY_KINDS[kind].itemsize
    raw: Any = data.draw(st.binary(min_size=n * size + extra % size, max_size=n * size + extra % size))
    if view:
        raw = memoryview(raw)
    if len(raw) % size:
        with pytest.raises(DecodeError):
            p.decode_array(kind, raw)
        return
    arr = p.decode_array(kind, raw)
    assert check_array(kind, raw, arr) is None
    assert arr.tobytes() == bytes(raw)


@_PROPS
@given(raw=st.one_of(msgpack_bytes(INCIDENT), msgpack_bytes({"seqs": {"avl": 3}, "snap": True})))
@example(raw=b"\x91" * 60_000 + b"\xc0")  # nested 60,000 deep, under the size limit
@example(raw=b"\xdf\xff\xff\xff\xff")  # a map that claims 4 billion entries
def test_decode_map_raises_decode_error_or_gives_a_dict(raw):
    try:
        payload = p.decode_map(raw)
    except DecodeError:
        return
    assert isinstance(payload, dict)


def _round_trip(value: Any) -> Any:
    """What decode_map hands over for ``value``."""
    return unpack(pack(value))


@_PROPS
@given(incident=changed(INCIDENT, whole=False).map(_round_trip).filter(lambda v: isinstance(v, dict)))
@example(incident={**INCIDENT, "lon": math.nan})
@example(incident={**INCIDENT, "priority": True})
@example(incident={**INCIDENT, "units": [2**32]})
def test_validate_incident_raises_decode_error_or_passes_a_complete_incident(incident):
    try:
        result = p.validate_incident(incident)
    except DecodeError:
        return
    assert check_incident(result) is None, check_incident(result)


@_PROPS
@given(info=changed(VEHICLE_INFO, whole=False).map(_round_trip).filter(lambda v: isinstance(v, dict)))
@example(info={**VEHICLE_INFO, "id": 2**32})
@example(info={**VEHICLE_INFO, "delay_s": 1.5})
def test_validate_vehicle_info_raises_decode_error_or_passes_a_complete_one(info):
    try:
        result = p.validate_vehicle_info(info)
    except DecodeError:
        return
    assert check_vehicle_info(result) is None, check_vehicle_info(result)


@_PROPS
@given(mark=changed(MARKER, whole=False).map(_round_trip).filter(lambda v: isinstance(v, dict)))
@example(mark={**MARKER, "lat": math.nan})
@example(mark={**MARKER, "stale": True})
def test_validate_marker_raises_decode_error_or_passes_a_complete_one(mark):
    try:
        result = p.validate_marker(mark)
    except DecodeError:
        return
    assert check_marker(result) is None, check_marker(result)


@_PROPS
@given(raw=msgpack_bytes(COMMAND))
@example(raw=pack({**COMMAND, "lat": math.inf}))
@example(raw=pack({**COMMAND, "unit": 2**64 - 1}))
def test_decode_command_raises_decode_error_or_gives_a_valid_command(raw):
    try:
        cmd = commands.decode_command(raw)
    except DecodeError:
        return
    assert check_command(cmd) is None, check_command(cmd)


@_PROPS
@given(raw=msgpack_bytes({"cmd_id": "c-1", "ok": False, "reason": "unit busy"}))
@example(raw=pack({"cmd_id": "c-1", "ok": 1}))
def test_decode_ack_raises_decode_error_or_gives_a_valid_ack(raw):
    try:
        ack = commands.decode_ack(raw)
    except DecodeError:
        return
    assert check_ack(ack) is None, check_ack(ack)


_REQUEST = {"v": 1, "req": 7, "topics": ["avl", "inc", ""]}
_END = {"v": 1, "req": 7, "src": "avl-daejeon", "sess": "3f9c2a7b1d04", "seqs": {"avl": 42, "inc": 3}, "items": 25,
        "ts": 1_750_000_000_000}


@_PROPS
@given(raw=st.one_of(msgpack_bytes(_REQUEST), st.lists(st.sampled_from(("avl", "", "a b", "\x7f", "é", "x" * 129)),
                                                        max_size=17).map(lambda t: pack({**_REQUEST, "topics": t}))))
def test_decode_snapshot_request_raises_decode_error_or_gives_request_and_prefixes(raw):
    try:
        result = p.decode_snapshot_request(raw)
    except DecodeError:
        return
    assert check_snapshot_request(result) is None, check_snapshot_request(result)


@_PROPS
@given(body=msgpack_bytes(_END), topic=st.sampled_from((b"snap.end", b"snap.en", b"avl")),
       shape=st.sampled_from(("two", "one", "three")), view=st.booleans())
def test_decode_snapshot_end_raises_decode_error_or_gives_an_end_marker(body, topic, shape, view):
    frames: list[Any] = {"two": [topic, body], "one": [topic], "three": [topic, body, body]}[shape]
    if view:
        frames = [memoryview(f) for f in frames]
    try:
        end = p.decode_snapshot_end(frames)
    except DecodeError:
        return
    assert check_snapshot_end(end) is None, check_snapshot_end(end)


# Decoders of outside input in the protocol and dispatch command modules, and those fuzzed only through another
# (validate_command through decode_command).
FUZZED = {"decode", "decode_envelope", "decode_array", "decode_map", "validate_incident", "validate_vehicle_info",
          "validate_marker", "decode_command",
          "decode_ack", "decode_snapshot_request", "decode_snapshot_end"}
THROUGH_ANOTHER = {"validate_command"}


def test_every_protocol_decoder_is_fuzzed_here_and_in_the_bench():
    decoders = {name for module in (p, commands) for name, value in vars(module).items()
                if callable(value) and name.startswith(("decode", "validate_")) and not name.startswith("_")}
    assert decoders - THROUGH_ANOTHER <= FUZZED, "a new decoder needs a property test here and a bench.fuzz target"
    assert set(FUZZED) <= set(TARGETS)


# ---------------------------------------------------------------- the kit: kit.json + roads.npz


def _saved_kit() -> tuple[dict, bytes]:
    with tempfile.TemporaryDirectory() as d:
        path = save_kit(fuzz_kit(), Path(d) / "kit")
        return json.loads((path / "kit.json").read_text("utf-8")), (path / "roads.npz").read_bytes()


META, NPZ = _saved_kit()
with np.load(io.BytesIO(NPZ)) as _z:
    ARRAYS = {k: _z[k] for k in _z.files}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def kit_text(meta: Any, npz: bytes) -> bytes:
    """kit.json for ``meta`` with the checksum of ``npz`` (so the loader gets past it)."""
    if isinstance(meta, dict):
        meta = {**meta, "roads_sha256": hashlib.sha256(npz).hexdigest()}
    return json.dumps(meta, default=repr).encode()


def load(work: Path, meta_text: bytes, npz: bytes) -> None:
    """load_kit on these files: KitError, or a kit as ``Kit`` declares it."""
    d = work / "kit"
    d.mkdir(exist_ok=True)
    (d / "kit.json").write_bytes(meta_text)
    (d / "roads.npz").write_bytes(npz)
    try:
        kit = load_kit(d)
    except KitError:
        return
    assert check_kit(kit) is None, check_kit(kit)


_json_values = st.recursive(
    st.none() | st.booleans() | st.sampled_from(_EDGE_INTS) | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        out += _paths(v, (*path, k))
    return out


@st.composite
def kit_documents(draw: st.DrawFn) -> Any:
    """kit.json with one to three values anywhere in it dropped, replaced or damaged."""
    doc: Any = copy.deepcopy(META)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        if not path:
            doc = draw(_json_values)
            continue
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        old, action = parent[path[-1]], draw(st.sampled_from(("set", "drop", "damage")))
        if action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "damage" and isinstance(old, str) and old:
            parent[path[-1]] = damage(old.encode(), draw(_DAMAGE)).decode("ascii", "replace")
        else:
            parent[path[-1]] = draw(_json_values)
    return doc


@_FILES
@given(doc=kit_documents())
@example(doc=[1])
@example(doc={k: v for k, v in META.items() if k != "name"})
@example(doc={**META, "bounds_lonlat": 5})
@example(doc={**META, "sources": True})
@example(doc={**META, "districts": [{**META["districts"][0], "wkb": []}]})
@example(doc={**META, "pois": [{**META["pois"][0], "x": None}]})
def test_load_kit_with_odd_kit_json_raises_kit_error_or_gives_a_sound_kit(work, doc):
    load(work, kit_text(doc, NPZ), NPZ)


_KIT_TEXT = kit_text(META, NPZ)


@_FILES
@given(text=st.one_of(st.builds(damage, st.just(_KIT_TEXT), _DAMAGE), st.binary(max_size=64)))
@example(text=b'{"format": 2, "name": ' + b"9" * 5000 + b"}")  # past Python's int-from-string digit limit
@example(text=b"[" * 100_000)
@example(text=b"\xef\xbb\xbf" + _KIT_TEXT)
def test_load_kit_with_damaged_kit_json_text_raises_kit_error_only(work, text):
    load(work, text, NPZ)


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


_ARRAY_CHANGES = {
    "drop": lambda a: None,
    "float": lambda a: a.astype(np.float64),
    "int8": lambda a: a.astype(np.int8),
    "text": lambda a: a.astype("U3"),
    "flat": lambda a: a.reshape(-1),
    "column": lambda a: a[..., None],
    "half": lambda a: a[: len(a) // 2],
    "empty": lambda a: a[:0],
    "doubled": lambda a: np.concatenate([a, a]),
    "scalar": lambda a: np.asarray(a.flat[0]),
    "objects": lambda a: np.array([1, "a", None], dtype=object),
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "negative": lambda a: -np.abs(a.astype(np.int64)),
    "huge": lambda a: np.full_like(a, np.iinfo(a.dtype).max if a.dtype.kind in "iu" else np.inf),
    "nan": lambda a: np.full(a.shape, np.nan),
}


@st.composite
def road_arrays(draw: st.DrawFn) -> dict[str, np.ndarray]:
    arrays = dict(ARRAYS)
    for name in draw(st.lists(st.sampled_from(sorted(ARRAYS)), min_size=1, max_size=3, unique=True)):
        changed_array = _ARRAY_CHANGES[draw(st.sampled_from(sorted(_ARRAY_CHANGES)))](arrays[name])
        if changed_array is None:
            del arrays[name]
        else:
            arrays[name] = changed_array
    if draw(st.integers(0, 9)) == 0:
        arrays[draw(st.sampled_from(("edge_length", "out_ptr", "extra")))] = np.arange(3)
    return arrays


@_FILES
@given(arrays=road_arrays())
@example(arrays={**ARRAYS, "edge_dst": ARRAYS["edge_dst"].astype(np.float64)})
@example(arrays={**ARRAYS, "node_xy": ARRAYS["node_xy"].reshape(-1)})
def test_load_kit_with_odd_road_arrays_raises_kit_error_or_gives_a_sound_kit(work, arrays):
    npz = _npz(arrays)
    load(work, kit_text(META, npz), npz)


@_FILES
@given(ops=_DAMAGE)
@example(ops=[("flip", 300, b"\x01")])  # inside the first array's data: its CRC no longer matches
@example(ops=[("truncate", len(NPZ) - 30, b"\x00")])  # the central directory cut short
@example(ops=[("set", 0, b"\x00")])  # not a zip file any more
def test_load_kit_with_a_damaged_roads_npz_raises_kit_error_only(work, ops):
    """Damage that the checksum does not catch (kit.json agrees with it): a rebuilt checksum, a copy made
    elsewhere."""
    npz = damage(NPZ, ops)
    load(work, kit_text(META, npz), npz)


# ---------------------------------------------------------------- raster tiles (MBTiles)

_SQL_VALUES = (None, 0, 5, 22, -1, 2**63 - 1, -(2**63), 1.5, "abc", "5", "", b"\x00", "x" * 300)


def mbtiles(*, metadata: str | None = "name text, value text", fmt: Any = "png", attribution: Any = "© test",
            tiles: str | None = "zoom_level integer, tile_column integer, tile_row integer, tile_data blob",
            zooms: tuple = (0, 1), raw_sql: str = "") -> bytes:
    """An MBTiles file built in memory; ``None`` leaves a table out, ``raw_sql`` runs after the rest."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("PRAGMA page_size=512")
        if metadata is not None:
            db.execute(f"CREATE TABLE metadata ({metadata})")
            n = len(metadata.split(","))
            rows = [("name", "test"), ("format", fmt), ("attribution", attribution)]
            db.executemany(f"INSERT INTO metadata VALUES ({', '.join('?' * n)})", [r[:n] for r in rows])
        if tiles is not None:
            db.execute(f"CREATE TABLE tiles ({tiles})")
            n = len(tiles.split(","))
            db.executemany(f"INSERT INTO tiles VALUES ({', '.join('?' * n)})",
                           [(z, 0, 0, b"\x89PNG")[:n] for z in zooms])
        if raw_sql:
            db.executescript(raw_sql)
        db.commit()
        try:
            return db.serialize()
        except sqlite3.OperationalError:  # nothing in it: an empty file
            return b""
    finally:
        db.close()


_MBTILES = mbtiles()


@st.composite
def mbtiles_files(draw: st.DrawFn) -> bytes:
    data = mbtiles(
        metadata=draw(st.sampled_from(("name text, value text", "name text, value text", "name", "value, name",
                                       None))),
        fmt=draw(st.sampled_from(("png", "PNG", "jpg", "webp", "pbf", "", None, 5, b"png"))),
        attribution=draw(st.sampled_from(_SQL_VALUES)),
        tiles=draw(st.sampled_from(("zoom_level integer, tile_column integer, tile_row integer, tile_data blob",
                                    "zoom_level", "tile_column, tile_row", None))),
        zooms=tuple(draw(st.lists(st.sampled_from(_SQL_VALUES) | st.integers(-30, 30), max_size=3))))
    return damage(data, draw(_DAMAGE)) if draw(st.booleans()) else data


@_FILES
@given(data=st.one_of(mbtiles_files(), st.builds(damage, st.just(_MBTILES), _DAMAGE), st.binary(max_size=200)))
@example(data=mbtiles(zooms=("abc",)))
@example(data=mbtiles(zooms=(None,)))
@example(data=mbtiles(raw_sql="UPDATE metadata SET value = CAST(x'ff' AS TEXT) WHERE name = 'name';"))
@example(data=mbtiles(attribution=b"\x00"))
def test_check_mbtiles_raises_kit_error_or_describes_a_raster_tileset(work, data):
    path = work / "tiles.mbtiles"
    path.unlink(missing_ok=True)  # a new file each time, whatever a connection left open still holds
    path.write_bytes(data)
    try:
        info = check_mbtiles(path)
    except KitError:
        return
    assert check_tiles(info) is None, check_tiles(info)


_ENDLESS = ("CREATE VIEW tiles AS WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c) "
            "SELECT x % 23 AS zoom_level, x AS tile_column, x AS tile_row, x'00' AS tile_data FROM c;")


@pytest.mark.timeout(60)
def test_check_mbtiles_on_an_endless_tiles_view_ends_within_seconds(tmp_path):
    """A crafted file must not hang the kit build or the app that opens the kit. Run in a child process,
    which can be killed where a thread stuck inside SQLite could not."""
    path = tmp_path / "endless.mbtiles"
    path.write_bytes(mbtiles(tiles=None, raw_sql=_ENDLESS))
    code = ("import sys; from services.store.kit import KitError; from services.store.tiles import check_mbtiles\n"
            "try:\n    check_mbtiles(sys.argv[1])\nexcept KitError:\n    pass\n")
    try:
        proc = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO, timeout=10, capture_output=True,
                              text=True)
    except subprocess.TimeoutExpired:
        pytest.fail("check_mbtiles was still running after 10 s on a file whose tiles table is an endless view")
    assert proc.returncode == 0, proc.stderr[-2000:]


# ---------------------------------------------------------------- point layers from CSV

_COORDS = ("127.385", "36.351", "nan", "inf", "-inf", "1e999", "", " ", "abc", "0x10", "1_000", "١٢٧", "9" * 400,
           "+.5", "127,5", "-180", "90", "-90.5", "180.0001")
_CELLS = ("", "중앙 119안전센터", "fire", "소방서", "Police", '"', 'a"b', "a,b", "a\nb", "\x00", "\ufeff", "\r")
_HEADERS = (("lon", "lat", "name", "kind"), ("name", "x", "y"), ("longitude", "latitude", "type"), ("LNG", "Lat"),
            (" lon ", " lat "), ("lat", "lon"), ("lon", "lon", "lat"), ("name",), ())


_COORD_COLUMNS = ("lon", "lat", "x", "y", "lng", "longitude", "latitude")


@st.composite
def point_csvs(draw: st.DrawFn) -> bytes:
    """A point CSV with odd headers, cells, ragged rows, separators, line ends and encodings, maybe damaged."""
    header = list(draw(st.sampled_from(_HEADERS)))
    coord = st.one_of(st.floats(-200, 200).map(lambda v: f"{v:.6f}"), st.sampled_from(_COORDS))
    cells = [coord if h.strip().lower() in _COORD_COLUMNS else st.sampled_from(_CELLS) for h in header]
    rows = [header]
    for _ in range(draw(st.integers(0, 4))):
        rows.append([draw(c) for c in cells] + draw(st.lists(st.sampled_from(_CELLS), max_size=2)))
    out = io.StringIO()
    csv.writer(out, delimiter=draw(st.sampled_from((",", ";", "\t"))),
               lineterminator=draw(st.sampled_from(("\n", "\r\n", "\r")))).writerows(rows)
    text = out.getvalue().encode(draw(st.sampled_from(("utf-8", "utf-8-sig", "cp949", "utf-16", "latin-1"))),
                                 "replace")
    return damage(text, draw(_DAMAGE)) if draw(st.integers(0, 3)) == 0 else text


@_FILES
@given(data=st.one_of(point_csvs(), st.binary(max_size=100)), long_cell=st.integers(0, 19).map(lambda n: n == 0))
@example(data=b"lon,lat,name\n127.385,36.351,x\n", long_cell=True)
@example(data=b"lon,lat\nnan,36\n", long_cell=False)
@example(data="lon,lat,name\n127.385,36.351,중앙\n".encode("cp949"), long_cell=False)
def test_read_points_from_csv_raises_kit_error_or_gives_points_on_earth(work, data, long_cell):
    if long_cell:  # a cell past csv's field size limit (131,072 characters)
        data += b"127.385,36.351," + b"x" * 131_073 + b"\n"
    path = work / "stations.csv"
    path.write_bytes(data)
    try:
        points = read_points(path)
    except KitError:
        return
    assert check_points(points) is None, check_points(points)


# ---------------------------------------------------------------- the CAD's command socket


@dataclasses.dataclass
class LiveCad:
    cad: Any
    commands: list[dict]  # valid dispatches and recalls for its incidents and units
    clock: Iterator[int]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCad]:
    """A live CAD: SQLite state, a roster, a few incidents."""
    from sitroom.services.sim.cad import Cad, CadState
    from sitroom.services.sim.fleet import station_units
    from sitroom.services.sim.incidents import IncidentGenerator

    kit = fuzz_kit()
    gen = IncidentGenerator(kit, per_hour=36_000, seed=1, start_s=T0 - 5)
    state = CadState(tmp_path_factory.mktemp("cad") / "cad.sqlite")
    cad = Cad(kit, state, use_avl=False, generator=gen, now_s=T0)
    cad.tick(T0)
    cad.generator = None
    units = [u.id for u in station_units(kit)][:6]
    commands = [{**COMMAND, "cmd": c, "incident": inc["id"], "unit": u, "lon": inc["lon"], "lat": inc["lat"]}
                for inc in list(cad.incidents.values())[:4] for u in units for c in ("dispatch", "recall")]
    yield LiveCad(cad, commands, itertools.count())
    state.close()


@_PROPS
@given(data=st.data(), fresh=st.integers(0, 2**32))
def test_cad_answers_any_command_frame_and_never_raises(live, data, fresh):
    base = {**data.draw(st.sampled_from(live.commands)), "cmd_id": f"t-{fresh}"}
    raw = data.draw(st.one_of(st.just(pack(base)), msgpack_bytes(base)))
    ack = live.cad.handle_command(raw, T0 + next(live.clock) * 0.05)
    live.cad.take_incidents()
    live.cad.take_assignments()
    assert check_cad_answer(raw, ack) is None, check_cad_answer(raw, ack)


# ---------------------------------------------------------------- the fuzz run itself: watchdog and report


class Endless(Target):
    """A decoder that never returns on input 3, and a baseline that never returns on inputs 7 and 12."""

    name = "endless"
    baseline_name = "a loop"

    def generate(self, rng: Any, i: int, log: list[str] | None) -> int:
        return i

    def run(self, arg: int) -> int:
        while arg == 3:
            pass
        return arg

    def baseline(self, arg: int) -> None:
        while arg in (7, 12):
            pass


_ENDLESS_FILE = mbtiles(tiles=None, raw_sql=_ENDLESS)


class EndlessView(TilesTarget):
    """check_mbtiles refuses a view; the bare SQLite baseline runs the endless one until stopped, inside C."""

    name = "endless_view"

    def generate(self, rng: Any, i: int, log: list[str] | None) -> bytes:
        return _ENDLESS_FILE if i == 2 else _MBTILES


@pytest.mark.timeout(120)
def test_a_call_past_the_limit_is_cut_off_and_counted_as_the_decoders_or_the_baselines_hang():
    """Every call, decoder or baseline, is under the limit; the run ends, each input counted once; a baseline's
    hang is the baseline's, and the decoder's outcome for that input still counts."""
    campaign = Campaign(seed=1, jobs=2, limit_s=1.0, memory_mb=1024,
                        targets={"endless": Endless, "endless_view": EndlessView})
    campaign.run([("endless", 0, 10), ("endless", 10, 16), ("endless_view", 0, 4)])

    loops = campaign.tallies["endless"]
    assert (loops.inputs, loops.accepted, loops.hangs, loops.baseline_hangs, loops.crashes) == (16, 15, 1, 2, 0)
    assert loops.baseline_n == 13  # every accepted input but the two whose baseline hung
    hangs = {f.kind: f for f in loops.found.values()}
    assert hangs["hang"].first == 3
    assert hangs["baseline hang"].first == 7 and hangs["baseline hang"].count == 2

    view = campaign.tallies["endless_view"]
    assert (view.inputs, view.accepted, view.rejected, view.hangs, view.baseline_hangs) == (4, 3, 1, 0, 1)


@pytest.mark.timeout(240)
def test_bench_fuzz_runs_every_decoder_and_ends_with_its_json_line(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SITROOM_CONFIG": str(tmp_path / "config")}
    proc = subprocess.run([sys.executable, "-m", "bench", "fuzz", "--inputs", "200", "--jobs", "2"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["decoders"] == len(TARGETS)
    assert result["inputs"] == 200 * len(TARGETS)
    assert (result["crashes"], result["hangs"], result["violations"]) == (0, 0, 0), proc.stdout[-5000:]
    assert result["baseline_hangs"] >= 0
    assert all(d["inputs"] == 200 for d in result["per_decoder"].values())
