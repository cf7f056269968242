"""The journal's on-disk formats, shared by the writer, the reader and export.

A segment file ``journal-<first recv ms>-<n>.seg`` starts with a 16-byte header: magic and format version.

**Format 2** (magic ``SRJOURN2``, written since the journal compresses) holds *blocks* back to back, one
or more per writer flush, each holding whole records::

    header  magic b"\\xd5SRb" | body length u32 | crc32 u32 | chain u32 | records u32 | first recv_ms i64
    body    four sections, each a u32 length and its bytes:
            directory  zstd(msgpack): per record its receive time, feed, topic, frame lengths and coding
            heads      zstd: every frame of every record, except the arrays coded below
            avl        the AVL payloads of the block, coded by column (:mod:`services.journal.codec`)
            link       the link-speed payloads, likewise

The CRC covers the header after it and the whole body, so a torn write or a flipped bit anywhere in the
compressed bytes fails the block. ``chain`` is 0 for a *key block* and counts up by one per block after it:
the AVL and link columns of a block are coded against what the blocks since the key block said about each
vehicle and link, so they decode only in order from there (the directory and heads of any block decode on
their own). Every segment starts with a key block, and the writer starts a new one every ``KEY_MS`` of
receive time and after any failed write. A reader that finds a gap in a chain (a damaged block) drops the
arrays of the blocks after it up to the next key block, and nothing else.

**Format 1** (magic ``SRJOURN1``, the uncompressed journal, still read) holds records back to back::

    header  magic b"\\xd5SRr" | body length u32 | crc32 u32 | recv_ms i64      20 bytes, little-endian
    body    feed name (u16 length + UTF-8) | frame count (u16) | per frame: u32 length + the frame's bytes

The CRC covers ``recv_ms`` and the body. In both formats the frames are the message's wire frames
``[topic, envelope, payload]`` as ``protocol.decode`` takes them, given back byte for byte.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import msgpack
import numpy as np

from sitroom.services.feeds import protocol

SEGMENT_MAGIC = b"SRJOURN1"  # format 1
SEGMENT_MAGIC_2 = b"SRJOURN2"
FORMAT_VERSION = 2  # what the writer writes
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


def segment_header(version: int = FORMAT_VERSION) -> bytes:
    return SEGMENT_HEADER.pack(SEGMENT_MAGIC_2 if version == 2 else SEGMENT_MAGIC, version)


def segment_version(header: bytes | memoryview) -> int | None:
    """The format of a segment from its first bytes, None when they are not a segment header."""
    if len(header) < SEGMENT_HEADER.size:
        return None
    magic, version = SEGMENT_HEADER.unpack_from(header, 0)
    if magic == SEGMENT_MAGIC:
        return 1
    if magic == SEGMENT_MAGIC_2 and version == 2:
        return 2
    return None


def check_record(feed: str, frames: Sequence[bytes]) -> int:
    """The record's body length in format 1; ValueError when it is over the journal's limits."""
    if len(feed.encode("utf-8")) > 0xFFFF or len(frames) > MAX_FRAMES:
        raise ValueError("feed name or frame count out of range")
    length = 4 + len(feed.encode("utf-8")) + sum(4 + len(f) for f in frames)
    if length > MAX_BODY_BYTES:
        raise ValueError(f"record of {length} bytes is over the journal's limit")
    return length


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
