"""The live session end to end over real sockets: publisher → feed client → models, stale when silent."""

from __future__ import annotations

import time

import numpy as np
import pytest
import zmq

from sitroom.app.core.session import LiveSession
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.feeds.protocol import LINK_DTYPE, Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.sim.fleet import FleetSim
from tests.kits import grid_kit


def pump_until(session: LiveSession, pred, timeout: float = 5.0, pub: Publisher | None = None, send=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if send is not None:
            send()
        if pub is not None:
            pub.heartbeat(force=True)
        session.pump()
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


@pytest.fixture(params=["ipc", "tcp"])
def endpoint(request, tmp_path) -> str:
    if request.param == "ipc":
        return f"ipc://{tmp_path}/avl.sock"
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.PUB)
    s.bind("tcp://127.0.0.1:*")
    ep = s.getsockopt_string(zmq.LAST_ENDPOINT)
    s.close(0)
    return ep


def test_fleet_reaches_the_models(endpoint: str) -> None:
    kit = grid_kit(8)
    sim = FleetSim(kit, 300)
    pub = Publisher(endpoint, "test-avl")
    link_pub_records = np.zeros(5, dtype=LINK_DTYPE)
    link_pub_records["link"] = kit.roads.edge_link[:5]
    link_pub_records["kmh"] = 7.0
    session = LiveSession(kit, [FeedConfig("avl", endpoint, (Topic.AVL, Topic.LINK))], strict=True)
    session.start()
    try:
        pump_until(session, lambda: session.client.health[0].messages > 0, pub=pub)
        rows = np.arange(len(sim.fleet))

        def send() -> None:
            pub.send_records(Topic.AVL, Kind.AVL_BATCH, sim.records(rows, int(time.time() * 1000)), chunk=100)
            pub.send_records(Topic.LINK, Kind.LINK_SPEEDS, link_pub_records)

        pump_until(session, lambda: session.vehicles.n == 300 and session.traffic.updated.sum() == 5, send=send)
        assert session.decode_errors() == 0
        assert np.allclose(session.traffic.kmh[:5], 7.0)
        assert session.stats.messages > 3
        assert len(session.stale_feeds()) == 0
        # Silence: the feed and every vehicle from it become stale (judged at a later "now").
        later = time.monotonic() + 3.5
        assert list(session.stale_feeds(later)) == [0]
        assert session.vehicles.stale_mask(later, session.stale_feeds(later)).all()
    finally:
        session.stop()
        pub.close()
