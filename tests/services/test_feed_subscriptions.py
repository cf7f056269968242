"""Subscriptions that change while a feed runs (the cameras on screen): the publisher's XPUB sees exactly the
topics asked for, frames of other topics never arrive, and the messages missed while not listening are no gap."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import zmq

from sitroom.services.feeds import protocol
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.health import FeedHealth
from sitroom.services.video import wire
from tests.waiting import wait_for

JPEG = b"\xff\xd8" + b"\x11" * 64 + b"\xff\xd9"


class Xpub:
    """A publisher that also hears what its subscribers ask for (XPUB)."""

    def __init__(self, ctx: zmq.Context) -> None:
        self.sock = ctx.socket(zmq.XPUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.bind("tcp://127.0.0.1:*")
        self.endpoint = self.sock.getsockopt_string(zmq.LAST_ENDPOINT)
        self.subscribed: set[bytes] = set()
        self.seq: dict[bytes, int] = {}
        self.hb = 0

    def poll(self) -> None:
        while self.sock.poll(0):
            msg = self.sock.recv()
            (self.subscribed.add if msg[:1] == b"\x01" else self.subscribed.discard)(msg[1:])

    def frame(self, topic: bytes) -> None:
        self.seq[topic] = self.seq.get(topic, 0) + 1
        self.sock.send_multipart(wire.encode_frame(topic, JPEG, src="vms", sess="s1", seq=self.seq[topic]))

    def heartbeat(self) -> None:
        self.hb += 1
        self.sock.send_multipart(protocol.encode_heartbeat(src="vms", sess="s1", seq=self.hb, seqs={}))


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    c = zmq.Context()
    yield c
    c.term()


@pytest.fixture
def pub(ctx) -> Iterator[Xpub]:
    p = Xpub(ctx)
    yield p
    p.sock.close(0)


@pytest.fixture
def client(ctx, pub) -> Iterator[FeedClient]:
    c = FeedClient([FeedConfig("cctv", pub.endpoint, (wire.CAM_TOPIC,), snapshot=None)], context=ctx)
    c.start()
    yield c
    c.stop()


def seen(pub: Xpub, topics: set[bytes]) -> bool:
    pub.poll()
    return pub.subscribed == topics


def test_the_publisher_sees_exactly_the_topics_asked_for(client: FeedClient, pub: Xpub) -> None:
    wait_for(lambda: seen(pub, {wire.CAM_TOPIC, protocol.Topic.HEARTBEAT}), what="the configured subscriptions")
    client.set_topics(0, [b"cctv.A", b"cctv.B"])
    wait_for(lambda: seen(pub, {wire.CAM_TOPIC, protocol.Topic.HEARTBEAT, b"cctv.A", b"cctv.B"}), what="A and B")
    client.set_topics(0, [b"cctv.B"])
    wait_for(lambda: seen(pub, {wire.CAM_TOPIC, protocol.Topic.HEARTBEAT, b"cctv.B"}), what="A dropped")
    client.set_topics(0, [])
    wait_for(lambda: seen(pub, {wire.CAM_TOPIC, protocol.Topic.HEARTBEAT}), what="all dropped")
    assert client.topics(0) == frozenset()


def test_only_subscribed_frames_arrive_and_a_pause_is_no_gap(client: FeedClient, pub: Xpub) -> None:
    client.set_topics(0, [b"cctv.A"])
    wait_for(lambda: seen(pub, {wire.CAM_TOPIC, protocol.Topic.HEARTBEAT, b"cctv.A"}), what="A subscribed")
    got: list[bytes] = []

    def drained(n: int) -> bool:
        pub.frame(b"cctv.A")
        pub.frame(b"cctv.B")
        got.extend(d.message.topic for d in client.drain())
        return len(got) >= n

    wait_for(lambda: drained(5), what="frames of A")
    assert set(got) == {b"cctv.A"}
    client.set_topics(0, [])
    wait_for(lambda: seen(pub, {wire.CAM_TOPIC, protocol.Topic.HEARTBEAT}), what="A dropped")
    for _ in range(50):  # sent while nobody listens
        pub.frame(b"cctv.A")
    client.drain()
    client.set_topics(0, [b"cctv.A"])
    wait_for(lambda: seen(pub, {wire.CAM_TOPIC, protocol.Topic.HEARTBEAT, b"cctv.A"}), what="A again")
    got.clear()
    wait_for(lambda: drained(3), what="frames of A again")
    assert client.health[0].seq_gaps == 0


def test_record_error_from_many_threads_counts_every_one() -> None:
    health = FeedHealth("cctv", "ipc://x")

    def count() -> None:
        for _ in range(5000):
            health.record_error("bad-jpeg", "x")

    threads = [threading.Thread(target=count) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert health.decode_errors == 20000 and health.errors["bad-jpeg"] == 20000
