"""A network link that can be cut: the demo backends in their own network namespace, behind a veth pair.

ipc and loopback never fail the way a city network does. To drill a link loss the control room runs in a
private network namespace (``unshare -rn``: no root needed, nothing outside it is touched) and the
backends in a second one, joined by a virtual Ethernet pair::

    control room 10.99.0.1 ── vroom ═══ vback ── 10.99.0.2 backends

Cutting the link sets ``vback`` down: packets vanish without a reset or an error, as when a fibre is cut
or a router dies, so both ends learn of it only by silence. Restoring sets it up again; the TCP
connections that were open are still half-alive on both sides, which is the case the feed client's
silent-feed redial and the dispatch link's heartbeats exist for.

``NetLab.available()`` says whether this machine allows it (user namespaces, iproute2, nsenter).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import sitroom

ROOM_IP = "10.99.0.1"
BACKEND_IP = "10.99.0.2"
_PREFIX = 24
ROOM_DEV, BACKEND_DEV = "vroom", "vback"
# Set in the environment of a process this module re-executed inside a private network namespace.
ENV_NETNS = "SITROOM_NETLAB"

# ``sitroom _netns-holder`` (not listed in --help): holds the backends' namespace open until the process that
# made it is gone. A subcommand, not ``python -c``, so that an installed build (no Python of its own) runs it too.
HOLDER_COMMAND = "_netns-holder"
_ENV_PARENT = "SITROOM_NETLAB_PARENT"


def hold_namespace() -> int:
    """The holder's body: sleep while the process named in the environment is still its parent."""
    parent = int(os.environ[_ENV_PARENT])
    while os.getppid() == parent:
        time.sleep(0.5)
    return 0


class NetLabError(RuntimeError):
    pass


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    if done.returncode != 0:
        raise NetLabError(f"{' '.join(cmd)}: {done.stderr.strip() or f'exit status {done.returncode}'}")


def missing_tools() -> list[str]:
    return [t for t in ("unshare", "nsenter", "ip") if shutil.which(t) is None]


def in_private_netns() -> bool:
    return os.environ.get(ENV_NETNS) == "1"


def can_unshare() -> str | None:
    """None when ``unshare -rn`` works here, else why not."""
    missing = missing_tools()
    if missing:
        return f"missing {', '.join(missing)} (Debian: apt-get install iproute2 util-linux)"
    try:
        done = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare -rn: {exc}"
    if done.returncode != 0:
        return f"unshare -rn: {done.stderr.strip() or done.returncode} (unprivileged user namespaces disabled?)"
    return None


def reexec_in_private_netns(argv: list[str]) -> int:
    """Run the command ``argv`` (e.g. ``sitroom.command(...)``) in a private user and network namespace and
    return its exit status."""
    env = dict(os.environ, **{ENV_NETNS: "1"})
    return subprocess.call(["unshare", "-rn", *argv], env=env)


class NetLab:
    """The backends' namespace and the link to it; only usable inside a private namespace of our own."""

    def __init__(self) -> None:
        self.holder: subprocess.Popen | None = None

    @staticmethod
    def available() -> str | None:
        """None if a NetLab can be started in this process, else why not."""
        if not in_private_netns():
            return "not in a private network namespace (see reexec_in_private_netns)"
        missing = missing_tools()
        return f"missing {', '.join(missing)}" if missing else None

    @property
    def pid(self) -> int:
        assert self.holder is not None, "NetLab not started"
        return self.holder.pid

    def start(self) -> None:
        why = self.available()
        if why:
            raise NetLabError(why)
        _run(["ip", "link", "set", "lo", "up"])  # a new namespace's loopback starts down
        env = dict(os.environ, **{_ENV_PARENT: str(os.getpid())})
        self.holder = subprocess.Popen(["unshare", "-n", *sitroom.command(HOLDER_COMMAND)], env=env,
                                       stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        own = os.readlink("/proc/self/ns/net")
        while os.readlink(f"/proc/{self.pid}/ns/net") == own:  # unshare has not switched yet
            if self.holder.poll() is not None or time.monotonic() > deadline:
                raise NetLabError("the backends' network namespace did not come up")
            time.sleep(0.01)
        _run(["ip", "link", "add", ROOM_DEV, "type", "veth", "peer", "name", BACKEND_DEV, "netns", str(self.pid)])
        _run(["ip", "addr", "add", f"{ROOM_IP}/{_PREFIX}", "dev", ROOM_DEV])
        _run(["ip", "link", "set", ROOM_DEV, "up"])
        for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "addr", "add", f"{BACKEND_IP}/{_PREFIX}", "dev",
                                                         BACKEND_DEV], ["ip", "link", "set", BACKEND_DEV, "up"]):
            _run(self.wrap(cmd))

    def wrap(self, cmd: list[str]) -> list[str]:
        """``cmd`` run in the backends' namespace."""
        return ["nsenter", "-t", str(self.pid), "-n", "--", *cmd]

    def cut(self) -> None:
        _run(self.wrap(["ip", "link", "set", BACKEND_DEV, "down"]))

    def restore(self) -> None:
        _run(self.wrap(["ip", "link", "set", BACKEND_DEV, "up"]))

    def stop(self) -> None:
        if self.holder is not None and self.holder.poll() is None:
            self.holder.terminate()
            self.holder.wait(5)
        self.holder = None
