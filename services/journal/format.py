"""The journal's on-disk record format, shared by the writer, the reader and export.

A segment file ``journal-<first recv ms>-<n>.seg`` starts with a 16-byte header (magic ``SRJOURN1``, format
version) and holds records back to back::

    header  magic b"\\xd5SRr" | body length u32 | crc32 u32 | recv_ms i64      20 bytes, little-endian
    body    feed name (u16 length + UTF-8) | frame count (u16) | per frame: u32 length + the frame's bytes

The CRC covers ``recv_ms`` and the body, so neither a torn write nor a flipped bit passes as a record. The
frames are the message's wire frames ``[topic, envelope, payload]`` as ``protocol.decode`` takes them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import msgpack
import numpy as np

from services.feeds import protocol

SEGMENT_MAGIC = b"SRJOURN1"
FORMAT_VERSION = 1
SEGMENT_HEADER = struct.Struct("<8sI4x")
RECORD_MAGIC = b"\xd5SRr"
RECORD_HEADER = struct.Struct("<4sIIq")
_RECV = struct.Struct("<q")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
# Nothing valid is larger: three frames of at most the protocol's frame limit each, plus the feed name.
MAX_BODY_BYTES = 3 * protocol.MAX_FRAME_BYTES + 64 * 1024
MAX_FRAMES = 16
META_FILE = "journal.json"
SEGMENT_GLOB = "journal-*.seg"


class CorruptRecord(ValueError):
    """A record whose header, length, checksum or body layout is wrong."""


@dataclass(frozen=True, slots=True)
class Record:
    recv_ms: int  # when the app received the message, epoch ms
    feed: str
    frames: list[bytes]  # [topic, envelope, payload]


def segment_name(first_ms: int, n: int) -> str:
    return f"journal-{max(first_ms, 0):013d}-{n:06d}.seg"


def segment_number(name: str) -> int | None:
    """The ``n`` of ``journal-<ms>-<n>.seg``, or None for a name that is not a segment's."""
    parts = name.removesuffix(".seg").split("-")
    if len(parts) != 3 or parts[0] != "journal" or not name.endswith(".seg"):
        return None
    try:
        int(parts[1])
        return int(parts[2])
    except ValueError:
        return None


def segment_header() -> bytes:
    return SEGMENT_HEADER.pack(SEGMENT_MAGIC, FORMAT_VERSION)


def encode_record(feed: str, frames: Sequence[bytes | bytearray | memoryview], recv_ms: int) -> list[bytes]:
    """The pieces of one record (header first); joined by the caller, so a big payload is copied once."""
    name = feed.encode("utf-8")
    if len(name) > 0xFFFF or len(frames) > MAX_FRAMES:
        raise ValueError("feed name or frame count out of range")
    parts: list[bytes] = [_U16.pack(len(name)), name, _U16.pack(len(frames))]
    for f in frames:
        raw = f if isinstance(f, bytes) else bytes(f)
        parts.append(_U32.pack(len(raw)))
        parts.append(raw)
    length = sum(len(p) for p in parts)
    if length > MAX_BODY_BYTES:
        raise ValueError(f"record of {length} bytes is over the journal's limit")
    crc = _RECV.pack(recv_ms)
    c = zlib.crc32(crc)
    for p in parts:
        c = zlib.crc32(p, c)
    return [RECORD_HEADER.pack(RECORD_MAGIC, length, c, recv_ms), *parts]


def record_crc(buf: bytes | memoryview, body_start: int, length: int, recv_ms: int) -> int:
    return zlib.crc32(buf[body_start:body_start + length], zlib.crc32(_RECV.pack(recv_ms)))


def peek_body(buf: bytes | memoryview, start: int, length: int) -> tuple[str, bytes, int, int]:
    """(feed, topic, payload length, total frame bytes) of a body without copying its payload."""
    end = start + length
    pos = start
    try:
        (n,) = _U16.unpack_from(buf, pos)
        pos += 2
        feed = bytes(buf[pos:pos + n]).decode("utf-8")
        pos += n
        (count,) = _U16.unpack_from(buf, pos)
        pos += 2
        if count > MAX_FRAMES:
            raise CorruptRecord("frame count")
        topic = b""
        last = 0
        total = 0
        for i in range(count):
            (size,) = _U32.unpack_from(buf, pos)
            pos += 4
            if pos + size > end:
                raise CorruptRecord("frame past the record's end")
            if i == 0:
                topic = bytes(buf[pos:pos + min(size, protocol.MAX_TOPIC_BYTES + 1)])
            last = size
            total += size
            pos += size
    except (struct.error, UnicodeDecodeError) as exc:
        raise CorruptRecord(type(exc).__name__) from None
    if pos != end:
        raise CorruptRecord("body length does not match its frames")
    return feed, topic, last, total


def parse_body(buf: bytes | memoryview, start: int, length: int) -> tuple[str, list[bytes]]:
    """(feed, frames) of a body whose layout :func:`peek_body` accepted; the frames are copies."""
    pos = start
    (n,) = _U16.unpack_from(buf, pos)
    feed = bytes(buf[pos + 2:pos + 2 + n]).decode("utf-8")
    pos += 2 + n
    (count,) = _U16.unpack_from(buf, pos)
    pos += 2
    frames = []
    for _ in range(count):
        (size,) = _U32.unpack_from(buf, pos)
        pos += 4
        frames.append(bytes(buf[pos:pos + size]))
        pos += size
    return feed, frames


def frames_of(message: protocol.Message) -> list[bytes]:
    """The wire frames ``[topic, envelope, payload]`` of a decoded message (``protocol.decode`` inverts it).

    The live app journals what it applied; this rebuilds the frames from the decoded message, so the journal
    needs no hook on the socket thread."""
    env = message.env
    raw_env = protocol.encode_envelope(env.kind, env.src, env.sess, env.seq, env.ts)
    payload = message.payload
    if isinstance(payload, np.ndarray):
        raw = np.ascontiguousarray(payload).tobytes()
    elif isinstance(payload, bytes | bytearray | memoryview):
        raw = bytes(payload)
    else:
        raw = msgpack.packb(payload, use_bin_type=True)
    return [bytes(message.topic), raw_env, raw]
