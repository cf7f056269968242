"""Reading a journal: every segment indexed on open, torn tails dropped and corrupt records skipped, never a crash.

Opening scans each segment's record headers (format 1) or block directories (format 2; not the payloads)
into numpy arrays: place, receive time, feed, topic and sizes of every record. That index makes ``seek`` and
``time_range`` cheap and lets the player plan a replay without reading payloads. Checksums are verified on
open for the last segment (the one a crash can have torn) and for every record (block) when it is read; a
record that fails is skipped and counted.

Damage is told apart by what follows it inside its segment: bytes after which no valid record (block)
follows are a torn tail (the write a crash interrupted) and are ignored; a damaged stretch followed by valid
ones is corruption, skipped by searching for the next magic whose checksum holds. In format 2 a damaged
block also takes the vehicle and link arrays of the blocks after it in its chain (up to the next key block)
with it: they are skipped and counted as corrupt records, every other record of those blocks is read.
Files are never modified here; :func:`recover` (run by the writer on start) truncates a torn tail for good.

Format 2 blocks are decoded whole and kept in a small cache; the vehicle and link columns are decoded in
chain order, from a few remembered positions (so reading straight on, from more than one thread, never
starts a chain over; a replay checkpoint hands one in with :meth:`JournalReader.resume`) or else from the
block's key block. A record that is not one of those columns (an incident, a heartbeat, a camera frame)
is read without them, so without its chain.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sitroom.services.journal import blocks
from sitroom.services.journal.format import (
    MAX_BODY_BYTES,
    META_FILE,
    RECORD_HEADER,
    RECORD_MAGIC,
    SEGMENT_GLOB,
    SEGMENT_HEADER,
    CorruptRecord,
    Record,
    parse_body,
    peek_body,
    record_crc,
    segment_number,
    segment_version,
)

log = logging.getLogger(__name__)

_HDR = RECORD_HEADER.size
_BHDR = blocks.BLOCK_HEADER.size
_CACHED_BLOCKS = 8
_CURSORS = 4


@dataclass
class ReadStats:
    records: int = 0  # valid records indexed
    corrupt_records: int = 0  # damaged stretches skipped between valid records, and records failing their CRC on read
    corrupt_bytes: int = 0
    torn_bytes: int = 0  # incomplete tails ignored (a write cut short by a crash)
    bad_segments: int = 0  # files named like segments that are not (bad header): skipped whole


@dataclass
class SegmentIndex:
    path: Path
    n: int
    offsets: np.ndarray  # int64, each record's header offset
    lengths: np.ndarray  # int64, body lengths
    recv_ms: np.ndarray  # int64
    feeds: np.ndarray  # int16 into JournalReader.feed_names
    topics: np.ndarray  # int16 into JournalReader.topic_names
    payload_bytes: np.ndarray  # int64, the last frame's length
    nbytes: np.ndarray  # int64, all frames' lengths
    end: int  # offset just past the last valid record
    size: int  # file size when opened
    torn_bytes: int = 0
    verified: bool = False  # every record's CRC checked on open
    version: int = 1
    block: np.ndarray | None = None  # format 2: each record's block (index into the arrays below)
    slot: np.ndarray | None = None  # format 2: each record's place in its block
    blocks: list[blocks.BlockHeader] = field(default_factory=list)
    block_offsets: np.ndarray | None = None  # int64
    key_of: np.ndarray | None = None  # int64: the block's key block, -1 when its chain has a gap before it
    block_ok: np.ndarray | None = None  # bool: CRC verified (True), or not yet checked

    def __len__(self) -> int:
        return len(self.offsets)

    @property
    def first_ms(self) -> int:
        return int(self.recv_ms.min()) if len(self.recv_ms) else 0

    @property
    def last_ms(self) -> int:
        return int(self.recv_ms.max()) if len(self.recv_ms) else 0


@dataclass
class _Scan:
    block: list[int] = field(default_factory=list)
    slot: list[int] = field(default_factory=list)
    blocks: list[blocks.BlockHeader] = field(default_factory=list)
    block_offsets: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    recv: list[int] = field(default_factory=list)
    feeds: list[int] = field(default_factory=list)
    topics: list[int] = field(default_factory=list)
    payload: list[int] = field(default_factory=list)
    nbytes: list[int] = field(default_factory=list)


class _Names:
    """Feed names and topics interned to small integers for the index arrays."""

    def __init__(self) -> None:
        self.feeds: list[str] = []
        self.topics: list[bytes] = []
        self._feed_ids: dict[str, int] = {}
        self._topic_ids: dict[bytes, int] = {}

    def feed(self, name: str) -> int:
        i = self._feed_ids.get(name)
        if i is None:
            i = self._feed_ids[name] = len(self.feeds)
            self.feeds.append(name)
        return i

    def topic(self, topic: bytes) -> int:
        i = self._topic_ids.get(topic)
        if i is None:
            i = self._topic_ids[topic] = len(self.topics)
            self.topics.append(topic)
        return i


def _scan(mm: mmap.mmap, size: int, verify: bool, names: _Names, stats: ReadStats) -> tuple[_Scan, int, int]:
    """Index one segment; returns (index, end of the last valid record, torn tail bytes)."""
    s = _Scan()
    pos = SEGMENT_HEADER.size
    end = pos
    unpack = RECORD_HEADER.unpack_from
    while pos < size:
        ok = False
        if size - pos >= _HDR:
            magic, length, crc, recv = unpack(mm, pos)
            if magic == RECORD_MAGIC and length <= MAX_BODY_BYTES and pos + _HDR + length <= size and (
                    not verify or record_crc(mm, pos + _HDR, length, recv) == crc):
                try:
                    feed, topic, payload, nbytes = peek_body(mm, pos + _HDR, length)
                    ok = True
                except CorruptRecord:
                    pass
        if ok:
            s.offsets.append(pos)
            s.lengths.append(length)
            s.recv.append(recv)
            s.feeds.append(names.feed(feed))
            s.topics.append(names.topic(topic))
            s.payload.append(payload)
            s.nbytes.append(nbytes)
            pos += _HDR + length
            end = pos
            continue
        nxt = _resync(mm, pos + 1, size)
        if nxt is None:
            return s, end, size - pos
        stats.corrupt_records += 1
        stats.corrupt_bytes += nxt - pos
        pos = nxt
    return s, end, 0


def _block_at(mm: mmap.mmap, pos: int, size: int, verify: bool) -> tuple[blocks.BlockHeader,
                                                                        blocks.Directory] | None:
    h = blocks.read_header(mm, pos, size)
    if h is None or (verify and not blocks.block_crc_ok(mm, pos, h)):
        return None
    try:
        return h, blocks.read_directory(mm, pos, h)
    except CorruptRecord:
        return None


def _scan_blocks(mm: mmap.mmap, size: int, verify: bool, names: _Names, stats: ReadStats
                 ) -> tuple[_Scan, int, int, np.ndarray]:
    """Index one format 2 segment; returns (index, end of the last valid block, torn bytes, key of each block)."""
    s = _Scan()
    pos = SEGMENT_HEADER.size
    end = pos
    key_of: list[int] = []
    key, expect = -1, None  # the chain's key block and the chain number the next block should carry
    while pos < size:
        found = _block_at(mm, pos, size, verify)
        if found is None:
            nxt = _resync_blocks(mm, pos + 1, size)
            if nxt is None:
                return s, end, size - pos, np.array(key_of, np.int64)
            stats.corrupt_records += 1
            stats.corrupt_bytes += nxt - pos
            pos, expect = nxt, None  # the chain has a gap here
            continue
        h, d = found
        b = len(s.blocks)
        if h.key:
            key = b
        elif expect is None or h.chain != expect:
            key = -1
        key_of.append(key)
        expect = h.chain + 1
        s.blocks.append(h)
        s.block_offsets.append(pos)
        feed_ids = [names.feed(f) for f in d.feeds]
        topic_ids = [names.topic(t) for t in d.topics]
        s.block.extend([b] * h.count)
        s.slot.extend(range(h.count))
        s.offsets.extend([pos] * h.count)
        s.lengths.extend([h.length] * h.count)
        s.recv.extend(d.recv_ms.tolist())
        s.feeds.extend(feed_ids[i] for i in d.feed)
        s.topics.extend(topic_ids[i] for i in d.topic)
        s.payload.extend(d.payload_bytes.tolist())
        s.nbytes.extend(d.nbytes.tolist())
        pos += _BHDR + h.length
        end = pos
    return s, end, 0, np.array(key_of, np.int64)


def _resync_blocks(buf: mmap.mmap, start: int, size: int) -> int | None:
    """Offset of the next block at or after ``start`` that passes every check including its CRC, or None."""
    pos = start
    while True:
        pos = buf.find(blocks.BLOCK_MAGIC, pos, size)
        if pos < 0:
            return None
        if _block_at(buf, pos, size, True) is not None:
            return pos
        pos += 1


def list_segments(directory: Path) -> list[tuple[int, Path]]:
    """(n, path) of every segment file, oldest first."""
    out = []
    for path in Path(directory).glob(SEGMENT_GLOB):
        n = segment_number(path.name)
        if n is not None and path.is_file():
            out.append((n, path))
    return sorted(out)


def read_meta(directory: Path) -> dict:
    try:
        meta = json.loads((Path(directory) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _valid_at(buf: mmap.mmap | bytes, pos: int, size: int) -> tuple[int, int, int] | None:
    """(body length, recv_ms, end) of a record at ``pos`` that passes every check including its CRC, else None."""
    if size - pos < _HDR:
        return None
    magic, length, crc, recv = RECORD_HEADER.unpack_from(buf, pos)
    if magic != RECORD_MAGIC or length > MAX_BODY_BYTES or pos + _HDR + length > size:
        return None
    if record_crc(buf, pos + _HDR, length, recv) != crc:
        return None
    try:
        peek_body(buf, pos + _HDR, length)
    except CorruptRecord:
        return None
    return length, recv, pos + _HDR + length


def _resync(buf: mmap.mmap | bytes, start: int, size: int) -> int | None:
    """Offset of the next fully valid record at or after ``start``, or None."""
    pos = start
    while True:
        pos = buf.find(RECORD_MAGIC, pos, size)
        if pos < 0:
            return None
        if _valid_at(buf, pos, size) is not None:
            return pos
        pos += 1


@dataclass(frozen=True)
class _Decoded:
    """A decoded block's records; without ``whole`` its vehicle and link arrays were not decoded (None)."""

    frames: list[list[bytes] | None]
    whole: bool


@dataclass
class _Cursor:
    """A chain decoded up to (not including) block ``next`` of segment ``segment``."""

    segment: int
    next: int
    chain: blocks.Chain


class JournalReader:
    """All segments of a journal directory, read-only. Use as a context manager or call :meth:`close`.

    Safe to read from more than one thread (the player's replay and its background index)."""

    def __init__(self, directory: Path, *, verify_all: bool = False) -> None:
        self.directory = Path(directory)
        self.meta = read_meta(self.directory)
        self.stats = ReadStats()
        self._names = _Names()
        self.feed_names = self._names.feeds  # index arrays refer to these
        self.topic_names = self._names.topics
        self.segments: list[SegmentIndex] = []
        self._maps: list[mmap.mmap | None] = []
        self._bad_reads: set[tuple[int, int]] = set()
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, int], _Decoded] = OrderedDict()
        self._cursors: list[_Cursor] = []
        found = list_segments(self.directory)
        for i, (n, path) in enumerate(found):
            self._open_segment(n, path, verify=verify_all or i == len(found) - 1)

    # ------------------------------------------------------------ opening

    def _open_segment(self, n: int, path: Path, *, verify: bool) -> None:
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        except (OSError, ValueError) as exc:
            log.warning("journal: cannot read %s: %s", path, exc)
            self.stats.bad_segments += 1
            return
        if size < SEGMENT_HEADER.size:  # created, then the crash came before its header was written
            self.stats.torn_bytes += size
            if mm is not None:
                mm.close()
            return
        version = segment_version(mm[:SEGMENT_HEADER.size])
        if version is None:
            log.warning("journal: %s is not a journal segment (or of a newer format); skipped", path)
            self.stats.bad_segments += 1
            mm.close()
            return
        extra: dict = {}
        if version == 1:
            scan, end, torn = _scan(mm, size, verify, self._names, self.stats)
        else:
            scan, end, torn, key_of = _scan_blocks(mm, size, verify, self._names, self.stats)
            extra = {"block": np.array(scan.block, np.int64), "slot": np.array(scan.slot, np.int64),
                     "blocks": scan.blocks, "block_offsets": np.array(scan.block_offsets, np.int64),
                     "key_of": key_of, "block_ok": np.full(len(scan.blocks), verify)}
        seg = SegmentIndex(
            path, n, np.array(scan.offsets, np.int64), np.array(scan.lengths, np.int64),
            np.array(scan.recv, np.int64), np.array(scan.feeds, np.int16), np.array(scan.topics, np.int16),
            np.array(scan.payload, np.int64), np.array(scan.nbytes, np.int64), end, size, torn, verify,
            version, **extra)
        self.stats.records += len(seg)
        self.stats.torn_bytes += torn
        self.segments.append(seg)
        self._maps.append(mm)

    # ------------------------------------------------------------ queries

    def __enter__(self) -> JournalReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._cache.clear()
            self._cursors.clear()
            for i, mm in enumerate(self._maps):
                if mm is not None:
                    mm.close()
                    self._maps[i] = None

    def __len__(self) -> int:
        return sum(len(s) for s in self.segments)

    def time_range(self) -> tuple[int, int] | None:
        """(first, last) receive time of the journal's records, epoch ms; None when it has none."""
        segs = [s for s in self.segments if len(s)]
        if not segs:
            return None
        return min(s.first_ms for s in segs), max(s.last_ms for s in segs)

    def read(self, segment: int, i: int) -> Record | None:
        """Record ``i`` of segment ``segment`` (positions in :attr:`segments`), None when it fails its CRC."""
        seg = self.segments[segment]
        mm = self._maps[segment]
        if mm is None or (segment, i) in self._bad_reads:
            return None
        if seg.version == 2:
            return self._read_block_record(segment, i)
        off, length, recv = int(seg.offsets[i]), int(seg.lengths[i]), int(seg.recv_ms[i])
        if not seg.verified:
            crc = RECORD_HEADER.unpack_from(mm, off)[2]
            if record_crc(mm, off + _HDR, length, recv) != crc:
                self._bad(segment, [i], "fails its checksum")
                return None
        feed, frames = parse_body(mm, off + _HDR, length)
        return Record(recv, feed, frames)

    def envelope(self, segment: int, i: int) -> bytes | None:
        """The second frame (the envelope) of record ``i``, without decoding a chain; None when unreadable."""
        seg = self.segments[segment]
        if seg.version == 1:
            rec = self.read(segment, i)
            return rec.frames[1] if rec is not None and len(rec.frames) > 1 else None
        mm = self._maps[segment]
        b = int(seg.block[i])
        if mm is None or not self._check_block(segment, b):
            return None
        pos, h = int(seg.block_offsets[b]), seg.blocks[b]
        try:
            d = blocks.read_directory(mm, pos, h)
            frames = blocks.head_frames(mm, pos, h, d, int(seg.slot[i]))
        except CorruptRecord:
            return None
        return frames[1] if len(frames) > 1 else None

    def _bad(self, segment: int, records: list[int], why: str) -> None:
        seg = self.segments[segment]
        fresh = [i for i in records if (segment, i) not in self._bad_reads]
        self._bad_reads.update((segment, i) for i in fresh)
        self.stats.corrupt_records += len(fresh)
        if fresh:
            log.warning("journal: %d record(s) at %s:%d %s; skipped", len(fresh), seg.path.name,
                        int(seg.offsets[fresh[0]]), why)

    # ------------------------------------------------------------ format 2

    def _check_block(self, segment: int, b: int) -> bool:
        """The block's CRC holds (checked once); a failing block's records are counted as corrupt."""
        seg = self.segments[segment]
        assert seg.block_ok is not None and seg.block_offsets is not None and seg.block is not None
        if seg.block_ok[b]:
            return True
        mm = self._maps[segment]
        if mm is None:
            return False
        if blocks.block_crc_ok(mm, int(seg.block_offsets[b]), seg.blocks[b]):
            seg.block_ok[b] = True
            return True
        seg.key_of[b + 1:][seg.key_of[b + 1:] == seg.key_of[b]] = -1  # the rest of its chain is cut off
        self._bad(segment, np.flatnonzero(seg.block == b).tolist(), "fail their block's checksum")
        return False

    def _read_block_record(self, segment: int, i: int) -> Record | None:
        seg = self.segments[segment]
        assert seg.block is not None and seg.slot is not None
        b, slot = int(seg.block[i]), int(seg.slot[i])
        with self._lock:
            cached = self._cache.get((segment, b))
            if cached is not None:
                self._cache.move_to_end((segment, b))
        if cached is None or (cached.frames[slot] is None and not cached.whole):
            cached = self._decode_block(segment, b, slot)
            if cached is None:
                return None
        frames = cached.frames[slot]
        if frames is None:
            self._bad(segment, [i], "lost the block before them in their chain")
            return None
        return Record(int(seg.recv_ms[i]), self.feed_names[seg.feeds[i]], list(frames))

    def _decode_block(self, segment: int, b: int, slot: int) -> _Decoded | None:
        """Block ``b`` decoded for record ``slot``: whole, or without its vehicle and link arrays when the record
        is not one of them (an incident or a CCTV frame needs no chain, which can cost seconds to rebuild)."""
        seg = self.segments[segment]
        mm = self._maps[segment]
        assert seg.key_of is not None and seg.block_offsets is not None
        if mm is None or not self._check_block(segment, b):
            return None
        pos, h = int(seg.block_offsets[b]), seg.blocks[b]
        try:
            d = blocks.read_directory(mm, pos, h)
        except CorruptRecord:
            self._bad(segment, np.flatnonzero(seg.block == b).tolist(), "do not decode")
            return None
        if d.coding[slot] == blocks.RAW and (d.coding != blocks.RAW).any():
            try:
                heads = _Decoded(blocks.decode_block(mm, pos, h, d, None), whole=False)
            except CorruptRecord as exc:
                log.warning("journal: block at %s:%d: %s", seg.path.name, pos, exc)
                self._bad(segment, np.flatnonzero(seg.block == b).tolist(), "do not decode")
                return None
            self._cache_block(segment, b, heads)
            return heads
        cursor = self._chain_before(segment, b) if (d.coding != blocks.RAW).any() else None
        try:
            decoded = blocks.decode_block(mm, pos, h, d, cursor.chain if cursor else None)
        except CorruptRecord as exc:
            log.warning("journal: block at %s:%d: %s", seg.path.name, pos, exc)
            seg.key_of[b:][seg.key_of[b:] == seg.key_of[b]] = -1
            self._bad(segment, np.flatnonzero(seg.block == b).tolist(), "do not decode")
            return None
        if cursor is not None:
            cursor.next = b + 1
            self._keep_cursor(cursor)
        whole = _Decoded(decoded, whole=True)
        self._cache_block(segment, b, whole)
        return whole

    def _cache_block(self, segment: int, b: int, decoded: _Decoded) -> None:
        with self._lock:
            self._cache[(segment, b)] = decoded
            while len(self._cache) > _CACHED_BLOCKS:
                self._cache.popitem(last=False)

    def block_of(self, segment: int, i: int) -> int | None:
        """The block of record ``i`` of a format 2 segment (None in format 1, where records stand alone)."""
        seg = self.segments[segment]
        return None if seg.block is None else int(seg.block[i])

    def chain_before(self, segment: int, b: int) -> blocks.Chain | None:
        """A copy of the chain as it is before block ``b`` of ``segment``: what a checkpoint needs to go on
        decoding from there (:meth:`resume`). None when the chain is broken before ``b``."""
        seg = self.segments[segment]
        if seg.key_of is None or int(seg.key_of[b]) < 0:
            return None
        if int(seg.key_of[b]) == b:
            return blocks.Chain()
        cursor = self._chain_before(segment, b)
        if cursor is None:
            return None
        chain = cursor.chain.copy()
        self._keep_cursor(cursor)
        return chain

    def resume(self, segment: int, b: int, chain: blocks.Chain) -> None:
        """Decode block ``b`` of ``segment`` and the ones after it from ``chain`` (as :meth:`chain_before` gave
        it; taken over, not copied) instead of from their key block."""
        seg = self.segments[segment]
        if seg.key_of is not None and 0 <= int(seg.key_of[b]) < b:
            self._keep_cursor(_Cursor(segment, b, chain))

    def _keep_cursor(self, cursor: _Cursor) -> None:
        with self._lock:
            self._cursors.append(cursor)
            del self._cursors[:-_CURSORS]

    def _chain_before(self, segment: int, b: int) -> _Cursor | None:
        """A chain holding what the blocks before ``b`` (since its key block) said; None when it is broken.

        Taken from the remembered cursors when one is on the way, else decoded from the key block."""
        seg = self.segments[segment]
        assert seg.key_of is not None and seg.block_offsets is not None
        key = int(seg.key_of[b])
        if key < 0:
            return None
        if key == b:
            return _Cursor(segment, b, blocks.Chain())
        with self._lock:
            usable = [c for c in self._cursors if c.segment == segment and key < c.next <= b]
            cursor = max(usable, key=lambda c: c.next) if usable else None
            if cursor is not None:
                self._cursors.remove(cursor)
        if cursor is None:
            cursor = _Cursor(segment, key, blocks.Chain())
        mm = self._maps[segment]
        while cursor.next < b:
            j = cursor.next
            if mm is None or int(seg.key_of[j]) != key or not self._check_block(segment, j):
                return None
            try:
                blocks.advance_chain(mm, int(seg.block_offsets[j]), seg.blocks[j], cursor.chain)
            except CorruptRecord:
                seg.key_of[j:][seg.key_of[j:] == key] = -1
                return None
            cursor.next = j + 1
        return cursor if int(seg.key_of[b]) == key else None

    # ------------------------------------------------------------ iteration

    def records(self, from_ms: int | None = None, to_ms: int | None = None) -> Iterator[Record]:
        """Records in stored order whose receive time is within [from_ms, to_ms] (either bound optional)."""
        lo = -(2**63) if from_ms is None else from_ms
        hi = 2**63 - 1 if to_ms is None else to_ms
        for si, seg in enumerate(self.segments):
            if not len(seg) or seg.last_ms < lo or seg.first_ms > hi:
                continue
            for i in np.flatnonzero((seg.recv_ms >= lo) & (seg.recv_ms <= hi)):
                rec = self.read(si, int(i))
                if rec is not None:
                    yield rec

    def __iter__(self) -> Iterator[Record]:
        return self.records()

    def seek(self, ts: int) -> Iterator[Record]:
        """Records received at ``ts`` or later; segments that end before it are skipped by their index."""
        return self.records(from_ms=ts)


@dataclass(frozen=True)
class Recovery:
    segment: Path | None = None
    truncated_bytes: int = 0
    removed: bool = False  # the segment held no record and was deleted


def recover(directory: Path) -> Recovery:
    """Make the newest segment end on its last valid record or block (what a kill mid-write leaves is cut off).

    Only the newest segment can be torn: the writer syncs a segment before starting the next one."""
    found = list_segments(directory)
    if not found:
        return Recovery()
    _, path = found[-1]
    stats = ReadStats()
    size = path.stat().st_size
    if size < SEGMENT_HEADER.size:
        path.unlink()
        return Recovery(path, size, removed=True)
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            version = segment_version(mm[:SEGMENT_HEADER.size])
            if version is None:
                return Recovery()
            if version == 1:
                scan, end, torn = _scan(mm, size, True, _Names(), stats)
            else:
                scan, end, torn, _ = _scan_blocks(mm, size, True, _Names(), stats)
        finally:
            mm.close()
    if not scan.offsets and not stats.corrupt_records:
        path.unlink()
        return Recovery(path, size, removed=True)
    if torn:
        with open(path, "r+b") as f:
            f.truncate(end)
            os.fsync(f.fileno())
        log.warning("journal: %s ended in %d bytes of an interrupted write; cut off", path.name, torn)
    return Recovery(path, torn)
