"""Replaying a journal through the interface the live session uses from :class:`FeedClient`. Qt-free.

The player has ``feeds``, ``health``, ``drain()``, ``start()`` and ``stop()`` like the feed client, plus a
timeline: ``position_ms``, ``speed`` (1–60), ``play()``, ``pause()``, ``seek()``. While playing, the position
advances with wall time × speed and ``drain()`` hands out, oldest first, every message received at or before
the position, decoded exactly as the live client decoded it (heartbeats go into the feed health, not out).

Time: the player's clock is the journal's. :meth:`JournalPlayer.now` is the position in seconds (epoch), the
feed health's ``last_rx`` is each message's receive time on that scale, and every delivery carries its own
receive time (``ReplayDelivery.rx``, same scale; ``recv_ms`` in epoch ms). A session that judges staleness
with ``now()`` therefore sees a feed live while the journal shows it talking at the position, and stale
across a gap in the journal, paused or not.

Seeking: a jump back (or more than :data:`TAIL_MS` forward) calls the ``on_reset`` callbacks, which must
empty the layer models, and then delivers the state at the target instead of the whole history before it:

- vehicles: the newest record of each vehicle (highest source time, as the vehicle layer keeps), grouped by
  the message it came from so each keeps its feed and receive time;
- link speeds: the newest valid speed of each link;
- incidents: every incident message that differs from the previous one for the same incident (the repeats a
  CAD sends to late subscribers change nothing), so the lifecycle is walked exactly as it was;
- CCTV frames and sensor readings: the newest message of each topic;
- then the last :data:`TAIL_MS` before the target message by message, so trails, rates and ages are as
  they were.

Checkpoints make this quick. Each holds the newest-record state over the records before the first record of
a block, and the codec's chain as it stands before that block (what decoding the vehicle and link columns
needs), so a seek unpacks the nearest checkpoint before the tail and decodes only from there, never from
the key block. They are placed by decoding work, every :data:`CHECKPOINT_RECORDS` array records (a seek
decodes at most ~25 ms past one, at any fleet size), built in the background from ``start()`` and by any
seek that passes them, and kept packed (:mod:`services.journal.checkpoint`, about 2.3 MB at 72,000 vehicles)
within :data:`CHECKPOINT_BYTES`: past it only every n-th place keeps one, so a long journal of a large fleet
has them further apart and its seeks decode further. Incident messages a catch-up replays are
kept decoded from opening the journal on.

After a seek, vehicle trails hold only the state position and the tail's, and feed gap/restart counters count
from the start of the tail; everything else equals a straight play, provided the session takes each
delivery's ``rx`` as its receive time.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import enum
import itertools
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sitroom.services.feeds import protocol
from sitroom.services.feeds.client import Delivery, FeedConfig
from sitroom.services.feeds.health import FeedHealth
from sitroom.services.journal import checkpoint
from sitroom.services.journal.blocks import AVL, LINK, Chain
from sitroom.services.journal.format import Record, frames_of
from sitroom.services.journal.reader import JournalReader, ReadStats

log = logging.getLogger(__name__)

TAIL_MS = 15_000
MIN_SPEED = 1.0
MAX_SPEED = 60.0
SPEEDS = (1, 2, 5, 10, 30, 60)
# A checkpoint after every this many array records (vehicle and link rows; a message counts as
# _MESSAGE_RECORDS more): decoding costs about 0.32 µs a record whatever the fleet (block, envelope and
# merge included; measured on the build machine), so a seek decodes at most ~25 ms past its checkpoint.
# That is 1.3 s of journal at 72,000 vehicles (where memory spaces them further, see CHECKPOINT_BYTES),
# half a minute at 3,000.
CHECKPOINT_RECORDS = 75_000
_MESSAGE_RECORDS = 200  # a message's own share of the work (directory, envelope, buffers), in records
CHECKPOINT_MIN_MS = 1_000  # never closer in journal time (a burst of messages within one second)
# Packed checkpoints kept, at most: past it only every n-th place keeps one (see _thin). A checkpoint is
# about 2.3 MB at 72,000 vehicles (0.1 MB at 3,000), so this keeps up to ~160 of them: every 2.7 s over
# 5 minutes of a 72k journal, every 11 s over 30 minutes, every ~10 minutes over 24 hours.
CHECKPOINT_BYTES = 384 * 1024 * 1024
_REDUCE_EVERY = 1_000_000  # records buffered before the newest-per-key merge runs
_SUB_BITS = 20  # record index within a message in the ordering key (a frame holds < 2**20 records)


class _K(enum.IntEnum):
    AVL = 0
    LINK = 1
    INC = 2
    HB = 3
    CCTV = 4
    SENS = 5
    OTHER = 6


def _kind_of(topic: bytes) -> _K:
    fixed = {protocol.Topic.AVL: _K.AVL, protocol.Topic.LINK: _K.LINK, protocol.Topic.INCIDENT: _K.INC,
             protocol.Topic.HEARTBEAT: _K.HB}
    if topic in fixed:
        return fixed[topic]
    if topic.startswith(protocol.Topic.CCTV_PREFIX):
        return _K.CCTV
    if topic.startswith(protocol.Topic.SENSOR_PREFIX):
        return _K.SENS
    return _K.OTHER


@dataclass(frozen=True, slots=True)
class ReplayDelivery(Delivery):
    rx: float = 0.0  # receive time on the player's clock (the scale of JournalPlayer.now()), seconds
    recv_ms: int = 0  # receive time, epoch ms


@dataclass(frozen=True)
class IncidentEvent:
    ms: int  # when the app received it, epoch ms
    incident: str
    type: str
    status: str
    priority: int
    lon: float
    lat: float


@dataclass(frozen=True)
class _Item:
    """One message of a seek's catch-up: decoded, with its frames when it is a journal record as stored."""

    recv_ms: int
    pos: int  # journal position, or -1 for a state message put together here
    feed: int
    message: protocol.Message
    frames: list[bytes] | None


class _Latest:
    """The newest record per key (vehicle or link id) over a stretch of the journal, with its feed and time.

    Arrays are replaced, never changed in place."""

    def __init__(self, dtype: np.dtype, key: str, ts: str | None) -> None:
        self.dtype, self.key, self.ts = dtype, key, ts
        self.rec = np.empty(0, dtype)
        self.feed = np.empty(0, np.int16)
        self.recv = np.empty(0, np.int64)
        self.order = np.empty(0, np.int64)
        self._parts: list[tuple[np.ndarray, int, int, int]] = []
        self._buffered = 0

    def add(self, records: np.ndarray, feed: int, recv_ms: int, pos: int) -> None:
        if len(records):
            self._parts.append((records, feed, recv_ms, pos))
            self._buffered += len(records)
            if self._buffered >= _REDUCE_EVERY:
                self.reduce()

    def reduce(self) -> None:
        if not self._parts:
            return
        parts = self._parts
        # As raw bytes: several times quicker than concatenating structured arrays field by field.
        rec = np.concatenate([np.ascontiguousarray(a).view(np.uint8) for a in (self.rec, *(p[0] for p in parts))]
                             ).view(self.dtype)
        feed = np.concatenate([self.feed, *(np.full(len(p[0]), p[1], np.int16) for p in parts)])
        recv = np.concatenate([self.recv, *(np.full(len(p[0]), p[2], np.int64) for p in parts)])
        order = np.concatenate([self.order, *((np.int64(p[3]) << _SUB_BITS) + np.arange(len(p[0]), dtype=np.int64)
                                              for p in parts)])
        keys = rec[self.key]
        # Concatenation order is application order, and a stable sort keeps it within each key (each batch is
        # mostly sorted by id already, which the stable sort is quick on).
        idx = np.argsort(keys, kind="stable")
        ks = keys[idx]
        starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        if self.ts is None:  # the last applied wins
            keep = idx[np.r_[starts[1:], len(idx)] - 1]
        else:  # the last applied among those with the highest source time (what the vehicle layer keeps)
            t = rec[self.ts][idx]
            group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(idx)]))
            pos = np.flatnonzero(t == np.maximum.reduceat(t, starts)[group])
            g = group[pos]
            keep = idx[pos[np.r_[g[1:] != g[:-1], True]]]
        self.rec, self.feed, self.recv, self.order = rec[keep], feed[keep], recv[keep], order[keep]
        self._parts = []
        self._buffered = 0

    def groups(self, by_feed_only: bool = False) -> list[tuple[int, int, np.ndarray]]:
        """(feed, receive ms, records) per source message (or per feed), records in application order."""
        self.reduce()
        if not len(self.rec):
            return []
        o = np.argsort(self.order)  # the order keys differ from each other: no need for a stable sort
        feed, recv = self.feed[o].astype(np.int64), self.recv[o]
        key = feed if by_feed_only else recv * 65536 + feed
        g = np.argsort(key, kind="stable")  # mostly in order already (positions follow receive times)
        o, feed, recv, key = o[g], feed[g], recv[g], key[g]
        rec = self.rec[o]
        bounds = np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1, len(key)].tolist()
        return [(int(feed[a]), int(recv[a:b].max()), rec[a:b]) for a, b in itertools.pairwise(bounds)]

    @property
    def nbytes(self) -> int:
        return int(self.rec.nbytes + self.feed.nbytes + self.recv.nbytes + self.order.nbytes)


def _marks(cost_before: np.ndarray, recv: np.ndarray, starts: np.ndarray) -> list[int]:
    """Positions among ``starts`` where a checkpoint goes: the first after each CHECKPOINT_RECORDS of decoding
    (``cost_before``: cumulated up to each position) and at least CHECKPOINT_MIN_MS after the one before."""
    marks: list[int] = []
    if not len(starts):
        return marks
    cost, ms = cost_before[starts], recv[starts]
    j = 0
    last_cost, last_ms = 0, int(recv[0])
    while True:
        j = max(j, int(np.searchsorted(cost, last_cost + CHECKPOINT_RECORDS)),
                int(np.searchsorted(ms, last_ms + CHECKPOINT_MIN_MS)))
        if j >= len(starts):
            return marks
        marks.append(int(starts[j]))
        last_cost, last_ms = int(cost[j]), int(ms[j])
        j += 1


@dataclass
class _State:
    avl: _Latest
    link: _Latest

    @classmethod
    def empty(cls) -> _State:
        return cls(_Latest(protocol.AVL_DTYPE, "id", "ts"), _Latest(protocol.LINK_DTYPE, "link", None))

    def pack(self, chain: Chain | None) -> bytes:
        """The state and the chain as one blob (:mod:`services.journal.checkpoint`). Only records and their
        order keys are stored: the feed and receive time follow from the journal position in the key. The
        records are stored against what the chain remembers of their vehicle or link (:meth:`History.xor_last`),
        which they mostly equal: that halves the checkpoint."""
        self.avl.reduce()
        self.link.reduce()
        avl, link = self.avl.rec, self.link.rec
        if chain is not None:
            avl, link = chain.history[AVL].xor_last(avl), chain.history[LINK].xor_last(link)
        return checkpoint.pack([avl, self.avl.order, link, self.link.order, *(chain.arrays() if chain else [])])

    @classmethod
    def unpack(cls, blob: bytes, with_chain: bool, feed: np.ndarray, recv: np.ndarray) -> tuple[_State, Chain | None]:
        layout = [protocol.AVL_DTYPE, np.dtype(np.int64), protocol.LINK_DTYPE, np.dtype(np.int64)]
        arrays = checkpoint.unpack(blob, layout + Chain.layout() if with_chain else layout)
        chain = Chain.from_arrays(arrays[4:]) if with_chain else None
        if chain is not None:
            arrays[0], arrays[2] = chain.history[AVL].xor_last(arrays[0]), chain.history[LINK].xor_last(arrays[2])
        state = cls.empty()
        for latest, rec, order in ((state.avl, *arrays[0:2]), (state.link, *arrays[2:4])):
            pos = order >> _SUB_BITS
            latest.rec, latest.order, latest.feed, latest.recv = rec, order, feed[pos], recv[pos]
        return state, chain


def _fresh(value: Any) -> Any:
    """A copy of a decoded map's dicts and lists (what msgpack gives; the rest is immutable)."""
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


@dataclass(frozen=True)
class _Checkpoint:
    """The state over the first ``k`` records, packed with the codec's chain before the block of record ``k``
    (so decoding goes on from there instead of from its key block)."""

    blob: bytes
    chain_at: tuple[int, int] | None  # (segment, block) the chain is for; None: nothing to decode with


class JournalPlayer:
    """A journal directory played back on a clock of its own; see the module text."""

    def __init__(self, directory: Path, *, clock: Callable[[], float] = time.monotonic,
                 prepare: dict[str, Callable[[protocol.Message], Any]] | None = None,
                 precompute: bool = True) -> None:
        self.directory = Path(directory)
        self._reader = JournalReader(self.directory)
        self.meta = self._reader.meta
        self._clock = clock
        self._prepare = dict(prepare or {})
        self._precompute_enabled = precompute
        self.strict = False
        self.error: BaseException | None = None
        self.on_reset: list[Callable[[], None]] = []  # called on a seek that rebuilds: empty the models
        self.resets = 0
        self._build_feeds()
        self._build_index()
        self._pending: deque[ReplayDelivery] = deque()
        self._next = 0
        self._speed = 1.0
        self._playing = False
        self._anchor_pos = float(self.start_ms)
        self._anchor_wall = clock()
        self._checkpoints: dict[int, _Checkpoint] = {}
        self._ck_bytes = 0
        self._ck_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._scan_events()
        if len(self._recv) and self._recv[0] < self.start_ms:
            self._rebuild(self.start_ms)  # a slice: the state before it comes first

    # ------------------------------------------------------------ set-up

    def _build_feeds(self) -> None:
        endpoints: dict[str, str] = {}
        for f in self.meta.get("feeds") or []:
            if isinstance(f, dict) and isinstance(f.get("name"), str):
                endpoints.setdefault(f["name"], str(f.get("endpoint") or "journal"))
        names = list(endpoints)
        names += [n for n in self._reader.feed_names if n not in endpoints]
        self.feeds = [FeedConfig(n, endpoints.get(n, "journal")) for n in names]
        self.health = [FeedHealth(f.name, f.endpoint) for f in self.feeds]
        self._feed_of_reader = np.array([names.index(n) for n in self._reader.feed_names], dtype=np.int16)

    def _build_index(self) -> None:
        """Every record's receive time, place, feed, topic and size, in receive order (ties: stored order)."""
        segs = self._reader.segments

        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)

        recv = cat([s.recv_ms for s in segs], np.int64)
        order = np.argsort(recv, kind="stable")
        self._recv = recv[order]
        self._seg = cat([np.full(len(s), i) for i, s in enumerate(segs)], np.int32)[order]
        self._rec = cat([np.arange(len(s)) for s in segs], np.int64)[order]
        feeds = cat([s.feeds for s in segs], np.int64)[order]
        self._feed = self._feed_of_reader[feeds] if len(feeds) else np.empty(0, np.int16)
        self._topic = cat([s.topics for s in segs], np.int64)[order]
        topic_kind = np.array([_kind_of(t) for t in self._reader.topic_names] or [0], dtype=np.int8)
        self._kind = topic_kind[self._topic] if len(self._topic) else np.empty(0, np.int8)
        payload = cat([s.payload_bytes for s in segs], np.int64)[order]
        self._nbytes = cat([s.nbytes for s in segs], np.int64)[order]
        self._nrec = np.ones(len(payload), np.int64)  # records per message, as the feed health counts them
        for k, size in ((_K.AVL, protocol.AVL_DTYPE.itemsize), (_K.LINK, protocol.LINK_DTYPE.itemsize)):
            m = self._kind == k
            self._nrec[m] = payload[m] // size
        self._state_pos = np.flatnonzero(np.isin(self._kind, (_K.AVL, _K.LINK)))
        first, last = (int(self._recv[0]), int(self._recv[-1])) if len(self._recv) else (0, 0)
        sl = self.meta.get("slice") if isinstance(self.meta.get("slice"), dict) else {}
        self.start_ms = int(sl.get("from_ms", first)) if len(self._recv) or sl else first
        self.end_ms = max(self.start_ms, int(sl.get("to_ms", last)) if sl else last)
        # Checkpoint places: the first record of a block (decoding can start there), every CHECKPOINT_RECORDS.
        starts = cat([s.slot == 0 if s.slot is not None else np.ones(len(s), bool) for s in segs], bool)[order]
        cost = np.where(np.isin(self._kind, (_K.AVL, _K.LINK)), self._nrec + _MESSAGE_RECORDS, 0)
        self._full_grid = _marks(np.r_[0, np.cumsum(cost)[:-1]].astype(np.int64), self._recv,
                                 np.flatnonzero(starts[1:]) + 1 if len(starts) else np.empty(0, np.int64))
        self._stride = 1  # of the full grid, the marks kept: every stride-th
        self._grid = list(self._full_grid)
        self._grid_set = set(self._grid)

    def _scan_events(self) -> None:
        """Incident events for the timeline, and which incident messages a catch-up must replay."""
        self._events: list[IncidentEvent] = []
        self._inc_keep = np.zeros(len(self._recv), dtype=bool)
        # The messages a catch-up replays, kept decoded: a seek neither reads nor validates them again (a
        # day of calls is thousands of them, a few hundred bytes each).
        self._inc_records: dict[int, tuple[Record, protocol.Message]] = {}
        seen: set[tuple[str, str]] = set()
        previous: dict[str, tuple] = {}
        for p in np.flatnonzero(self._kind == _K.INC):
            rec = self.record_at(int(p))
            try:
                msg = protocol.decode(rec.frames) if rec is not None else None
            except protocol.DecodeError:
                msg = None
            if rec is None or msg is None:
                continue
            inc = msg.payload
            state = (inc["status"], tuple(inc.get("units") or ()))
            if previous.get(inc["id"]) != state:
                previous[inc["id"]] = state
                self._inc_keep[p] = True
                self._inc_records[int(p)] = (rec, msg)
            if (inc["id"], inc["status"]) not in seen:
                seen.add((inc["id"], inc["status"]))
                self._events.append(IncidentEvent(int(self._recv[p]), inc["id"], inc["type"], inc["status"],
                                                  int(inc["priority"]), float(inc["lon"]), float(inc["lat"])))

    def __len__(self) -> int:
        return len(self._recv)

    # ------------------------------------------------------------ feed-client interface

    def start(self) -> None:
        if self._thread is None and self._precompute_enabled and self._grid:
            self._stop.clear()
            self._thread = threading.Thread(target=self._precompute, name="sitroom-replay-index", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10.0)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self._reader.close()

    def drain(self, limit: int | None = None) -> list[Delivery]:
        """Messages received at or before the position and not handed out yet, oldest first."""
        pos = self.position_ms
        cap = len(self._recv) + len(self._pending) if limit is None else limit
        out: list[Delivery] = []
        while self._pending and len(out) < cap:
            out.append(self._pending.popleft())
        recv, n = self._recv, len(self._recv)
        while self._next < n and len(out) < cap and recv[self._next] <= pos:
            p = self._next
            self._next += 1
            d = self._deliver(p)
            if d is not None:
                out.append(d)
        return out

    @property
    def pending(self) -> int:
        due = int(np.searchsorted(self._recv, self.position_ms, side="right")) - self._next
        return len(self._pending) + max(0, due)

    # ------------------------------------------------------------ timeline

    def now(self) -> float:
        """The replay clock in seconds: what the session and the window should use as "now"."""
        return self.position_ms / 1000.0

    @property
    def position_ms(self) -> int:
        if self._playing:
            pos = self._anchor_pos + (self._clock() - self._anchor_wall) * 1000.0 * self._speed
            if pos >= self.end_ms:
                self._playing = False
                self._set_anchor(self.end_ms)
                return self.end_ms
            return int(pos)
        return int(self._anchor_pos)

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._set_anchor(self.position_ms)
        self._speed = float(min(MAX_SPEED, max(MIN_SPEED, value)))

    @property
    def playing(self) -> bool:
        _ = self.position_ms  # reaching the end pauses
        return self._playing

    @property
    def at_end(self) -> bool:
        return self.position_ms >= self.end_ms

    def play(self) -> None:
        if self.position_ms >= self.end_ms:
            self.seek(self.start_ms)
        self._set_anchor(self.position_ms)
        self._playing = self.end_ms > self.start_ms

    def pause(self) -> None:
        self._set_anchor(self.position_ms)
        self._playing = False

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def seek(self, ms: int) -> None:
        """Move to ``ms`` (clamped to the journal). Back, or far forward, rebuilds: see the module text."""
        target = int(min(self.end_ms, max(self.start_ms, ms)))
        cur = self.position_ms
        if cur <= target <= cur + TAIL_MS:
            self._set_anchor(target)
        else:
            self._rebuild(target)

    def events(self) -> list[IncidentEvent]:
        """Each incident's first report and every status it reached, in time order."""
        return list(self._events)

    @property
    def checkpoints(self) -> tuple[int, int]:
        """How many seek checkpoints are kept, and their packed bytes (at most CHECKPOINT_BYTES)."""
        with self._ck_lock:
            return len(self._checkpoints), self._ck_bytes

    @property
    def stats(self) -> ReadStats:
        """The reader's counts: records, corrupt records skipped, torn bytes ignored."""
        return self._reader.stats

    def _set_anchor(self, pos: float) -> None:
        self._anchor_pos = float(pos)
        self._anchor_wall = self._clock()

    # ------------------------------------------------------------ reading

    def _decode_at(self, p: int) -> protocol.Message | None:
        rec = self._reader.read(int(self._seg[p]), int(self._rec[p]))
        if rec is None:
            return None
        try:
            return protocol.decode(rec.frames)
        except protocol.DecodeError:
            return None

    def _deliver(self, p: int) -> ReplayDelivery | None:
        rec = self._reader.read(int(self._seg[p]), int(self._rec[p]))
        if rec is None:
            return None
        fi = int(self._feed[p])
        health = self.health[fi]
        try:
            # As the live client does: a journal written before impossible positions were refused at the door
            # still holds them; they are dropped and counted the same way.
            msg, dropped, detail = protocol.drop_bad_positions(protocol.decode(rec.frames))
        except protocol.DecodeError as err:
            health.record_error(err.reason, err.detail)
            return None
        if dropped:
            health.record_error("bad-position", detail, dropped)
        rx = rec.recv_ms / 1000.0
        health.accept(msg.topic, msg.env, rx, msg.nbytes, int(self._nrec[p]))
        if msg.env.kind == protocol.Kind.HEARTBEAT:
            seqs = msg.payload.get("seqs")
            if isinstance(seqs, dict):
                health.heartbeat_seqs(msg.env.src, seqs)
            return None
        return self._delivery(fi, msg, rec.recv_ms)

    def _delivery(self, feed: int, msg: protocol.Message, recv_ms: int) -> ReplayDelivery:
        hook = self._prepare.get(msg.env.kind)
        return ReplayDelivery(feed=feed, message=msg, prepared=hook(msg) if hook is not None else None,
                              rx=recv_ms / 1000.0, recv_ms=recv_ms)

    # ------------------------------------------------------------ seeking

    def _rebuild(self, target: int) -> None:
        k_tail = int(np.searchsorted(self._recv, target - TAIL_MS, side="right"))
        self._pending.clear()
        self.resets += 1
        for callback in list(self.on_reset):
            callback()
        self._reset_health(k_tail)
        for item in self._plan(k_tail):
            self._pending.append(self._delivery(item.feed, item.message, item.recv_ms))
        self._next = k_tail
        self._set_anchor(target)

    def _reset_health(self, k: int) -> None:
        """Feed health as of the first ``k`` records: totals and the last receive time of each feed."""
        for i, f in enumerate(self.feeds):
            self.health[i] = FeedHealth(f.name, f.endpoint)
        if not k:
            return
        feed = self._feed[:k].astype(np.int64)
        nf = len(self.feeds)
        messages = np.bincount(feed, minlength=nf)
        records = np.bincount(feed, weights=self._nrec[:k], minlength=nf)
        nbytes = np.bincount(feed, weights=self._nbytes[:k], minlength=nf)
        rev = feed[::-1]
        fids, first = np.unique(rev, return_index=True)
        for fi, r in zip(fids, first, strict=True):
            h = self.health[int(fi)]
            last = k - 1 - int(r)
            h.messages, h.records, h.bytes = int(messages[fi]), int(records[fi]), int(nbytes[fi])
            h.last_rx = float(self._recv[last]) / 1000.0
            env = self._reader.envelope(int(self._seg[last]), int(self._rec[last]))  # no payload to decode
            if env is not None:
                with contextlib.suppress(protocol.DecodeError):
                    h.last_src_ts = protocol.decode_envelope(env).ts

    def _state_at(self, k: int) -> _State:
        """Newest vehicle and link records over the first ``k`` records, from the nearest checkpoint."""
        with self._ck_lock:
            marks = sorted(self._checkpoints)
            i = bisect.bisect_right(marks, k)
            start = marks[i - 1] if i else 0
            ck = self._checkpoints[start] if start else None
        state = _State.empty()
        if ck is not None:
            state, chain = _State.unpack(ck.blob, ck.chain_at is not None, self._feed, self._recv)
            if ck.chain_at is not None and chain is not None:
                self._reader.resume(*ck.chain_at, chain)
        self._advance(state, start, k)
        return state

    def _advance(self, state: _State, a: int, b: int, stop: threading.Event | None = None) -> bool:
        """Fold records [a, b) into ``state``, leaving checkpoints on the grid; False when stopped."""
        lo, hi = np.searchsorted(self._state_pos, (a, b), side="left")
        grid = self._grid
        marks = grid[bisect.bisect_right(grid, a):bisect.bisect_right(grid, b)]
        positions = self._state_pos[lo:hi]
        for j, p in enumerate(positions):
            p = int(p)
            while marks and marks[0] <= p:
                self._keep_checkpoint(marks.pop(0), state)
            if stop is not None:
                if stop.is_set():
                    return False
                if j % 64 == 0:
                    time.sleep(0)  # let the GUI thread in
            msg = self._decode_at(p)
            if msg is None:
                continue
            feed, recv = int(self._feed[p]), int(self._recv[p])
            if msg.env.kind == protocol.Kind.AVL_BATCH:
                state.avl.add(msg.payload, feed, recv, p)
            elif msg.env.kind == protocol.Kind.LINK_SPEEDS:
                kmh = msg.payload["kmh"]
                state.link.add(msg.payload[np.isfinite(kmh) & (kmh >= 0)], feed, recv, p)
        for mark in marks:
            self._keep_checkpoint(mark, state)
        return True

    def _keep_checkpoint(self, k: int, state: _State) -> None:
        with self._ck_lock:
            if k in self._checkpoints or k not in self._grid_set:
                return
        seg, rec = int(self._seg[k]), int(self._rec[k])
        b = self._reader.block_of(seg, rec)
        chain = self._reader.chain_before(seg, b) if b is not None else None
        ck = _Checkpoint(state.pack(chain), (seg, b) if chain is not None and b is not None else None)
        with self._ck_lock:
            if k in self._checkpoints or k not in self._grid_set:
                return
            self._checkpoints[k] = ck
            self._ck_bytes += len(ck.blob)
            while self._ck_bytes > CHECKPOINT_BYTES and len(self._grid) > 1:
                self._thin()

    def _thin(self) -> None:
        """Keep fewer checkpoint places, and only the checkpoints on them: every stride-th place of the full
        grid, the stride a multiple of the one before (so the places kept are among those built), chosen so
        that the whole journal's checkpoints fit CHECKPOINT_BYTES at the size seen so far, a tenth to spare.
        Memory stays within it however long the journal; a seek decodes up to stride times further."""
        mean = self._ck_bytes / max(1, len(self._checkpoints))
        more = math.ceil(len(self._full_grid) * mean * 1.1 / CHECKPOINT_BYTES / self._stride)
        self._stride *= max(2, more)
        self._grid = self._full_grid[self._stride - 1::self._stride]
        self._grid_set = set(self._grid)
        for k in [k for k in self._checkpoints if k not in self._grid_set]:
            self._ck_bytes -= len(self._checkpoints.pop(k).blob)

    def _precompute(self) -> None:
        try:
            self._advance(_State.empty(), 0, len(self._recv), self._stop)
        except Exception:  # the index is an optimisation: seeks still work without it
            log.exception("replay: building the seek index failed")

    def _plan(self, k: int) -> list[_Item]:
        """The messages that rebuild the state of the first ``k`` records, in receive order."""
        items: list[_Item] = []
        # Incidents: every message that can change the book; CCTV and sensors: the newest per topic.
        raw = list(np.flatnonzero(self._inc_keep[:k]))
        # Other stateful maps (facilities and their device alarms): every message, as rare as incidents'.
        other = [i for i, t in enumerate(self._reader.topic_names) if t in protocol.STATEFUL_TOPICS
                 and _kind_of(t) == _K.OTHER]
        if other:
            raw += list(np.flatnonzero(np.isin(self._topic[:k], other)))
        latest = np.flatnonzero(np.isin(self._kind[:k], (_K.CCTV, _K.SENS)))
        if len(latest):
            rev = latest[::-1]
            _, first = np.unique(self._topic[rev], return_index=True)
            raw += list(rev[first])
        for p in sorted(int(x) for x in raw):
            if p in self._inc_records:
                rec, msg = self._inc_records[p]
                # Each seek hands out a payload of its own, as decoding would (the session may keep it).
                msg = dataclasses.replace(msg, payload=_fresh(msg.payload))
            else:
                rec = self._reader.read(int(self._seg[p]), int(self._rec[p]))
                if rec is None:
                    continue
                try:
                    msg = protocol.decode(rec.frames)
                except protocol.DecodeError:
                    continue
            items.append(_Item(rec.recv_ms, p, int(self._feed[p]), msg, rec.frames))
        state = self._state_at(k)
        for kind, topic, latest_of, by_feed in ((protocol.Kind.AVL_BATCH, protocol.Topic.AVL, state.avl, False),
                                                (protocol.Kind.LINK_SPEEDS, protocol.Topic.LINK, state.link, True)):
            for feed, recv, records in latest_of.groups(by_feed_only=by_feed):
                env = protocol.Envelope(protocol.PROTOCOL_VERSION, kind, "journal-state", "replay", 0, recv)
                items.append(_Item(recv, -1, feed, protocol.Message(topic, env, records, records.nbytes), None))
        items.sort(key=lambda it: (it.recv_ms, it.pos))
        return items

    def state_records(self, ms: int) -> list[tuple[str, list[bytes], int]]:
        """(feed, frames, recv_ms) that rebuild the state just before ``ms``; what an exported slice starts with."""
        k = int(np.searchsorted(self._recv, ms, side="left"))
        return [(self.feeds[it.feed].name, it.frames if it.frames is not None else frames_of(it.message), it.recv_ms)
                for it in self._plan(k)]

    def positions_between(self, from_ms: int, to_ms: int) -> tuple[int, int]:
        """Journal positions [a, b) of the records received within [from_ms, to_ms]."""
        return (int(np.searchsorted(self._recv, from_ms, side="left")),
                int(np.searchsorted(self._recv, to_ms, side="right")))

    def record_at(self, p: int) -> Record | None:
        """The stored record at journal position ``p`` (receive order), None when it fails its checksum."""
        return self._reader.read(int(self._seg[p]), int(self._rec[p]))
