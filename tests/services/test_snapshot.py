"""Snapshots and resync (the Clone pattern, docs/protocol.md §10) over real sockets, ipc and tcp loopback.

The receiving side is mirrored as the app applies deliveries (latest value per key, in delivery order,
snapshot or not), and the mirror must end up equal to the publisher's state, byte for byte, whatever the
high-water marks dropped. It also checks the Clone pattern's promise along the way: once a key has been
delivered, no later delivery takes it back to an older version.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import zmq

from sitroom.services.feeds import protocol as p
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.health import FeedState
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from tests import waiting

pytestmark = pytest.mark.timeout(120)

TIMEOUT = 10.0


def wait_for(predicate: Callable[[], object], timeout: float = TIMEOUT, what: str = "condition") -> None:
    waiting.wait_for(predicate, timeout, what)


def avl(ids: np.ndarray | range | list[int], version: int | np.ndarray) -> np.ndarray:
    """Records whose ``ts`` is a version number, increasing with every update of a vehicle."""
    rec = p.new_records(len(ids))
    rec["id"] = ids
    rec["type"] = VehicleType.BUS
    rec["status"] = VehicleStatus.AVAILABLE
    rec["ts"] = version
    rec["lon"] = 127.0 + np.asarray(rec["id"], dtype=np.float64) * 1e-5
    rec["lat"] = 36.0 + (np.asarray(version, dtype=np.float64) % 1000) * 1e-5
    rec["speed"] = np.asarray(version, dtype=np.float32) % 90
    rec["heading"] = 90.0
    return rec


def links(ids: np.ndarray | range, kmh: float | np.ndarray) -> np.ndarray:
    rec = np.zeros(len(ids), dtype=p.LINK_DTYPE)
    rec["link"] = ids
    rec["kmh"] = kmh
    return rec


def incident(n: int, status: str = "new") -> dict:
    return {"id": f"INC-{n}", "type": "fire", "priority": 1 + n % 5, "lon": 127.38, "lat": 36.35, "status": status,
            "reported": 1_700_000_000_000 + n}


class Mirror:
    """What the app holds after applying every delivery: the latest record (or map) per key."""

    MAX_VEHICLES = 10_000
    MAX_LINKS = 1000
    LINK_BASE = 10**9

    def __init__(self) -> None:
        self.avl = np.zeros(self.MAX_VEHICLES, dtype=p.AVL_DTYPE)  # row = vehicle id
        self.has_avl = np.zeros(self.MAX_VEHICLES, dtype=bool)
        self.links = np.zeros(self.MAX_LINKS, dtype=p.LINK_DTYPE)  # row = link id - LINK_BASE
        self.has_link = np.zeros(self.MAX_LINKS, dtype=bool)
        self.incidents: dict[str, dict] = {}
        self.snapshot_deliveries = 0
        self.regressions = 0  # records older than the one already held (the Clone pattern forbids it)

    def apply(self, deliveries: list) -> None:
        for d in deliveries:
            self.snapshot_deliveries += d.snapshot
            payload = d.message.payload
            if d.message.env.kind == Kind.AVL_BATCH:
                rows = payload["id"].astype(np.int64)
                held = self.has_avl[rows]
                self.regressions += int((self.avl["ts"][rows][held] > payload["ts"][held]).sum())
                self.avl[rows] = payload
                self.has_avl[rows] = True
            elif d.message.env.kind == Kind.LINK_SPEEDS:
                rows = (payload["link"] - self.LINK_BASE).astype(np.int64)
                self.links[rows] = payload
                self.has_link[rows] = True
            elif d.message.env.kind == Kind.INCIDENT:
                self.incidents[payload["id"]] = payload

    @property
    def n_vehicles(self) -> int:
        return int(self.has_avl.sum())

    def equals(self, pub: Publisher) -> bool:
        return (self.avl[self.has_avl].tobytes() == pub.state(Topic.AVL).tobytes()
                and self.links[self.has_link].tobytes() == pub.state(Topic.LINK).tobytes()
                and self.incidents == pub.state(Topic.INCIDENT))


def converge(client: FeedClient, mirror: Mirror, pub: Publisher | None, timeout: float = TIMEOUT,
             heartbeat: bool = True) -> float:
    """Drain into ``mirror`` (heartbeats reveal a lost tail) until it equals ``pub``'s state; returns seconds."""
    start = time.monotonic()
    next_hb = 0.0
    while True:
        mirror.apply(client.drain())
        if pub is not None and mirror.equals(pub):
            return time.monotonic() - start
        if heartbeat and pub is not None and time.monotonic() >= next_hb:
            pub.heartbeat(force=True)
            next_hb = time.monotonic() + 0.1
        if time.monotonic() - start > timeout:
            h = client.health[0]
            raise AssertionError(f"no convergence in {timeout} s: {mirror.n_vehicles} vehicles held, gaps "
                                 f"{h.seq_gaps}, snapshots {h.snapshots}, resyncs {h.resyncs}, "
                                 f"last error {h.last_error!r}")
        time.sleep(0.005)


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    context = zmq.Context()
    yield context
    context.term()  # hangs if a test leaked a socket


@pytest.fixture(params=["ipc", "tcp"])
def transport(request) -> str:
    return request.param


@pytest.fixture
def endpoints(transport, tmp_path_factory) -> Callable[[], tuple[str, str]]:
    """A fresh (feed, snapshot) endpoint pair to bind: ipc paths, or free ports on 127.0.0.1."""
    base = tmp_path_factory.mktemp("snap")
    count = iter(range(100))

    def make() -> tuple[str, str]:
        if transport == "ipc":
            path = f"{base}/f{next(count)}.sock"
            assert len(path) < 95, "ipc paths are limited to ~107 bytes"
            return f"ipc://{path}", p.snapshot_endpoint(f"ipc://{path}")
        return "tcp://127.0.0.1:*", "tcp://127.0.0.1:*"

    return make


@pytest.fixture
def publishers(ctx, endpoints) -> Iterator[Callable[..., Publisher]]:
    made: list[Publisher] = []

    def make(src: str = "avl-test", endpoint: str | None = None, snapshot: str | None = None, **kw) -> Publisher:
        feed, snap = endpoints()
        pub = Publisher(endpoint or feed, src, context=ctx, snapshot=snapshot or snap, **kw)
        made.append(pub)
        return pub

    yield make
    for pub in made:
        pub.close()


@pytest.fixture
def clients(ctx) -> Iterator[Callable[..., FeedClient]]:
    made: list[FeedClient] = []

    def make(pub: Publisher, *, topics: tuple[bytes, ...] = (b"",), **kwargs) -> FeedClient:
        client = FeedClient([FeedConfig("feed", bound(pub.socket), topics, snapshot=pub.snapshot_endpoint)],
                            context=ctx, **kwargs)
        made.append(client)
        client.start()
        return client

    yield make
    for client in made:
        client.stop()
        assert client._thread is None, "the feed thread did not stop"


def bound(sock: zmq.Socket) -> str:
    return sock.getsockopt_string(zmq.LAST_ENDPOINT)


def fill(pub: Publisher, vehicles: int = 10_000, n_links: int = 500, incidents: int = 20, version: int = 1) -> None:
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl(range(vehicles), version), chunk=2048)
    pub.send_records(Topic.LINK, Kind.LINK_SPEEDS, links(range(10**9, 10**9 + n_links), 30.0 + version))
    for n in range(incidents):
        pub.send_map(Topic.INCIDENT, Kind.INCIDENT, incident(n))


# ---------------------------------------------------------------- the publisher's state


def test_the_publisher_keeps_the_latest_value_per_key(ctx, tmp_path):
    pub = Publisher(f"ipc://{tmp_path}/a.sock", "s", context=ctx, snapshot=f"ipc://{tmp_path}/a.snap.sock")
    try:
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([5, 3, 9], 1))
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([9, 1, 9], np.array([2, 2, 3])))  # the last 9 wins
        state = pub.state(Topic.AVL)
        assert state["id"].tolist() == [1, 3, 5, 9]
        assert state["ts"].tolist() == [2, 1, 1, 3]
        assert pub._state[Topic.AVL].seqs.tolist() == [2, 1, 1, 2]  # the seq each key was last sent at
        pub.send_map(Topic.INCIDENT, Kind.INCIDENT, incident(1))
        pub.send_map(Topic.INCIDENT, Kind.INCIDENT, incident(1, "dispatched"))
        pub.send_map(Topic.INCIDENT, Kind.INCIDENT, incident(2))
        assert pub.state(Topic.INCIDENT) == {"INC-1": incident(1, "dispatched"), "INC-2": incident(2)}
        pub.forget(Topic.INCIDENT, ["INC-1"])
        pub.forget(Topic.AVL, [3, 9])
        assert list(pub.state(Topic.INCIDENT)) == ["INC-2"]
        assert pub.state(Topic.AVL)["id"].tolist() == [1, 5]
        pub.send_records(b"sens.pump-1", Kind.SENSOR, np.zeros(3, dtype=p.SENSOR_DTYPE))  # a stream: nothing kept
        assert len(pub.state(b"sens.pump-1")) == 0
    finally:
        pub.close()


def test_the_end_marker_leaves_out_the_topics_never_sent(ctx, tmp_path):
    """docs/protocol.md §10.1: a requested topic the publisher has not sent in this session is not in ``seqs``."""
    pub = Publisher(f"ipc://{tmp_path}/a.sock", "s", context=ctx, snapshot=f"ipc://{tmp_path}/a.snap.sock")
    dealer = ctx.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    try:
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([1, 2], 1))
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([1], 2))
        dealer.connect(pub.snapshot_endpoint)
        dealer.send(p.encode_snapshot_request(1, (Topic.AVL, Topic.LINK, Topic.INCIDENT)))
        assert dealer.poll(int(TIMEOUT * 1000)), "no snapshot reply"
        replies = [dealer.recv_multipart()]
        while replies[-1][0] != Topic.SNAPSHOT_END:
            assert dealer.poll(int(TIMEOUT * 1000)), "the reply ended early"
            replies.append(dealer.recv_multipart())
        end = p.decode_snapshot_end(replies[-1])
        assert end.seqs == {"avl": 2} and end.items == 1
        assert [p.decode(r).topic for r in replies[:-1]] == [Topic.AVL]
    finally:
        dealer.close(0)
        pub.close()


def test_a_publisher_without_a_snapshot_endpoint_keeps_no_state(ctx, tmp_path):
    pub = Publisher(f"ipc://{tmp_path}/a.sock", "s", context=ctx)
    try:
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([1], 1))
        assert pub._state == {} and pub.snapshot_endpoint is None
    finally:
        pub.close()


# ---------------------------------------------------------------- late joiners


def test_a_late_joiner_has_the_full_state_within_two_seconds(publishers, clients):
    pub = publishers()
    fill(pub)
    start = time.monotonic()
    client = clients(pub)
    mirror = Mirror()
    converge(client, mirror, pub, heartbeat=False)  # from the snapshot alone: nothing else is published
    assert time.monotonic() - start < 2.0
    health = client.health[0]
    assert (health.snapshots, health.resyncs, health.resync_reason) == (1, 0, "start")
    assert health.snapshot_records == 10_000 + 500 + 20
    assert mirror.snapshot_deliveries == 3 + 1 + 20  # 10,000 vehicles in chunks of 4096, 500 links, 20 maps
    assert (mirror.n_vehicles, int(mirror.has_link.sum()), len(mirror.incidents)) == (10_000, 500, 20)
    assert not health.syncing and health.seq_gaps == 0

    # Then updates, applied after the snapshot; nothing older comes back.
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl(range(0, 10_000, 7), 2))
    pub.send_map(Topic.INCIDENT, Kind.INCIDENT, incident(3, "dispatched"))
    converge(client, mirror, pub)
    assert mirror.regressions == 0 and health.snapshots == 1


def test_a_snapshot_brings_no_impossible_position(publishers, clients):
    """Snapshot items pass the same checks as updates: records with a NaN or off-globe position are dropped."""
    pub = publishers()
    batch = avl(range(6), 1)
    batch["lon"][2], batch["lat"][4] = np.nan, 91.0
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, batch)  # the reference publisher does not check positions
    client = clients(pub)
    health = client.health[0]
    got: list = []
    wait_for(lambda: got.extend(client.drain()) or any(d.snapshot for d in got), what="the snapshot")
    assert [d.message.payload["id"].tolist() for d in got if d.snapshot] == [[0, 1, 3, 5]]
    assert health.errors["bad-position"] == 2


def test_snapshot_follows_the_feeds_topics(publishers, clients):
    pub = publishers()
    fill(pub, vehicles=50)
    client = clients(pub, topics=(Topic.INCIDENT,))
    mirror = Mirror()
    wait_for(lambda: mirror.apply(client.drain()) or len(mirror.incidents) == 20, what="the incidents")
    time.sleep(0.1)
    mirror.apply(client.drain())
    assert not mirror.has_avl.any() and not mirror.has_link.any()


def test_a_client_started_before_its_publisher_gets_the_state_once_it_is_up(ctx, endpoints, clients, transport):
    if transport == "tcp":  # the client needs the ports before the publisher exists
        ports = []
        for _ in range(2):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                ports.append(probe.getsockname()[1])
        feed, snap = (f"tcp://127.0.0.1:{port}" for port in ports)
    else:
        feed, snap = endpoints()
    client = FeedClient([FeedConfig("feed", feed, snapshot=snap)], context=ctx)
    client.start()
    pub = None
    try:
        time.sleep(1.5)  # the snapshot socket is retried meanwhile, backing off
        assert client.health[0].state(time.monotonic()) is FeedState.WAITING
        pub = Publisher(feed, "late", context=ctx, snapshot=snap)
        fill(pub, vehicles=3000)
        started = time.monotonic()
        converge(client, Mirror(), pub, heartbeat=False)
        assert time.monotonic() - started < 2.0
    finally:
        client.stop()
        if pub is not None:
            pub.close()


# ---------------------------------------------------------------- gaps


def test_an_overflowing_high_water_mark_is_resynced_to_the_exact_state(publishers, clients):
    """Tiny high-water marks and a slow consumer: PUB/SUB drops, the client notices, and the snapshot repairs."""
    pub = publishers(sndhwm=4)
    fill(pub, vehicles=1000, n_links=100, incidents=5)

    def slow(msg: p.Message) -> None:
        time.sleep(0.0005)  # the socket thread falls behind the burst

    client = clients(pub, rcvhwm=4, prepare={Kind.AVL_BATCH: slow, Kind.LINK_SPEEDS: slow})
    mirror = Mirror()
    converge(client, mirror, pub, heartbeat=False)
    health = client.health[0]
    assert health.snapshots == 1

    rng = np.random.default_rng(7)
    for version in range(2, 3002):
        ids = np.unique(rng.integers(0, 1000, 40))
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl(ids, version))
        if version % 100 == 0:
            pub.send_records(Topic.LINK, Kind.LINK_SPEEDS, links(range(10**9, 10**9 + 100), float(version)))
            pub.send_map(Topic.INCIDENT, Kind.INCIDENT, incident(version % 5, "acknowledged"))
    took = converge(client, mirror, pub)

    assert health.seq_gaps > 0, "the burst should have overflowed the high-water marks"
    assert health.resyncs >= 1 and health.resync_reason == "gap"
    assert health.snapshots == 1 + health.resyncs
    assert mirror.regressions == 0
    assert took < TIMEOUT


def test_a_lost_tail_shows_in_the_next_heartbeat_and_is_resynced(publishers, clients):
    pub = publishers()
    fill(pub, vehicles=100, n_links=0, incidents=0)
    client = clients(pub)
    mirror = Mirror()
    converge(client, mirror, pub, heartbeat=False)
    # Messages "lost" on the wire: they change the state, but never reach the socket.
    for version in (2, 3):
        with pub._lock:
            seq = pub._next(Topic.AVL)
            pub._state[Topic.AVL].update(avl(range(10), version), seq)
    pub.heartbeat(force=True)
    converge(client, mirror, pub)
    health = client.health[0]
    assert health.seq_gaps == 2 and health.resyncs == 1 and health.resync_reason == "gap"
    assert set(mirror.avl["ts"][:10].tolist()) == {3}


def test_an_overflowing_inbox_is_resynced_once_the_app_catches_up(publishers, clients):
    """Updates the app never took (its inbox overflowed) are not lost for good: a snapshot follows."""
    pub = publishers()
    fill(pub, vehicles=100, n_links=0, incidents=0)
    client = clients(pub, inbox_limit=8)
    mirror = Mirror()
    converge(client, mirror, pub, heartbeat=False)
    health = client.health[0]
    for version in range(2, 42):  # nobody drains meanwhile
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl(range(version, version + 5), version))
    wait_for(lambda: health.dropped_overflow >= 40 - 8, what="the inbox to overflow")
    converge(client, mirror, pub)
    assert health.resyncs >= 1 and health.resync_reason == "overflow"
    assert mirror.regressions == 0


# ---------------------------------------------------------------- restarts


def _rebind(endpoint: str) -> None:
    """Wait until a just-closed tcp endpoint can be bound again (the close is asynchronous)."""
    if not endpoint.startswith("tcp://"):
        return
    host, port = endpoint[len("tcp://"):].rsplit(":", 1)

    def free() -> bool:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, int(port)))
            except OSError:
                return False
            return True

    wait_for(free, what=f"{endpoint} to be released")


def _restart(publishers, clients, *, before=lambda old: None, after=lambda old, new: None):
    """A followed publisher that goes away and comes back on the same endpoints with other state (sent before
    the client is back: only a snapshot has it). ``before``/``after`` shape the old and the new one."""
    old = publishers("avl-test")
    fill(old, vehicles=500, n_links=10, incidents=3)
    before(old)
    client = clients(old)
    mirror = Mirror()
    converge(client, mirror, old)
    feed, snap = bound(old.socket), old.snapshot_endpoint
    old.close()
    _rebind(feed)
    _rebind(snap)
    new = publishers("avl-test", endpoint=feed, snapshot=snap)
    after(old, new)
    fill(new, vehicles=800, n_links=10, incidents=3, version=5)
    converge(client, mirror, new)
    return old, new, client, mirror


def test_a_restarted_publisher_is_resynced_from_its_new_session(ctx, publishers, clients):
    old, new, client, mirror = _restart(publishers, clients)
    health = client.health[0]
    assert new.sess != old.sess
    assert health.restarts == 1
    assert health.publishers == {"avl-test": new.sess}
    assert health.resyncs >= 1 and health.resync_reason in ("reconnect", "restart")
    assert mirror.regressions == 0

    new.send_records(Topic.AVL, Kind.AVL_BATCH, avl(range(3), 6))  # and its updates follow, from seq 2 of avl
    converge(client, mirror, new)
    assert health.out_of_order == 0


def test_a_publisher_restarting_under_its_old_session_id_is_resynced(ctx, publishers, clients):
    def running_a_while(old) -> None:
        for topic in (Topic.AVL, Topic.LINK, Topic.INCIDENT, Topic.HEARTBEAT):
            old._seq[topic] = old._seq.get(topic, 0) + 10_000

    def same_session(old, new) -> None:
        new.sess = old.sess  # the bug: its seqs start at 1 again in the old session

    _old, new, client, mirror = _restart(publishers, clients, before=running_a_while, after=same_session)
    health = client.health[0]
    assert (health.restarts, health.restart_reasons) == (1, {"seq-went-back": 1})
    new.send_records(Topic.AVL, Kind.AVL_BATCH, avl(range(3), 6))  # and its updates are taken as new
    converge(client, mirror, new)
    assert health.restarts == 1
    assert mirror.regressions == 0


# ---------------------------------------------------------------- consistency


def test_snapshots_are_consistent_with_concurrent_updates(ctx, publishers):
    """Clients joining while the publisher sends as fast as it can all converge, never going backwards."""
    pub = publishers()
    fill(pub, vehicles=2000, n_links=50, incidents=5)
    stop = threading.Event()
    versions = iter(range(2, 10**9))

    def publish() -> None:  # the only thread touching the PUB socket from now on
        rng = np.random.default_rng(1)
        while not stop.is_set():
            v = next(versions)
            pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl(np.unique(rng.integers(0, 2000, 200)), v))
            if v % 50 == 0:
                pub.send_map(Topic.INCIDENT, Kind.INCIDENT, incident(v % 5, "acknowledged"))
                pub.heartbeat(force=True)
            time.sleep(0.0002)
        pub.heartbeat(force=True)

    sender = threading.Thread(target=publish)
    sender.start()
    made: list[FeedClient] = []
    mirrors: list[Mirror] = []
    try:
        for _ in range(4):
            time.sleep(0.15)
            client = FeedClient([FeedConfig("f", bound(pub.socket), snapshot=pub.snapshot_endpoint)], context=ctx)
            client.start()
            made.append(client)
            mirrors.append(Mirror())
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            for client, mirror in zip(made, mirrors, strict=True):
                mirror.apply(client.drain())
            time.sleep(0.005)
        stop.set()
        sender.join()
        for client, mirror in zip(made, mirrors, strict=True):
            converge(client, mirror, pub)
            assert mirror.regressions == 0
            assert client.health[0].snapshots >= 1
    finally:
        stop.set()
        sender.join()
        for client in made:
            client.stop()


# ---------------------------------------------------------------- without snapshots


def test_a_publisher_without_snapshots_still_feeds_and_only_counts_gaps(ctx, tmp_path):
    endpoint = f"ipc://{tmp_path}/old.sock"
    pub = Publisher(endpoint, "third-party", context=ctx)  # no snapshot service
    client = FeedClient([FeedConfig("f", endpoint)], context=ctx)  # the default: a derived snapshot endpoint
    assert client.feeds[0].snapshot == f"ipc://{tmp_path}/old.snap.sock"
    client.start()
    try:
        health = client.health[0]
        wait_for(lambda: pub.heartbeat(force=True) and health.snapshot_service is False, what="a heartbeat")
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([1], 1))
        pub._seq[Topic.AVL] += 2
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([1], 2))
        got: list = []
        wait_for(lambda: got.extend(client.drain()) or len(got) == 2, what="two updates")
        assert [d.snapshot for d in got] == [False, False]
        assert (health.seq_gaps, health.snapshots, health.resyncs, health.syncing) == (2, 0, 0, False)
    finally:
        client.stop()
        pub.close()


def test_a_feed_configured_without_snapshots_never_asks(ctx, tmp_path):
    config = FeedConfig("f", f"ipc://{tmp_path}/x.sock", snapshot=None)
    assert config.snapshot is None
    client = FeedClient([config], context=ctx)
    client.start()
    try:
        assert client._state[0].dealer is None and client._state[0].need is None
    finally:
        client.stop()
