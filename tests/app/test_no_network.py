"""The demo control room and its backends talk over ipc only: no connection leaves the machine."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitroom.services.sim.demo_kit import open_demo_city

pytestmark = pytest.mark.slow

# Families that never leave the host; AF_UNSPEC is how a UDP socket's peer is dissolved, not a destination.
_LOCAL_FAMILIES = frozenset({"AF_UNIX", "AF_LOCAL", "AF_NETLINK", "AF_UNSPEC"})
# One sockaddr as strace prints it: the family, then its fields up to the struct's closing brace.
_SOCKADDR = re.compile(r"sa_family=(\w+)([^}]*)")
_INET_ADDR = re.compile(r'inet_addr\("([^"]*)"\)')
_INET6_ADDR = re.compile(r'inet_pton\(AF_INET6,\s*"([^"]*)"')


def _is_loopback(text: str) -> bool:
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped.is_loopback
    return addr.is_loopback


def foreign_addresses(line: str) -> list[str]:
    """Destinations in one strace line that are neither ipc/netlink nor loopback, e.g. ``["AF_INET 8.8.8.8"]``."""
    found = []
    for m in _SOCKADDR.finditer(line):
        family, fields = m.groups()
        if family in _LOCAL_FAMILIES:
            continue
        pattern = {"AF_INET": _INET_ADDR, "AF_INET6": _INET6_ADDR}.get(family)
        addr = pattern.search(fields) if pattern else None
        # An inet address strace could not print in full is not known to be loopback.
        if addr is None or not _is_loopback(addr.group(1)):
            found.append(f"{family} {addr.group(1) if addr else fields.strip(', ')}".rstrip())
    return found


@pytest.mark.parametrize(("line", "expected"), [
    ('123 connect(13, {sa_family=AF_UNIX, sun_path="/tmp/sitroom-demo-x/avl.sock"}, 37) = 0', []),
    ("sendto(5, {nlmsg_len=20}, 20, 0, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 20", []),
    ('connect(4, {sa_family=AF_UNSPEC, sa_data="\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"}, 16) = 0', []),
    ('connect(5, {sa_family=AF_INET, sin_port=htons(5556), sin_addr=inet_addr("127.0.0.1")}, 16) = 0', []),
    ('connect(5, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.3.2.1")}, 16) = 0', []),
    ("connect(3, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), "
     'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0', []),
    ('sendto(3, "y", 1, 0, {sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), '
     'sin6_addr=inet_pton(AF_INET6, "::ffff:127.0.0.1"), sin6_scope_id=0}, 28) = 1', []),
    ('sendto(17, "\\377\\0\\0\\0\\0\\0\\0\\0\\1\\177", 10, 0, NULL, 0) = 10', []),
    ("42 <... connect resumed>) = 0", []),
    ('connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, 16) = 0',
     ["AF_INET 8.8.8.8"]),
    ("connect(6, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
     'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH',
     ["AF_INET6 2001:db8::1"]),
    ("connect(6, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
     'inet_pton(AF_INET6, "::ffff:10.0.0.5", &sin6_addr), sin6_scope_id=0}, 28) = 0', ["AF_INET6 ::ffff:10.0.0.5"]),
    ('sendmsg(6, {msg_name={sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("10.1.2.3")}, msg_namelen=16, '
     'msg_iov=[{iov_base="z", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 1', ["AF_INET 10.1.2.3"]),
    ('connect(7, {sa_family=AF_INET, sa_data="\\0\\0"}, 4) = -1 EINVAL', ['AF_INET sa_data="\\0\\0"']),
    ("sendto(8, \"\", 0, 0, {sa_family=AF_PACKET, sll_protocol=htons(ETH_P_ALL), sll_ifindex=2}, 20) = 0",
     ["AF_PACKET sll_protocol=htons(ETH_P_ALL), sll_ifindex=2"]),
])
def test_foreign_addresses_parses_strace_lines(line: str, expected: list[str]) -> None:
    assert foreign_addresses(line) == expected


@pytest.fixture(scope="module")
def demo_city() -> None:
    # Built up front so the traced run is spent running, not generating the city.
    open_demo_city(Path(os.environ["SITROOM_CACHE"]))  # tests/conftest.py: private to this test session


def _demo(*wrapper: str, seconds: float) -> tuple[subprocess.CompletedProcess[str], dict]:
    # Runs ``seconds`` past its first live frame: a busy machine starting slowly is waited for, not failed.
    cmd = [*wrapper, sys.executable, "-m", "sitroom", "demo", "--vehicles", "500", "--exit-when-live", str(seconds),
           "--exit-after", "100", "--stats"]
    out = subprocess.run(cmd, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return out, json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (apt-get install strace)")
def test_demo_connects_only_over_ipc_and_loopback(demo_city: None, tmp_path: Path) -> None:
    log = tmp_path / "strace.log"
    # -f follows the backends the app starts; execve is traced to show that it did.
    _, stats = _demo("strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg,execve",
                     "-e", "signal=none", "-o", str(log), seconds=4)
    assert stats["vehicles_drawn"] > 0
    assert stats["messages"] > 0
    assert stats["decode_errors"] == 0

    lines = log.read_text(errors="replace").splitlines()
    for backend in ("avl", "traffic"):
        assert any("execve(" in ln and f'"sim", "{backend}"' in ln for ln in lines), f"{backend} backend not traced"
    assert any(re.search(r'connect\(.*sa_family=AF_UNIX, sun_path="[^"]*sitroom-demo-[^"]*\.sock"', ln)
               for ln in lines), "no ipc connect to the demo backends in the trace"
    offending = [f"{', '.join(bad)}: {ln}" for ln in lines if (bad := foreign_addresses(ln))]
    assert not offending, "network traffic beyond loopback/ipc:\n" + "\n".join(offending)


def test_demo_runs_without_any_network(demo_city: None) -> None:
    """In a namespace with only a downed loopback device the feeds still arrive: ipc needs no network at all."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed (util-linux)")
    probe = subprocess.run(["unshare", "-rn", sys.executable, "-c",
                            "import socket; print(' '.join(n for _, n in socket.if_nameindex()))"],
                           capture_output=True, text=True, timeout=30, check=False)
    if probe.returncode != 0:
        pytest.skip(f"unshare -rn is not permitted here: {probe.stderr.strip()}")
    assert probe.stdout.split() == ["lo"]  # the namespace really has no way out
    _, stats = _demo("unshare", "-rn", seconds=2)
    assert stats["vehicles_drawn"] > 0
    assert stats["messages"] > 0
    assert stats["decode_errors"] == 0
