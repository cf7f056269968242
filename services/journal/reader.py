"""Reading a journal: every segment indexed on open, torn tails dropped and corrupt records skipped, never a crash.

Opening scans each segment's record headers (not the payloads) into numpy arrays: offset, length, receive
time, feed and topic of every record. That index makes ``seek`` and ``time_range`` cheap and lets the player
plan a replay without reading payloads. Checksums are verified on open for the last segment (the one a
crash can have torn) and for every record when it is read; a record that fails is skipped and counted.

Damage is told apart by what follows it inside its segment: bytes after which no valid record follows are a
torn tail (the write a crash interrupted) and are ignored; a damaged stretch followed by valid records is
corruption, skipped by searching for the next record magic whose checksum holds. Files are never modified
here; :func:`recover` (run by the writer on start) truncates a torn tail for good.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from services.journal.format import (
    MAX_BODY_BYTES,
    META_FILE,
    RECORD_HEADER,
    RECORD_MAGIC,
    SEGMENT_GLOB,
    SEGMENT_HEADER,
    SEGMENT_MAGIC,
    CorruptRecord,
    Record,
    parse_body,
    peek_body,
    record_crc,
    segment_number,
)

log = logging.getLogger(__name__)

_HDR = RECORD_HEADER.size


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


class JournalReader:
    """All segments of a journal directory, read-only. Use as a context manager or call :meth:`close`."""

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
        magic, _version = SEGMENT_HEADER.unpack_from(mm, 0)
        if magic != SEGMENT_MAGIC:
            log.warning("journal: %s is not a journal segment; skipped", path)
            self.stats.bad_segments += 1
            mm.close()
            return
        scan, end, torn = _scan(mm, size, verify, self._names, self.stats)
        seg = SegmentIndex(
            path, n, np.array(scan.offsets, np.int64), np.array(scan.lengths, np.int64),
            np.array(scan.recv, np.int64), np.array(scan.feeds, np.int16), np.array(scan.topics, np.int16),
            np.array(scan.payload, np.int64), np.array(scan.nbytes, np.int64), end, size, torn, verify)
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
        off, length, recv = int(seg.offsets[i]), int(seg.lengths[i]), int(seg.recv_ms[i])
        if not seg.verified:
            crc = RECORD_HEADER.unpack_from(mm, off)[2]
            if record_crc(mm, off + _HDR, length, recv) != crc:
                self._bad_reads.add((segment, i))
                self.stats.corrupt_records += 1
                log.warning("journal: record at %s:%d fails its checksum; skipped", seg.path.name, off)
                return None
        feed, frames = parse_body(mm, off + _HDR, length)
        return Record(recv, feed, frames)

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
    """Make the newest segment end on its last valid record (what a kill mid-write leaves is cut off).

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
            if SEGMENT_HEADER.unpack_from(mm, 0)[0] != SEGMENT_MAGIC:
                return Recovery()
            scan, end, torn = _scan(mm, size, True, _Names(), stats)
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
