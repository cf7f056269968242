"""Format 2 blocks: building them (the writer, export) and taking them apart (the reader).

See :mod:`services.journal.format` for the layout. A block is built from whole records and decoded whole;
only its AVL and link columns depend on the blocks before it (since the key block), through the
:class:`Chain` the writer and the reader each keep.
"""

from __future__ import annotations

import itertools
import struct
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import msgpack
import numpy as np
import zstandard

from sitroom.services.feeds import protocol
from sitroom.services.journal.codec import ArrayCodec, CodecError, History, Spec
from sitroom.services.journal.format import MAX_BODY_BYTES, CorruptRecord

BLOCK_MAGIC = b"\xd5SRb"
BLOCK_HEADER = struct.Struct("<4sIIIIq")
_CRC_FROM = 12  # the CRC covers the header from ``chain`` on, then the body
_U32 = struct.Struct("<I")
# A block gathers records up to this many frame bytes (a bigger record gets a block of its own).
BLOCK_TARGET_BYTES = 1024 * 1024
MAX_BLOCK_BODY = MAX_BODY_BYTES + 1024 * 1024
_MAX_SECTION_RAW = MAX_BODY_BYTES + 1024 * 1024
# A new key block at least this often (receive time). It bounds what a damaged block costs: the vehicle and
# link columns of the rest of its chain, at most this long. A key block codes every position afresh, about
# 1.3 MB at 72,000 vehicles: every 30 s that was 0.87 GB an hour, every 60 s it is 0.77 (no key block at
# all: 0.71). Seeks do not depend on it: the player's checkpoints carry the chain.
KEY_MS = 60_000
ZSTD_LEVEL = 3

RAW, AVL, LINK = 0, 1, 2  # how a record's last frame is stored
AVL_SPEC = Spec(protocol.AVL_DTYPE, "id", delta=("ts",), xor=("type", "status", "flags", "speed", "heading"),
                motion=("lon", "lat"))
LINK_SPEC = Spec(protocol.LINK_DTYPE, "link", diff=("kmh",), xor=("flags",))
_SPECS = {AVL: AVL_SPEC, LINK: LINK_SPEC}
_TOPIC_CODING = {protocol.Topic.AVL: AVL, protocol.Topic.LINK: LINK}


def coding_of(frames: Sequence[bytes]) -> int:
    """How a record's payload is stored: by column when it is an AVL or link-speed array, else as it is."""
    if len(frames) < 2:
        return RAW
    coding = _TOPIC_CODING.get(bytes(frames[0]), RAW)
    if coding == RAW:
        return RAW
    size = len(frames[-1])
    return coding if size and size % _SPECS[coding].dtype.itemsize == 0 else RAW


class Chain:
    """What the blocks since the last key block said about each vehicle and link."""

    def __init__(self) -> None:
        self.history = {c: History(s) for c, s in _SPECS.items()}

    def clear(self) -> None:
        for h in self.history.values():
            h.clear()

    def copy(self) -> Chain:
        other = Chain()
        other.history = {c: h.copy() for c, h in self.history.items()}
        return other

    @property
    def nbytes(self) -> int:
        return sum(h.keys.nbytes + h.table.nbytes for h in self.history.values())

    def arrays(self) -> list[np.ndarray]:
        """Every history as arrays for a checkpoint (:meth:`History.arrays`); :meth:`from_arrays` inverts it."""
        return [a for c in sorted(_SPECS) for a in self.history[c].arrays()]

    @staticmethod
    def layout() -> list[np.dtype]:
        return [np.dtype(np.uint64)] * sum(1 + len(s.columns) for s in _SPECS.values())

    @classmethod
    def from_arrays(cls, arrays: Sequence[np.ndarray]) -> Chain:
        chain = cls()
        pos = 0
        for c in sorted(_SPECS):
            n = 1 + len(_SPECS[c].columns)
            chain.history[c] = History.from_arrays(_SPECS[c], arrays[pos:pos + n])
            pos += n
        if pos != len(arrays):
            raise ValueError("chain layout differs")
        return chain


def _section(data: bytes) -> list[bytes]:
    return [_U32.pack(len(data)), data]


class BlockEncoder:
    """Builds blocks; keeps the writer's :class:`Chain`. One thread only."""

    def __init__(self, level: int = ZSTD_LEVEL) -> None:
        self.chain = Chain()
        self._cctx = zstandard.ZstdCompressor(level=level)
        self._codecs = {c: ArrayCodec(s, level) for c, s in _SPECS.items()}

    def encode(self, records: Sequence[tuple[str, Sequence[bytes], int]], chain_n: int) -> bytes:
        """One block of (feed, frames, recv_ms); ``chain_n`` 0 makes it a key block (the chain restarts)."""
        key = chain_n == 0
        if key:
            self.chain.clear()
        feeds: dict[str, int] = {}
        topics: dict[bytes, int] = {}
        first_ms = min(r[2] for r in records)
        n = len(records)
        recv = np.empty(n, np.int64)
        feed_i = np.empty(n, np.uint16)
        topic_i = np.empty(n, np.uint16)
        coding = np.empty(n, np.uint8)
        nframes = np.empty(n, np.uint8)
        lens: list[int] = []
        heads: list[bytes] = []
        arrays: dict[int, list[bytes]] = {AVL: [], LINK: []}
        for i, (feed, frames, recv_ms) in enumerate(records):
            recv[i] = recv_ms - first_ms
            feed_i[i] = feeds.setdefault(feed, len(feeds))
            topic = bytes(frames[0][:protocol.MAX_TOPIC_BYTES + 1]) if frames else b""
            topic_i[i] = topics.setdefault(topic, len(topics))
            c = coding_of(frames)
            coding[i] = c
            nframes[i] = len(frames)
            lens.extend(len(f) for f in frames)
            if c == RAW:
                heads.extend(frames)
            else:
                heads.extend(frames[:-1])
                arrays[c].append(frames[-1])
        directory = msgpack.packb({
            "feeds": list(feeds), "topics": list(topics), "recv": recv.tobytes(), "feed": feed_i.tobytes(),
            "topic": topic_i.tobytes(), "coding": coding.tobytes(), "nframes": nframes.tobytes(),
            "lens": np.array(lens, "<u4").tobytes()}, use_bin_type=True)
        parts = [*_section(self._cctx.compress(directory)), *_section(self._cctx.compress(b"".join(heads)))]
        for c in (AVL, LINK):
            if arrays[c]:
                recs = np.frombuffer(b"".join(arrays[c]), _SPECS[c].dtype)
                parts += _section(self._codecs[c].encode(recs, self.chain.history[c], key=key))
            else:
                if key:
                    self.chain.history[c].clear()
                parts += _section(b"")
        body = b"".join(parts)
        if len(body) > MAX_BLOCK_BODY:
            raise ValueError(f"block of {len(body)} bytes is over the journal's limit")
        tail = struct.pack("<IIq", chain_n, n, first_ms)
        crc = zlib.crc32(body, zlib.crc32(tail))
        return BLOCK_HEADER.pack(BLOCK_MAGIC, len(body), crc, chain_n, n, first_ms) + body


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class BlockHeader:
    length: int  # body bytes
    crc: int
    chain: int
    count: int
    first_ms: int

    @property
    def key(self) -> bool:
        return self.chain == 0


def read_header(buf: bytes | memoryview, pos: int, size: int) -> BlockHeader | None:
    """The header at ``pos`` when it is plausible (magic, lengths within the file), else None."""
    if size - pos < BLOCK_HEADER.size:
        return None
    magic, length, crc, chain, count, first_ms = BLOCK_HEADER.unpack_from(buf, pos)
    if magic != BLOCK_MAGIC or length > MAX_BLOCK_BODY or pos + BLOCK_HEADER.size + length > size or not count:
        return None
    return BlockHeader(length, crc, chain, count, first_ms)


def block_crc_ok(buf: bytes | memoryview, pos: int, h: BlockHeader) -> bool:
    start = pos + BLOCK_HEADER.size
    return zlib.crc32(buf[start:start + h.length], zlib.crc32(buf[pos + _CRC_FROM:start])) == h.crc


def _sections(buf: bytes | memoryview, pos: int, h: BlockHeader) -> list[memoryview]:
    view = memoryview(buf)[pos + BLOCK_HEADER.size:pos + BLOCK_HEADER.size + h.length]
    out, p = [], 0
    for _ in range(4):
        if p + 4 > len(view):
            raise CorruptRecord("block sections")
        (n,) = _U32.unpack_from(view, p)
        p += 4
        if p + n > len(view):
            raise CorruptRecord("block section past the end")
        out.append(view[p:p + n])
        p += n
    if p != len(view):
        raise CorruptRecord("block body length does not match its sections")
    return out


_local = threading.local()  # zstd contexts are not to be shared between threads


def _decoder(coding: int) -> ArrayCodec:
    codecs = getattr(_local, "codecs", None)
    if codecs is None:
        codecs = _local.codecs = {c: ArrayCodec(s) for c, s in _SPECS.items()}
    return codecs[coding]


def _unzstd(data: memoryview) -> bytes:
    size = zstandard.frame_content_size(data)
    if size < 0 or size > _MAX_SECTION_RAW:
        raise CorruptRecord("section size")
    dctx = getattr(_local, "dctx", None)
    if dctx is None:
        dctx = _local.dctx = zstandard.ZstdDecompressor()
    try:
        return dctx.decompress(data)
    except zstandard.ZstdError as exc:
        raise CorruptRecord(f"zstd: {exc}") from None


@dataclass
class Directory:
    """What the reader indexes of a block: per record its receive time, feed, topic, sizes and coding."""

    feeds: list[str]
    topics: list[bytes]
    recv_ms: np.ndarray  # int64, absolute
    feed: np.ndarray  # int64 into feeds
    topic: np.ndarray  # int64 into topics
    coding: np.ndarray  # uint8
    nframes: np.ndarray  # int64
    lens: np.ndarray  # int64, every frame's length, record after record
    starts: np.ndarray  # int64, index of each record's first frame in lens

    @property
    def payload_bytes(self) -> np.ndarray:
        last = self.starts + self.nframes - 1
        return np.where(self.nframes > 0, self.lens[np.maximum(last, 0)] if len(self.lens) else 0, 0)

    @property
    def nbytes(self) -> np.ndarray:
        sums = np.r_[0, np.cumsum(self.lens)]
        return sums[self.starts + self.nframes] - sums[self.starts]


def read_directory(buf: bytes | memoryview, pos: int, h: BlockHeader) -> Directory:
    """The directory of the block at ``pos``; CorruptRecord when it does not parse as one."""
    sections = _sections(buf, pos, h)
    try:
        d = msgpack.unpackb(_unzstd(sections[0]), raw=False, max_array_len=1 << 16, max_map_len=16)
        feeds, topics = d["feeds"], d["topics"]
        recv = np.frombuffer(d["recv"], "<i8").astype(np.int64) + h.first_ms
        feed = np.frombuffer(d["feed"], "<u2").astype(np.int64)
        topic = np.frombuffer(d["topic"], "<u2").astype(np.int64)
        coding = np.frombuffer(d["coding"], np.uint8)
        nframes = np.frombuffer(d["nframes"], np.uint8).astype(np.int64)
        lens = np.frombuffer(d["lens"], "<u4").astype(np.int64)
    except (KeyError, TypeError, ValueError, msgpack.UnpackException) as exc:
        raise CorruptRecord(f"block directory: {type(exc).__name__}") from None
    n = h.count
    if not (isinstance(feeds, list) and all(isinstance(f, str) for f in feeds) and isinstance(topics, list)
            and all(isinstance(t, bytes) for t in topics)):
        raise CorruptRecord("block directory: names")
    if any(len(a) != n for a in (recv, feed, topic, coding, nframes)) or nframes.sum() != len(lens):
        raise CorruptRecord("block directory: lengths")
    if n and (feed.max() >= len(feeds) or topic.max() >= len(topics) or coding.max() > LINK):
        raise CorruptRecord("block directory: indices")
    starts = np.r_[0, np.cumsum(nframes)[:-1]].astype(np.int64)
    return Directory(feeds, topics, recv, feed, topic, coding, nframes, lens, starts)


def decode_block(buf: bytes | memoryview, pos: int, h: BlockHeader, directory: Directory,
                 chain: Chain | None) -> list[list[bytes] | None]:
    """Every record's frames; a coded record is None when ``chain`` is None (its chain is broken).

    ``chain`` must hold the state after the block before this one; it is advanced past this block."""
    sections = _sections(buf, pos, h)
    heads = _unzstd(sections[1]) if len(sections[1]) else b""
    payloads: dict[int, list[bytes]] = {}
    for c, sec in ((AVL, sections[2]), (LINK, sections[3])):
        mine = directory.coding == c
        if not mine.any():
            if len(sec):
                raise CorruptRecord("array section without records")
            if chain is not None and h.key:
                chain.history[c].clear()
            continue
        if chain is None:
            continue
        try:
            recs = _decoder(c).decode(sec, chain.history[c], key=h.key)
        except CodecError as exc:
            raise CorruptRecord(str(exc)) from None
        sizes = directory.lens[directory.starts[mine] + directory.nframes[mine] - 1]
        raw = recs.tobytes()
        if len(raw) != int(sizes.sum()):
            raise CorruptRecord("array section does not match the directory")
        cuts = np.r_[0, np.cumsum(sizes)]
        payloads[c] = [raw[a:b] for a, b in itertools.pairwise(cuts.tolist())]
    out: list[list[bytes] | None] = []
    p = 0
    taken = {AVL: 0, LINK: 0}
    lens = directory.lens
    for i in range(h.count):
        s, k, c = int(directory.starts[i]), int(directory.nframes[i]), int(directory.coding[i])
        frames = []
        for j in range(k - (c != RAW)):
            size = int(lens[s + j])
            frames.append(heads[p:p + size])
            p += size
        if c != RAW:
            if c not in payloads:
                out.append(None)
                continue
            frames.append(payloads[c][taken[c]])
            taken[c] += 1
        out.append(frames)
    if p != len(heads):
        raise CorruptRecord("heads do not match the directory")
    return out


def head_frames(buf: bytes | memoryview, pos: int, h: BlockHeader, directory: Directory, slot: int) -> list[bytes]:
    """The frames of record ``slot`` that do not depend on the chain (all but a coded payload)."""
    d = directory
    in_heads = np.ones(len(d.lens), bool)
    coded = np.flatnonzero(d.coding != RAW)
    in_heads[d.starts[coded] + d.nframes[coded] - 1] = False
    offsets = np.r_[0, np.cumsum(np.where(in_heads, d.lens, 0))]
    heads = _unzstd(_sections(buf, pos, h)[1])
    s = int(d.starts[slot])
    return [heads[offsets[j]:offsets[j] + d.lens[j]] for j in range(s, s + int(d.nframes[slot])) if in_heads[j]]


def advance_chain(buf: bytes | memoryview, pos: int, h: BlockHeader, chain: Chain) -> None:
    """Carry ``chain`` past a block without building its records."""
    sections = _sections(buf, pos, h)
    for c, sec in ((AVL, sections[2]), (LINK, sections[3])):
        if len(sec):
            try:
                _decoder(c).decode(sec, chain.history[c], key=h.key)
            except CodecError as exc:
                raise CorruptRecord(str(exc)) from None
        elif h.key:
            chain.history[c].clear()
