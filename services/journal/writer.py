"""The journal writer: every received message appended to checksummed, compressed segment files, off the GUI
thread.

Flush and loss policy
---------------------
- ``append()`` only puts the record on a bounded in-memory queue (any thread; it never touches the disk).
- A writer thread takes the whole queue every ``flush_ms`` (200 ms by default), packs it into blocks of up
  to 1 MiB of frames (format 2, see :mod:`services.journal.format`: compressed, one CRC per block) and
  writes each block with one ``write`` call. From then on the records are in the operating system's page
  cache. The blocks of a segment form chains from a key block (every segment's first, then one every
  ``key_ms``, 60 s by default, and after any failed write); only the vehicle and link columns depend on the
  chain.
- **kill -9 / crash of the app**: blocks written survive; what is lost is what was still queued, i.e. the
  records appended during the last ``flush_ms`` (plus the block the kill cut in half, which is dropped
  whole on the next start). Earlier blocks are never damaged: files are only ever appended to.
- **Power loss / OS crash**: the page cache is lost too. The writer ``fsync``\\ s at most every ``fsync_ms``
  (5 s by default), when a segment is full (before the next one starts) and on close, so at most the last
  ``fsync_ms + flush_ms`` of records are lost, and only from the newest segment.
- **Recovery** is automatic when a writer opens the directory: the newest segment is cut back to its last
  valid block, and writing goes on in a new segment. Readers ignore a torn tail and skip (and count)
  corrupt blocks on their own as well.
- **Retention**: when a segment is closed, the oldest segments are deleted while the journal is larger
  than ``retention_bytes`` or a segment was last written more than ``retention_days`` ago.
- **Disk full** (``ENOSPC``, ``EDQUOT``, ``EFBIG``): the blocks that fitted are kept, the rest of the batch
  is dropped and counted, ``status`` says ``disk-full`` with the error, and writing is retried every
  ``retry_s`` (with a key block); records appended meanwhile are dropped and counted. Nothing already
  written is touched.
- If the queue holds more than ``queue_bytes`` (the disk is slower than the feeds), new records are dropped
  and counted instead of growing memory.

``version=1`` writes the uncompressed format 1 instead (one CRC per record), as journals were written before.
Files are created 0600 in a 0700 directory: the journal holds everything the feeds said.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sitroom.services.feeds.protocol import now_ms
from sitroom.services.journal.blocks import BLOCK_TARGET_BYTES, KEY_MS, BlockEncoder
from sitroom.services.journal.format import (
    FORMAT_VERSION,
    META_FILE,
    check_record,
    encode_record,
    segment_header,
    segment_name,
)
from sitroom.services.journal.reader import Recovery, list_segments, recover

log = logging.getLogger(__name__)

MiB = 1024 * 1024
DEFAULT_SEGMENT_BYTES = 64 * MiB
DEFAULT_RETENTION_BYTES = 20 * 1024 * MiB
DEFAULT_RETENTION_DAYS = 7.0
DEFAULT_FLUSH_MS = 200
DEFAULT_FSYNC_MS = 5000
DEFAULT_QUEUE_BYTES = 256 * MiB
DEFAULT_RETRY_S = 5.0
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@dataclass(frozen=True)
class JournalStatus:
    state: str = "ok"  # "ok", "disk-full" or "error"
    message: str = ""
    since_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.state == "ok"


@dataclass(frozen=True)
class _Pending:
    feed: str
    frames: list[bytes]
    recv_ms: int
    size: int


Record = tuple[str, Sequence[bytes], int]  # (feed, frames, recv_ms)


class _SegmentFiles:
    """The segment files of one directory: the open one, rotation, sync and retention. One thread only.

    Format 2 (the default) writes blocks (:mod:`services.journal.blocks`); ``version=1`` writes the old
    uncompressed records, kept for comparison and for tools that want plain files."""

    def __init__(self, directory: Path, segment_bytes: int, retention_bytes: int | None,
                 retention_days: float | None, version: int = FORMAT_VERSION, key_ms: int = KEY_MS,
                 block_bytes: int = BLOCK_TARGET_BYTES) -> None:
        if version not in (1, 2):
            raise ValueError(f"no journal format {version}")
        self.directory = directory
        self.segment_bytes = segment_bytes
        self.retention_bytes = retention_bytes
        self.retention_days = retention_days
        self.version = version
        self.key_ms = key_ms
        self.block_bytes = block_bytes
        found = list_segments(directory)
        self.next_n = found[-1][0] + 1 if found else 1
        self.fd: int | None = None
        self.path: Path | None = None
        self.size = 0  # bytes of the open segment that hold whole records
        self.unsynced = False
        self.deleted = 0
        self.fsyncs = 0
        self.bytes_total = 0  # bytes of records (format 2: blocks) written, headers not counted
        self._encoder = BlockEncoder() if version == 2 else None
        self._chain_n = 0  # the next block's place in its chain; 0: a key block
        self._key_ms = 0  # first receive time of the chain's key block

    def _open(self, first_ms: int) -> None:
        path = self.directory / segment_name(first_ms, self.next_n)
        header = segment_header(self.version)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            _write_all(fd, header, 0)
        except OSError:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        self.next_n += 1
        self.fd, self.path, self.size = fd, path, len(header)
        self.unsynced = True
        self._chain_n = 0  # a segment decodes on its own
        _sync_dir(self.directory)

    def close_segment(self) -> None:
        if self.fd is None:
            return
        self.sync()
        os.close(self.fd)
        self.fd = None
        self.path = None

    def sync(self) -> None:
        if self.fd is not None and self.unsynced:
            os.fsync(self.fd)
            self.fsyncs += 1
            self.unsynced = False

    def _ensure_open(self, first_ms: int, done: int) -> None:
        if self.fd is None or self.size >= self.segment_bytes:
            if self.fd is not None:
                self.close_segment()
                self.apply_retention()
            try:
                self._open(first_ms)
            except OSError as exc:
                exc.written = done  # type: ignore[attr-defined]
                raise

    def write(self, records: Sequence[Record]) -> int:
        """Write (feed, frames, recv_ms) records in order, rotating as segments fill; returns how many.

        On an OSError the records that reached the disk whole stay, the segment is cut back to its last whole
        record (format 2: block), and the error is raised with ``written`` set to how many records were kept.
        ValueError for a record over the journal's limits, before anything is written."""
        for feed, frames, _ in records:
            check_record(feed, frames)
        if self.version == 1:
            encoded = [(b"".join(encode_record(f, fr, ms)), ms) for f, fr, ms in records]
            return self._write_v1(encoded)
        done = 0
        while done < len(records):
            self._ensure_open(records[done][2], done)
            # One block: records up to the target size and, counted uncompressed, the segment's room (at
            # least one record), so a segment of incompressible records ends close to its size too.
            limit = min(self.block_bytes, self.segment_bytes - self.size)
            end, size = done, 0
            while end < len(records) and (end == done or size + _frames_size(records[end]) <= limit):
                size += _frames_size(records[end])
                end += 1
            batch = records[done:end]
            first_ms = min(ms for _, _, ms in batch)
            if self._chain_n and abs(first_ms - self._key_ms) >= self.key_ms:
                self._chain_n = 0
            if self._chain_n == 0:
                self._key_ms = first_ms
            assert self._encoder is not None
            try:
                data = self._encoder.encode(batch, self._chain_n)
            except ValueError:
                self._chain_n = 0  # the encoder's chain may hold part of the refused block
                raise
            # Whatever happens to this write, the chain moved on: a failure restarts it with a key block.
            self._chain_n += 1
            start = self.size
            try:
                _write_all(self.fd, data, start)
            except OSError as exc:
                self._chain_n = 0
                try:
                    os.ftruncate(self.fd, start)  # frees space, so it works on a full disk too
                except OSError:
                    log.exception("journal: cannot cut %s back to its last whole block", self.path)
                self.unsynced = True
                exc.written = done  # type: ignore[attr-defined]
                raise
            self.size = start + len(data)
            self.bytes_total += len(data)
            self.unsynced = True
            done = end
        return done

    def _write_v1(self, records: list[tuple[bytes, int]]) -> int:
        done = 0
        while done < len(records):
            self._ensure_open(records[done][1], done)
            # Everything that fits in this segment, in one write.
            room = self.segment_bytes - self.size
            batch, size = [], 0
            for data, _ in records[done:]:
                if batch and size + len(data) > room:
                    break
                batch.append(data)
                size += len(data)
            start = self.size
            try:
                _write_all(self.fd, b"".join(batch), start)
            except OSError as exc:
                written = getattr(exc, "bytes_written", 0)
                kept, end = 0, start
                for data in batch:
                    if end + len(data) - start > written:
                        break
                    end += len(data)
                    kept += 1
                try:
                    os.ftruncate(self.fd, end)  # frees space, so it works on a full disk too
                except OSError:
                    log.exception("journal: cannot cut %s back to its last whole record", self.path)
                self.bytes_total += end - start
                self.size = end
                self.unsynced = True
                exc.written = done + kept  # type: ignore[attr-defined]
                raise
            self.size = start + size
            self.bytes_total += size
            self.unsynced = True
            done += len(batch)
        return done

    def apply_retention(self, now_s: float | None = None) -> None:
        """Delete the oldest closed segments beyond the size or age limit."""
        now_s = time.time() if now_s is None else now_s
        found = [(n, p) for n, p in list_segments(self.directory) if p != self.path]
        sizes = {}
        for n, p in found:
            try:
                st = p.stat()
            except OSError:
                continue
            sizes[n] = (st.st_size, st.st_mtime)
        total = sum(s for s, _ in sizes.values())
        if self.path is not None:
            total += self.size
        removed = False
        for n, p in found:
            if n not in sizes:
                continue
            size, mtime = sizes[n]
            too_big = self.retention_bytes is not None and total > self.retention_bytes
            too_old = self.retention_days is not None and now_s - mtime > self.retention_days * 86400
            if not (too_big or too_old):
                break
            try:
                p.unlink()
            except OSError as exc:
                log.warning("journal: cannot delete %s: %s", p, exc)
                break
            log.info("journal: deleted %s (retention)", p.name)
            total -= size
            self.deleted += 1
            removed = True
        if removed:
            _sync_dir(self.directory)


def _frames_size(record: Record) -> int:
    return sum(len(f) for f in record[1]) + 16


def _write_all(fd: int, data: bytes, offset: int) -> None:
    """pwrite until done; an OSError carries ``bytes_written`` (how much of ``data`` got there first)."""
    view = memoryview(data)
    done = 0
    while done < len(view):
        try:
            n = os.pwrite(fd, view[done:], offset + done)
        except OSError as exc:
            exc.bytes_written = done  # type: ignore[attr-defined]
            raise
        if n == 0:
            err = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            err.bytes_written = done  # type: ignore[attr-defined]
            raise err
        done += n


def _sync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_meta(directory: Path, meta: dict, version: int = FORMAT_VERSION) -> None:
    """``journal.json``: what the journal is of (kit, feeds), merged into what is there, replaced atomically.

    ``format`` says what the newest writer wrote; each segment's header says its own (a directory written
    before and after an upgrade holds both)."""
    path = Path(directory) / META_FILE
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    merged = {**(old if isinstance(old, dict) else {}), **meta, "format": version}
    merged.setdefault("created_ms", now_ms())
    tmp = path.with_name(f".{META_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(merged, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def make_private_dir(directory: Path) -> Path:
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    return directory


class JournalWriter:
    """Append-only journal in ``directory``; see the module text for what survives what."""

    def __init__(self, directory: Path, *, segment_bytes: int = DEFAULT_SEGMENT_BYTES,
                 retention_bytes: int | None = DEFAULT_RETENTION_BYTES,
                 retention_days: float | None = DEFAULT_RETENTION_DAYS, flush_ms: int = DEFAULT_FLUSH_MS,
                 fsync_ms: int = DEFAULT_FSYNC_MS, queue_bytes: int = DEFAULT_QUEUE_BYTES,
                 retry_s: float = DEFAULT_RETRY_S, meta: dict | None = None,
                 clock: Callable[[], float] = time.monotonic, version: int = FORMAT_VERSION,
                 key_ms: int = KEY_MS) -> None:
        self.directory = make_private_dir(directory)
        self.flush_ms = flush_ms
        self.fsync_ms = fsync_ms
        self.queue_bytes = queue_bytes
        self.retry_s = retry_s
        self._clock = clock
        self.recovery: Recovery = recover(self.directory)
        if meta is not None:
            write_meta(self.directory, meta, version)
        self._files = _SegmentFiles(self.directory, segment_bytes, retention_bytes, retention_days, version,
                                    key_ms)
        self._files.apply_retention()
        self._lock = threading.Lock()
        self._queue: deque[_Pending] = deque()
        self._queued_bytes = 0
        self._wake = threading.Event()
        self._done = threading.Condition()
        self._stopping = False
        self.status = JournalStatus()
        self._retry_at = 0.0
        self._last_sync = clock()
        # Counters (records): appended = written + dropped + still queued.
        self.appended = 0
        self.written = 0
        self.dropped_disk = 0  # lost to a full disk or a write error
        self.dropped_queue = 0  # the queue was full
        self.bytes_written = 0  # on disk
        self.frame_bytes = 0  # the frames of the records written, as received
        self.cpu_s = 0.0  # the writer thread's CPU time (encoding, compressing, writing)
        self._thread = threading.Thread(target=self._run, name="sitroom-journal", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ any thread

    def append(self, feed: str, frames: Sequence[bytes | memoryview], recv_ms: int) -> bool:
        """Queue one message's frames; False when it was dropped (queue full or writer closed). Never blocks on I/O."""
        raw = [f if isinstance(f, bytes) else bytes(f) for f in frames]
        size = sum(len(f) for f in raw) + len(feed) + 64
        with self._lock:
            self.appended += 1
            if self._stopping or self._queued_bytes + size > self.queue_bytes:
                self.dropped_queue += 1
                return False
            self._queue.append(_Pending(feed, raw, int(recv_ms), size))
            self._queued_bytes += size
        return True

    @property
    def queued(self) -> int:
        return len(self._queue)

    def flush(self, timeout: float = 10.0) -> bool:
        """Write what is queued now, without waiting for the next flush tick; True when it has been handled."""
        with self._lock:
            target = self.appended
        self._wake.set()
        with self._done:
            return self._done.wait_for(lambda: self._handled() >= target or not self._thread.is_alive(), timeout)

    def _handled(self) -> int:
        return self.written + self.dropped_disk + self.dropped_queue

    def close(self) -> None:
        """Write everything queued, fsync, close. Idempotent."""
        with self._lock:
            self._stopping = True
        self._wake.set()
        self._thread.join()

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> dict:
        return {"appended": self.appended, "written": self.written, "dropped_disk": self.dropped_disk,
                "dropped_queue": self.dropped_queue, "queued": self.queued, "bytes_written": self.bytes_written,
                "frame_bytes": self.frame_bytes, "cpu_s": self.cpu_s,
                "segments_deleted": self._files.deleted, "fsyncs": self._files.fsyncs, "status": self.status.state,
                "message": self.status.message}

    # ------------------------------------------------------------ writer thread

    def _take(self) -> list[_Pending]:
        with self._lock:
            batch = list(self._queue)
            self._queue.clear()
            self._queued_bytes = 0
        return batch

    def _run(self) -> None:
        try:
            while True:
                self._wake.wait(self.flush_ms / 1000)
                self._wake.clear()
                stopping = self._stopping
                batch = self._take()
                if batch:
                    self._write(batch, retry_now=stopping)
                if self._clock() - self._last_sync >= self.fsync_ms / 1000:
                    self._sync()
                with self._done:
                    self._done.notify_all()
                if stopping:
                    break
        finally:
            try:
                self._files.close_segment()
            except OSError as exc:
                self._fail(exc)
            with self._done:
                self._done.notify_all()

    def _sync(self) -> None:
        self._last_sync = self._clock()
        try:
            self._files.sync()
        except OSError as exc:
            self._fail(exc)

    def _write(self, batch: list[_Pending], *, retry_now: bool = False) -> None:
        if not self.status.ok and not retry_now and self._clock() < self._retry_at:
            self.dropped_disk += len(batch)
            return
        cpu = time.thread_time()
        try:
            n = self._files.write([(p.feed, p.frames, p.recv_ms) for p in batch])
        except ValueError as exc:  # a caller bug (oversized record): refuse the batch, keep going
            log.error("journal: %s", exc)
            self.dropped_disk += len(batch)
            return
        except OSError as exc:
            n = getattr(exc, "written", 0)
            self._account(batch[:n])
            self.dropped_disk += len(batch) - n
            self._fail(exc)
            return
        finally:
            self.cpu_s += time.thread_time() - cpu
        self._account(batch[:n])
        if not self.status.ok:
            log.info("journal: writing again after %s", self.status.message)
            self.status = JournalStatus()

    def _account(self, written: list[_Pending]) -> None:
        self.written += len(written)
        self.frame_bytes += sum(len(f) for p in written for f in p.frames)
        self.bytes_written = self._files.bytes_total

    def _fail(self, exc: OSError) -> None:
        full = exc.errno in _DISK_FULL
        state = "disk-full" if full else "error"
        message = f"{os.strerror(exc.errno) if exc.errno else exc}: {self.directory}"
        if self.status.state != state or self.status.message != message:
            log.error("journal: %s; records are dropped (and counted) until it can write again", message)
            self.status = JournalStatus(state, message, now_ms())
        self._retry_at = self._clock() + self.retry_s
