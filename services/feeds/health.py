"""Per-source feed health: rates, ages, sequence gaps, publisher restarts, snapshots, handshakes and errors.

Written by the socket thread, read by the GUI. Every field is a plain int/float/str/dict replaced whole, so a
reader sees a consistent enough value without locks. ``record_error`` may also be called from other threads
(the camera decoders count the frames they refuse) and takes a lock.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections import Counter, deque
from dataclasses import dataclass, field

from sitroom.services.feeds.protocol import (
    HEARTBEAT_INTERVAL_S,
    OFFLINE_AFTER_S,
    STALE_AFTER_HEARTBEATS,
    Envelope,
    SnapshotEnd,
    Topic,
)

log = logging.getLogger(__name__)

STALE_AFTER_S = HEARTBEAT_INTERVAL_S * STALE_AFTER_HEARTBEATS
_RATE_WINDOW_S = 5.0
# Why a publisher is taken to have restarted (FeedHealth.restart_reasons).
RESTART_NEW_SESSION = "new-session"
RESTART_SEQ_WENT_BACK = "seq-went-back"  # started over without a new session id: a publisher bug


class FeedState(enum.Enum):
    WAITING = "waiting"  # nothing received yet
    LIVE = "live"
    STALE = "stale"  # silent for more than STALE_AFTER_S
    OFFLINE = "offline"  # silent for more than OFFLINE_AFTER_S: the publisher is gone, not just late
    REJECTED = "rejected"  # not live, and the last handshake failed (untrusted key): see FeedHealth.rejected


def describe_source(src: str, own: dict) -> str:
    """One line for what a publisher's heartbeats say of its own input (``"health"``, docs/protocol.md §7): an
    adapter's received, published and dropped counts by reason, a relay's subscribers. Any map is shown safely."""
    head = f"{own.get('kind', 'source')} {src}" if isinstance(own.get("kind"), str) else src
    parts = [f"{k} {v}" for k, v in own.items() if k not in ("kind", "dropped") and isinstance(v, int | float | str)
             and not isinstance(v, bool)][:8]
    dropped = own.get("dropped")
    if isinstance(dropped, dict) and dropped:
        parts.append("dropped " + ", ".join(f"{k} {v}" for k, v in list(dropped.items())[:8]))
    return f"{head}: {'; '.join(str(p)[:80] for p in parts)}"


@dataclass
class FeedHealth:
    name: str
    endpoint: str
    messages: int = 0
    records: int = 0
    bytes: int = 0
    decode_errors: int = 0
    errors: Counter = field(default_factory=Counter)
    last_error: str = ""
    seq_gaps: int = 0  # messages known to be missing (seq jumps)
    out_of_order: int = 0  # seq not newer than the last one seen: dropped
    restarts: int = 0  # a publisher came back: with a new session id, or its seq started over
    restart_reasons: Counter = field(default_factory=Counter)  # RESTART_* -> count
    last_restart: str = ""  # who restarted, how it showed, and what that says about the publisher
    dropped_overflow: int = 0  # dropped because the app could not keep up
    snapshots: int = 0  # snapshots applied (the first one and every resync)
    snapshot_records: int = 0
    resyncs: int = 0  # snapshots applied because of a gap, a restart, a reconnect or an inbox overflow
    resync_reason: str = ""  # why the last (or pending) snapshot was asked for: start, gap, restart, ...
    snapshot_skipped: int = 0  # updates already contained in a snapshot, dropped
    snapshot_service: bool | None = None  # the publisher's heartbeats say it answers snapshot requests
    syncing: bool = False  # a snapshot request is out; updates wait until it is answered
    connected: bool | None = None  # the feed socket's connection per its monitor (None: not known yet)
    rejected: str = ""  # why the last handshake failed (untrusted publisher key, client not allowed), or ""
    handshake_failures: int = 0
    redials: int = 0  # connections dropped and dialled again because the feed fell silent
    warning: str = ""  # e.g. plaintext on a network endpoint (security.check_plaintext)
    last_rx: float | None = None  # monotonic seconds
    last_src_ts: int = 0  # source time of the last message, epoch ms
    publishers: dict[str, str] = field(default_factory=dict)  # src -> sess
    # What each publisher says of its own input in its heartbeats (an adapter's received, published and dropped
    # counts; a relay's fan-out): src -> the heartbeat's "health" map, replaced whole.
    sources: dict[str, dict] = field(default_factory=dict)
    _last_seq: dict[tuple[str, str], int] = field(default_factory=dict)  # (src, topic) -> seq
    _floor: dict[tuple[str, str], int] = field(default_factory=dict)  # (src, topic) -> last snapshot's seq
    _retired: dict[str, set] = field(default_factory=dict)  # src -> sessions it has left behind
    _rate: deque = field(default_factory=lambda: deque(maxlen=64))  # (t, messages) samples
    _logged: set = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def state(self, now: float) -> FeedState:
        if self.last_rx is None:
            return FeedState.REJECTED if self.rejected else FeedState.WAITING
        age = now - self.last_rx
        if age <= STALE_AFTER_S:
            return FeedState.LIVE
        if self.rejected:
            return FeedState.REJECTED
        return FeedState.OFFLINE if age > OFFLINE_AFTER_S else FeedState.STALE

    def age(self, now: float) -> float | None:
        return None if self.last_rx is None else now - self.last_rx

    def reason_counts(self) -> dict[str, int]:
        """Every reason this feed has counted for something dropped, lost or done again, with its count: the
        decode reasons of ``errors`` (``oversized`` included; ``bad-position`` counts records), ``out-of-order``,
        ``snapshot-skipped``, ``dropped-overflow``, ``seq-gap`` (messages lost), ``restart:<reason>`` per
        RESTART_* reason, ``handshake-failed`` and ``silent-redial``. Non-zero counts only, most frequent first;
        safe to call from any thread (the dock's tooltip, the app's ``--stats`` line)."""
        counts = Counter(dict(self.errors))  # dict() copies in one step, while the socket thread may add a key
        counts.update({f"restart:{k}": v for k, v in dict(self.restart_reasons).items()})
        counts.update({"out-of-order": self.out_of_order, "snapshot-skipped": self.snapshot_skipped,
                       "dropped-overflow": self.dropped_overflow, "seq-gap": self.seq_gaps,
                       "handshake-failed": self.handshake_failures, "silent-redial": self.redials})
        return {k: v for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if v}

    def rate(self, now: float) -> float:
        """Messages per second over the last few seconds (0 when silent)."""
        samples = [(t, m) for t, m in self._rate if now - t <= _RATE_WINDOW_S]
        if not samples or now - samples[-1][0] > STALE_AFTER_S:
            return 0.0
        t0, m0 = samples[0]
        span = max(now - t0, 1.0)
        return (self.messages - m0) / span

    # ------------------------------------------------------------ written by the socket thread

    def record_error(self, reason: str, detail: str, n: int = 1) -> None:
        """``n`` messages (or, for ``bad-position``, records) dropped for ``reason``. Any thread."""
        with self._lock:
            self.decode_errors += n
            self.errors[reason] += n
            self.last_error = f"{reason}: {detail}" if detail else reason
            first = reason not in self._logged  # once per source and reason, never a log flood
            self._logged.add(reason)
        if first:
            log.warning("feed %s (%s): dropping bad message: %s", self.name, self.endpoint, self.last_error)

    def accept(self, topic: bytes, env: Envelope, now: float, nbytes: int, records: int) -> bool:
        """Account one decoded message; returns False when it must be dropped (stale or replayed seq)."""
        if self.publishers.get(env.src) != env.sess:
            if env.sess in self._retired.get(env.src, ()):  # a session that has ended: its messages are old
                self.out_of_order += 1
                return False
            self._new_session(env.src, env.sess)
        key = (env.src, topic.decode("ascii"))
        last = self._last_seq.get(key)
        if last is not None and env.seq < last and topic == Topic.HEARTBEAT:
            # Heartbeats keep their order on a connection and are never part of a snapshot, so one numbered below
            # the last can only come from a publisher that started over under its old session id.
            self._started_over(env.src, env.sess, f"heartbeat seq {env.seq} after {last}")
            last = None
        if last is not None:
            if env.seq <= last:
                if env.seq <= self._floor.get(key, -1):
                    self.snapshot_skipped += 1
                else:
                    self.out_of_order += 1
                return False
            self.seq_gaps += env.seq - last - 1
        self._last_seq[key] = env.seq
        self.messages += 1
        self.records += records
        self.bytes += nbytes
        self.last_rx = now if self.last_rx is None else max(self.last_rx, now)
        self.last_src_ts = env.ts
        if not self._rate or now - self._rate[-1][0] >= 0.25:
            self._rate.append((now, self.messages))
        return True

    def _new_session(self, src: str, sess: str) -> None:
        old = self.publishers.get(src)
        if old is not None:
            self._restarted(src, RESTART_NEW_SESSION, f"{src} restarted (new session {sess})")
            log.info("feed %s: publisher %s restarted (session %s)", self.name, src, sess)
            retired = self._retired.setdefault(src, set())
            if len(retired) > 64:  # bounded: a session id never comes back, so the oldest are safe to forget
                retired.clear()
            retired.add(old)
        self.publishers = {**self.publishers, src: sess}

    def _started_over(self, src: str, sess: str, how: str) -> None:
        """Sequence numbers that went back within a session: the publisher restarted but kept its session id. Its
        old numbers would make every new message look old (the feed would fall silent while it sends), so they
        are forgotten as after any restart."""
        self._restarted(src, RESTART_SEQ_WENT_BACK,
                        f"{src} started over in session {sess} ({how}): a publisher must draw a new session id "
                        "on every start")
        if (RESTART_SEQ_WENT_BACK, src) not in self._logged:
            self._logged.add((RESTART_SEQ_WENT_BACK, src))
            log.warning("feed %s (%s): %s", self.name, self.endpoint, self.last_restart)

    def _restarted(self, src: str, reason: str, text: str) -> None:
        self.restarts += 1
        self.restart_reasons[reason] += 1
        self.last_restart = text
        for key in [k for k in self._last_seq if k[0] == src]:
            del self._last_seq[key]
        for key in [k for k in self._floor if k[0] == src]:
            del self._floor[key]

    def forget_topics(self, prefixes: set[bytes] | frozenset[bytes]) -> None:
        """Sequence numbers of these topics (and those they prefix) no longer say anything: the receiver stopped
        or started listening to them, so the messages in between were never meant to arrive (not a gap)."""
        names = tuple(p.decode("ascii") for p in prefixes)
        for key in [k for k in self._last_seq if k[1].startswith(names)]:
            del self._last_seq[key]
        for key in [k for k in self._floor if k[1].startswith(names)]:
            del self._floor[key]

    def heartbeat_seqs(self, src: str, seqs: dict) -> list[str]:
        """A heartbeat's latest seq per topic reveals messages lost at the tail of a burst; returns the topics
        that lost some."""
        lost = []
        for topic, seq in seqs.items():
            last = self._last_seq.get((src, str(topic)))
            if isinstance(seq, int) and last is not None and seq > last:
                self.seq_gaps += seq - last
                self._last_seq[(src, str(topic))] = seq
                lost.append(str(topic))
        return lost

    def snapshot_applied(self, end: SnapshotEnd, records: int) -> None:
        """Updates up to the snapshot's seq of each topic are contained in it: later copies are skipped."""
        if self.publishers.get(end.src) != end.sess:
            self._new_session(end.src, end.sess)
        else:
            # A snapshot holds every update the receiver has seen from this session (docs/protocol.md §10.1), so
            # a seq below one already seen means the publisher started over.
            back = [(t, s, self._last_seq[(end.src, t)]) for t, s in end.seqs.items()
                    if s < self._last_seq.get((end.src, t), s)]
            if back:
                topic, seq, last = back[0]
                self._started_over(end.src, end.sess, f"snapshot {topic} seq {seq} after {last}")
        for topic, seq in end.seqs.items():
            key = (end.src, topic)
            self._last_seq[key] = max(self._last_seq.get(key, 0), seq)
            self._floor[key] = seq
        self.snapshots += 1
        self.snapshot_records += records
