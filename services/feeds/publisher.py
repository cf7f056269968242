"""A v1 publisher: PUB socket, session id, per-topic sequence numbers and heartbeats.

Used by the demo backends and the tests; a deployment's own backends follow docs/protocol.md instead.
"""

from __future__ import annotations

import time
import uuid

import numpy as np
import zmq

from services.feeds import protocol


class Publisher:
    def __init__(self, endpoint: str, src: str, *, context: zmq.Context | None = None, sndhwm: int = 100_000,
                 bind: bool = True) -> None:
        self.src = src
        self.sess = uuid.uuid4().hex[:12]
        self.endpoint = endpoint
        self._ctx = context or zmq.Context.instance()
        self.socket = self._ctx.socket(zmq.PUB)
        self.socket.setsockopt(zmq.SNDHWM, sndhwm)
        self.socket.setsockopt(zmq.LINGER, 0)
        if bind:
            self.socket.bind(endpoint)
        else:
            self.socket.connect(endpoint)
        self._seq: dict[bytes, int] = {}
        self._next_heartbeat = 0.0
        self.sent = 0

    def _next(self, topic: bytes) -> int:
        seq = self._seq.get(topic, 0) + 1
        self._seq[topic] = seq
        return seq

    def send_records(self, topic: bytes, kind: str, records: np.ndarray, *, chunk: int = 4096,
                     ts: int | None = None) -> None:
        """Publish ``records`` as one or more array messages of at most ``chunk`` records."""
        for start in range(0, max(len(records), 1), chunk):
            part = records[start:start + chunk]
            if not len(part):
                break
            frames = protocol.encode_array(topic, kind, part, src=self.src, sess=self.sess,
                                           seq=self._next(topic), ts=ts)
            self.socket.send_multipart(frames, copy=False)
            self.sent += 1

    def send_map(self, topic: bytes, kind: str, payload: dict, *, ts: int | None = None) -> None:
        self.socket.send_multipart(protocol.encode_map(topic, kind, payload, src=self.src, sess=self.sess,
                                                       seq=self._next(topic), ts=ts))
        self.sent += 1

    def heartbeat(self, now: float | None = None, *, force: bool = False) -> bool:
        """Send a heartbeat when one is due (every HEARTBEAT_INTERVAL_S); returns True if sent."""
        now = time.monotonic() if now is None else now
        if not force and now < self._next_heartbeat:
            return False
        self._next_heartbeat = now + protocol.HEARTBEAT_INTERVAL_S
        seqs = {t.decode("ascii"): s for t, s in self._seq.items() if t != protocol.Topic.HEARTBEAT}
        self.socket.send_multipart(protocol.encode_heartbeat(src=self.src, sess=self.sess,
                                                             seq=self._next(protocol.Topic.HEARTBEAT), seqs=seqs))
        return True

    def close(self) -> None:
        self.socket.close(0)
