"""The relay (``sitroom relay``): one process between the city's publishers and many desks and walls.

Per relayed feed, libzmq's own proxy (``zmq.proxy_steerable``: an XSUB connected to the publisher, an XPUB bound
for the desks) moves every message in C on a thread of its own, so a backend serves one subscriber, the relay,
whatever the number of screens. Subscriptions travel upstream through the proxy (a desk subscribing to a camera's
frames makes the publisher send them), and each desk has its own send queue: a slow desk loses its own messages
(its sequence numbers show the gap and it resyncs), never anybody else's.

Snapshots for late joiners come from the relay's own cache, never from the backends: the proxy hands a copy of
every message to the cache thread (its capture socket), which keeps the latest value of every key of the stateful
topics exactly as the publisher does (a :class:`~services.feeds.publisher.Publisher` without a feed socket,
serving in the publisher's name: same ``src``, ``sess`` and ``seq``), and answers the desks' snapshot requests on
a ROUTER beside the relay's endpoint (the usual convention: tcp port + 1000, ``NAME.snap.sock``). Before it
answers, it takes in every copy the proxy has already handed over, so a snapshot holds every update a desk can have
seen (docs/protocol.md §10.1). The relay fills its cache at start, and again after a publisher restart or a gap,
from the publisher's own snapshot socket: a relay started late still serves the whole state.

CURVE on both sides (``SITROOM_KEY``: the relay's pair, its server key for the desks; ``SITROOM_PEER_KEY``: the
publishers' public key; ``SITROOM_ALLOW``: the desks it accepts). Its own health feed (``--health ENDPOINT``)
heartbeats every second with each feed's subscribers, messages, snapshots served and upstream state.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import zmq
from zmq.utils.monitor import recv_monitor_message

from sitroom.services.feeds import protocol
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.feeds.security import Security, ZapLease, check_plaintext
from sitroom.services.feeds.sockets import configure

log = logging.getLogger(__name__)

SNDHWM = 100_000  # per desk: what a desk may fall behind before it loses messages (its own only)
RCVHWM = 1_000_000
CAPTURE_HWM = 200_000
RECEIVE_LIMIT = 4 * protocol.MAX_FRAME_BYTES
UPSTREAM_SNAPSHOT_TIMEOUT_S = 2.0
UPSTREAM_RETRY_MAX_S = 10.0
_POLL_MS = 100
_ids = itertools.count(1)


@dataclass
class FeedStats:
    forwarded: int = 0  # messages from the publisher, through the proxy
    subscribers: int = 0  # desks connected now
    snapshots: int = 0  # snapshot replies served from the cache
    upstream_snapshots: int = 0  # the publisher's snapshots taken into the cache
    restarts: int = 0
    gaps: int = 0
    dropped: Counter = field(default_factory=Counter)


class RelayedFeed:
    """One publisher relayed to one endpoint: the proxy thread and the cache thread."""

    def __init__(self, name: str, upstream: str, downstream: str, *, context: zmq.Context,
                 security: Security | None = None, upstream_snapshot: str | None = "derived",
                 downstream_snapshot: str | None = "derived", sndhwm: int = SNDHWM) -> None:
        self.name, self.upstream, self.downstream = name, upstream, downstream
        self.ctx, self.security = context, security
        self.stats = FeedStats()
        self.upstream_snapshot = (protocol.snapshot_endpoint(upstream) if upstream_snapshot == "derived"
                                  else upstream_snapshot)
        snap = protocol.snapshot_endpoint(downstream) if downstream_snapshot == "derived" else downstream_snapshot
        uid = next(_ids)
        self._leases: list[ZapLease] = []
        self._stop = threading.Event()
        self.warning = check_plaintext(downstream, security) or check_plaintext(upstream, security) or ""
        if self.warning:
            log.warning("relay %s: %s", name, self.warning)

        self.xsub = configure(self.ctx.socket(zmq.XSUB))
        self.xsub.setsockopt(zmq.RCVHWM, RCVHWM)
        self.xsub.setsockopt(zmq.MAXMSGSIZE, RECEIVE_LIMIT)
        self.xpub = self.ctx.socket(zmq.XPUB)
        self.xpub.setsockopt(zmq.SNDHWM, sndhwm)
        self.xpub.setsockopt(zmq.LINGER, 0)
        if security is not None:
            security.apply_client(self.xsub)
            self._leases.append(security.apply_server(self.xpub))
        self._xpub_monitor = self.xpub.get_monitor_socket(zmq.EVENT_ACCEPTED | zmq.EVENT_DISCONNECTED)
        self.xpub.bind(downstream)
        self.downstream = self.xpub.getsockopt_string(zmq.LAST_ENDPOINT)
        # The relay's own subscriptions: the stateful topics and heartbeats, whatever the desks want, so the cache
        # is whole when a desk joins (a desk's subscription adds to these; its unsubscription leaves them).
        for topic in sorted({*protocol.STATEFUL_TOPICS, protocol.Topic.HEARTBEAT}):
            self.xsub.send(b"\x01" + topic)
        self.xsub.connect(upstream)

        self._capture_addr = f"inproc://relay-capture-{uid}"
        self._control_addr = f"inproc://relay-control-{uid}"
        self.capture_out = self.ctx.socket(zmq.PUSH)
        self.capture_out.setsockopt(zmq.SNDHWM, CAPTURE_HWM)
        self.capture_out.setsockopt(zmq.LINGER, 0)
        self.capture_out.bind(self._capture_addr)
        self.capture_in = self.ctx.socket(zmq.PULL)
        self.capture_in.setsockopt(zmq.RCVHWM, CAPTURE_HWM)
        self.capture_in.setsockopt(zmq.LINGER, 0)
        self.capture_in.connect(self._capture_addr)
        self.control_in = self.ctx.socket(zmq.PAIR)
        self.control_in.bind(self._control_addr)
        self.control_out = self.ctx.socket(zmq.PAIR)
        self.control_out.connect(self._control_addr)

        # The cache: the publisher's state in its own name, served from the cache thread.
        self.cache = Publisher(None, "relay-unknown", context=self.ctx, snapshot=snap, security=security,
                               serve=False)
        self.snapshot_endpoint = self.cache.snapshot_endpoint
        self.known = False  # the publisher's src and session are known (from a message or its snapshot)
        self._dealer: zmq.Socket | None = None
        self._req: int | None = None
        self._req_deadline = 0.0
        self._items: list[protocol.Message] = []
        self._want: str | None = "start" if self.upstream_snapshot else None
        self._next_try = 0.0
        self._backoff = 0.2
        self.upstream_up = False
        if self.upstream_snapshot:
            self._dealer = configure(self.ctx.socket(zmq.DEALER), heartbeat=True)
            self._dealer.setsockopt(zmq.IMMEDIATE, 1)
            self._dealer.setsockopt(zmq.MAXMSGSIZE, RECEIVE_LIMIT)
            if security is not None:
                security.apply_client(self._dealer)
            self._dealer.connect(self.upstream_snapshot)

        self._proxy = threading.Thread(target=self._run_proxy, name=f"relay-proxy-{name}", daemon=True)
        self._cache_thread = threading.Thread(target=self._run_cache, name=f"relay-cache-{name}", daemon=True)
        self._proxy.start()
        self._cache_thread.start()

    # ------------------------------------------------------------ the proxy (libzmq's, in C)

    def _run_proxy(self) -> None:
        try:
            zmq.proxy_steerable(self.xsub, self.xpub, self.capture_out, self.control_in)
        except zmq.ContextTerminated:
            pass
        except zmq.ZMQError as exc:
            if not self._stop.is_set():
                log.error("relay %s: proxy stopped: %s", self.name, exc)

    # ------------------------------------------------------------ the cache thread

    def _run_cache(self) -> None:
        poller = zmq.Poller()
        poller.register(self.capture_in, zmq.POLLIN)
        poller.register(self._xpub_monitor, zmq.POLLIN)
        router = self.cache.snapshot_socket
        if router is not None:
            poller.register(router, zmq.POLLIN)
        if self._dealer is not None:
            poller.register(self._dealer, zmq.POLLIN)
        try:
            while not self._stop.is_set():
                ready = dict(poller.poll(_POLL_MS))
                if self.capture_in in ready:
                    self._drain_capture()
                if self._xpub_monitor in ready:
                    self._monitor()
                if self._dealer is not None and self._dealer in ready:
                    self._upstream_reply()
                if router is not None and router in ready:
                    self._drain_capture()  # every copy the proxy handed over before the request: all of it
                    self.stats.snapshots += self.cache.serve_waiting()
                self._upstream_timers(time.monotonic())
        except zmq.ContextTerminated:
            pass
        except Exception:
            log.exception("relay %s: cache thread stopped", self.name)

    def _drain_capture(self) -> None:
        sock = self.capture_in
        for _ in range(100_000):
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            if len(frames) == 1:  # a subscription going upstream (\x01topic, \x00topic)
                continue
            self.stats.forwarded += 1
            topic = frames[0].bytes
            if topic not in protocol.STATEFUL_TOPICS and topic != protocol.Topic.HEARTBEAT:
                continue  # a stream (readings, frames): forwarded, nothing to keep
            try:
                msg = protocol.decode([f.buffer for f in frames])
            except protocol.DecodeError as err:
                self.stats.dropped[err.reason] += 1  # forwarded all the same: the desks count it too
                continue
            self._take(msg)

    def _take(self, msg: protocol.Message) -> None:
        env = msg.env
        if not self.known or (env.src, env.sess) != (self.cache.src, self.cache.sess):
            if self.known and env.src != self.cache.src:
                self.stats.dropped["other-publisher"] += 1
                return
            if self.cache.adopt(env.src, env.sess):
                if self.known:
                    self.stats.restarts += 1
                    log.info("relay %s: %s restarted (session %s)", self.name, env.src, env.sess)
                self.known = True
                self._ask("restart" if self.stats.restarts else "start")
        if msg.topic == protocol.Topic.HEARTBEAT:
            seqs = msg.payload.get("seqs")
            if isinstance(seqs, dict) and any(
                    isinstance(s, int) and t.encode("ascii", "replace") in protocol.STATEFUL_TOPICS
                    and s > self.cache.seq(t.encode("ascii", "replace")) for t, s in seqs.items()):
                self._gap()
            return
        last = self.cache.seq(msg.topic)
        if last and env.seq > last + 1:
            self._gap()
        self.cache.take(msg)

    def _gap(self) -> None:
        self.stats.gaps += 1
        self._ask("gap")

    # ------------------------------------------------------------ the publisher's own snapshot (Clone pattern)

    def _ask(self, why: str) -> None:
        if self._dealer is not None and self._want is None:
            self._want = why

    def _upstream_timers(self, now: float) -> None:
        if self._dealer is None:
            return
        if self._req is not None and now > self._req_deadline:
            log.info("relay %s: no snapshot from %s; asking again", self.name, self.upstream_snapshot)
            self._req, self._items = None, []
            self._want = self._want or "retry"
            self._next_try = now + self._backoff
            self._backoff = min(self._backoff * 2, UPSTREAM_RETRY_MAX_S)
        if self._req is None and self._want is not None and now >= self._next_try:
            req = next(_ids)
            try:
                self._dealer.send(protocol.encode_snapshot_request(req, [b""]), zmq.NOBLOCK)
            except zmq.Again:  # not connected (yet)
                self._next_try = now + self._backoff
                self._backoff = min(self._backoff * 2, UPSTREAM_RETRY_MAX_S)
                return
            self._req, self._req_deadline, self._items = req, now + UPSTREAM_SNAPSHOT_TIMEOUT_S, []

    def _upstream_reply(self) -> None:
        assert self._dealer is not None
        while True:
            try:
                frames = self._dealer.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                if len(frames) == 2 and frames[0] == protocol.Topic.SNAPSHOT_END:
                    end = protocol.decode_snapshot_end(frames)
                else:
                    if self._req is not None:
                        self._items.append(protocol.decode(frames))
                        self._req_deadline = time.monotonic() + UPSTREAM_SNAPSHOT_TIMEOUT_S
                    continue
            except protocol.DecodeError as err:
                self.stats.dropped[f"snapshot-{err.reason}"] += 1
                continue
            if end.req != self._req:
                continue
            items, self._items, self._req = self._items, [], None
            if end.items != len(items):
                self._want = self._want or "incomplete"
                continue
            self._drain_capture()  # updates already here are newer than or equal to the snapshot's
            if not self.known or (end.src, end.sess) != (self.cache.src, self.cache.sess):
                if self.known and end.src != self.cache.src:
                    self.stats.dropped["other-publisher"] += 1
                    continue
                self.cache.adopt(end.src, end.sess)
                self.known = True
            for msg in items:
                if (msg.env.src, msg.env.sess) == (end.src, end.sess):
                    self.cache.take(msg, snapshot=True)
            for topic, seq in end.seqs.items():  # topics with nothing in them still have their seq
                t = topic.encode("ascii", "replace")
                if seq > self.cache.seq(t):
                    self.cache.take(protocol.Message(t, protocol.Envelope(1, protocol.topic_kind(t) or "", end.src,
                                                                          end.sess, seq, end.ts), None, 0))
            self.stats.upstream_snapshots += 1
            self._want, self._backoff = None, 0.2

    # ------------------------------------------------------------ desks

    def _monitor(self) -> None:
        while self._xpub_monitor.poll(0):
            event = recv_monitor_message(self._xpub_monitor)["event"]
            if event == zmq.EVENT_ACCEPTED:
                self.stats.subscribers += 1
            elif event == zmq.EVENT_DISCONNECTED:
                self.stats.subscribers = max(0, self.stats.subscribers - 1)

    def health(self) -> dict:
        s = self.stats
        return {f"{self.name}.subscribers": s.subscribers, f"{self.name}.forwarded": s.forwarded,
                f"{self.name}.snapshots": s.snapshots, f"{self.name}.upstream": "known" if self.known else "waiting",
                f"{self.name}.restarts": s.restarts, f"{self.name}.gaps": s.gaps}

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(zmq.ZMQError):
            self.control_out.send(b"TERMINATE")
        self._proxy.join(5)
        self._cache_thread.join(5)
        self.xpub.disable_monitor()
        for sock in (self._xpub_monitor, self.xsub, self.xpub, self.capture_out, self.capture_in, self.control_in,
                     self.control_out, self._dealer):
            if sock is not None:
                sock.close(0)
        self.cache.close()
        for lease in self._leases:
            lease.release()


class Relay:
    """Every relayed feed, and the relay's own health feed."""

    def __init__(self, feeds: list[tuple[str, str, str]], *, health: str | None = None,
                 security: Security | None = None, context: zmq.Context | None = None,
                 sndhwm: int = SNDHWM) -> None:
        self.ctx = context or zmq.Context.instance()
        self.feeds: list[RelayedFeed] = []
        try:
            for name, up, down in feeds:
                self.feeds.append(RelayedFeed(name, up, down, context=self.ctx, security=security, sndhwm=sndhwm))
            self.pub = Publisher(health, "relay", context=self.ctx, security=security) if health else None
        except BaseException:
            self.close()
            raise
        if self.pub is not None:
            self.pub.health = self.health

    def health(self) -> dict:
        out: dict = {"kind": "relay", "feeds": len(self.feeds),
                     "subscribers": sum(f.stats.subscribers for f in self.feeds)}
        dropped: Counter = Counter()
        for f in self.feeds:
            out.update(f.health())
            dropped.update(f.stats.dropped)
        out["dropped"] = dict(dropped.most_common(16))
        return out

    def tick(self) -> None:
        if self.pub is not None:
            self.pub.heartbeat()

    def close(self) -> None:
        for f in self.feeds:
            f.close()
        self.feeds.clear()
        if getattr(self, "pub", None) is not None:
            self.pub.close()


def main(args: argparse.Namespace) -> int:
    security = Security.from_env()
    context = zmq.Context(io_threads=max(1, args.io_threads))
    relay = Relay([tuple(f) for f in args.feed], health=args.health, security=security, context=context)
    for f in relay.feeds:
        print(f"relay {f.name}: {f.upstream} → {f.downstream} (snapshots {f.snapshot_endpoint})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    start = time.monotonic()
    last_log = start
    try:
        while not stop.wait(0.2):
            relay.tick()
            now = time.monotonic()
            if args.duration is not None and now - start >= args.duration:
                break
            if args.parent_pid is not None and os.getppid() != args.parent_pid:
                break
            if now - last_log >= 30:
                last_log = now
                log.info("relay: %s", relay.health())
    finally:
        figures = relay.health()
        relay.close()
        import json
        import sys

        print(json.dumps(figures, ensure_ascii=False), file=sys.stderr, flush=True)
        context.destroy(linger=0)
    return 0
