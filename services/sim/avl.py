"""Demo AVL backend: publishes the fleet's positions on topic ``avl`` (buses 1 s, taxis 2 s, units 1 s).

With ``assignments``, it also follows the demo CAD's assignment socket (``cad.py``): each dispatch or recall
command there is carried out on the fleet once (the CAD repeats it until the feed shows the unit moving).

The latest record of every vehicle is served as a snapshot beside the feed (``protocol.snapshot_endpoint``),
and CURVE keys come from the environment (``SITROOM_KEY``, see ``Security.from_env``).
"""

from __future__ import annotations

import logging

import numpy as np
import zmq

from sitroom.services.dispatch import commands
from sitroom.services.feeds import protocol
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.feeds.security import Security
from sitroom.services.feeds.sockets import configure
from sitroom.services.geo import Projector
from sitroom.services.sim import congestion
from sitroom.services.sim.cad import ASSIGN_TOPIC
from sitroom.services.sim.fleet import FleetSim
from sitroom.services.sim.runner import run_loop
from sitroom.services.store.kit import Kit

log = logging.getLogger(__name__)


class Assignments:
    """The fleet's end of the CAD's assignment socket."""

    def __init__(self, sim: FleetSim, endpoint: str, *, context: zmq.Context | None = None,
                 security: Security | None = None) -> None:
        self.sim = sim
        self.socket = configure((context or zmq.Context.instance()).socket(zmq.SUB))
        if security is not None:
            security.apply_client(self.socket)
        self.socket.setsockopt(zmq.SUBSCRIBE, ASSIGN_TOPIC)
        self.socket.connect(endpoint)
        self._project = Projector(sim.kit.crs)
        self.done: set[str] = set()  # cmd_ids carried out (or found impossible) in this process

    def apply_waiting(self) -> int:
        n = 0
        while True:
            try:
                frames = self.socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return n
            try:
                cmd = commands.decode_command(frames[-1])
            except protocol.DecodeError as err:
                log.warning("AVL: bad assignment: %s", err)
                continue
            if cmd["cmd_id"] in self.done:
                continue
            self.done.add(cmd["cmd_id"])
            n += 1
            try:
                if cmd["cmd"] == "dispatch":
                    x, y = self._project(np.array([cmd["lon"]]), np.array([cmd["lat"]]))
                    self.sim.assign(cmd["unit"], (float(x[0]), float(y[0])))
                else:
                    self.sim.recall(cmd["unit"])
            except ValueError as exc:  # not a unit of this fleet, or no road there
                log.warning("AVL: cannot carry out %s of unit %d: %s", cmd["cmd"], cmd["unit"], exc)

    def close(self) -> None:
        self.socket.close(0)


def run(kit: Kit, endpoint: str, *, vehicles: int = 3000, parent_pid: int | None = None,
        duration_s: float | None = None, src: str = "sim-avl", assignments: str | None = None,
        security: Security | None = None) -> None:
    security = security if security is not None else Security.from_env()
    sim = FleetSim(kit, vehicles)
    g = kit.roads
    pub = Publisher(endpoint, src, snapshot=protocol.snapshot_endpoint(endpoint), security=security)
    orders = Assignments(sim, assignments, security=security) if assignments else None
    log.info("AVL: %d vehicles on %s", len(sim.fleet), endpoint)

    def tick(n: int, wall: float) -> None:
        if n % 10 == 0:  # congestion changes slowly: refresh speeds every 10 s
            sim.set_link_speeds(congestion.link_speeds_kmh(congestion.local_hour(wall), g.edge_class,
                                                           g.edge_link, g.edge_speed))
        if orders is not None:
            orders.apply_waiting()
        sim.step(1.0 if n else 0.0)
        rows = sim.due(n)
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, sim.records(rows, int(wall * 1000)), chunk=2048)

    try:
        run_loop(pub, tick, period_s=1.0, parent_pid=parent_pid, duration_s=duration_s)
    finally:
        if orders is not None:
            orders.close()
