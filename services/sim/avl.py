"""Demo AVL backend: publishes the fleet's positions on topic ``avl`` (buses 1 s, taxis 2 s, units 1 s)."""

from __future__ import annotations

import logging

from services.feeds.protocol import Kind, Topic
from services.feeds.publisher import Publisher
from services.sim import congestion
from services.sim.fleet import FleetSim
from services.sim.runner import run_loop
from services.store.kit import Kit

log = logging.getLogger(__name__)


def run(kit: Kit, endpoint: str, *, vehicles: int = 3000, parent_pid: int | None = None,
        duration_s: float | None = None, src: str = "sim-avl") -> None:
    sim = FleetSim(kit, vehicles)
    g = kit.roads
    pub = Publisher(endpoint, src)
    log.info("AVL: %d vehicles on %s", len(sim.fleet), endpoint)

    def tick(n: int, wall: float) -> None:
        if n % 10 == 0:  # congestion changes slowly: refresh speeds every 10 s
            sim.set_link_speeds(congestion.link_speeds_kmh(congestion.local_hour(wall), g.edge_class,
                                                           g.edge_link, g.edge_speed))
        sim.step(1.0 if n else 0.0)
        rows = sim.due(n)
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, sim.records(rows, int(wall * 1000)), chunk=2048)

    run_loop(pub, tick, period_s=1.0, parent_pid=parent_pid, duration_s=duration_s)


