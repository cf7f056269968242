"""Starts the demo backends as separate OS processes and stops them again.

Each backend is ``sitroom sim NAME --endpoint …`` (``sitroom.command``: ``python -m sitroom`` in a venv, the
installed build's own binary otherwise), exactly what a user can run by hand, publishing
on an ipc endpoint in a private runtime directory (loopback only, no ports to collide). The CAD takes
dispatch commands on ``cad_endpoint()``, publishes incidents as the "incidents" feed, follows the AVL feed
for unit statuses and hands assignments to the AVL backend on an internal socket.

Each feed's snapshot socket sits beside it by the usual convention (``avl.sock`` → ``avl.snap.sock``). The
demo is plaintext on ipc: the backends are started without the CURVE settings of the environment
(``SITROOM_KEY`` …), which the control room of the demo does not use either. With a ``NetLab`` the backends
run behind its cuttable link instead, and the sockets the control room reaches are tcp (the link-cut drill).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sitroom
from sitroom.services.facilities.wire import FACILITY_TOPIC
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.feeds.protocol import Topic
from sitroom.services.feeds.security import ENV_ALLOW, ENV_KEY, ENV_PEER_KEY
from sitroom.services.sim.netlab import BACKEND_IP, NetLab
from sitroom.services.video.wire import CAM_TOPIC

BACKENDS = ("avl", "traffic", "cad", "cctv", "sensors")
# The feeds the app subscribes to: feed name (also its socket's name), the backend publishing it, topics.
# The cameras' feed carries only their declarations until a view subscribes to a camera's frames.
_FEEDS = (("avl", "avl", (Topic.AVL,)), ("traffic", "traffic", (Topic.LINK,)),
          ("incidents", "cad", (Topic.INCIDENT,)), ("cctv", "cctv", (CAM_TOPIC,)),
          ("sensors", "sensors", (FACILITY_TOPIC, Topic.SENSOR_PREFIX)))
CAD_STATE_FILE = "cad-state.sqlite"
# Behind a NetLab link the sockets the control room reaches are tcp on the backends' address (the rest
# stays ipc); the namespace is private, so fixed ports collide with nothing.
_NETWORK_PORTS = {"avl": 7101, "traffic": 7102, "incidents": 7103, "cad": 7104, "cctv": 7105, "sensors": 7106}


@dataclass
class DemoBackends:
    kit_path: Path
    vehicles: int = 3000
    runtime_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sitroom-demo-")))
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    netlab: NetLab | None = None  # started: the backends run behind its link, reached over tcp
    incident_rate: float | None = None  # the CAD's calls per hour (None: its default)
    seed: int | None = None  # the CAD's call generator, for a shift that can be run again the same
    opening_queue_s: float | None = None  # a fresh CAD opens with this many past seconds of calls
    sensors: int = 3000  # the facility sensor backend's sensors; 0: no such backend

    def endpoint(self, name: str) -> str:
        if self.netlab is not None and name in _NETWORK_PORTS:
            return f"tcp://{BACKEND_IP}:{_NETWORK_PORTS[name]}"
        return f"ipc://{self.runtime_dir / name}.sock"

    def feeds(self) -> list[FeedConfig]:
        return [FeedConfig(feed, self.endpoint(feed), topics) for feed, backend, topics in _FEEDS
                if backend in self.backends()]

    def backends(self) -> tuple[str, ...]:
        return tuple(b for b in BACKENDS if b != "sensors" or self.sensors > 0)

    def cad_endpoint(self) -> str:
        """The CAD's ROUTER, for the app's dispatch link (DEALER)."""
        return self.endpoint("cad")

    @staticmethod
    def backend_of(feed: str) -> str | None:
        """The backend process publishing a feed of ``feeds()`` (e.g. "incidents" -> "cad")."""
        return next((backend for name, backend, _topics in _FEEDS if name == feed), None)

    def command(self, name: str) -> list[str]:
        cmd = sitroom.command("sim", name, "--endpoint", self.endpoint(name), "--kit", str(self.kit_path),
                              "--parent-pid", str(os.getpid()))
        if name == "avl":
            cmd += ["--vehicles", str(self.vehicles), "--assignments", self.endpoint("assignments")]
        elif name == "cad":
            cmd += ["--incidents", self.endpoint("incidents"), "--assignments", self.endpoint("assignments"),
                    "--avl", self.endpoint("avl"), "--state", str(self.runtime_dir / CAD_STATE_FILE)]
            if self.incident_rate is not None:
                cmd += ["--incident-rate", str(self.incident_rate)]
            if self.seed is not None:
                cmd += ["--seed", str(self.seed)]
            if self.opening_queue_s is not None:
                cmd += ["--opening-queue", str(self.opening_queue_s)]
        elif name == "sensors":
            cmd += ["--sensors", str(self.sensors)]
        return cmd

    def start(self, name: str | None = None) -> None:
        for n in ([name] if name else self.backends()):
            if n in self.procs and self.procs[n].poll() is None:
                continue
            env = {k: v for k, v in os.environ.items() if k not in (ENV_KEY, ENV_PEER_KEY, ENV_ALLOW)}
            cmd = self.command(n) if self.netlab is None else self.netlab.wrap(self.command(n))
            self.procs[n] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, env=env)

    def pid(self, name: str) -> int | None:
        p = self.procs.get(name)
        return p.pid if p is not None and p.poll() is None else None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        p = self.procs.get(name)
        if p is not None and p.poll() is None:
            p.send_signal(sig)
            p.wait(5)

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        self.procs.clear()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)
