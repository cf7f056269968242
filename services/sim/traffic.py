"""Demo link-speed backend: publishes every road link's current speed on topic ``link`` every 5 s.

A receiver joining between two ticks gets the current speeds from the snapshot socket beside the feed.
"""

from __future__ import annotations

import logging

import numpy as np

from sitroom.services.feeds.protocol import LINK_DTYPE, Kind, Topic, snapshot_endpoint
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.feeds.security import Security
from sitroom.services.sim import congestion
from sitroom.services.sim.runner import run_loop
from sitroom.services.store.kit import Kit

log = logging.getLogger(__name__)

PERIOD_S = 5.0


def run(kit: Kit, endpoint: str, *, parent_pid: int | None = None, duration_s: float | None = None,
        src: str = "sim-traffic", security: Security | None = None) -> None:
    security = security if security is not None else Security.from_env()
    g = kit.roads
    pub = Publisher(endpoint, src, snapshot=snapshot_endpoint(endpoint), security=security)
    records = np.zeros(g.n_edges, dtype=LINK_DTYPE)
    records["link"] = g.edge_link
    log.info("traffic: %d links on %s", g.n_edges, endpoint)

    def tick(_n: int, wall: float) -> None:
        records["kmh"] = congestion.link_speeds_kmh(congestion.local_hour(wall), g.edge_class, g.edge_link,
                                                    g.edge_speed)
        pub.send_records(Topic.LINK, Kind.LINK_SPEEDS, records, chunk=8192)

    run_loop(pub, tick, period_s=PERIOD_S, parent_pid=parent_pid, duration_s=duration_s)
