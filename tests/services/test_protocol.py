"""Wire protocol v1 (services/feeds/protocol.py, docs/protocol.md): round trips, refusals, properties."""

from __future__ import annotations

import contextlib
import re
import struct
import tracemalloc
from pathlib import Path

import msgpack
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sitroom.services.dispatch import commands
from sitroom.services.feeds import protocol as p
from sitroom.services.feeds.protocol import AVL_DTYPE, LINK_DTYPE, DecodeError, Envelope, Kind, Topic
from sitroom.services.vocabulary import VehicleStatus, VehicleType

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"

SRC, SESS = "avl-test", "0123456789ab"

# Every topic with the kind it must carry (cctv/sens are prefixes; any suffix works).
TOPIC_KINDS = [
    (Topic.AVL, Kind.AVL_BATCH),
    (Topic.LINK, Kind.LINK_SPEEDS),
    (Topic.HEARTBEAT, Kind.HEARTBEAT),
    (Topic.INCIDENT, Kind.INCIDENT),
    (b"cctv.cam-017", Kind.CCTV_FRAME),
    (b"sens.pump-3", Kind.SENSOR),
]

# A JPEG's start-of-image and end-of-image markers around a few bytes: the decoder does not parse images.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"


def wire(frames: list) -> list[bytes]:
    """The frames as a SUB socket hands them over (``recv_multipart`` returns bytes)."""
    return [bytes(f) for f in frames]


_MISSING = object()  # a field left out of the envelope


def env_map(**changes) -> dict:
    env = {"v": 1, "kind": Kind.AVL_BATCH, "src": SRC, "sess": SESS, "seq": 7, "ts": 1_732_240_000_123}
    env.update(changes)
    return {k: v for k, v in env.items() if v is not _MISSING}


def avl_records(n: int) -> np.ndarray:
    rec = p.new_records(n)
    i = np.arange(n)
    rec["id"] = 1000 + i
    rec["type"] = i % len(VehicleType)
    rec["status"] = i % len(VehicleStatus)
    rec["flags"] = i % 3
    rec["ts"] = 1_732_240_000_000 + i * 250
    rec["lon"] = 127.3845 + i * 1e-4
    rec["lat"] = 36.3504 - i * 1e-4
    rec["speed"] = (i * 7) % 90
    rec["heading"] = (i * 37) % 360
    return rec


def link_records(n: int) -> np.ndarray:
    rec = np.zeros(n, dtype=LINK_DTYPE)
    rec["link"] = 2_510_000_000 + np.arange(n, dtype=np.uint64) * 11
    rec["kmh"] = np.linspace(3.0, 80.0, n)
    rec["flags"] = np.arange(n) % 2
    return rec


INCIDENT = {"id": "INC-2024-0001", "type": "disaster", "priority": 2, "lon": 127.38, "lat": 36.35,
            "status": "new", "reported": 1_700_000_000_000, "desc": "도로 침수", "units": [10001]}


def good_frames(topic: bytes = Topic.AVL, kind: str = Kind.AVL_BATCH) -> list[bytes]:
    """One valid message per topic, used as the base for the malformed and fuzzed variants."""
    if kind == Kind.AVL_BATCH:
        return wire(p.encode_array(topic, kind, avl_records(3), src=SRC, sess=SESS, seq=1, ts=5))
    if kind == Kind.LINK_SPEEDS:
        return wire(p.encode_array(topic, kind, link_records(3), src=SRC, sess=SESS, seq=1, ts=5))
    if kind == Kind.SENSOR:
        return wire(p.encode_array(topic, kind, np.zeros(3, dtype=p.SENSOR_DTYPE), src=SRC, sess=SESS, seq=1, ts=5))
    if kind == Kind.CCTV_FRAME:
        return [topic, p.encode_envelope(kind, SRC, SESS, 1, 5), JPEG]
    if kind == Kind.HEARTBEAT:
        return p.encode_heartbeat(src=SRC, sess=SESS, seq=1, seqs={"avl": 3}, ts=5)
    payload = INCIDENT if kind == Kind.INCIDENT else {"id": "x"}
    return p.encode_map(topic, kind, payload, src=SRC, sess=SESS, seq=1, ts=5)


def reason_of(frames: list) -> str:
    with pytest.raises(DecodeError) as info:
        p.decode(frames)
    return info.value.reason


# ---------------------------------------------------------------- constants the docs promise


def test_record_layouts_are_the_documented_ones():
    assert AVL_DTYPE.itemsize == 40
    assert [(name, AVL_DTYPE.fields[name][1], AVL_DTYPE.fields[name][0].str) for name in AVL_DTYPE.names] == [
        ("id", 0, "<u4"), ("type", 4, "|u1"), ("status", 5, "|u1"), ("flags", 6, "<u2"), ("ts", 8, "<i8"),
        ("lon", 16, "<f8"), ("lat", 24, "<f8"), ("speed", 32, "<f4"), ("heading", 36, "<f4"),
    ]
    assert LINK_DTYPE.itemsize == 16
    layout = [(name, LINK_DTYPE.fields[name][1], LINK_DTYPE.fields[name][0].str) for name in LINK_DTYPE.names]
    assert layout == [("link", 0, "<u8"), ("kmh", 8, "<f4"), ("flags", 12, "<u4")]
    assert {t.name: int(t) for t in VehicleType} == {
        "UNKNOWN": 0, "BUS": 1, "TAXI": 2, "FIRE": 3, "AMBULANCE": 4, "POLICE": 5}
    assert {s.name: int(s) for s in VehicleStatus} == {
        "UNKNOWN": 0, "AVAILABLE": 1, "BUSY": 2, "EN_ROUTE": 3, "ON_SCENE": 4, "OUT_OF_SERVICE": 5}
    assert (p.PROTOCOL_VERSION, p.MAX_FRAME_BYTES, p.MAX_ENVELOPE_BYTES, p.MAX_TOPIC_BYTES) == (
        1, 16 * 1024 * 1024, 1024, 128)
    assert p.HEARTBEAT_INTERVAL_S * p.STALE_AFTER_HEARTBEATS == 3.0


def _doc_hex_frames() -> list[bytes]:
    """The frames of the worked example's hex dump in docs/protocol.md."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- hexdump:begin -->", 1)[1].split("<!-- hexdump:end -->", 1)[0]
    frames: list[bytearray] = []
    for line in block.splitlines():
        if line.startswith("frame "):
            frames.append(bytearray())
        elif m := re.match(r"^([0-9a-f]{4})  ((?:[0-9a-f]{2} ?)+)", line):
            assert int(m.group(1), 16) == len(frames[-1]), line
            frames[-1] += bytes.fromhex(m.group(2))
    return [bytes(f) for f in frames]


def test_documented_hex_dump_is_a_valid_message():
    frames = _doc_hex_frames()
    assert [len(f) for f in frames] == [3, 70, 40]
    msg = p.decode(frames)
    assert msg.env == Envelope(1, Kind.AVL_BATCH, "avl-daejeon", "3f9c2a7b1d04", 42, 1_732_240_000_123)
    rec = msg.payload[0]
    assert (int(rec["id"]), int(rec["type"]), int(rec["status"]), int(rec["flags"]), int(rec["ts"])) == (
        1042, VehicleType.BUS, VehicleStatus.AVAILABLE, 0, 1_732_240_000_000)
    assert (float(rec["lon"]), float(rec["lat"]), float(rec["speed"]), float(rec["heading"])) == (
        127.3845, 36.3504, 32.5, 90.0)


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("n", [0, 1, 3, 40, 4097])
def test_avl_batch_round_trip(n):
    records = avl_records(n)
    frames = p.encode_array(Topic.AVL, Kind.AVL_BATCH, records, src=SRC, sess=SESS, seq=9, ts=123)
    msg = p.decode(wire(frames))
    assert msg.topic == Topic.AVL
    assert msg.env == Envelope(1, Kind.AVL_BATCH, SRC, SESS, 9, 123)
    assert msg.payload.dtype == AVL_DTYPE
    assert len(msg.payload) == n
    assert msg.payload.tobytes() == records.tobytes()
    assert msg.nbytes == sum(len(f) for f in wire(frames))


def test_avl_batch_from_a_strided_view_is_packed():
    records = avl_records(10)[::3]  # not contiguous: the encoder packs it
    msg = p.decode(wire(p.encode_array(Topic.AVL, Kind.AVL_BATCH, records, src=SRC, sess=SESS, seq=1)))
    assert msg.payload.tobytes() == np.ascontiguousarray(records).tobytes()


def test_encoder_refuses_a_foreign_dtype():
    with pytest.raises(TypeError):
        p.encode_array(Topic.AVL, Kind.AVL_BATCH, link_records(2), src=SRC, sess=SESS, seq=1)
    with pytest.raises(TypeError):
        p.encode_array(Topic.AVL, Kind.AVL_BATCH, avl_records(2).astype(AVL_DTYPE.newbyteorder(">")),
                       src=SRC, sess=SESS, seq=1)


@pytest.mark.parametrize("n", [0, 1, 5, 8193])
def test_link_speeds_round_trip(n):
    records = link_records(n)
    frames = p.encode_array(Topic.LINK, Kind.LINK_SPEEDS, records, src="traffic", sess=SESS, seq=3)
    msg = p.decode(wire(frames))
    assert msg.env.kind == Kind.LINK_SPEEDS
    assert msg.payload.dtype == LINK_DTYPE
    assert msg.payload.tobytes() == records.tobytes()
    if n:
        assert int(msg.payload["link"][-1]) == 2_510_000_000 + (n - 1) * 11


def test_heartbeat_round_trip():
    seqs = {"avl": 40, "link": 2, "cctv.cam-1": 9}
    frames = p.encode_heartbeat(src=SRC, sess=SESS, seq=12, seqs=seqs, ts=77)
    msg = p.decode(frames)
    assert msg.topic == Topic.HEARTBEAT
    assert msg.env == Envelope(1, Kind.HEARTBEAT, SRC, SESS, 12, 77)
    assert msg.payload == {"seqs": seqs}


def test_envelope_ts_defaults_to_now():
    before = p.now_ms()
    env = p.decode_envelope(p.encode_envelope(Kind.HEARTBEAT, SRC, SESS, 1))
    assert before <= env.ts <= p.now_ms()


@pytest.mark.parametrize(("topic", "kind"), [(Topic.INCIDENT, Kind.INCIDENT), (Topic.HEARTBEAT, Kind.HEARTBEAT)])
def test_map_payload_round_trip(topic, kind):
    payload = {**INCIDENT, "pos": [127.38, 36.35], "level": 2, "note": "도로 침수",
               "nested": {"a": None, "b": True, "c": 1.5}, "raw": b"\x00\x01"}
    msg = p.decode(p.encode_map(topic, kind, payload, src="cad", sess=SESS, seq=1, ts=1))
    assert msg.topic == topic
    assert msg.env.kind == kind
    assert msg.payload == payload


def test_cctv_frame_round_trip():
    frames = [b"cctv.cam-017", p.encode_envelope(Kind.CCTV_FRAME, "cctv", SESS, 4, 10), JPEG]
    msg = p.decode(frames)
    assert msg.topic == b"cctv.cam-017"
    assert msg.env.kind == Kind.CCTV_FRAME
    assert isinstance(msg.payload, bytes)
    assert msg.payload == JPEG


@pytest.mark.parametrize("n", [1, 3])
def test_decode_accepts_the_encoders_frames_unchanged(n):
    # decode() is typed to take memoryviews, and the journal/replay path decodes frames that never
    # crossed a socket: it must not depend on the frames having been turned into bytes first.
    records = avl_records(n)
    msg = p.decode(p.encode_array(Topic.AVL, Kind.AVL_BATCH, records, src=SRC, sess=SESS, seq=1, ts=1))
    assert msg.payload.tobytes() == records.tobytes()
    assert msg.nbytes == 3 + len(p.encode_envelope(Kind.AVL_BATCH, SRC, SESS, 1, 1)) + 40 * n


def test_a_small_map_payload_cannot_make_the_decoder_allocate_much():
    n = 1_000_000  # an array of a million empty maps: a 1 MB frame
    payload = b"\x81\xa1a\xdd" + struct.pack(">I", n) + b"\x80" * n
    env = p.encode_envelope(Kind.INCIDENT, "cad", SESS, 1, 1)
    tracemalloc.start()
    try:
        try:
            msg = p.decode([Topic.INCIDENT, env, payload])
        except DecodeError:
            msg = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del msg
    assert peak < 16 * 1024 * 1024


def test_encoder_refuses_an_envelope_the_decoder_would_refuse():
    src = "대전-차량위치-" * 30  # 570 UTF-8 bytes
    try:
        raw = p.encode_envelope(Kind.AVL_BATCH, src, SESS, 1, 1)
    except ValueError:
        return
    p.decode_envelope(raw)


# ---------------------------------------------------------------- refusals, each with its reason


@pytest.mark.parametrize("frames", [
    [],
    [b"avl"],
    [b"avl", msgpack.packb(env_map())],
    [b"avl", msgpack.packb(env_map()), b"", b""],
    [*good_frames(), b"extra"],
], ids=["0", "1", "2", "4", "4-valid-prefix"])
def test_wrong_frame_count(frames):
    assert reason_of(frames) == "bad-frames"


@pytest.mark.parametrize("topic", [
    "차량".encode(), b"avl\xff", b"\x80", b"", b"av l", b"avl\n", b"avl\x00", b"\x7f", b"cctv." + b"x" * 124,
], ids=["hangul", "latin1", "high-bit", "empty", "space", "newline", "nul", "del", "129-bytes"])
def test_bad_topic(topic):
    assert reason_of([topic, msgpack.packb(env_map()), b""]) == "bad-topic"


def test_longest_topic_is_accepted():
    topic = b"cctv." + b"x" * (p.MAX_TOPIC_BYTES - 5)
    frames = [topic, p.encode_envelope(Kind.CCTV_FRAME, SRC, SESS, 1, 1), b""]
    assert p.decode(frames).topic == topic


@pytest.mark.parametrize("topic", [b"weather", b"avl2", b"avl.x", b"AVL", b"cctv", b"sens", b"hb.x"])
def test_unknown_topic(topic):
    assert reason_of([topic, msgpack.packb(env_map()), b""]) == "unknown-topic"


@pytest.mark.parametrize("raw", [
    b"", b"\xc1", b"\x86", b"\x86\xa1v\x01", b"\xff" * 10, msgpack.packb(env_map()) + b"\x00",
    msgpack.packb(env_map(src="x" * 257)), msgpack.packb(env_map(pad="x" * 1000)),
    msgpack.packb({**env_map(), **{f"k{i}": i for i in range(11)}}),
    msgpack.packb({**env_map(), 1: 2}), msgpack.packb({**env_map(), "ext": msgpack.ExtType(1, b"x")}),
    msgpack.packb({**env_map(), "bin": b"x"}),
], ids=["empty", "never-used-byte", "truncated-map", "truncated-field", "ff", "trailing-byte", "long-string",
        "over-1024-bytes", "17-fields", "int-key", "ext-type", "bin-value"])
def test_garbage_envelope(raw):
    assert reason_of([b"avl", raw, b""]) == "bad-envelope"


@pytest.mark.parametrize("value", [[1, 2], 1, "v", None, b"map", True, 1.5])
def test_envelope_not_a_map(value):
    assert reason_of([b"avl", msgpack.packb(value), b""]) == "bad-envelope"


@pytest.mark.parametrize("v", [0, 2, -1, 255, "1", None, _MISSING, True, False, 1.0, [1], {"v": 1}])
def test_wrong_version(v):
    # Anything but the integer 1, missing included, is another version, whatever the other fields hold;
    # true and 1.0 compare equal to 1 in Python but are not the integer 1 on the wire.
    assert reason_of([b"avl", msgpack.packb(env_map(v=v)), b""]) == "bad-version"
    assert reason_of([b"avl", msgpack.packb(env_map(v=v, kind=_MISSING, seq="x")), b""]) == "bad-version"


@pytest.mark.parametrize("field", ["kind", "src", "sess", "seq", "ts"])
def test_missing_field(field):
    assert reason_of([b"avl", msgpack.packb(env_map(**{field: _MISSING})), b""]) == "bad-envelope"


@pytest.mark.parametrize(("field", "value"), [
    ("kind", 1), ("kind", None), ("src", 5), ("src", b"avl-test"), ("sess", None), ("sess", ["s"]),
    ("seq", "7"), ("seq", 7.0), ("seq", None), ("ts", 1.5), ("ts", "1732240000123"), ("ts", {"ms": 1}),
])
def test_mistyped_field(field, value):
    assert reason_of([b"avl", msgpack.packb(env_map(**{field: value})), b""]) == "bad-envelope"


@pytest.mark.parametrize(("field", "value"), [("seq", True), ("seq", False), ("ts", True), ("ts", False)])
def test_bool_where_int_expected(field, value):
    assert reason_of([b"avl", msgpack.packb(env_map(**{field: value})), b""]) == "bad-envelope"


@pytest.mark.parametrize("seq", [-1, -(2**63)])
def test_negative_seq(seq):
    assert reason_of([b"avl", msgpack.packb(env_map(seq=seq)), b""]) == "bad-envelope"


def test_extremes_of_seq_and_ts_are_accepted():
    frames = [b"avl", msgpack.packb(env_map(seq=2**64 - 1, ts=-(2**63))), b""]
    env = p.decode(frames).env
    assert (env.seq, env.ts) == (2**64 - 1, -(2**63))
    assert p.decode([b"avl", msgpack.packb(env_map(seq=0)), b""]).env.seq == 0


def test_unknown_envelope_fields_are_ignored():
    assert p.decode([b"avl", msgpack.packb(env_map(trace="abc")), b""]).env.seq == 7


@pytest.mark.parametrize(("topic", "kind"), [
    (b"avl", Kind.LINK_SPEEDS), (b"avl", "avl"), (b"avl", "AVL.BATCH"), (b"link", Kind.AVL_BATCH),
    (b"hb", Kind.AVL_BATCH), (b"inc", Kind.SENSOR), (b"cctv.cam-1", Kind.SENSOR),
    (b"sens.pump", Kind.CCTV_FRAME), (b"sens.pump", "future.kind"),
])
def test_kind_not_matching_topic(topic, kind):
    assert reason_of([topic, msgpack.packb(env_map(kind=kind)), b""]) == "bad-kind"


@pytest.mark.parametrize(("topic", "kind", "size"), [
    (b"avl", Kind.AVL_BATCH, 1), (b"avl", Kind.AVL_BATCH, 39), (b"avl", Kind.AVL_BATCH, 41),
    (b"avl", Kind.AVL_BATCH, 4 * 40 + 16), (b"link", Kind.LINK_SPEEDS, 15), (b"link", Kind.LINK_SPEEDS, 40),
])
def test_payload_not_whole_records(topic, kind, size):
    assert reason_of([topic, msgpack.packb(env_map(kind=kind)), b"\x00" * size]) == "bad-payload"


@pytest.mark.parametrize(("topic", "kind"), [(b"avl", Kind.AVL_BATCH), (b"cctv.cam-1", Kind.CCTV_FRAME),
                                             (b"inc", Kind.INCIDENT)])
def test_oversized_payload(topic, kind):
    big = bytes(p.MAX_FRAME_BYTES + 40)  # a whole number of AVL records: the size alone refuses it
    assert reason_of([topic, msgpack.packb(env_map(kind=kind)), big]) == "oversized"


def test_largest_payload_is_accepted():
    big = bytes(p.MAX_FRAME_BYTES)
    msg = p.decode([b"cctv.cam-1", msgpack.packb(env_map(kind=Kind.CCTV_FRAME)), big])
    assert len(msg.payload) == len(big)


@pytest.mark.parametrize(("topic", "kind"), [(b"hb", Kind.HEARTBEAT), (b"inc", Kind.INCIDENT)])
@pytest.mark.parametrize("payload", [
    msgpack.packb([1, 2]), msgpack.packb("seqs"), msgpack.packb(None), msgpack.packb(3), b"", b"\xc1",
    b"\x81\xa4seqs", msgpack.packb({"seqs": {}}) + b"\x00", JPEG, b"\x81\xa1k\xa2\xff\xfe",
], ids=["array", "str", "nil", "int", "empty", "never-used-byte", "truncated", "trailing", "jpeg",
        "bad-utf8"])
def test_map_payload_not_a_map(topic, kind, payload):
    assert reason_of([topic, msgpack.packb(env_map(kind=kind)), payload]) == "bad-payload"


def test_decode_error_carries_reason_and_detail():
    with pytest.raises(DecodeError) as info:
        p.decode([b"avl", msgpack.packb(env_map(v=2)), b""])
    err = info.value
    assert isinstance(err, ValueError)
    assert err.reason == "bad-version"
    assert err.detail == "2"
    assert str(err) == "bad-version: 2"
    assert str(DecodeError("bad-frames")) == "bad-frames"


def test_checks_run_cheapest_first():
    # Frame count, then size, then topic, then envelope, then kind, then payload: a message wrong in
    # several ways is counted under the first.
    bad_env = b"\xc1"
    assert reason_of([b"\xff", bad_env]) == "bad-frames"
    assert reason_of([b"\xff", bad_env, bytes(p.MAX_FRAME_BYTES + 1)]) == "oversized"
    assert reason_of([b"\xff", bad_env, b"\x00"]) == "bad-topic"
    assert reason_of([b"weather", bad_env, b"\x00"]) == "unknown-topic"
    assert reason_of([b"avl", bad_env, b"\x00"]) == "bad-envelope"
    assert reason_of([b"avl", msgpack.packb(env_map(v=2, seq="x")), b"\x00"]) == "bad-version"
    assert reason_of([b"avl", msgpack.packb(env_map(seq="x", kind="inc")), b"\x00"]) == "bad-envelope"
    assert reason_of([b"avl", msgpack.packb(env_map(kind="inc")), b"\x00"]) == "bad-kind"
    assert reason_of([b"avl", msgpack.packb(env_map()), b"\x00"]) == "bad-payload"


def test_the_documented_order_of_checks_is_the_decoders():
    """docs/protocol.md §9 lists the reasons in the order test_checks_run_cheapest_first checks them."""
    section = DOC.read_text(encoding="utf-8").split("## 9. ", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| `([a-z-]+)` \|", section, flags=re.M)
    assert [int(n) for n, _ in rows] == list(range(1, len(rows) + 1))
    assert [reason for _, reason in rows] == [
        "bad-frames", "oversized", "bad-topic", "unknown-topic", "bad-envelope", "bad-version", "bad-envelope",
        "bad-kind", "bad-payload", "bad-incident", "bad-position"]  # the last after decode: drop_bad_positions


# ---------------------------------------------------------------- properties

_PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_BASES = [good_frames(topic, kind) for topic, kind in TOPIC_KINDS]


@pytest.mark.parametrize("base", _BASES, ids=[kind for _, kind in TOPIC_KINDS])
def test_fuzz_bases_are_valid_messages(base):
    # A base that is already invalid would make the properties below test nothing past its first error.
    assert p.decode(base).topic == base[0]


@_PROPS
@given(base=st.sampled_from(_BASES), which=st.integers(0, 2), junk=st.binary(max_size=300))
def test_random_bytes_in_any_frame_only_raise_decode_error(base, which, junk):
    frames = list(base)
    frames[which] = junk
    try:
        p.decode(frames)
    except DecodeError as err:
        assert err.reason in {"bad-frames", "bad-topic", "unknown-topic", "bad-envelope", "bad-version",
                              "bad-kind", "bad-payload", "bad-incident", "oversized"}


@_PROPS
@given(frames=st.lists(st.binary(max_size=64), max_size=5))
def test_random_frame_lists_only_raise_decode_error(frames):
    with contextlib.suppress(DecodeError):
        p.decode(frames)


_msgpack_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text(max_size=20)
    | st.binary(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)


@settings(_PROPS, max_examples=150)
@given(base=st.sampled_from(_BASES),
       fields=st.dictionaries(st.sampled_from(["v", "kind", "src", "sess", "seq", "ts", "x"]),
                              _msgpack_values, max_size=7),
       payload=_msgpack_values)
def test_random_msgpack_envelopes_and_payloads_only_raise_decode_error(base, fields, payload):
    env = msgpack.unpackb(base[1])
    env.update(fields)
    try:
        msg = p.decode([base[0], msgpack.packb(env), msgpack.packb(payload)])
    except DecodeError:
        return
    assert msg.env.v == 1
    assert not isinstance(msg.env.seq, bool)
    assert msg.env.seq >= 0


_avl_arrays = hnp.arrays(
    AVL_DTYPE, st.integers(0, 24),
    elements=hnp.from_dtype(AVL_DTYPE, allow_nan=True, allow_infinity=True, allow_subnormal=True),
)


@settings(_PROPS, max_examples=200)
@given(records=_avl_arrays, seq=st.integers(0, 2**64 - 1), ts=st.integers(-(2**63), 2**63 - 1))
def test_random_avl_arrays_round_trip_bit_exactly(records, seq, ts):
    frames = wire(p.encode_array(Topic.AVL, Kind.AVL_BATCH, records, src=SRC, sess=SESS, seq=seq, ts=ts))
    assert len(frames[2]) == 40 * len(records)
    msg = p.decode(frames)
    assert msg.payload.dtype == AVL_DTYPE
    assert msg.payload.tobytes() == records.tobytes()
    assert (msg.env.seq, msg.env.ts) == (seq, ts)


def test_avl_records_with_impossible_positions_are_dropped_from_their_batch():
    records = avl_records(8)
    bad = {1: (np.nan, 36.0), 2: (127.0, np.inf), 3: (-np.inf, 36.0), 4: (180.5, 36.0), 5: (127.0, -90.01),
           6: (np.nan, np.nan)}
    for i, (lon, lat) in bad.items():
        records[i]["lon"], records[i]["lat"] = lon, lat
    records[0]["lon"], records[0]["lat"] = -180.0, 90.0  # the edges are on the globe
    records[7]["speed"], records[7]["heading"] = np.nan, np.nan  # unknown, not impossible
    msg = p.decode(wire(p.encode_array(Topic.AVL, Kind.AVL_BATCH, records, src=SRC, sess=SESS, seq=3, ts=1)))
    assert len(msg.payload) == 8  # decode hands over what the frame holds
    kept, dropped, detail = p.drop_bad_positions(msg)
    assert dropped == 6
    assert kept.payload.tobytes() == records[[0, 7]].tobytes()
    assert (kept.env, kept.topic, kept.nbytes) == (msg.env, msg.topic, msg.nbytes)
    assert detail == "6 of 8 records, e.g. vehicle 1001 at lon nan, lat 36.0"
    good = p.decode(wire(p.encode_array(Topic.AVL, Kind.AVL_BATCH, avl_records(3), src=SRC, sess=SESS, seq=4)))
    assert p.drop_bad_positions(good) == (good, 0, "")
    for frames in (good_frames(Topic.LINK, Kind.LINK_SPEEDS), good_frames(Topic.INCIDENT, Kind.INCIDENT)):
        other = p.decode(frames)
        assert p.drop_bad_positions(other) == (other, 0, "")


@settings(_PROPS, max_examples=200)
@given(records=_avl_arrays)
def test_only_records_on_the_globe_pass_the_position_check(records):
    msg = p.decode(wire(p.encode_array(Topic.AVL, Kind.AVL_BATCH, records, src=SRC, sess=SESS, seq=1, ts=1)))
    kept, dropped, _ = p.drop_bad_positions(msg)
    on_globe = [r for r in records if -180 <= r["lon"] <= 180 and -90 <= r["lat"] <= 90]
    assert kept.payload.tobytes() == b"".join(r.tobytes() for r in on_globe)
    assert dropped == len(records) - len(on_globe)


_names = st.text(max_size=64)  # at most 256 UTF-8 bytes, the decoder's limit for an envelope string


@_PROPS
@given(topic_kind=st.sampled_from(TOPIC_KINDS), src=_names, sess=_names, seq=st.integers(0, 2**64 - 1),
       ts=st.integers(-(2**63), 2**64 - 1))
def test_random_envelopes_round_trip(topic_kind, src, sess, seq, ts):
    topic, kind = topic_kind
    raw = p.encode_envelope(kind, src, sess, seq, ts)
    assert len(raw) <= p.MAX_ENVELOPE_BYTES
    expected = Envelope(1, kind, src, sess, seq, ts)
    assert p.decode_envelope(raw) == expected
    payload = b"" if kind in (Kind.AVL_BATCH, Kind.LINK_SPEEDS, Kind.SENSOR, Kind.CCTV_FRAME) else msgpack.packb(
        INCIDENT if kind == Kind.INCIDENT else {})
    assert p.decode([topic, raw, payload]).env == expected


@pytest.mark.parametrize(("change", "why"), [
    ({"id": ""}, "'id'"), ({"type": "alien"}, "type"), ({"priority": 0}, "priority"), ({"priority": True}, "priority"),
    ({"lon": 200.0}, "out of range"), ({"lat": "36"}, "'lat'"), ({"status": "lost"}, "status"),
    ({"reported": 1.5}, "'reported'"), ({"desc": "x" * 3000}, "too long"), ({"units": [-1]}, "'units'"),
])
def test_bad_incidents_are_refused_by_field(change, why):
    payload = {**INCIDENT, **change}
    frames = p.encode_map(Topic.INCIDENT, Kind.INCIDENT, payload, src="cad", sess=SESS, seq=1, ts=1)
    with pytest.raises(DecodeError) as exc:
        p.decode(wire(frames))
    assert exc.value.reason == "bad-incident" and why in str(exc.value)


def test_commands_and_acks_round_trip_and_refuse_garbage():
    cmd = {"cmd_id": "c-1", "cmd": "dispatch", "incident": "INC-1", "unit": 10001, "lon": 127.4, "lat": 36.3,
           "ts": 1, "by": "dispatcher-1"}
    assert commands.decode_command(commands.encode_command(cmd)) == cmd
    assert commands.decode_ack(commands.encode_ack("c-1", False, "unit busy")) == {"cmd_id": "c-1", "ok": False,
                                                                      "reason": "unit busy"}
    with pytest.raises(DecodeError, match="bad-command"):
        commands.encode_command({**cmd, "unit": -3})
    for raw in (b"", b"\xc1", msgpack.packb([1, 2]), msgpack.packb({"cmd_id": 5}),
                bytes(commands.MAX_COMMAND_BYTES + 1)):
        with pytest.raises(DecodeError):
            commands.decode_command(raw)
        with pytest.raises(DecodeError):
            commands.decode_ack(raw)



def test_a_command_may_bring_the_call_it_dispatches_to():
    cmd = {"cmd_id": "c-2", "cmd": "dispatch", "incident": "LOC-1", "unit": 10001, "lon": 127.4, "lat": 36.3,
           "ts": 1, "call": {"type": "fire", "priority": 2, "reported": 5, "desc": "smoke, 3rd floor"}}
    assert commands.decode_command(commands.encode_command(cmd)) == cmd
    for change, why in (({"type": "alien"}, "call type"), ({"priority": 9}, "priority"),
                        ({"reported": "now"}, "'reported'"), ({"desc": "x" * 3000}, "too long")):
        with pytest.raises(DecodeError, match=why):
            commands.encode_command({**cmd, "call": {**cmd["call"], **change}})
    with pytest.raises(DecodeError, match="'call'"):
        commands.encode_command({**cmd, "call": ["fire"]})


# ---------------------------------------------------------------- snapshots


@pytest.mark.parametrize(("endpoint", "snapshot"), [
    ("ipc:///run/sitroom/avl.sock", "ipc:///run/sitroom/avl.snap.sock"),
    ("ipc:///run/sitroom/avl", "ipc:///run/sitroom/avl.snap"),
    ("tcp://127.0.0.1:5556", "tcp://127.0.0.1:6556"),
    ("tcp://*:5556", "tcp://*:6556"),
    ("tcp://[::1]:5556", "tcp://[::1]:6556"),
    ("tcp://avl.city.example:64535", "tcp://avl.city.example:65535"),
    ("tcp://avl.city.example:64536", None),
    ("tcp://127.0.0.1:*", None),
    ("inproc://avl", "inproc://avl.snap"),
    ("pgm://eth0;239.192.1.1:5555", None),
    ("nonsense", None),
])
def test_snapshot_endpoint_convention(endpoint, snapshot):
    assert p.snapshot_endpoint(endpoint) == snapshot


def test_heartbeat_announces_a_snapshot_service():
    msg = p.decode(wire(p.encode_heartbeat(src=SRC, sess=SESS, seq=1, seqs={"avl": 3}, ts=1, snapshot=True)))
    assert msg.payload == {"seqs": {"avl": 3}, "snap": True}
    assert "snap" not in p.decode(wire(p.encode_heartbeat(src=SRC, sess=SESS, seq=1, seqs={}, ts=1))).payload


def test_snapshot_request_round_trip_and_refusals():
    assert p.decode_snapshot_request(p.encode_snapshot_request(42, (Topic.AVL, Topic.INCIDENT))) == (
        42, (Topic.AVL, Topic.INCIDENT))
    assert p.decode_snapshot_request(p.encode_snapshot_request(0, (b"",))) == (0, (b"",))
    with pytest.raises(ValueError):
        p.encode_snapshot_request(-1, (b"",))
    with pytest.raises(ValueError):
        p.encode_snapshot_request(1, [f"t{i}".encode() for i in range(p.MAX_SNAPSHOT_PREFIXES + 1)])
    for raw in (b"", b"\xc1", msgpack.packb([1]), msgpack.packb({"v": 2, "req": 1, "topics": []}),
                msgpack.packb({"v": True, "req": 1, "topics": []}), msgpack.packb({"v": 1.0, "req": 1, "topics": []}),
                msgpack.packb({"v": 1, "req": True, "topics": []}), msgpack.packb({"v": 1, "req": -1, "topics": []}),
                msgpack.packb({"v": 1, "req": 1, "topics": "avl"}), msgpack.packb({"v": 1, "req": 1, "topics": [1]}),
                msgpack.packb({"v": 1, "req": 1, "topics": ["a b"]}),
                msgpack.packb({"v": 1, "req": 1, "topics": ["x"] * (p.MAX_SNAPSHOT_PREFIXES + 1)}),
                bytes(100_000)):
        with pytest.raises(DecodeError) as exc:
            p.decode_snapshot_request(raw)
        assert exc.value.reason == "bad-request"


def test_snapshot_end_round_trip_and_refusals():
    frames = p.encode_snapshot_end(req=7, src=SRC, sess=SESS, seqs={"avl": 120, "inc": 3}, items=30, ts=5)
    assert frames[0] == Topic.SNAPSHOT_END
    assert p.decode_snapshot_end(wire(frames)) == p.SnapshotEnd(7, SRC, SESS, {"avl": 120, "inc": 3}, 30, 5)
    body = msgpack.unpackb(frames[1])
    bad = [[frames[0]], [b"snap.x", frames[1]], [frames[0], b"\xc1"], [frames[0], msgpack.packb({**body, "v": 2})],
           [frames[0], msgpack.packb({**body, "v": True})], [frames[0], msgpack.packb({**body, "v": 1.0})],
           [frames[0], msgpack.packb({**body, "seqs": {"avl": -1}})],
           [frames[0], msgpack.packb({**body, "seqs": {"avl": True}})],
           [frames[0], msgpack.packb({**body, "items": "30"})], [frames[0], msgpack.packb({**body, "src": None})],
           [frames[0], bytes(p.MAX_SNAPSHOT_END_BYTES + 1)]]
    for f in bad:
        with pytest.raises(DecodeError) as exc:
            p.decode_snapshot_end(f)
        assert exc.value.reason == "bad-snapshot"


@_PROPS
@given(junk=st.binary(max_size=200), value=_msgpack_values)
def test_random_snapshot_frames_only_raise_decode_error(junk, value):
    for raw in (junk, msgpack.packb(value)):
        with contextlib.suppress(DecodeError):
            p.decode_snapshot_request(raw)
        with contextlib.suppress(DecodeError):
            p.decode_snapshot_end([Topic.SNAPSHOT_END, raw])
