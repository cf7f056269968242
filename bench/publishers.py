"""Publisher processes for the socket benchmarks (started with multiprocessing's *spawn* method).

Kept free of Qt imports: a spawned child imports this module, and it should cost the child nothing but
numpy, pyzmq and the wire protocol. Both publishers use :class:`services.feeds.publisher.Publisher`, the
class the demo backends use, and both announce themselves with heartbeats until the parent says ``go``, so
the subscriber's subscription has reached them (PUB/SUB drops whatever is sent before that: the slow joiner).

Times shared with the parent are ``time.monotonic()`` readings: on Linux that is CLOCK_MONOTONIC, one clock
for every process on the machine, so a send time taken here and a receive time taken there subtract.
"""

from __future__ import annotations

import multiprocessing as mp
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_HEARTBEAT_WHILE_WAITING_S = 0.02


def spawn_context() -> Any:
    return mp.get_context("spawn")


def endpoint_for(transport: str) -> tuple[str, Path | None]:
    """A fresh loopback endpoint: ipc in a private directory, or tcp on a free port of 127.0.0.1."""
    if transport == "ipc":
        d = Path(tempfile.mkdtemp(prefix="sitroom-bench-"))
        return f"ipc://{d / 'feed.sock'}", d
    if transport == "tcp":
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"tcp://127.0.0.1:{port}", None
    raise ValueError(f"unknown transport {transport!r}")


def _announce_until(pub, go, stop) -> None:
    """Heartbeats until the parent has seen one and says go (or gives up)."""
    while not go.is_set() and not stop.is_set():
        pub.heartbeat(force=True)
        go.wait(_HEARTBEAT_WHILE_WAITING_S)


def _linger(pub, release) -> None:
    """Keep the socket open (and heartbeating) until the parent has drained what is in flight: closing a
    PUB socket with linger 0 would discard messages still queued."""
    while not release.wait(0.05):
        pub.heartbeat()
    pub.close()


# ---------------------------------------------------------------- ingest: as fast as the consumer takes


@dataclass
class CreditLink:
    """What the ingest publisher and its consumer share.

    The consumer stores how many data messages it has taken in ``consumed``; the publisher keeps at most
    ``window`` messages ahead of that, so it never overruns the high-water marks (no silent PUB/SUB drops)
    and never buffers more than ``window`` messages of memory, yet the consumer is never starved.
    """

    ready: Any
    go: Any
    stop: Any
    release: Any
    consumed: Any  # mp.Value("q"), written by the consumer
    sent_msgs: Any  # mp.Value("q"), final counts, valid once ``finished`` is set
    sent_records: Any
    finished: Any

    @classmethod
    def create(cls, ctx) -> CreditLink:
        return cls(ctx.Event(), ctx.Event(), ctx.Event(), ctx.Event(), ctx.Value("q", 0, lock=False),
                   ctx.Value("q", 0, lock=False), ctx.Value("q", 0, lock=False), ctx.Event())


def ingest_publisher(endpoint: str, records: np.ndarray, batch: int, window: int, link: CreditLink) -> None:
    """Send ``batch``-record AVL messages cycling over ``records`` (every id once per pass) until ``stop``."""
    from sitroom.services.feeds.protocol import Kind, Topic
    from sitroom.services.feeds.publisher import Publisher

    pub = Publisher(endpoint, "bench-ingest")
    link.ready.set()
    _announce_until(pub, link.go, link.stop)
    n = len(records)
    cycle = np.concatenate([records, records[:batch]])  # any window of ``batch`` rows is one contiguous slice
    start = msgs = sent = 0
    consumed = link.consumed
    while not link.stop.is_set():
        if msgs - consumed.value >= window:
            time.sleep(0.0002)
            continue
        part = cycle[start:start + batch]
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, part, chunk=batch)
        msgs += 1
        sent += len(part)
        start = (start + batch) % n
        if msgs % 64 == 0:
            pub.heartbeat()
    link.sent_msgs.value = msgs
    link.sent_records.value = sent
    link.finished.set()
    _linger(pub, link.release)


# ---------------------------------------------------------------- latency: a fixed report rate, send times kept


@dataclass
class PacedLink:
    ready: Any
    go: Any
    stop: Any
    release: Any
    send_times: Any  # mp.Array("d"), indexed by message seq; monotonic seconds just before encoding
    started: Any  # mp.Value("d"): monotonic time of tick 0
    ticks: Any  # mp.Value("q"): ticks completed
    sent_msgs: Any
    sent_records: Any
    finished: Any

    @classmethod
    def create(cls, ctx, max_messages: int) -> PacedLink:
        return cls(ctx.Event(), ctx.Event(), ctx.Event(), ctx.Event(), ctx.Array("d", max_messages + 1, lock=False),
                   ctx.Value("d", 0.0, lock=False), ctx.Value("q", 0, lock=False), ctx.Value("q", 0, lock=False),
                   ctx.Value("q", 0, lock=False), ctx.Event())


def paced_publisher(endpoint: str, records: np.ndarray, groups: int, chunk: int, even: bool,
                    link: PacedLink) -> None:
    """Every second, send the next of ``groups`` interleaved groups of ``records`` (72k taxis reporting
    every 2 s: two groups of 36k, one per second), in ``chunk``-record messages.

    ``even`` spreads a second's messages over that second; otherwise they leave in one burst, as the demo
    AVL backend sends them.
    """
    from sitroom.services.feeds.protocol import Kind, Topic, now_ms
    from sitroom.services.feeds.publisher import Publisher

    pub = Publisher(endpoint, "bench-latency")
    link.ready.set()
    _announce_until(pub, link.go, link.stop)
    rows = [np.flatnonzero(np.arange(len(records)) % groups == g) for g in range(groups)]
    send_times = link.send_times
    capacity = len(send_times) - 1
    seq = sent = 0
    t0 = time.monotonic()
    link.started.value = t0
    k = 0
    while not link.stop.is_set():
        tick_at = t0 + k
        while (wait := tick_at - time.monotonic()) > 0 and not link.stop.is_set():
            pub.heartbeat()
            time.sleep(min(wait, 0.05))
        if link.stop.is_set():
            break
        recs = records[rows[k % groups]]
        recs["ts"] = now_ms()
        parts = [recs[i:i + chunk] for i in range(0, len(recs), chunk)]
        for j, part in enumerate(parts):
            if even:
                while (wait := tick_at + j / len(parts) - time.monotonic()) > 0:
                    time.sleep(wait)
            seq += 1
            if seq > capacity:
                link.stop.set()
                break
            send_times[seq] = time.monotonic()
            pub.send_records(Topic.AVL, Kind.AVL_BATCH, part, chunk=chunk)
            sent += len(part)
        pub.heartbeat()
        k += 1
        link.ticks.value = k
    link.sent_msgs.value = min(seq, capacity)
    link.sent_records.value = sent
    link.finished.set()
    _linger(pub, link.release)
