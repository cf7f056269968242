"""A v1 publisher: PUB socket, session id, per-topic sequence numbers, heartbeats and, optionally, snapshots.

With ``snapshot=ENDPOINT`` it keeps the latest value of every key of its stateful topics (``avl``: record per
vehicle id, ``link``: record per link id, ``inc``: map per incident id, with the ``seq`` each was last sent
at) and answers snapshot requests on a ROUTER socket bound there, from a thread of its own, so a late joiner
or a receiver that lost messages gets the whole current state (docs/protocol.md §10).

Used by the demo backends and the tests; a deployment's own backends follow docs/protocol.md instead.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import msgpack
import numpy as np
import zmq

from sitroom.services.feeds import protocol
from sitroom.services.feeds.security import Security, ZapLease, check_plaintext

log = logging.getLogger(__name__)

_SERVE_POLL_MS = 100
# A snapshot receiver that stops reading for this long loses its reply (it times out and asks again).
_SNAPSHOT_SEND_TIMEOUT_MS = 2000


class _RecordState:
    """The latest record per key of one array topic, sorted by key, with the seq each was last sent at."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        dtype = protocol.array_dtype(kind)
        assert dtype is not None
        self.records = np.empty(0, dtype=dtype)
        self.keys = np.empty(0, dtype=dtype[key])  # self.records[key], contiguous for searchsorted
        self._void = np.dtype((np.void, dtype.itemsize))
        self.seqs = np.empty(0, dtype=np.uint64)

    def update(self, records: np.ndarray, seqs: np.ndarray) -> None:
        """``seqs``: the seq of the message carrying each record."""
        keys = records[self.key]
        # Whole records move as opaque bytes: several times faster than numpy's field-wise structured copies.
        raw = np.ascontiguousarray(records).view(self._void)
        if len(keys) > 1 and not (keys[1:] > keys[:-1]).all():  # sorted without repeats: the usual case
            order = np.argsort(keys, kind="stable")
            ordered = keys[order]
            last = np.ones(len(order), dtype=bool)  # the last record of a key wins, as on the receiver
            last[:-1] = ordered[1:] != ordered[:-1]
            order = order[last]
            raw, seqs, keys = raw[order], seqs[order], keys[order]
        held = self.records.view(self._void)
        pos = np.searchsorted(self.keys, keys)
        hit = pos < len(self.keys)
        hit[hit] = self.keys[pos[hit]] == keys[hit]
        if hit.all():
            held[pos] = raw
            self.seqs[pos] = seqs
            return
        held[pos[hit]] = raw[hit]
        self.seqs[pos[hit]] = seqs[hit]
        new = ~hit
        all_keys = np.concatenate([self.keys, keys[new]])
        order = np.argsort(all_keys, kind="stable")
        self.keys = all_keys[order]
        self.records = np.concatenate([held, raw[new]])[order].view(self.records.dtype)
        self.seqs = np.concatenate([self.seqs, seqs[new]])[order]

    def forget(self, keys: list) -> None:
        keep = ~np.isin(self.keys, np.asarray(keys))
        self.records, self.seqs, self.keys = self.records[keep], self.seqs[keep], self.keys[keep]

    def __len__(self) -> int:
        return len(self.records)


class _MapState:
    """The latest map per key of one map topic (packed as sent), with the seq each was last sent at."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.packed: dict[Any, bytes] = {}
        self.seqs: dict[Any, int] = {}

    def update(self, key: Any, packed: bytes, seq: int) -> None:
        self.packed[key] = packed
        self.seqs[key] = seq

    def forget(self, keys: list) -> None:
        for k in keys:
            self.packed.pop(k, None)
            self.seqs.pop(k, None)

    def __len__(self) -> int:
        return len(self.packed)


class Publisher:
    def __init__(self, endpoint: str | None, src: str, *, context: zmq.Context | None = None,
                 sndhwm: int = 100_000, bind: bool = True, snapshot: str | None = None,
                 security: Security | None = None, xpub: bool = False, serve: bool = True) -> None:
        """``xpub``: an XPUB socket, so the publisher also learns which topics are subscribed
        (:meth:`subscriptions`: a camera backend renders only the cameras someone watches).

        ``endpoint`` None and ``serve`` False make a snapshot service alone, answered from its owner's thread
        (:meth:`serve_waiting`): the relay's cache of another publisher, filled with :meth:`adopt` and
        :meth:`take`."""
        self.src = src
        self.sess = uuid.uuid4().hex[:12]
        self.endpoint = endpoint
        self.snapshot_endpoint = snapshot
        self.security = security
        self._ctx = context or zmq.Context.instance()
        self._leases: list[ZapLease] = []
        self.warning = check_plaintext(endpoint or snapshot or "", security) or ""
        if self.warning:
            log.warning("publisher %s: %s", src, self.warning)
        self.socket = self._ctx.socket(zmq.XPUB if xpub else zmq.PUB) if endpoint is not None else None
        self._subscribed: set[bytes] = set()
        self._serve_thread = serve
        if self.socket is not None:
            self.socket.setsockopt(zmq.SNDHWM, sndhwm)
            self.socket.setsockopt(zmq.LINGER, 0)
        self._router: zmq.Socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        # Guards the sequence numbers and the state together: a snapshot sees both as of the same message.
        self._lock = threading.Lock()
        self._seq: dict[bytes, int] = {}
        self._state: dict[bytes, _RecordState | _MapState] = {}
        self._next_heartbeat = 0.0
        # The publisher's own account of its input, added to each heartbeat's payload as ``health`` (adapters).
        self.health: Callable[[], dict[str, Any]] | None = None
        self.sent = 0
        self.snapshots_served = 0
        self.snapshot_errors = 0
        try:
            if self.socket is not None:
                if security is not None:
                    self._leases.append(security.apply_server(self.socket))
                if bind:
                    self.socket.bind(endpoint)
                else:
                    self.socket.connect(endpoint)
            if snapshot is not None:
                self._open_snapshot(snapshot)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ updates

    def _next(self, topic: bytes) -> int:
        seq = self._seq.get(topic, 0) + 1
        self._seq[topic] = seq
        return seq

    def _records_state(self, topic: bytes, kind: str) -> _RecordState | None:
        if self._router is None or kind not in protocol.STATE_KEYS:
            return None
        state = self._state.get(topic)
        if state is None:
            state = self._state[topic] = _RecordState(kind, protocol.STATE_KEYS[kind])
        return state  # type: ignore[return-value]

    def send_records(self, topic: bytes, kind: str, records: np.ndarray, *, chunk: int = 4096,
                     ts: int | None = None) -> None:
        """Publish ``records`` as one or more array messages of at most ``chunk`` records."""
        if records.dtype != protocol.array_dtype(kind):  # before any seq is taken: a refusal leaves no gap
            raise TypeError(f"{kind} needs dtype {protocol.array_dtype(kind)}, got {records.dtype}")
        if not len(records):
            return
        n = -(-len(records) // chunk)
        with self._lock:  # numbers and state together, for all the messages at once
            first = self._seq.get(topic, 0) + 1
            self._seq[topic] = first + n - 1
            state = self._records_state(topic, kind)
            if state is not None:
                state.update(records, first + np.arange(len(records), dtype=np.uint64) // chunk)
        for i in range(n):
            part = records[i * chunk:(i + 1) * chunk]
            frames = protocol.encode_array(topic, kind, part, src=self.src, sess=self.sess, seq=first + i, ts=ts)
            self.socket.send_multipart(frames, copy=False)
            self.sent += 1

    def send_map(self, topic: bytes, kind: str, payload: dict, *, ts: int | None = None) -> None:
        key_field = protocol.STATE_KEYS.get(kind)
        with self._lock:
            seq = self._next(topic)
            frames = protocol.encode_map(topic, kind, payload, src=self.src, sess=self.sess, seq=seq, ts=ts)
            key = payload.get(key_field) if key_field is not None else None
            if self._router is not None and key is not None:
                state = self._state.get(topic)
                if state is None:
                    state = self._state[topic] = _MapState(key_field)  # type: ignore[arg-type]
                state.update(key, frames[2], seq)  # type: ignore[call-arg]
        self.socket.send_multipart(frames)
        self.sent += 1

    def forget(self, topic: bytes, keys: list) -> None:
        """Leave these keys out of snapshots from now on (e.g. incidents closed long ago)."""
        with self._lock:
            state = self._state.get(topic)
            if state is not None:
                state.forget(list(keys))

    def state(self, topic: bytes) -> np.ndarray | dict[Any, dict]:
        """A copy of what a snapshot would hold for ``topic``: records sorted by key, or maps by key."""
        with self._lock:
            state = self._state.get(topic)
            if isinstance(state, _RecordState):
                return state.records.copy()
            packed = dict(state.packed) if state is not None else {}
        dtype = protocol.array_dtype(protocol.topic_kind(topic) or "")
        if dtype is not None:
            return np.empty(0, dtype=dtype)
        return {k: msgpack.unpackb(v, raw=False) for k, v in packed.items()}

    def heartbeat(self, now: float | None = None, *, force: bool = False) -> bool:
        """Send a heartbeat when one is due (every HEARTBEAT_INTERVAL_S); returns True if sent."""
        now = time.monotonic() if now is None else now
        if not force and now < self._next_heartbeat:
            return False
        self._next_heartbeat = now + protocol.HEARTBEAT_INTERVAL_S
        with self._lock:
            seqs = {t.decode("ascii"): s for t, s in self._seq.items() if t != protocol.Topic.HEARTBEAT}
            seq = self._next(protocol.Topic.HEARTBEAT)
        self.socket.send_multipart(protocol.encode_heartbeat(src=self.src, sess=self.sess, seq=seq, seqs=seqs,
                                                             snapshot=self._router is not None,
                                                             health=self.health() if self.health else None))
        return True

    def subscriptions(self) -> set[bytes]:
        """(XPUB only) The topic prefixes at least one subscriber wants now, after reading every subscription
        and unsubscription waiting on the socket. Call from the thread that sends."""
        while self.socket.poll(0):
            msg = self.socket.recv()
            if msg[:1] == b"\x01":
                self._subscribed.add(msg[1:])
            elif msg[:1] == b"\x00":
                self._subscribed.discard(msg[1:])
        return set(self._subscribed)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        if self._router is not None:
            self._router.close(0)
        if self.socket is not None:
            self.socket.close(0)
        for lease in self._leases:
            lease.release()
        self._leases.clear()

    # ------------------------------------------------------------ snapshots

    def _open_snapshot(self, endpoint: str) -> None:
        router = self._ctx.socket(zmq.ROUTER)
        self._router = router
        router.setsockopt(zmq.LINGER, 0)
        # Fail a send to a vanished or stuck receiver instead of dropping part of a reply silently.
        router.setsockopt(zmq.ROUTER_MANDATORY, 1)
        router.setsockopt(zmq.SNDTIMEO, _SNAPSHOT_SEND_TIMEOUT_MS)
        router.setsockopt(zmq.SNDHWM, 10_000)
        router.setsockopt(zmq.MAXMSGSIZE, 64 * 1024)  # requests are tiny
        if self.security is not None:
            self._leases.append(self.security.apply_server(router))
        router.bind(endpoint)
        self.snapshot_endpoint = router.getsockopt_string(zmq.LAST_ENDPOINT)  # the port "tcp://…:*" picked
        if self._serve_thread:
            self._thread = threading.Thread(target=self._serve, name=f"snapshot-{self.src}", daemon=True)
            self._thread.start()

    @property
    def snapshot_socket(self) -> zmq.Socket | None:
        """The ROUTER answering snapshot requests (to poll, for a publisher made with ``serve=False``)."""
        return self._router

    def _serve(self) -> None:
        router = self._router
        assert router is not None
        while not self._stop.is_set():
            try:
                if not router.poll(_SERVE_POLL_MS):
                    continue
                self.serve_waiting()
            except zmq.ZMQError:
                if self._stop.is_set():
                    return
                raise

    def serve_waiting(self) -> int:
        """Answer every snapshot request waiting on the snapshot socket, from the caller's thread; returns how many
        were answered. The serving thread does this; a publisher made with ``serve=False`` has its owner do it."""
        router = self._router
        assert router is not None
        n = 0
        while True:
            try:
                frames = router.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return n
            if len(frames) < 2:
                continue
            try:
                req, prefixes = protocol.decode_snapshot_request(frames[-1])
            except protocol.DecodeError as err:
                if not self.snapshot_errors:
                    log.warning("publisher %s: bad snapshot request: %s (further ones are only counted)",
                                self.src, err)
                self.snapshot_errors += 1
                continue
            try:
                self._reply(router, frames[:-1], req, prefixes)
                n += 1
            except zmq.ZMQError as exc:  # the receiver went away or stopped reading: it will ask again
                log.info("publisher %s: snapshot reply abandoned: %s", self.src, exc)
            except Exception:  # a bug must not end the service for every later receiver
                log.exception("publisher %s: snapshot reply failed", self.src)

    # ------------------------------------------------------------ mirroring another publisher (the relay)

    def adopt(self, src: str, sess: str) -> bool:
        """Serve snapshots in another publisher's name: its ``src`` and session. A new session forgets the state and
        the sequence numbers of the old one (the publisher restarted); returns True when the session changed."""
        with self._lock:
            if (src, sess) == (self.src, self.sess):
                return False
            self.src, self.sess = src, sess
            self._seq.clear()
            self._state.clear()
            return True

    def take(self, msg: protocol.Message, *, snapshot: bool = False) -> None:
        """Keep an update the adopted publisher sent (without sending it): its state at the message's ``seq``.

        ``snapshot``: an item of that publisher's own snapshot (every item carries the snapshot's ``seq``); it
        replaces only keys not updated since, so a snapshot arriving after newer updates never takes them back."""
        topic, kind, seq = msg.topic, msg.env.kind, msg.env.seq
        key_field = protocol.STATE_KEYS.get(kind)
        if key_field is None or self._router is None:
            return
        with self._lock:
            state = self._state.get(topic)
            if isinstance(msg.payload, np.ndarray):
                if state is None:
                    state = self._state[topic] = _RecordState(kind, key_field)
                records = msg.payload
                if snapshot and len(state.keys) and len(records):
                    pos = np.searchsorted(state.keys, records[key_field])
                    pos_ok = np.minimum(pos, len(state.keys) - 1)
                    newer = (state.keys[pos_ok] == records[key_field]) & (state.seqs[pos_ok] > seq)
                    records = records[~newer]
                if len(records):
                    state.update(records, np.full(len(records), seq, dtype=np.uint64))
            elif isinstance(msg.payload, dict):
                key = msg.payload.get(key_field)
                if key is None:
                    return
                if state is None:
                    state = self._state[topic] = _MapState(key_field)
                if not (snapshot and state.seqs.get(key, -1) > seq):  # type: ignore[union-attr]
                    state.update(key, msgpack.packb(msg.payload, use_bin_type=True), seq)  # type: ignore[call-arg]
            if seq > self._seq.get(topic, 0):
                self._seq[topic] = seq

    def seq(self, topic: bytes) -> int:
        """The last ``seq`` sent (or taken) on ``topic``; 0 for none."""
        with self._lock:
            return self._seq.get(topic, 0)

    def _capture(self, prefixes: tuple[bytes, ...]) -> tuple[list, dict[str, int]]:
        items: list = []
        seqs: dict[str, int] = {}
        with self._lock:
            for topic, state in self._state.items():
                if not any(topic.startswith(p) for p in prefixes):
                    continue
                seqs[topic.decode("ascii")] = self._seq.get(topic, 0)
                if isinstance(state, _RecordState):
                    items.append((topic, state.kind, state.records.copy()))
                else:
                    items.append((topic, protocol.topic_kind(topic), list(state.packed.values())))
        return items, seqs

    def _reply(self, router: zmq.Socket, address: list[bytes], req: int, prefixes: tuple[bytes, ...]) -> None:
        items, seqs = self._capture(prefixes)
        ts = protocol.now_ms()
        n = 0
        for topic, kind, content in items:
            seq = seqs[topic.decode("ascii")]
            if isinstance(content, np.ndarray):
                chunk = protocol.SNAPSHOT_CHUNK[kind]
                for start in range(0, len(content), chunk):
                    frames = protocol.encode_array(topic, kind, content[start:start + chunk], src=self.src,
                                                   sess=self.sess, seq=seq, ts=ts)
                    router.send_multipart([*address, *frames], copy=False)
                    n += 1
            else:
                env = protocol.encode_envelope(kind, self.src, self.sess, seq, ts)
                for packed in content:
                    router.send_multipart([*address, topic, env, packed])
                    n += 1
        router.send_multipart([*address, *protocol.encode_snapshot_end(req=req, src=self.src, sess=self.sess,
                                                                       seqs=seqs, items=n, ts=ts)])
        self.snapshots_served += 1
