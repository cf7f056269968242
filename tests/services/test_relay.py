"""The relay: 20 desks (one of them slow) behind libzmq's proxy, snapshots for late joiners from the relay's cache
(filled from the publisher's own snapshot when the relay starts late), restarts, CURVE on both sides."""

from __future__ import annotations

import time

import numpy as np
import zmq

from sitroom.services.adapters.relay import Relay
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.protocol import AVL_DTYPE, Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.feeds.security import Security, create_keypair, public_key
from tests.waiting import wait_for

INCIDENT = {"id": "INC-1", "type": "fire", "priority": 1, "lon": 127.38, "lat": 36.35, "status": "new",
            "reported": 1_750_000_000_000}


def _records(ids, ts: int) -> np.ndarray:
    rec = np.zeros(len(ids), AVL_DTYPE)
    rec["id"], rec["ts"], rec["lon"], rec["lat"] = ids, ts, 127.38, 36.35
    return rec


def _state(client: FeedClient, into: dict) -> None:
    for d in client.drain():
        if d.message.env.kind == Kind.AVL_BATCH:
            for r in d.message.payload:
                into[int(r["id"])] = int(r["ts"])
        elif d.message.env.kind == Kind.INCIDENT:
            into[d.message.payload["id"]] = d.message.payload["status"]


def _live(pub: Publisher, clients: list[FeedClient], timeout: float = 20.0) -> None:
    """Heartbeats until every client hears one through the relay (subscriptions have gone all the way up)."""
    deadline = time.monotonic() + timeout
    while not all(c.health[0].last_rx is not None for c in clients):
        pub.heartbeat(force=True)
        time.sleep(0.02)
        assert time.monotonic() < deadline, "desks never heard the publisher through the relay"


def test_twenty_desks_one_slow_and_a_late_joiner_served_from_the_cache(tmp_path) -> None:
    pub = Publisher(f"ipc://{tmp_path}/avl.sock", "avl-city", snapshot=f"ipc://{tmp_path}/avl.snap.sock")
    relay = Relay([("avl", pub.endpoint, f"ipc://{tmp_path}/relay-avl.sock")], health=f"ipc://{tmp_path}/relay.sock")
    feed = relay.feeds[0]
    desks = [FeedClient([FeedConfig(f"desk{i}", feed.downstream)], strict=True) for i in range(19)]
    slow = zmq.Context.instance().socket(zmq.SUB)  # a desk on a bad link: it never reads
    slow.setsockopt(zmq.RCVHWM, 5)
    slow.setsockopt(zmq.LINGER, 0)
    slow.setsockopt(zmq.SUBSCRIBE, b"")
    slow.connect(feed.downstream)
    watcher = FeedClient([FeedConfig("relay", f"ipc://{tmp_path}/relay.sock", snapshot=None)], strict=True)
    try:
        for d in (*desks, watcher):
            d.start()
        _live(pub, desks)
        ids = np.arange(1, 3001, dtype=np.uint32)
        for k in range(200):  # 600,000 updates in a burst: the slow desk falls behind at once
            pub.send_records(Topic.AVL, Kind.AVL_BATCH, _records(ids[(k % 3) * 1000:(k % 3 + 1) * 1000], 1000 + k))
        pub.send_map(Topic.INCIDENT, Kind.INCIDENT, INCIDENT)
        pub.heartbeat(force=True)
        states = [{} for _ in desks]

        def all_got_everything() -> bool:
            for d, s in zip(desks, states, strict=True):
                _state(d, s)
            return all(len(s) == 3001 and (s[1], s[1500], s[3000]) == (1198, 1199, 1197) for s in states)

        wait_for(all_got_everything, 30, "every desk to get every update")
        assert all(d.health[0].seq_gaps == 0 and d.health[0].dropped_overflow == 0 for d in desks)
        assert all(d.error is None for d in desks)
        served = pub.snapshots_served  # the relay's own, to fill its cache: never one per desk
        assert served == feed.stats.upstream_snapshots <= 2

        late = FeedClient([FeedConfig("late", feed.downstream)], strict=True)
        late.start()
        got: dict = {}
        wait_for(lambda: (_state(late, got), len(got) == 3001 and got[3000] == 1197)[1], 20, "the late joiner")
        assert late.health[0].snapshots >= 1 and pub.snapshots_served == served
        assert got["INC-1"] == "new"
        late.stop()

        wait_for(lambda: (relay.tick(), watcher.health[0].sources.get("relay", {}).get("avl.subscribers", 0) >= 20)[1],
                 10, "the relay's health feed")
        own = watcher.health[0].sources["relay"]
        assert own["kind"] == "relay" and own["avl.snapshots"] >= 20 and own["avl.forwarded"] >= 201
    finally:
        slow.close(0)
        for d in (*desks, watcher):
            d.stop()
        relay.close()
        pub.close()


def test_a_relay_started_late_fills_its_cache_from_the_publisher_and_follows_its_restarts(tmp_path) -> None:
    endpoint, snap = f"ipc://{tmp_path}/inc.sock", f"ipc://{tmp_path}/inc.snap.sock"
    pub = Publisher(endpoint, "cad-city", snapshot=snap)
    pub.send_map(Topic.INCIDENT, Kind.INCIDENT, INCIDENT)  # before the relay exists
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, _records([7, 8], 5))
    relay = Relay([("incidents", endpoint, f"ipc://{tmp_path}/relay-inc.sock")])
    feed = relay.feeds[0]
    desk = FeedClient([FeedConfig("desk", feed.downstream)], strict=True)
    try:
        wait_for(lambda: feed.stats.upstream_snapshots >= 1, 10, "the relay's own snapshot")
        desk.start()
        got: dict = {}
        wait_for(lambda: (_state(desk, got), got.get("INC-1") == "new" and 8 in got)[1], 20, "the desk's snapshot")
        _live(pub, [desk])
        pub.send_map(Topic.INCIDENT, Kind.INCIDENT, {**INCIDENT, "status": "dispatched"})
        wait_for(lambda: (_state(desk, got), got.get("INC-1") == "dispatched")[1], 10, "a live update")

        pub.close()  # the CAD restarts: a new session, its state from scratch
        pub = Publisher(endpoint, "cad-city", snapshot=snap)
        pub.send_map(Topic.INCIDENT, Kind.INCIDENT, {**INCIDENT, "id": "INC-2"})
        deadline = time.monotonic() + 20
        while feed.cache.sess != pub.sess or feed.stats.restarts < 1:
            pub.heartbeat(force=True)
            time.sleep(0.05)
            assert time.monotonic() < deadline, "the relay never saw the restart"
        wait_for(lambda: (_state(desk, got), "INC-2" in got)[1], 20, "the restarted publisher's state")
        assert desk.health[0].restarts >= 1 and desk.error is None
    finally:
        desk.stop()
        relay.close()
        pub.close()


def test_curve_on_both_sides(tmp_path) -> None:
    keys = tmp_path / "keys"
    for name in ("city", "relay", "desk"):
        create_keypair(name, keys)
    allow_relay, allow_desk = tmp_path / "allow-relay", tmp_path / "allow-desk"
    allow_relay.mkdir()
    allow_desk.mkdir()
    (allow_relay / "relay.key").write_bytes((keys / "relay.key").read_bytes())  # the publisher trusts the relay
    (allow_desk / "desk.key").write_bytes((keys / "desk.key").read_bytes())  # the relay trusts the desk
    city = Security.load("city", directory=keys, allow=allow_relay)
    pub = Publisher("tcp://127.0.0.1:*", "avl-city", security=city)
    relay_sec = Security.load("relay", directory=keys, server="city", allow=allow_desk)
    relay = Relay([("avl", pub.socket.getsockopt_string(zmq.LAST_ENDPOINT), "tcp://127.0.0.1:*")],
                  security=relay_sec)
    feed = relay.feeds[0]
    desk_sec = Security.load("desk", directory=keys, server="relay")
    desk = FeedClient([FeedConfig("avl", feed.downstream, snapshot=None)], security=desk_sec, strict=True)
    stranger = FeedClient([FeedConfig("avl", feed.downstream, snapshot=None,
                                      server_key=public_key("relay", keys).decode())])  # a throwaway pair
    try:
        desk.start()
        stranger.start()
        _live(pub, [desk])
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, _records([1, 2, 3], 9))
        got: dict = {}
        wait_for(lambda: (_state(desk, got), len(got) == 3)[1], 10, "records through CURVE")
        wait_for(lambda: stranger.health[0].rejected != "", 10, "the stranger refused")
        assert stranger.health[0].last_rx is None
        assert feed.warning == ""
    finally:
        desk.stop()
        stranger.stop()
        relay.close()
        pub.close()


def test_the_command_lines() -> None:
    from sitroom.app.cli import build_parser

    args = build_parser().parse_args(["relay", "--feed", "avl", "tcp://10.0.0.5:5556", "tcp://0.0.0.0:7556",
                                      "--feed", "inc", "ipc:///run/a.sock", "ipc:///run/b.sock", "--health",
                                      "tcp://0.0.0.0:7500"])
    assert args.feed == [["avl", "tcp://10.0.0.5:5556", "tcp://0.0.0.0:7556"],
                         ["inc", "ipc:///run/a.sock", "ipc:///run/b.sock"]] and args.io_threads == 2
    demo = build_parser().parse_args(["demo", "--feed", "nmea=tcp://127.0.0.1:7601", "--feed", "relay=ipc:///r"])
    assert demo.feed == [("nmea", "tcp://127.0.0.1:7601"), ("relay", "ipc:///r")]
