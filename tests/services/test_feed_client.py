"""FeedClient against real ZeroMQ sockets, over ipc and tcp loopback.

PUB/SUB drops everything published before the subscription reaches the publisher (the slow joiner), so
every test first publishes heartbeats until the client has seen the latest one, and only then sends what
it checks. Nothing here asserts a wall-clock duration: waits poll with a deadline, and staleness is
checked with explicit ``now`` values.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator

import msgpack
import numpy as np
import pytest
import zmq

from sitroom.services.feeds import protocol as p
from sitroom.services.feeds.client import Delivery, FeedClient, FeedConfig
from sitroom.services.feeds.health import STALE_AFTER_S, FeedHealth, FeedState
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from tests import waiting

pytestmark = pytest.mark.timeout(60)

TIMEOUT = 5.0

INCIDENT = {"id": "INC-1", "type": "fire", "priority": 1, "lon": 127.38, "lat": 36.35, "status": "new",
            "reported": 1_700_000_000_000}


def wait_for(predicate: Callable[[], object], timeout: float = TIMEOUT, what: str = "condition") -> None:
    waiting.wait_for(predicate, timeout, what)


def collect(client: FeedClient, n: int, timeout: float = TIMEOUT) -> list[Delivery]:
    """Drain the client, as the GUI's frame timer does, until at least ``n`` deliveries have arrived."""
    got: list[Delivery] = []
    deadline = time.monotonic() + timeout
    while len(got) < n:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {n} deliveries, got {len(got)}")
        time.sleep(0.002)
        got.extend(client.drain())
    return got


def records(ids: range | list[int], ts: int = 1_732_240_000_000) -> np.ndarray:
    rec = p.new_records(len(ids))
    rec["id"] = ids
    rec["type"] = VehicleType.BUS
    rec["status"] = VehicleStatus.AVAILABLE
    rec["ts"] = ts
    rec["lon"] = 127.38 + np.arange(len(ids)) * 1e-4
    rec["lat"] = 36.35
    rec["speed"] = np.nan  # any float passes through untouched
    rec["heading"] = 90.0
    return rec


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    context = zmq.Context()
    yield context
    context.term()  # hangs if a test leaked a socket: every socket below is closed by its fixture


@pytest.fixture(params=["ipc", "tcp"])
def transport(request) -> str:
    return request.param


@pytest.fixture
def bind_endpoint(transport, tmp_path) -> Iterator[Callable[[], str]]:
    """A fresh endpoint to bind to: an ipc path under tmp_path, or any free tcp port on 127.0.0.1."""
    count = iter(range(100))

    def make() -> str:
        if transport == "ipc":
            path = f"{tmp_path}/f{next(count)}.sock"
            assert len(path) < 100, "ipc paths are limited to ~107 bytes"
            return f"ipc://{path}"
        return "tcp://127.0.0.1:*"

    yield make


def bound(sock: zmq.Socket) -> str:
    """The endpoint a socket actually bound to (the port that tcp://127.0.0.1:* picked)."""
    return sock.getsockopt_string(zmq.LAST_ENDPOINT)


@pytest.fixture
def publishers(ctx, bind_endpoint) -> Iterator[Callable[..., Publisher]]:
    made: list[Publisher] = []

    def make(src: str = "avl-test", endpoint: str | None = None) -> Publisher:
        pub = Publisher(endpoint or bind_endpoint(), src, context=ctx)
        made.append(pub)
        return pub

    yield make
    for pub in made:
        pub.close()


@pytest.fixture
def raw_pubs(ctx, bind_endpoint) -> Iterator[Callable[[], tuple[zmq.Socket, str]]]:
    """Bare PUB sockets, for frames no Publisher would send."""
    made: list[zmq.Socket] = []

    def make() -> tuple[zmq.Socket, str]:
        sock = ctx.socket(zmq.PUB)
        sock.setsockopt(zmq.LINGER, 0)
        made.append(sock)
        sock.bind(bind_endpoint())
        return sock, bound(sock)

    yield make
    for sock in made:
        sock.close(0)


@pytest.fixture
def clients(ctx) -> Iterator[Callable[..., FeedClient]]:
    made: list[FeedClient] = []

    def make(*endpoints: str, topics: tuple[bytes, ...] = (b"",), **kwargs) -> FeedClient:
        feeds = [FeedConfig(f"feed{i}", ep, topics) for i, ep in enumerate(endpoints)]
        client = FeedClient(feeds, context=ctx, **kwargs)
        made.append(client)
        client.start()
        return client

    yield make
    for client in made:
        client.stop()
        assert client._thread is None, "the feed thread did not stop"


def _joined(health: FeedHealth, src: str, sess: str, last_hb: int) -> bool:
    # PUB/SUB keeps order: once the latest heartbeat is in, every earlier one has been handled or was lost
    # before the subscription arrived, so counters read afterwards hold nothing still in flight.
    return health.publishers.get(src) == sess and health._last_seq.get((src, "hb")) == last_hb


def join(client: FeedClient, pub: Publisher, feed: int = 0) -> None:
    """Publish heartbeats until ``client`` has one sent after this call began, from this publisher's session.

    A heartbeat seen before the call proves nothing about the connection now (a redial may have dropped it
    since), so a fresh one is always sent and waited for."""
    health = client.health[feed]

    def seen() -> bool:
        pub.heartbeat(force=True)
        time.sleep(0.005)
        return _joined(health, pub.src, pub.sess, pub._seq[Topic.HEARTBEAT])

    wait_for(seen, what=f"a heartbeat from {pub.src} on feed {feed}")


class RawSender:
    """Sends hand-made frames from a bare PUB socket, numbering its heartbeats like a publisher would."""

    def __init__(self, sock: zmq.Socket, src: str = "raw", sess: str = "raw-sess-001") -> None:
        self.sock, self.src, self.sess = sock, src, sess
        self.hb_seq = 0
        self.seq: dict[bytes, int] = {}

    def heartbeat(self) -> None:
        self.hb_seq += 1
        self.sock.send_multipart(p.encode_heartbeat(src=self.src, sess=self.sess, seq=self.hb_seq, seqs={}))

    def env(self, topic: bytes, kind: str, **changes) -> bytes:
        self.seq[topic] = self.seq.get(topic, 0) + 1
        env = {"v": 1, "kind": kind, "src": self.src, "sess": self.sess, "seq": self.seq[topic], "ts": 1}
        env.update(changes)
        return msgpack.packb(env)

    def avl(self, ids: list[int]) -> list[bytes]:
        return [Topic.AVL, self.env(Topic.AVL, Kind.AVL_BATCH), records(ids).tobytes()]

    def join(self, client: FeedClient, feed: int = 0) -> None:
        health = client.health[feed]

        def seen() -> bool:  # always a fresh heartbeat, as join() does
            self.heartbeat()
            time.sleep(0.005)
            return _joined(health, self.src, self.sess, self.hb_seq)

        wait_for(seen, what="a heartbeat from the raw publisher")


# ---------------------------------------------------------------- delivery


def test_avl_batches_arrive_in_order_with_their_records(publishers, clients):
    pub = publishers()
    client = clients(bound(pub.socket))
    join(client, pub)
    health = client.health[0]
    before = (health.messages, health.records)

    batches = [records(range(0, 1)), records(range(1, 8)), records(range(8, 8 + 4096 + 5), ts=7)]
    for batch in batches:
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, batch, chunk=4096)
    got = collect(client, 4)  # the last batch goes out as two messages of at most 4096 records

    assert [d.feed for d in got] == [0, 0, 0, 0]
    assert [d.message.topic for d in got] == [Topic.AVL] * 4
    assert [d.message.env.seq for d in got] == [1, 2, 3, 4]
    assert {d.message.env.sess for d in got} == {pub.sess}
    assert [len(d.message.payload) for d in got] == [1, 7, 4096, 5]
    received = np.concatenate([d.message.payload for d in got])
    assert received.dtype == p.AVL_DTYPE
    assert received.tobytes() == np.concatenate(batches).tobytes()
    assert (health.messages - before[0], health.records - before[1]) == (4, 1 + 7 + 4101)
    assert (health.seq_gaps, health.out_of_order, health.restarts, health.decode_errors) == (0, 0, 0, 0)
    assert client.pending == 0


def test_every_kind_is_delivered(publishers, clients):
    pub = publishers("mixed")
    client = clients(bound(pub.socket))
    join(client, pub)

    links = np.zeros(3, dtype=p.LINK_DTYPE)
    links["link"] = [2_510_000_001, 2_510_000_002, 9_999_999_999]
    links["kmh"] = [12.5, 48.0, 0.0]
    pub.send_records(Topic.LINK, Kind.LINK_SPEEDS, links)
    pub.send_map(Topic.INCIDENT, Kind.INCIDENT, INCIDENT)
    readings = np.zeros(2, dtype=p.SENSOR_DTYPE)
    readings["id"], readings["value"] = [7, 8], [2.25, 0.5]
    pub.send_records(b"sens.pump-3", Kind.SENSOR, readings)
    jpeg = b"\xff\xd8" + bytes(range(256)) * 40 + b"\xff\xd9"
    cctv_env = p.encode_envelope(Kind.CCTV_FRAME, pub.src, pub.sess, 1)
    pub.socket.send_multipart([b"cctv.cam-017", cctv_env, jpeg])
    got = collect(client, 4)

    by_topic = {d.message.topic: d.message for d in got}
    assert by_topic[Topic.LINK].payload.tobytes() == links.tobytes()
    assert by_topic[Topic.INCIDENT].payload == INCIDENT
    assert by_topic[b"sens.pump-3"].payload.tobytes() == readings.tobytes()
    assert by_topic[b"cctv.cam-017"].payload == jpeg
    assert client.health[0].decode_errors == 0


def test_heartbeats_count_for_liveness_but_are_not_delivered(publishers, clients):
    pub = publishers()
    client = clients(bound(pub.socket))
    health = client.health[0]
    assert health.state(time.monotonic()) is FeedState.WAITING
    join(client, pub)
    assert health.state(health.last_rx) is FeedState.LIVE
    assert health.publishers == {pub.src: pub.sess}

    start = health.messages
    first_rx = health.last_rx
    for _ in range(3):
        pub.heartbeat(force=True)
    wait_for(lambda: health.messages == start + 3, what="three more heartbeats")
    assert health.last_rx >= first_rx
    assert client.drain() == []
    assert client.pending == 0

    # Heartbeats are rate-limited to one per interval unless forced.
    t = time.monotonic() + 100.0  # an explicit clock, past every heartbeat already sent
    assert pub.heartbeat(t) is True
    assert pub.heartbeat(t + p.HEARTBEAT_INTERVAL_S / 2) is False
    assert pub.heartbeat(t + p.HEARTBEAT_INTERVAL_S) is True


def test_stale_after_three_missed_heartbeats(publishers, clients):
    pub = publishers()
    client = clients(bound(pub.socket))
    join(client, pub)
    health = client.health[0]
    t = health.last_rx
    assert STALE_AFTER_S == 3 * p.HEARTBEAT_INTERVAL_S == 3.0
    assert health.state(t) is FeedState.LIVE
    assert health.state(t + 2.9) is FeedState.LIVE
    assert health.state(t + 3.0) is FeedState.LIVE
    assert health.state(t + 3.01) is FeedState.STALE
    assert health.age(t + 10.0) == pytest.approx(10.0)
    assert health.rate(t + 60.0) == 0.0

    # The next heartbeat makes it live again at its own arrival time.
    wait_for(lambda: pub.heartbeat(force=True) and health.last_rx > t, what="a newer heartbeat")
    assert health.state(health.last_rx + 1.0) is FeedState.LIVE
    assert health.state(health.last_rx + STALE_AFTER_S + 0.01) is FeedState.STALE


def test_feed_health_states_without_sockets():
    health = FeedHealth("f", "ipc:///nowhere")
    assert health.state(0.0) is FeedState.WAITING
    assert health.age(0.0) is None
    env = p.Envelope(1, Kind.HEARTBEAT, "s", "sess", 1, 0)
    assert health.accept(Topic.HEARTBEAT, env, 100.0, 50, 1)
    assert health.state(100.0 + STALE_AFTER_S) is FeedState.LIVE
    assert health.state(100.0 + STALE_AFTER_S + 1e-6) is FeedState.STALE
    assert health.state(99.0) is FeedState.LIVE


def test_offline_and_rejected_states_without_sockets():
    health = FeedHealth("f", "ipc:///nowhere")
    health.rejected = "handshake failed: publisher key not trusted"
    assert health.state(0.0) is FeedState.REJECTED  # never got through: refused, not merely waiting
    health.rejected = ""
    assert health.accept(Topic.HEARTBEAT, p.Envelope(1, Kind.HEARTBEAT, "s", "sess", 1, 0), 100.0, 50, 1)
    assert p.OFFLINE_AFTER_S == 30.0
    assert health.state(100.0 + STALE_AFTER_S + 0.01) is FeedState.STALE
    assert health.state(100.0 + p.OFFLINE_AFTER_S) is FeedState.STALE
    assert health.state(100.0 + p.OFFLINE_AFTER_S + 0.01) is FeedState.OFFLINE
    health.rejected = "handshake failed: publisher key not trusted"
    assert health.state(101.0) is FeedState.LIVE  # data still flowing wins
    assert health.state(110.0) is FeedState.REJECTED


def test_a_session_that_has_ended_never_comes_back():
    health = FeedHealth("f", "ipc:///nowhere")
    env = p.Envelope(1, Kind.AVL_BATCH, "s", "old", 5, 0)
    assert health.accept(Topic.AVL, env, 1.0, 40, 1)
    assert health.accept(Topic.AVL, p.Envelope(1, Kind.AVL_BATCH, "s", "new", 1, 0), 2.0, 40, 1)
    assert health.restarts == 1
    assert not health.accept(Topic.AVL, p.Envelope(1, Kind.AVL_BATCH, "s", "old", 6, 0), 3.0, 40, 1)
    assert (health.restarts, health.out_of_order, health.publishers) == (1, 1, {"s": "new"})


def test_a_snapshot_covers_the_updates_up_to_its_seq():
    health = FeedHealth("f", "ipc:///nowhere")
    assert health.accept(Topic.AVL, p.Envelope(1, Kind.AVL_BATCH, "s", "a", 3, 0), 1.0, 40, 1)
    health.snapshot_applied(p.SnapshotEnd(1, "s", "a", {"avl": 9}, 2, 0), 100)
    assert (health.snapshots, health.snapshot_records) == (1, 100)
    for seq in (4, 9):  # sent before the snapshot was taken: already in it
        assert not health.accept(Topic.AVL, p.Envelope(1, Kind.AVL_BATCH, "s", "a", seq, 0), 2.0, 40, 1)
    assert health.accept(Topic.AVL, p.Envelope(1, Kind.AVL_BATCH, "s", "a", 10, 0), 2.0, 40, 1)
    assert (health.snapshot_skipped, health.out_of_order, health.seq_gaps) == (2, 0, 0)
    # A snapshot from a new session is a restart seen first on the snapshot socket.
    health.snapshot_applied(p.SnapshotEnd(2, "s", "b", {"avl": 4}, 1, 0), 1)
    assert health.restarts == 1 and health.publishers == {"s": "b"}
    assert not health.accept(Topic.AVL, p.Envelope(1, Kind.AVL_BATCH, "s", "a", 11, 0), 3.0, 40, 1)
    assert health.accept(Topic.AVL, p.Envelope(1, Kind.AVL_BATCH, "s", "b", 5, 0), 3.0, 40, 1)
    assert health.seq_gaps == 0


def test_seq_going_back_in_one_session_is_a_restart():
    """A publisher that restarts under its old session id numbers from 1 again. Shown by a heartbeat or a
    snapshot below what was seen (an update alone may be a stray duplicate): a restart, by its own reason."""
    health = FeedHealth("f", "ipc:///nowhere")

    def env(topic: bytes, seq: int, sess: str = "a") -> p.Envelope:
        return p.Envelope(1, p.topic_kind(topic) or "", "s", sess, seq, 0)

    assert health.accept(Topic.HEARTBEAT, env(Topic.HEARTBEAT, 300), 1.0, 50, 1)
    assert health.accept(Topic.AVL, env(Topic.AVL, 5000), 1.0, 40, 1)
    assert not health.accept(Topic.AVL, env(Topic.AVL, 1), 1.0, 40, 1)
    assert (health.out_of_order, health.restarts) == (1, 0)
    assert health.accept(Topic.HEARTBEAT, env(Topic.HEARTBEAT, 1), 2.0, 50, 1)
    assert (health.restarts, health.restart_reasons) == (1, Counter({"seq-went-back": 1}))
    assert health.last_restart.startswith("s started over in session a (heartbeat seq 1 after 300)")
    assert health.accept(Topic.AVL, env(Topic.AVL, 2), 2.0, 40, 1)  # the old numbers are forgotten
    assert health.seq_gaps == 0 and health.last_rx == 2.0

    # A heartbeat older than a snapshot lists lower seqs: that is no restart.
    health.snapshot_applied(p.SnapshotEnd(1, "s", "a", {"avl": 20}, 1, 0), 1)
    assert health.heartbeat_seqs("s", {"avl": 10}) == []
    assert health.restarts == 1
    # A snapshot below what was seen is.
    health.snapshot_applied(p.SnapshotEnd(2, "s", "a", {"avl": 3}, 1, 0), 1)
    assert (health.restarts, health.restart_reasons) == (2, Counter({"seq-went-back": 2}))
    assert "snapshot avl seq 3 after 20" in health.last_restart
    assert health.accept(Topic.AVL, env(Topic.AVL, 4), 3.0, 40, 1)
    assert health.accept(Topic.HEARTBEAT, env(Topic.HEARTBEAT, 2), 3.0, 50, 1)
    # A new session is a restart with its usual reason.
    assert health.accept(Topic.AVL, env(Topic.AVL, 1, sess="b"), 4.0, 40, 1)
    assert health.restart_reasons == Counter({"seq-went-back": 2, "new-session": 1})
    assert health.last_restart == "s restarted (new session b)"
    assert (health.seq_gaps, health.out_of_order) == (0, 1)


def test_a_topic_left_out_of_a_snapshot_starts_at_its_first_update():
    """docs/protocol.md §10.1: a topic never sent is left out of the end marker (its first update is taken
    whatever its seq) or listed with 0 (its first update should be 1; more is a gap)."""
    health = FeedHealth("f", "ipc:///nowhere")
    health.snapshot_applied(p.SnapshotEnd(1, "s", "a", {"avl": 5}, 1, 0), 1)
    assert health.accept(Topic.LINK, p.Envelope(1, Kind.LINK_SPEEDS, "s", "a", 7, 0), 1.0, 16, 1)
    assert health.seq_gaps == 0
    health.snapshot_applied(p.SnapshotEnd(2, "s", "a", {"inc": 0}, 0, 0), 0)
    assert health.accept(Topic.INCIDENT, p.Envelope(1, Kind.INCIDENT, "s", "a", 1, 0), 1.0, 50, 1)
    assert health.seq_gaps == 0
    assert health.accept(Topic.INCIDENT, p.Envelope(1, Kind.INCIDENT, "s", "a", 4, 0), 1.0, 50, 1)
    assert health.seq_gaps == 2


def test_only_a_boolean_true_snap_in_the_heartbeat_payload_announces_snapshots(raw_pubs, clients):
    sock, endpoint = raw_pubs()
    sender = RawSender(sock)
    client = clients(endpoint)
    sender.join(client)
    health = client.health[0]
    assert health.snapshot_service is False  # RawSender's heartbeats carry no "snap"
    for snap, announced in ((True, True), (1, False), (True, True), ("yes", False)):
        sender.hb_seq += 1
        sock.send_multipart(p.encode_map(Topic.HEARTBEAT, Kind.HEARTBEAT, {"seqs": {}, "snap": snap},
                                         src=sender.src, sess=sender.sess, seq=sender.hb_seq))
        wait_for(lambda: health._last_seq.get((sender.src, "hb")) == sender.hb_seq, what="the heartbeat")
        assert health.snapshot_service is announced, snap


# ---------------------------------------------------------------- bad input


def _malformed(sender: RawSender) -> list[tuple[str, list[bytes]]]:
    env = sender.env
    return [
        ("bad-frames", [Topic.AVL, env(Topic.AVL, Kind.AVL_BATCH)]),
        ("bad-frames", [Topic.AVL, env(Topic.AVL, Kind.AVL_BATCH), b"", b""]),
        ("bad-topic", ["차량".encode(), env(Topic.AVL, Kind.AVL_BATCH), b""]),
        ("unknown-topic", [b"weather", env(Topic.AVL, Kind.AVL_BATCH), b""]),
        ("bad-envelope", [Topic.AVL, b"\xc1\xc1", b""]),
        ("bad-envelope", [Topic.AVL, msgpack.packb([1, 2, 3]), b""]),
        ("bad-envelope", [Topic.AVL, env(Topic.AVL, Kind.AVL_BATCH, seq=True), b""]),
        ("bad-envelope", [Topic.AVL, env(Topic.AVL, Kind.AVL_BATCH, seq=-5), b""]),
        ("bad-version", [Topic.AVL, env(Topic.AVL, Kind.AVL_BATCH, v=2), b""]),
        ("bad-kind", [Topic.AVL, env(Topic.AVL, Kind.LINK_SPEEDS), b""]),
        ("bad-payload", [Topic.AVL, env(Topic.AVL, Kind.AVL_BATCH), b"\x00" * 41]),
        ("bad-payload", [Topic.INCIDENT, env(Topic.INCIDENT, Kind.INCIDENT), msgpack.packb([1])]),
        ("oversized", [b"cctv.cam-1", env(b"cctv.cam-1", Kind.CCTV_FRAME), bytes(p.MAX_FRAME_BYTES + 1)]),
    ]


def test_malformed_messages_are_counted_per_reason_and_dropped(raw_pubs, clients, caplog):
    sock, endpoint = raw_pubs()
    sender = RawSender(sock)
    client = clients(endpoint)
    sender.join(client)
    health = client.health[0]
    messages = health.messages

    caplog.set_level(logging.WARNING, logger="sitroom.services.feeds.health")
    bad = _malformed(sender)
    for _, frames in bad:
        sock.send_multipart(frames)
    sock.send_multipart(sender.avl([501, 502]))
    for _, frames in bad:  # the same again: counted again, logged no more
        sock.send_multipart(frames)
    sock.send_multipart(sender.avl([503]))
    got = collect(client, 2)
    wait_for(lambda: health.decode_errors == 2 * len(bad), what="every bad message counted")

    assert [d.message.payload["id"].tolist() for d in got] == [[501, 502], [503]]
    assert health.errors == Counter({reason: 2 * n for reason, n in Counter(r for r, _ in bad).items()})
    assert health.messages == messages + 2
    assert health.last_error.startswith("oversized")
    warnings = [r for r in caplog.records if r.name == "sitroom.services.feeds.health"]
    logged = sorted(r.getMessage().split("dropping bad message: ")[1].split(":")[0] for r in warnings)
    assert logged == sorted({reason for reason, _ in bad})
    assert client.error is None
    assert client.drain() == []


def test_avl_records_with_impossible_positions_never_reach_the_app(raw_pubs, clients):
    sock, endpoint = raw_pubs()
    sender = RawSender(sock)
    client = clients(endpoint)
    sender.join(client)
    health = client.health[0]
    batch = records([1, 2, 3, 4, 5])  # speed NaN throughout: unknown, and allowed
    batch["lon"][1], batch["lat"][3], batch["lon"][4] = np.nan, np.inf, -181.0
    sock.send_multipart([Topic.AVL, sender.env(Topic.AVL, Kind.AVL_BATCH), batch.tobytes()])
    everything_bad = records([6])
    everything_bad["lat"] = np.nan
    sock.send_multipart([Topic.AVL, sender.env(Topic.AVL, Kind.AVL_BATCH), everything_bad.tobytes()])
    sock.send_multipart(sender.avl([7]))
    got = collect(client, 3)

    assert [d.message.payload["id"].tolist() for d in got] == [[1, 3], [], [7]]
    assert np.isnan(got[0].message.payload["speed"]).all()
    assert [d.message.env.seq for d in got] == [1, 2, 3]  # the messages themselves count: no gap
    assert health.errors == Counter({"bad-position": 4})
    assert health.last_error == "bad-position: 1 of 1 records, e.g. vehicle 6 at lon 127.38, lat nan"
    assert health.seq_gaps == 0


def test_a_frame_over_the_receive_limit_is_counted_and_the_feed_dialled_again_at_once(raw_pubs, clients,
                                                                                     monkeypatch):
    """ZeroMQ refuses a frame over ZMQ_MAXMSGSIZE by dropping the connection, and does not reconnect."""
    # only the new redial can bring it back
    monkeypatch.setattr("sitroom.services.feeds.client.SILENT_REDIAL_S", 3600.0)
    sock, endpoint = raw_pubs()
    sender = RawSender(sock)
    limit = 64 * 1024  # the 64 MiB default, scaled down
    client = clients(endpoint, receive_limit=limit)
    sender.join(client)
    health = client.health[0]
    sock.send_multipart([b"cctv.cam-1", sender.env(b"cctv.cam-1", Kind.CCTV_FRAME), bytes(limit + 1)])
    wait_for(lambda: health.errors["oversized"] == 1, what="the dropped connection to be counted")
    assert health.last_error.startswith(f"oversized: a frame over the {limit} byte receive limit")
    sender.join(client)  # connected again
    sock.send_multipart(sender.avl([9]))
    assert [d.message.payload["id"].tolist() for d in collect(client, 1)] == [[9]]
    assert health.errors == Counter({"oversized": 1})
    assert health.redials == 0


def test_strict_mode_stops_the_thread_with_the_error(raw_pubs, clients):
    sock, endpoint = raw_pubs()
    sender = RawSender(sock)
    client = clients(endpoint, strict=True)
    sender.join(client)
    sock.send_multipart(sender.avl([1]))
    assert [d.message.payload["id"].tolist() for d in collect(client, 1)] == [[1]]

    sock.send_multipart([Topic.AVL, sender.env(Topic.AVL, Kind.AVL_BATCH, v=9), b""])
    wait_for(lambda: client.error is not None, what="the strict client to fail")
    assert isinstance(client.error, p.DecodeError)
    assert client.error.reason == "bad-version"
    assert client.health[0].errors == Counter({"bad-version": 1})
    wait_for(lambda: not client._thread.is_alive(), what="the feed thread to end")
    sock.send_multipart(sender.avl([2]))
    assert client.drain() == []


# ---------------------------------------------------------------- sequence numbers and sessions


def test_seq_gaps_are_counted(publishers, clients):
    pub = publishers()
    client = clients(bound(pub.socket))
    join(client, pub)
    health = client.health[0]

    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([1]))  # seq 1
    pub._seq[Topic.AVL] += 3  # seqs 2, 3, 4 "lost"
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([2]))  # seq 5
    got = collect(client, 2)
    assert [d.message.env.seq for d in got] == [1, 5]
    assert health.seq_gaps == 3

    # A lost tail shows up in the next heartbeat's seqs.
    pub._seq[Topic.AVL] += 2  # seqs 6, 7 "lost", and nothing after them
    pub.heartbeat(force=True)
    wait_for(lambda: health.seq_gaps == 5, what="the heartbeat to reveal the lost tail")
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([3]))  # seq 8: right after the tail, no new gap
    assert [d.message.env.seq for d in collect(client, 1)] == [8]
    assert health.seq_gaps == 5

    # A seq that is not newer than the last one is dropped and counted.
    pub._seq[Topic.AVL] = 4
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([4]))  # seq 5 again
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([5]))  # seq 6
    pub._seq[Topic.AVL] = 8
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([6]))  # seq 9
    assert [d.message.env.seq for d in collect(client, 1)] == [9]
    assert health.out_of_order == 2
    assert health.seq_gaps == 5
    assert health.restarts == 0


def test_seqs_are_counted_per_topic_and_source(raw_pubs, clients):
    sock, endpoint = raw_pubs()
    a, b = RawSender(sock, "a", "sess-a"), RawSender(sock, "b", "sess-b")
    client = clients(endpoint)
    a.join(client)
    b.join(client)
    for sender in (a, b):
        sock.send_multipart(sender.avl([1]))
        sock.send_multipart([Topic.INCIDENT, sender.env(Topic.INCIDENT, Kind.INCIDENT), msgpack.packb(INCIDENT)])
    got = collect(client, 4)
    assert sorted((d.message.env.src, d.message.topic, d.message.env.seq) for d in got) == [
        ("a", b"avl", 1), ("a", b"inc", 1), ("b", b"avl", 1), ("b", b"inc", 1)]
    health = client.health[0]
    assert (health.seq_gaps, health.out_of_order, health.restarts) == (0, 0, 0)
    assert health.publishers == {"a": "sess-a", "b": "sess-b"}


def _rebind(ctx: zmq.Context, endpoint: str, publishers) -> Publisher:
    """A new Publisher on an endpoint whose previous owner was just closed (the close is asynchronous)."""
    if endpoint.startswith("tcp://"):
        host, port = endpoint[len("tcp://"):].rsplit(":", 1)

        def free() -> bool:
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as libzmq's listener does
                try:
                    probe.bind((host, int(port)))
                except OSError:
                    return False
                return True

        wait_for(free, what=f"{endpoint} to be released")
    return publishers("avl-test", endpoint)


def test_publisher_restart_is_counted_and_its_messages_accepted(ctx, publishers, clients):
    old = publishers("avl-test")
    endpoint = bound(old.socket)
    client = clients(endpoint)
    join(client, old)
    health = client.health[0]
    for i in range(3):
        old.send_records(Topic.AVL, Kind.AVL_BATCH, records([i]))
    assert [d.message.env.seq for d in collect(client, 3)] == [1, 2, 3]
    old.close()

    new = _rebind(ctx, endpoint, publishers)
    assert new.sess != old.sess
    join(client, new)  # the client reconnects by itself
    new.send_records(Topic.AVL, Kind.AVL_BATCH, records([100]))  # seq 1 again
    new.send_records(Topic.AVL, Kind.AVL_BATCH, records([101]))
    got = collect(client, 2)
    assert [(d.message.env.sess, d.message.env.seq) for d in got] == [(new.sess, 1), (new.sess, 2)]
    assert [d.message.payload["id"].tolist() for d in got] == [[100], [101]]
    assert health.restarts == 1
    assert health.publishers == {"avl-test": new.sess}
    assert (health.out_of_order, health.seq_gaps) == (0, 0)
    assert health.decode_errors == 0  # a publisher going away is no oversized frame: ZeroMQ retried by itself



def test_a_publisher_restarting_under_its_old_session_id_is_heard(ctx, publishers, clients):
    """Its seq starts at 1 again in the same session: without noticing, every message would look old and the
    feed would go stale while the publisher sends."""
    old = publishers("avl-test")
    endpoint = bound(old.socket)
    client = clients(endpoint)
    health = client.health[0]
    old._seq[Topic.HEARTBEAT] = old._seq[Topic.AVL] = 10_000  # a publisher that has been running a while
    join(client, old)
    old.send_records(Topic.AVL, Kind.AVL_BATCH, records([1]))
    assert [d.message.env.seq for d in collect(client, 1)] == [10_001]
    old.close()

    new = _rebind(ctx, endpoint, publishers)
    new.sess = old.sess  # the bug
    join(client, new)
    new.send_records(Topic.AVL, Kind.AVL_BATCH, records([100]))
    got = collect(client, 1)
    assert [(d.message.env.seq, d.message.payload["id"].tolist()) for d in got] == [(1, [100])]
    assert (health.restarts, health.restart_reasons) == (1, Counter({"seq-went-back": 1}))
    assert health.last_restart.startswith(f"avl-test started over in session {old.sess} (heartbeat seq ")
    assert health.state(health.last_rx) is FeedState.LIVE


def test_a_silent_feed_is_dialled_again_and_comes_back(publishers, clients, monkeypatch):
    """A cut link leaves the connection "up": silence is the only sign. The client redials instead of waiting
    on it, and the publisher is heard again as soon as it speaks."""
    monkeypatch.setattr("sitroom.services.feeds.client.SILENT_REDIAL_S", 0.5)
    pub = publishers()
    client = clients(bound(pub.socket))
    join(client, pub)
    health = client.health[0]
    assert health.redials == 0
    wait_for(lambda: health.redials >= 2, what="redials while the feed is silent")  # again while silent
    # Redialling has been seen; from here on a redial between the join and the send (a descheduled test on a
    # busy machine) would drop the record, so stop it and let the join prove the new connection carries.
    monkeypatch.setattr("sitroom.services.feeds.client.SILENT_REDIAL_S", 3600.0)
    join(client, pub)
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([7]))
    assert [d.message.payload["id"].tolist() for d in collect(client, 1)] == [[7]]
    # The same session throughout. (Heartbeats the join sent while the new connection was still being made
    # are lost, and counted as gaps of the hb topic: that is what a heartbeat is for.)
    assert health.restarts == 0


# ---------------------------------------------------------------- several feeds, back-pressure


def test_each_feed_has_its_own_health(publishers, clients):
    avl = publishers("avl-src")
    traffic = publishers("traffic-src")
    client = clients(bound(avl.socket), bound(traffic.socket))
    join(client, avl, 0)
    join(client, traffic, 1)
    assert client.health[0].name == "feed0" and client.health[1].name == "feed1"

    links = np.zeros(2, dtype=p.LINK_DTYPE)
    links["link"] = [7, 8]
    avl.send_records(Topic.AVL, Kind.AVL_BATCH, records([1, 2, 3]))
    traffic.send_records(Topic.LINK, Kind.LINK_SPEEDS, links)
    traffic.socket.send_multipart([b"weather", p.encode_envelope("wx", traffic.src, traffic.sess, 1), b""])
    got = collect(client, 2)
    wait_for(lambda: client.health[1].decode_errors == 1, what="the bad message on feed 1")

    assert sorted((d.feed, d.message.topic) for d in got) == [(0, Topic.AVL), (1, Topic.LINK)]
    h0, h1 = client.health
    assert h0.publishers == {"avl-src": avl.sess}
    assert h1.publishers == {"traffic-src": traffic.sess}
    assert (h0.decode_errors, h1.errors) == (0, Counter({"unknown-topic": 1}))
    assert h0.records >= 3 and h1.records >= 2
    assert h0 is not h1 and h0.errors is not h1.errors


def test_a_feed_only_receives_its_topics_and_heartbeats(publishers, clients):
    pub = publishers()
    client = clients(bound(pub.socket), topics=(Topic.AVL,))
    join(client, pub)  # heartbeats arrive although only "avl" was asked for
    links = np.zeros(1, dtype=p.LINK_DTYPE)
    pub.send_records(Topic.LINK, Kind.LINK_SPEEDS, links)
    pub.send_map(Topic.INCIDENT, Kind.INCIDENT, INCIDENT)
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([1]))
    pub.heartbeat(force=True)  # lists the link and inc seqs, which this feed never saw: not gaps
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([2]))  # arrives after the heartbeat was handled
    got = collect(client, 2)
    assert [(d.message.topic, d.message.env.seq) for d in got] == [(Topic.AVL, 1), (Topic.AVL, 2)]
    assert client.health[0].seq_gaps == 0
    assert client.drain() == []


def test_inbox_overflow_drops_the_oldest_and_counts(publishers, clients):
    pub = publishers()
    client = clients(bound(pub.socket), inbox_limit=5)
    join(client, pub)
    health = client.health[0]
    for i in range(12):
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([i]))
    wait_for(lambda: health.dropped_overflow == 7, what="seven drops")
    assert client.pending == 5
    got = client.drain()
    assert [d.message.payload["id"].tolist() for d in got] == [[7], [8], [9], [10], [11]]
    assert [d.message.env.seq for d in got] == [8, 9, 10, 11, 12]
    assert client.drain() == []

    pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([12]))
    assert [d.message.payload["id"].tolist() for d in collect(client, 1)] == [[12]]
    assert health.dropped_overflow == 7


def test_drain_limit_takes_the_oldest_first(publishers, clients):
    pub = publishers()
    client = clients(bound(pub.socket))
    join(client, pub)
    for i in range(5):
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([i]))
    wait_for(lambda: client.pending == 5, what="five waiting messages")
    assert [d.message.payload["id"][0] for d in client.drain(2)] == [0, 1]
    assert [d.message.payload["id"][0] for d in client.drain(10)] == [2, 3, 4]


# ---------------------------------------------------------------- known bugs


class _DrainBetweenCheckAndPop(deque):
    """An inbox where the GUI thread's drain() runs right after the socket thread's overflow check.

    The socket thread does ``if len(inbox) >= limit: inbox.popleft()``; the GIL may hand over to the GUI
    thread between those two steps, and a drain() there empties the inbox under it.
    """

    def __init__(self, limit: int, maxlen: int | None) -> None:
        super().__init__(maxlen=maxlen)
        self.limit = limit
        self.armed = True

    def __len__(self) -> int:
        n = super().__len__()
        if self.armed and n >= self.limit:
            self.armed = False
            self.clear()  # what FeedClient.drain() does from the GUI thread
        return n


def test_a_drain_racing_the_overflow_check_does_not_kill_the_feed_thread(publishers, clients, ctx):
    pub = publishers()
    client = FeedClient([FeedConfig("f", bound(pub.socket))], context=ctx, inbox_limit=2)
    client._inbox = _DrainBetweenCheckAndPop(2, client._inbox.maxlen)
    client.start()
    try:
        join(client, pub)
        for i in range(3):
            pub.send_records(Topic.AVL, Kind.AVL_BATCH, records([i]))
        wait_for(lambda: client.health[0].messages >= 4 or client.error is not None, what="three batches")
        wait_for(lambda: not client._inbox.armed, what="the overflow check")
        assert client.error is None
        assert client._thread.is_alive()
    finally:
        client.stop()


def test_a_bad_endpoint_is_reported_in_client_error():
    context = zmq.Context()
    client = FeedClient([FeedConfig("typo", "tcp://no-port-here")], context=context, strict=True)
    try:
        client._run()  # the thread's body, run here so that the failure does not cost start()'s 5 s timeout
        assert isinstance(client.error, zmq.ZMQError)
    finally:
        client.stop()
        context.destroy(linger=0)


def test_a_bad_endpoint_shows_in_its_health_and_the_other_feeds_run(tmp_path):
    context = zmq.Context()
    good = f"ipc://{tmp_path}/good.sock"
    pub = Publisher(good, "good", context=context)
    client = FeedClient([FeedConfig("typo", "tcp://no-port-here"), FeedConfig("good", good)], context=context)
    client.start()
    try:
        deadline = time.monotonic() + 5
        while client.health[1].messages == 0 and time.monotonic() < deadline:
            pub.heartbeat(force=True)
            time.sleep(0.02)
        assert client.health[1].messages > 0
        assert "cannot connect" in client.health[0].last_error
        assert client.error is None
    finally:
        client.stop()
        pub.close()
        context.destroy(linger=0)
