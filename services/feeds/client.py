"""Feed client: one socket thread subscribes to every configured endpoint and decodes what arrives.

Decoded messages wait in an inbox that the GUI's frame timer drains, so the GUI thread never touches a
socket and a burst of messages costs one apply per frame rather than one repaint per message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import zmq

from services.feeds import protocol
from services.feeds.health import FeedHealth

log = logging.getLogger(__name__)

# Messages drained from one socket before the poller looks at the others again (fairness across feeds).
_DRAIN_PER_WAKEUP = 256
# Decoded messages waiting for the GUI. Past this the oldest are dropped and counted: the app is too slow,
# and fresher positions are worth more than old ones.
DEFAULT_INBOX_LIMIT = 20_000


@dataclass(frozen=True)
class FeedConfig:
    name: str
    endpoint: str
    topics: tuple[bytes, ...] = (b"",)  # prefixes to subscribe to; heartbeats are always added


@dataclass(frozen=True, slots=True)
class Delivery:
    feed: int  # index into FeedClient.health / the configured feeds
    message: protocol.Message
    prepared: Any = None  # what the ``prepare`` hook for this kind computed on the socket thread


class FeedClient:
    def __init__(self, feeds: list[FeedConfig], *, strict: bool = False, context: zmq.Context | None = None,
                 rcvhwm: int = 100_000, inbox_limit: int = DEFAULT_INBOX_LIMIT,
                 prepare: dict[str, Callable[[protocol.Message], Any]] | None = None) -> None:
        self.feeds = list(feeds)
        # Per-kind work done on the socket thread, off the GUI thread (e.g. projecting AVL positions).
        self._prepare = dict(prepare or {})
        self.strict = strict
        self.health = [FeedHealth(f.name, f.endpoint) for f in self.feeds]
        self._ctx = context or zmq.Context.instance()
        self._rcvhwm = rcvhwm
        # A full deque drops its oldest entry on append: no check-then-pop race with the GUI's drain().
        self._inbox: deque[Delivery] = deque(maxlen=inbox_limit)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
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

    @property
    def pending(self) -> int:
        return len(self._inbox)

    # ------------------------------------------------------------ socket thread

    def _open(self, sockets: list[zmq.Socket | None]) -> None:
        """One SUB per feed into ``sockets`` (None for a feed whose endpoint is unusable: it shows the error
        in its health and stays waiting, while the other feeds run)."""
        for i, feed in enumerate(self.feeds):
            s = self._ctx.socket(zmq.SUB)
            s.setsockopt(zmq.RCVHWM, self._rcvhwm)
            s.setsockopt(zmq.LINGER, 0)
            # Reconnect quickly after a publisher restart, backing off to 2 s while it stays down.
            s.setsockopt(zmq.RECONNECT_IVL, 100)
            s.setsockopt(zmq.RECONNECT_IVL_MAX, 2000)
            # A hard ceiling against memory exhaustion only; anything over MAX_FRAME_BYTES still arrives and is
            # counted as "oversized" by the decoder instead of vanishing in a silent disconnect.
            s.setsockopt(zmq.MAXMSGSIZE, 4 * protocol.MAX_FRAME_BYTES)
            for prefix in {*feed.topics, protocol.Topic.HEARTBEAT}:
                s.setsockopt(zmq.SUBSCRIBE, prefix)
            try:
                s.connect(feed.endpoint)
            except zmq.ZMQError as exc:
                s.close(0)
                self.health[i].last_error = f"cannot connect to {feed.endpoint}: {exc}"
                log.error("feed %s: %s", feed.name, self.health[i].last_error)
                if self.strict:
                    raise
                sockets.append(None)
                continue
            sockets.append(s)

    def _run(self) -> None:
        sockets: list[zmq.Socket | None] = []
        try:
            self._open(sockets)
            poller = zmq.Poller()
            index = {}
            for i, s in enumerate(sockets):
                if s is not None:
                    poller.register(s, zmq.POLLIN)
                    index[s] = i
            self._ready.set()
            while not self._stop.is_set():
                for sock, _ in poller.poll(100):
                    self._drain_socket(sock, index[sock])
        except Exception as exc:  # strict mode, or a bug: keep it for the owner to see
            self.error = exc
            if not self.strict:
                log.exception("feed thread stopped")
        finally:
            self._ready.set()
            for s in sockets:
                if s is not None:
                    s.close(0)

    def _drain_socket(self, sock: zmq.Socket, feed: int) -> None:
        health = self.health[feed]
        for _ in range(_DRAIN_PER_WAKEUP):
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            now = time.monotonic()
            try:
                msg = protocol.decode(frames)
            except protocol.DecodeError as err:
                health.record_error(err.reason, err.detail)
                if self.strict:
                    raise
                continue
            n = len(msg.payload) if msg.env.kind in (protocol.Kind.AVL_BATCH, protocol.Kind.LINK_SPEEDS) else 1
            if not health.accept(msg.topic, msg.env, now, msg.nbytes, n):
                continue
            if msg.env.kind == protocol.Kind.HEARTBEAT:
                seqs = msg.payload.get("seqs")
                if isinstance(seqs, dict):
                    health.heartbeat_seqs(msg.env.src, seqs)
                continue
            if len(self._inbox) == self._inbox.maxlen:
                health.dropped_overflow += 1
            hook = self._prepare.get(msg.env.kind)
            self._inbox.append(Delivery(feed, msg, hook(msg) if hook is not None else None))
