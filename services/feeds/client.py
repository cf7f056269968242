"""Feed client: one socket thread subscribes to every configured endpoint and decodes what arrives.

Decoded messages wait in an inbox that the GUI's frame timer drains, so the GUI thread never touches a
socket and a burst of messages costs one apply per frame rather than one repaint per message.

Snapshots (the zguide's Clone pattern, docs/protocol.md §10): next to its SUB, each feed has a DEALER to the
publisher's snapshot ROUTER. The SUB subscribes first; then the DEALER asks for the snapshot, and updates
arriving meanwhile wait. The snapshot is delivered (``Delivery.snapshot``), then the waiting updates newer
than it. The same happens again after a gap in ``seq``, a new ``sess``, a reconnect or an inbox overflow, so
the app converges to the publisher's state whatever PUB/SUB dropped. A publisher whose heartbeats do not
announce a snapshot service works as before: gaps are only counted.

Besides the prefixes configured for a feed, :meth:`FeedClient.set_topics` subscribes it to a set that changes
while it runs (the camera frames on screen), from any thread; the socket thread applies each change.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import zmq
from zmq.utils.monitor import recv_monitor_message

from sitroom.services.feeds import protocol
from sitroom.services.feeds.health import FeedHealth
from sitroom.services.feeds.security import (
    KeyFileError,
    KeyPair,
    Security,
    check_plaintext,
    describe_handshake_failure,
    public_key,
)
from sitroom.services.feeds.sockets import SILENT_REDIAL_S, configure

log = logging.getLogger(__name__)

# Messages drained from one socket before the poller looks at the others again (fairness across feeds).
_DRAIN_PER_WAKEUP = 256
# Decoded messages waiting for the GUI. Past this the oldest are dropped and counted: the app is too slow,
# and fresher positions are worth more than old ones.
DEFAULT_INBOX_LIMIT = 20_000
# A snapshot request is given up after this long without a reply frame, and asked again after a back-off.
SNAPSHOT_TIMEOUT_S = 1.0
SNAPSHOT_RETRY_MIN_S = 0.1
SNAPSHOT_RETRY_MAX_S = 5.0
# An app too slow for its inbox resyncs at most this often (each snapshot adds to the inbox itself).
OVERFLOW_RESYNC_MIN_S = 2.0
# Updates held while a snapshot is on its way; past this the oldest go (the seq check then asks again).
MAX_HELD_UPDATES = 100_000
# A publisher that refused this client's key (ZAP) ends the connection for good as far as ZeroMQ goes; the
# client dials again itself, backing off, so adding the key to the publisher's allowlist is enough.
REDIAL_MIN_S = 1.0
REDIAL_MAX_S = 30.0
# ZMQ_MAXMSGSIZE of every feed socket, per frame: a deliberate ceiling well above protocol.MAX_FRAME_BYTES, so a
# payload over the protocol's limit still arrives and is counted as "oversized" by the decoder, the messages
# around it intact, while a bigger frame is refused by ZeroMQ before it is allocated. ZeroMQ then drops the
# connection for good (a protocol error: no reconnect of its own); the client dials again at once and counts it.
RECEIVE_LIMIT_BYTES = 4 * protocol.MAX_FRAME_BYTES
# After a connection drops, ZeroMQ's own reconnect shows (EVENT_CONNECT_RETRIED) within microseconds; one that
# has not shown after this long will not come: the connection was dropped for a frame over the limit.
DROP_VERDICT_S = 0.5
_POLL_MS = 50
DERIVED = "derived"

_HANDSHAKE_FAILED = (zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                     | zmq.EVENT_HANDSHAKE_FAILED_AUTH)
_MONITOR_EVENTS = (zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_DISCONNECTED | zmq.EVENT_CONNECT_RETRIED
                   | _HANDSHAKE_FAILED)
_T = TypeVar("_T")


@dataclass(frozen=True)
class FeedConfig:
    name: str
    endpoint: str
    topics: tuple[bytes, ...] = (b"",)  # prefixes to subscribe to; heartbeats are always added
    # The publisher's snapshot ROUTER: by default derived from ``endpoint`` (protocol.snapshot_endpoint:
    # ``…/avl.sock`` → ``…/avl.snap.sock``, tcp port + 1000); None for a publisher without one.
    snapshot: str | None = DERIVED
    # The publisher's CURVE public key (40 Z85 characters, or a key name in the key directory). With it the
    # feed is encrypted and only that publisher is believed; without keys of its own, the client uses a
    # throwaway pair (enough for a publisher that allows any client).
    server_key: str | None = None

    def __post_init__(self) -> None:
        if self.snapshot == DERIVED:
            object.__setattr__(self, "snapshot", protocol.snapshot_endpoint(self.endpoint))


@dataclass(frozen=True, slots=True)
class Delivery:
    feed: int  # index into FeedClient.health / the configured feeds
    message: protocol.Message
    prepared: Any = None  # what the ``prepare`` hook for this kind computed on the socket thread
    snapshot: bool = False  # part of a snapshot (the state as of its seq), not a live update; applied alike


@dataclass
class _Feed:
    """One feed's sockets and snapshot state; touched by the socket thread only."""

    sub: zmq.Socket | None = None
    dealer: zmq.Socket | None = None
    monitors: dict[zmq.Socket, zmq.Socket] = field(default_factory=dict)  # monitor socket -> monitored socket
    need: str | None = None  # why a snapshot is wanted, while one is
    req: int | None = None  # the request waiting for its reply
    deadline: float = 0.0
    items: list[protocol.Message] = field(default_factory=list)
    held: deque = field(default_factory=lambda: deque(maxlen=MAX_HELD_UPDATES))  # (message, receive time)
    next_try: float = 0.0
    backoff: float = SNAPSHOT_RETRY_MIN_S
    ever_connected: bool = False
    last_applied: float = float("-inf")
    client_keys: bool = False  # this feed's sockets use CURVE
    redial: dict[zmq.Socket, float] = field(default_factory=dict)  # socket refused by ZAP -> when to dial again
    redial_backoff: dict[zmq.Socket, float] = field(default_factory=dict)
    silent_redial: float = float("-inf")  # when the feed was last dialled again for its silence
    up: set[zmq.Socket] = field(default_factory=set)  # sockets whose connection completed its handshake
    dropped: dict[zmq.Socket, float] = field(default_factory=dict)  # connection lost -> when, until ZeroMQ retries


class FeedClient:
    """Subscribes to every configured feed on one socket thread, decodes and checks what arrives, keeps each
    feed's health, and resyncs from the publishers' snapshots; the GUI thread takes the results with
    :meth:`drain`. ``prepare`` maps a kind to work done on the socket thread (the dict is read live, so
    kinds registered after construction are prepared too); ``strict`` raises on bad input instead of
    counting it (tests)."""

    def __init__(self, feeds: list[FeedConfig], *, strict: bool = False, context: zmq.Context | None = None,
                 rcvhwm: int = 100_000, inbox_limit: int = DEFAULT_INBOX_LIMIT,
                 prepare: dict[str, Callable[[protocol.Message], Any]] | None = None,
                 security: Security | None = None, receive_limit: int = RECEIVE_LIMIT_BYTES) -> None:
        self.feeds = list(feeds)
        # Per-kind work done on the socket thread, off the GUI thread (e.g. projecting AVL positions). Kept
        # by reference: the session's kind table registers capabilities' hooks into it after construction.
        self._prepare = prepare if prepare is not None else {}
        self.strict = strict
        self.security = security
        self.health = [FeedHealth(f.name, f.endpoint) for f in self.feeds]
        for feed, health in zip(self.feeds, self.health, strict=True):
            encrypted = security is not None or feed.server_key is not None
            health.warning = "" if encrypted else check_plaintext(feed.endpoint, None) or ""
            if health.warning:
                log.warning("feed %s: %s", feed.name, health.warning)
        self._ctx = context or zmq.Context.instance()
        self._rcvhwm = rcvhwm
        self._receive_limit = receive_limit
        # A full deque drops its oldest entry on append: no check-then-pop race with the GUI's drain().
        self._inbox: deque[Delivery] = deque(maxlen=inbox_limit)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._state: list[_Feed] = [_Feed() for _ in self.feeds]
        # Topics subscribed besides the configured ones: wanted (replaced whole by any thread) and applied
        # (the socket thread's own record of what its SUB holds).
        self._wanted: list[frozenset[bytes]] = [frozenset() for _ in self.feeds]
        self._applied: list[frozenset[bytes]] = [frozenset() for _ in self.feeds]
        self._req_ids = itertools.count(1)
        self.error: BaseException | None = None  # set when strict mode stopped the thread

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="sitroom-feeds", daemon=True)
        self._thread.start()
        self._ready.wait(5.0)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def drain(self, limit: int | None = None) -> list[Delivery]:
        """Take up to ``limit`` waiting messages, oldest first (called from the GUI thread)."""
        out: list[Delivery] = []
        pop = self._inbox.popleft
        n = len(self._inbox) if limit is None else min(limit, len(self._inbox))
        try:
            for _ in range(n):
                out.append(pop())
        except IndexError:  # the socket thread's append pushed an old entry out meanwhile
            pass
        return out

    def set_topics(self, feed: int, topics: Iterable[bytes]) -> None:
        """Subscribe feed ``feed`` to exactly these topic prefixes besides its configured ones, unsubscribing
        whatever an earlier call added and this one leaves out. Any thread; applied by the socket thread
        within one poll interval. The sequence numbers of topics added or dropped are forgotten, so the
        messages never listened to are not counted as gaps."""
        self._wanted[feed] = frozenset(bytes(t) for t in topics)

    def topics(self, feed: int) -> frozenset[bytes]:
        """The topics added with :meth:`set_topics` (what is wanted; the socket thread may lag a poll behind)."""
        return self._wanted[feed]

    @property
    def pending(self) -> int:
        return len(self._inbox)

    # ------------------------------------------------------------ socket thread: sockets

    def _security_for(self, feed: FeedConfig) -> Security | None:
        if feed.server_key is None:
            return self.security
        if self.security is not None:
            return replace(self.security, server_key=public_key(feed.server_key, self.security.key_dir))
        return Security(KeyPair(*zmq.curve_keypair()), public_key(feed.server_key))

    def _socket(self, kind: int, feed: int, security: Security | None) -> zmq.Socket:
        s = self._ctx.socket(kind)
        try:
            configure(s, heartbeat=kind == zmq.DEALER)  # never on the SUB: see services/feeds/sockets.py
            s.setsockopt(zmq.MAXMSGSIZE, self._receive_limit)  # see RECEIVE_LIMIT_BYTES
            if security is not None:
                security.apply_client(s)
        except BaseException:
            s.close(0)
            raise
        self._state[feed].monitors[s.get_monitor_socket(_MONITOR_EVENTS)] = s
        return s

    def _open(self, feed: int) -> None:
        """The feed's SUB (and DEALER for snapshots). A feed whose endpoint or keys are unusable shows the error
        in its health and stays waiting, while the other feeds run."""
        config, health, st = self.feeds[feed], self.health[feed], self._state[feed]
        try:
            security = self._security_for(config)
            st.client_keys = security is not None
            st.sub = self._socket(zmq.SUB, feed, security)
            st.sub.setsockopt(zmq.RCVHWM, self._rcvhwm)
            for prefix in {*config.topics, protocol.Topic.HEARTBEAT}:
                st.sub.setsockopt(zmq.SUBSCRIBE, prefix)
            st.sub.connect(config.endpoint)
            if config.snapshot is not None:
                st.dealer = self._socket(zmq.DEALER, feed, security)
                # Queue nothing for a connection that is not up: a request then fails at once and is retried,
                # instead of reaching a publisher later as a stale duplicate.
                st.dealer.setsockopt(zmq.IMMEDIATE, 1)
                st.dealer.setsockopt(zmq.RCVHWM, 0)  # a reply is bounded by the publisher's state
                st.dealer.connect(config.snapshot)
                st.need = "start"
        except (zmq.ZMQError, KeyFileError) as exc:
            self._close_feed(st)
            what = f"cannot connect to {config.endpoint}" if isinstance(exc, zmq.ZMQError) else "bad key"
            health.last_error = f"{what}: {exc}"
            log.error("feed %s: %s", config.name, health.last_error)
            if self.strict:
                raise

    @staticmethod
    def _close_feed(st: _Feed) -> None:
        for monitor, sock in st.monitors.items():
            if not sock.closed:
                sock.disable_monitor()
            monitor.close(0)
        st.monitors.clear()
        for s in (st.sub, st.dealer):
            if s is not None:
                s.close(0)
        st.sub = st.dealer = None

    def _run(self) -> None:
        try:
            for i in range(len(self.feeds)):
                self._open(i)
            poller = zmq.Poller()
            index: dict[zmq.Socket, tuple[str, int]] = {}
            for i, st in enumerate(self._state):
                for sock, role in ((st.sub, "sub"), (st.dealer, "snap"), *((m, "monitor") for m in st.monitors)):
                    if sock is not None:
                        poller.register(sock, zmq.POLLIN)
                        index[sock] = (role, i)
            self._ready.set()
            while not self._stop.is_set():
                for sock, _ in poller.poll(_POLL_MS):
                    role, i = index[sock]
                    if role == "sub":
                        self._drain(sock, i, self._decode, self._update)
                    elif role == "snap":
                        self._drain(sock, i, self._decode_reply, self._reply)
                    else:
                        self._monitor(sock, i)
                self._apply_topics()
                self._timers(time.monotonic())
        except Exception as exc:  # strict mode, or a bug: keep it for the owner to see
            self.error = exc
            if not self.strict:
                log.exception("feed thread stopped")
        finally:
            self._ready.set()
            for st in self._state:
                self._close_feed(st)

    def _apply_topics(self) -> None:
        for feed, st in enumerate(self._state):
            want, have = self._wanted[feed], self._applied[feed]
            if want is have or st.sub is None:
                continue
            fixed = {*self.feeds[feed].topics, protocol.Topic.HEARTBEAT}
            for topic in want - have - fixed:
                st.sub.setsockopt(zmq.SUBSCRIBE, topic)
            for topic in have - want - fixed:
                st.sub.setsockopt(zmq.UNSUBSCRIBE, topic)
            self.health[feed].forget_topics((want ^ have) - fixed)
            self._applied[feed] = want

    def _monitor(self, monitor: zmq.Socket, feed: int) -> None:
        st, health = self._state[feed], self.health[feed]
        sock = st.monitors[monitor]
        role = "sub" if sock is st.sub else "snap"
        while monitor.poll(0):
            event = recv_monitor_message(monitor)["event"]
            now = time.monotonic()
            if event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                st.redial_backoff.pop(sock, None)
                st.up.add(sock)
                st.dropped.pop(sock, None)
                if role == "sub":
                    health.connected = True
                    if health.rejected and health.last_error == health.rejected:
                        health.last_error = ""
                    health.rejected = ""
                    if st.ever_connected:
                        self._want(feed, "reconnect", now)
                    st.ever_connected = True
                elif st.need is not None:  # the snapshot socket is (back) up: ask now, not after the back-off
                    st.next_try, st.backoff = now, SNAPSHOT_RETRY_MIN_S
            elif event == zmq.EVENT_DISCONNECTED:
                if role == "sub":
                    health.connected = False
                if sock in st.up:  # an established connection: ZeroMQ retries it, unless a frame broke the limit
                    st.up.discard(sock)
                    st.dropped[sock] = now
            elif event == zmq.EVENT_CONNECT_RETRIED:
                st.dropped.pop(sock, None)
            elif event & _HANDSHAKE_FAILED:
                reason = describe_handshake_failure(event, client_has_keys=st.client_keys)
                health.handshake_failures += 1
                if health.rejected != reason:
                    log.error("feed %s (%s): %s", self.feeds[feed].name, self.feeds[feed].endpoint, reason)
                health.rejected = health.last_error = reason
                if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
                    backoff = st.redial_backoff.get(sock, REDIAL_MIN_S)
                    st.redial[sock] = now + backoff
                    st.redial_backoff[sock] = min(backoff * 2, REDIAL_MAX_S)

    # ------------------------------------------------------------ socket thread: updates

    def _drain(self, sock: zmq.Socket, feed: int, decode: Callable[[int, list[bytes]], _T],
               handle: Callable[[int, _T, float], None]) -> None:
        """Up to _DRAIN_PER_WAKEUP messages from ``sock``, each decoded and handed to ``handle`` with its receive
        time; one that fails to decode is counted (strict mode: raised) and dropped. Both sockets of a feed come
        through here, so the snapshot socket's input is checked exactly as the feed's."""
        health = self.health[feed]
        for _ in range(_DRAIN_PER_WAKEUP):
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            now = time.monotonic()
            try:
                item = decode(feed, frames)
            except protocol.DecodeError as err:
                health.record_error(err.reason, err.detail)
                if self.strict:
                    raise
                continue
            handle(feed, item, now)

    def _decode(self, feed: int, frames: list[bytes]) -> protocol.Message:
        """A message as the app may use it: decoded, and without AVL records whose position is impossible
        (counted, or raised in strict mode, as ``bad-position``)."""
        msg, dropped, detail = protocol.drop_bad_positions(protocol.decode(frames))
        if dropped:
            if self.strict:  # counted and raised by _drain, as any bad message
                raise protocol.DecodeError("bad-position", detail)
            self.health[feed].record_error("bad-position", detail, dropped)
        return msg

    def _update(self, feed: int, msg: protocol.Message, now: float) -> None:
        """A message from the feed's SUB."""
        st = self._state[feed]
        if st.req is not None:  # a snapshot is on its way: updates wait for it, in order
            st.held.append((msg, now))
            self.health[feed].last_rx = now  # a sign of life all the same
            return
        self._handle(feed, msg, now)

    def _handle(self, feed: int, msg: protocol.Message, now: float) -> None:
        health = self.health[feed]
        gaps, restarts = health.seq_gaps, health.restarts
        n = len(msg.payload) if msg.env.kind in (protocol.Kind.AVL_BATCH, protocol.Kind.LINK_SPEEDS) else 1
        if not health.accept(msg.topic, msg.env, now, msg.nbytes, n):
            return
        if msg.env.kind == protocol.Kind.HEARTBEAT:
            health.snapshot_service = msg.payload.get("snap") is True
            own = msg.payload.get("health")
            if isinstance(own, dict) and (msg.env.src in health.sources or len(health.sources) < 64):
                health.sources = {**health.sources, msg.env.src: own}
            seqs = msg.payload.get("seqs")
            lost = health.heartbeat_seqs(msg.env.src, seqs) if isinstance(seqs, dict) else []
            if health.restarts > restarts:
                self._want(feed, "restart", now)
            elif any(t.encode("ascii", "replace") in protocol.STATEFUL_TOPICS for t in lost):
                self._want(feed, "gap", now)
            return
        if health.restarts > restarts:
            self._want(feed, "restart", now)
        elif health.seq_gaps > gaps and msg.topic in protocol.STATEFUL_TOPICS:
            self._want(feed, "gap", now)
        self._deliver(feed, msg, now)

    def _deliver(self, feed: int, msg: protocol.Message, now: float, *, snapshot: bool = False) -> None:
        if len(self._inbox) == self._inbox.maxlen:
            self.health[feed].dropped_overflow += 1
            try:
                lost = self._inbox[0]  # what the append below pushes out
            except IndexError:  # drained meanwhile
                lost = None
            if lost is not None and lost.message.topic in protocol.STATEFUL_TOPICS:
                self._want(lost.feed, "overflow", now)
        hook = self._prepare.get(msg.env.kind)
        self._inbox.append(Delivery(feed, msg, hook(msg) if hook is not None else None, snapshot))

    # ------------------------------------------------------------ socket thread: snapshots

    def _want(self, feed: int, reason: str, now: float) -> None:
        """Ask for a snapshot (when this feed has a snapshot socket) as soon as the back-off allows."""
        st = self._state[feed]
        if st.dealer is None:
            return
        if st.need is None or st.need == "overflow":
            st.need = reason
        if reason == "overflow":
            st.next_try = max(st.next_try, st.last_applied + OVERFLOW_RESYNC_MIN_S)

    def _endpoint_of(self, feed: int, sock: zmq.Socket) -> str:
        return self.feeds[feed].endpoint if sock is self._state[feed].sub else self.feeds[feed].snapshot

    def _timers(self, now: float) -> None:
        for feed, st in enumerate(self._state):
            for sock, when in list(st.redial.items()):
                if now >= when:
                    del st.redial[sock]
                    self._redial(feed, sock)
            for sock, when in list(st.dropped.items()):
                if now - when >= DROP_VERDICT_S:
                    self._redial_if_refused(feed, sock)
            self._redial_if_silent(feed, now)
            if st.req is not None:
                if now > st.deadline:
                    self._abandon(feed, now, "no reply")
            elif (st.need is not None and now >= st.next_try and self.health[feed].connected
                  and self.health[feed].snapshot_service is not False):
                self._request(feed, now)

    def _redial(self, feed: int, sock: zmq.Socket) -> None:
        """Drop the socket's connection (if any) and dial afresh; our own disconnect raises no monitor event."""
        st, endpoint = self._state[feed], self._endpoint_of(feed, sock)
        st.up.discard(sock)
        st.dropped.pop(sock, None)
        with contextlib.suppress(zmq.ZMQError):  # already gone with its failed session
            sock.disconnect(endpoint)
        sock.connect(endpoint)

    def _redial_if_refused(self, feed: int, sock: zmq.Socket) -> None:
        """A connection that dropped without ZeroMQ retrying it ended in a protocol error: from a working publisher
        that is a frame over the receive limit. Counted as oversized and dialled again at once, instead of
        waiting for the feed's silence (SILENT_REDIAL_S)."""
        st = self._state[feed]
        for monitor, monitored in list(st.monitors.items()):
            if monitored is sock:
                self._monitor(monitor, feed)  # a retry event may be waiting behind the disconnect
        if st.dropped.pop(sock, None) is None:
            return
        endpoint = self._endpoint_of(feed, sock)
        self.health[feed].record_error(
            "oversized", f"a frame over the {self._receive_limit} byte receive limit: ZeroMQ dropped the connection "
                         f"to {endpoint}; dialled again")
        self._redial(feed, sock)

    def _redial_if_silent(self, feed: int, now: float) -> None:
        """A feed that spoke and then fell silent may sit on a connection that a network cut killed without
        closing: drop it (and what it still buffers) and dial afresh, every SILENT_REDIAL_S while silent. The
        handshake that follows asks for a snapshot ("reconnect")."""
        st, health = self._state[feed], self.health[feed]
        if st.sub is None or health.last_rx is None or now - max(health.last_rx, st.silent_redial) < SILENT_REDIAL_S:
            return
        st.silent_redial = now
        health.redials += 1
        health.connected = False
        log.info("feed %s: silent for %.0f s; dialling %s again", self.feeds[feed].name, now - health.last_rx,
                 self.feeds[feed].endpoint)
        for sock in (st.sub, st.dealer):
            if sock is not None:
                self._redial(feed, sock)

    def _request(self, feed: int, now: float) -> None:
        st = self._state[feed]
        assert st.dealer is not None
        req = next(self._req_ids)
        try:
            st.dealer.send(protocol.encode_snapshot_request(req, self.feeds[feed].topics), zmq.NOBLOCK)
        except zmq.Again:  # the snapshot socket is not connected (yet): the monitor or the back-off retries
            st.next_try = now + st.backoff
            st.backoff = min(st.backoff * 2, SNAPSHOT_RETRY_MAX_S)
            return
        st.req, st.deadline, st.items = req, now + SNAPSHOT_TIMEOUT_S, []
        self.health[feed].syncing = True
        self.health[feed].resync_reason = st.need or ""

    def _abandon(self, feed: int, now: float, why: str) -> None:
        """Give up the request in flight: release the held updates and try again after the back-off."""
        st, health = self._state[feed], self.health[feed]
        log.info("feed %s: snapshot from %s failed (%s); retrying in %.1f s", self.feeds[feed].name,
                 self.feeds[feed].snapshot, why, st.backoff)
        st.req, st.items = None, []
        health.syncing = False
        st.next_try = now + st.backoff
        st.backoff = min(st.backoff * 2, SNAPSHOT_RETRY_MAX_S)
        self._release_held(feed)

    def _release_held(self, feed: int) -> None:
        """The held updates, through the usual checks: those the snapshot holds are skipped, and a gap after it
        asks for another snapshot."""
        st = self._state[feed]
        held, st.held = st.held, deque(maxlen=MAX_HELD_UPDATES)
        for msg, t in held:
            self._handle(feed, msg, t)

    def _decode_reply(self, feed: int, frames: list[bytes]) -> protocol.Message | protocol.SnapshotEnd:
        """A snapshot reply's message: an item (an ordinary update message) or the end marker."""
        if len(frames) == 2 and frames[0] == protocol.Topic.SNAPSHOT_END:
            return protocol.decode_snapshot_end(frames)
        return self._decode(feed, frames)

    def _reply(self, feed: int, item: protocol.Message | protocol.SnapshotEnd, now: float) -> None:
        """A message from the feed's snapshot DEALER."""
        st, health = self._state[feed], self.health[feed]
        if isinstance(item, protocol.Message):
            if st.req is not None:
                st.items.append(item)
                st.deadline = now + SNAPSHOT_TIMEOUT_S  # a long reply is still progress
            return
        end = item
        if st.req is None or end.req != st.req:  # the answer to a request given up on: superseded
            st.items = []
            return
        if end.items != len(st.items) or end.sess in health._retired.get(end.src, ()):
            self._abandon(feed, now, f"incomplete reply ({len(st.items)} of {end.items} messages)")
            return
        self._apply(feed, end, now)

    def _apply(self, feed: int, end: protocol.SnapshotEnd, now: float) -> None:
        st, health = self._state[feed], self.health[feed]
        reason = st.need or "start"
        items, st.items, st.req, st.need = st.items, [], None, None
        st.next_try, st.last_applied = now, now  # before delivering: an overflow now waits its turn
        records = 0
        for msg in items:
            if (msg.env.src, msg.env.sess) != (end.src, end.sess):
                continue
            records += len(msg.payload) if msg.env.kind in (protocol.Kind.AVL_BATCH, protocol.Kind.LINK_SPEEDS) else 1
            self._deliver(feed, msg, now, snapshot=True)
        health.snapshot_applied(end, records)
        if reason != "start":
            health.resyncs += 1
        health.syncing = False
        st.backoff = SNAPSHOT_RETRY_MIN_S
        log.debug("feed %s: snapshot of %d messages at %s (%s)", self.feeds[feed].name, len(items), end.seqs,
                  reason)
        self._release_held(feed)
