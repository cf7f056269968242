"""CURVE keys, the ZAP allowlist and the plaintext rule (services/feeds/security.py, docs/protocol.md §11).

Real sockets over ipc: a trusted publisher delivers; an impostor bound to the same endpoint with another key
pair delivers nothing and the feed shows as rejected; a client whose key is not allowed gets nothing; the
demo backends take their keys from the environment.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import zmq

from sitroom.app import cli
from sitroom.services.dispatch import commands
from sitroom.services.dispatch.link import DispatchLink, Refused
from sitroom.services.dispatch.outbox import Outbox
from sitroom.services.feeds import protocol as p
from sitroom.services.feeds import security as sec
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.health import FeedState
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.feeds.security import KeyFileError, Security, check_plaintext
from sitroom.services.store.kit import save_kit
from tests import waiting
from tests.kits import grid_kit

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(not zmq.has("curve"), reason="libzmq without CURVE (libsodium)")]

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0
UNTRUSTED = "handshake failed: publisher key not trusted"
NOT_ALLOWED = "handshake failed: this client's key is not authorised by the publisher"


def wait_for(predicate: Callable[[], object], timeout: float = TIMEOUT, what: str = "condition") -> None:
    waiting.wait_for(predicate, timeout, what)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def avl(ids: list[int]) -> np.ndarray:
    rec = p.new_records(len(ids))
    rec["id"] = ids
    rec["ts"] = 1_732_240_000_000
    return rec


@pytest.fixture
def keys(tmp_path) -> Path:
    """A key directory holding the pairs of a publisher, an impostor, the control room and a stranger, and an
    allowlist directory trusting the control room only."""
    directory = tmp_path / "keys"
    for name in ("pub", "impostor", "room", "stranger"):
        sec.create_keypair(name, directory)
    allow = tmp_path / "allow"
    allow.mkdir(mode=0o700)
    shutil.copy(directory / "room.key", allow / "room.key")
    return directory


@pytest.fixture
def ctx() -> Iterator[zmq.Context]:
    context = zmq.Context()
    yield context
    context.term()


def server(keys: Path, name: str = "pub") -> Security:
    return Security.load(name, directory=keys, allow=keys.parent / "allow")


def client_of(keys: Path, name: str = "room", server_name: str = "pub") -> Security:
    return Security.load(name, directory=keys, server=server_name)


def publish_until(pub: Publisher, done: Callable[[], object], timeout: float = TIMEOUT) -> None:
    """Heartbeats and a batch every few milliseconds until ``done()``."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        pub.heartbeat(force=True)
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([1, 2]))
        time.sleep(0.02)


def publish_for(pub: Publisher, seconds: float) -> None:
    end = time.monotonic() + seconds
    publish_until(pub, lambda: time.monotonic() >= end, timeout=seconds + 5)


# ---------------------------------------------------------------- key files


def test_keys_create_and_list(tmp_path, capsys):
    directory = tmp_path / "k"
    assert cli.main(["keys", "list", "--dir", str(directory)]) == 0
    assert "no keys" in capsys.readouterr().out
    assert cli.main(["keys", "create", "control-room", "--dir", str(directory)]) == 0
    out = capsys.readouterr().out
    public, secret = directory / "control-room.key", directory / "control-room.key_secret"
    assert (mode(directory), mode(public), mode(secret)) == (0o700, 0o600, 0o600)
    key, secret_key = zmq.auth.load_certificate(secret)
    assert secret_key and key.decode() in out and secret_key.decode() not in out
    assert zmq.auth.load_certificate(public) == (key, None)
    assert sorted(f.name for f in directory.iterdir()) == ["control-room.key", "control-room.key_secret"]

    assert cli.main(["keys", "create", "control-room", "--dir", str(directory)]) == 1  # never overwritten silently
    assert "already exists" in capsys.readouterr().err
    assert zmq.auth.load_certificate(secret)[0] == key
    assert cli.main(["keys", "create", "control-room", "--dir", str(directory), "--force"]) == 0
    assert zmq.auth.load_certificate(secret)[0] != key

    shutil.copy(tmp_path / "k" / "control-room.key", directory / "avl-daejeon.key")  # someone else's public key
    capsys.readouterr()
    assert cli.main(["keys", "list", "--dir", str(directory)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[0] == "avl-daejeon" and lines[1].endswith("public only")
    assert lines[2].split()[0] == "control-room" and lines[2].endswith("pair")
    assert cli.main(["keys", "create", "../escape", "--dir", str(directory)]) == 1


def test_the_default_key_directory_follows_sitroom_config(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SITROOM_CONFIG", str(tmp_path / "cfg"))
    assert sec.keys_dir() == tmp_path / "cfg" / "keys"
    assert cli.main(["keys", "create", "room"]) == 0
    assert (tmp_path / "cfg" / "keys" / "room.key_secret").exists()
    monkeypatch.delenv("SITROOM_CONFIG")
    assert sec.keys_dir() == Path.home() / ".config" / "sitroom" / "keys"


def test_a_loose_key_directory_is_tightened_and_a_readable_secret_refused(tmp_path):
    directory = tmp_path / "k"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    sec.create_keypair("a", directory)
    assert mode(directory) == 0o700
    os.chmod(directory / "a.key_secret", 0o644)
    with pytest.raises(KeyFileError, match="readable by others"):
        sec.load_keypair("a", directory)
    with pytest.raises(KeyFileError, match="no secret key"):
        sec.load_keypair("b", directory)


def test_public_keys_by_name_or_as_text(keys):
    by_name = sec.public_key("pub", keys)
    assert len(by_name) == 40
    assert sec.public_key(by_name.decode(), keys) == by_name
    with pytest.raises(KeyFileError):
        sec.public_key("nobody", keys)
    assert sec.load_keypair("pub", keys).secret.decode() not in repr(sec.load_keypair("pub", keys))


def test_security_from_the_environment(keys):
    assert Security.from_env({}) is None
    config = keys.parent
    s = Security.from_env({"SITROOM_CONFIG": str(config), "SITROOM_KEY": "pub"})
    assert s is not None and s.keys == sec.load_keypair("pub", keys)
    assert s.server_key == s.keys.public  # the peers share the pair unless SITROOM_PEER_KEY says otherwise
    assert s.allow_dir == keys
    s = Security.from_env({"SITROOM_CONFIG": str(config), "SITROOM_KEY": "room", "SITROOM_PEER_KEY": "pub",
                           "SITROOM_ALLOW": "any"})
    assert s.server_key == sec.public_key("pub", keys) and s.allow_dir is None


# ---------------------------------------------------------------- the plaintext rule


@pytest.mark.parametrize("endpoint", [
    "ipc:///run/sitroom/avl.sock", "inproc://x", "tcp://127.0.0.1:5556", "tcp://127.8.9.10:5556",
    "tcp://localhost:5556", "tcp://[::1]:5556", "tcp://lo:5556", "tcp://eth0;127.0.0.1:5556",
])
def test_plaintext_is_fine_on_ipc_and_loopback(endpoint):
    assert check_plaintext(endpoint, None) is None


@pytest.mark.parametrize("endpoint", [
    "tcp://10.0.0.5:5556", "tcp://*:5556", "tcp://0.0.0.0:5556", "tcp://avl.city.example:5556",
    "tcp://[2001:db8::1]:5556", "tcp://192.168.1.20:5556", "pgm://eth0;239.192.1.1:5555",
])
def test_plaintext_on_a_network_is_warned_about(endpoint, keys):
    warning = check_plaintext(endpoint, None)
    assert warning and endpoint in warning and "not encrypted" in warning
    assert check_plaintext(endpoint, client_of(keys)) is None


def test_the_warning_reaches_feed_health_and_the_dispatch_link(tmp_path, keys):
    client = FeedClient([FeedConfig("net", "tcp://10.1.2.3:5556"), FeedConfig("local", "tcp://127.0.0.1:5556"),
                         FeedConfig("pinned", "tcp://10.1.2.3:5557", server_key="pub")])
    assert "not encrypted" in client.health[0].warning
    assert client.health[1].warning == "" and client.health[2].warning == ""
    outbox = Outbox(tmp_path / "outbox.sqlite")
    try:
        assert "not encrypted" in DispatchLink("tcp://10.1.2.3:5560", outbox).state.warning
        assert DispatchLink("tcp://10.1.2.3:5560", outbox, security=client_of(keys)).state.warning == ""
    finally:
        outbox.close()


# ---------------------------------------------------------------- feeds over CURVE


def test_a_trusted_publisher_delivers_updates_and_snapshots(ctx, tmp_path, keys):
    pub = Publisher(f"ipc://{tmp_path}/f.sock", "pub", context=ctx, snapshot=f"ipc://{tmp_path}/f.snap.sock",
                    security=server(keys))
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([7, 8, 9]))  # before the client: only the snapshot has it
    # The publisher's key named per feed, looked up in the client's key directory.
    client = FeedClient([FeedConfig("f", pub.endpoint, server_key="pub")], context=ctx,
                        security=Security.load("room", directory=keys))
    client.start()
    try:
        got: list = []
        wait_for(lambda: got.extend(client.drain()) or any(d.snapshot for d in got), what="the snapshot")
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([10]))
        wait_for(lambda: got.extend(client.drain()) or any(not d.snapshot for d in got), what="an update")
        assert sorted(r for d in got for r in d.message.payload["id"].tolist()) == [7, 8, 9, 10]
        health = client.health[0]
        assert (health.rejected, health.connected, health.handshake_failures) == ("", True, 0)
        assert health.warning == ""
    finally:
        client.stop()
        pub.close()


def test_an_impostor_publisher_delivers_nothing_and_shows_as_rejected(ctx, tmp_path, keys):
    """Another key pair on the very endpoint the client trusts: no handshake, no data, a visible refusal."""
    feed, snap = f"ipc://{tmp_path}/f.sock", f"ipc://{tmp_path}/f.snap.sock"
    impostor = Publisher(feed, "pub", context=ctx, snapshot=snap, security=server(keys, "impostor"))
    impostor.send_records(Topic.AVL, Kind.AVL_BATCH, avl([666]))
    client = FeedClient([FeedConfig("avl", feed)], context=ctx, security=client_of(keys))
    client.start()
    health = client.health[0]
    try:
        publish_until(impostor, lambda: health.handshake_failures >= 2)  # the feed and its snapshot socket
        publish_for(impostor, 0.5)
        assert client.drain() == []
        assert (health.messages, health.snapshots) == (0, 0)
        assert health.rejected == UNTRUSTED and health.last_error == UNTRUSTED
        assert health.state(time.monotonic()) is FeedState.REJECTED
        assert health.connected is not True
    finally:
        impostor.close()

    # The real publisher takes the endpoint back: the same client recovers by itself.
    real = Publisher(feed, "pub", context=ctx, snapshot=snap, security=server(keys))
    try:
        real.send_records(Topic.AVL, Kind.AVL_BATCH, avl([1]))
        publish_until(real, lambda: health.messages > 0 and health.snapshots == 1)
        assert health.rejected == "" and health.state(time.monotonic()) is FeedState.LIVE
        assert 666 not in {r for d in client.drain() for r in d.message.payload["id"].tolist()}
    finally:
        client.stop()
        real.close()


def test_a_client_not_in_the_allowlist_gets_nothing_until_its_key_is_added(ctx, tmp_path, keys):
    pub = Publisher(f"ipc://{tmp_path}/f.sock", "pub", context=ctx, snapshot=f"ipc://{tmp_path}/f.snap.sock",
                    security=server(keys))
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([1]))
    client = FeedClient([FeedConfig("f", pub.endpoint)], context=ctx, security=client_of(keys, "stranger"))
    client.start()
    health = client.health[0]
    try:
        publish_until(pub, lambda: health.handshake_failures >= 2)
        publish_for(pub, 0.5)
        assert client.drain() == [] and health.messages == 0
        assert health.rejected == NOT_ALLOWED
        assert health.state(time.monotonic()) is FeedState.REJECTED

        # Allowing the key takes effect at the client's next attempt, without restarting either side.
        shutil.copy(keys / "stranger.key", keys.parent / "allow" / "stranger.key")
        publish_until(pub, lambda: health.messages > 0 and health.snapshots == 1)
        assert health.rejected == ""
    finally:
        client.stop()
        pub.close()


def test_a_plaintext_client_cannot_read_an_encrypted_publisher(ctx, tmp_path, keys):
    pub = Publisher(f"ipc://{tmp_path}/f.sock", "pub", context=ctx, security=server(keys))
    client = FeedClient([FeedConfig("f", pub.endpoint, snapshot=None)], context=ctx)
    client.start()
    health = client.health[0]
    try:
        publish_until(pub, lambda: health.handshake_failures >= 1)
        assert health.messages == 0 and health.rejected == "handshake failed: the publisher requires CURVE keys"
    finally:
        client.stop()
        pub.close()


def test_a_pinned_publisher_key_without_a_key_pair_of_our_own(ctx, tmp_path, keys):
    """A publisher that allows any client: the client still encrypts and still refuses impostors."""
    pub = Publisher(f"ipc://{tmp_path}/f.sock", "pub", context=ctx, snapshot=f"ipc://{tmp_path}/f.snap.sock",
                    security=Security.load("pub", directory=keys, allow="any"))
    pub.send_records(Topic.AVL, Kind.AVL_BATCH, avl([3]))
    client = FeedClient([FeedConfig("f", pub.endpoint, server_key=sec.public_key("pub", keys).decode())],
                        context=ctx)
    client.start()
    try:
        publish_until(pub, lambda: client.health[0].snapshots == 1 and client.health[0].messages > 0)
    finally:
        client.stop()
        pub.close()


# ---------------------------------------------------------------- the dispatch link


def test_the_dispatch_link_talks_to_the_trusted_cad_only(ctx, tmp_path, keys):
    endpoint = f"ipc://{tmp_path}/cad.sock"
    outbox = Outbox(tmp_path / "outbox.sqlite")
    cmd = {"cmd_id": "c-1", "cmd": "dispatch", "incident": "INC-1", "unit": 10001, "lon": 127.4, "lat": 36.3,
           "ts": 1}

    def cad(name: str) -> tuple[zmq.Socket, sec.ZapLease]:
        router = ctx.socket(zmq.ROUTER)
        router.setsockopt(zmq.LINGER, 0)
        lease = server(keys, name).apply_server(router)
        router.bind(endpoint)
        return router, lease

    link = DispatchLink(endpoint, outbox, context=ctx, security=client_of(keys))
    impostor, lease = cad("impostor")
    link.start()
    try:
        link.submit(cmd)
        wait_for(lambda: link.state.refused, what="the refusal")
        assert link.state.refused == "handshake failed: CAD key not trusted"
        assert Refused(link.state.refused) in link.drain()
        assert impostor.poll(300) == 0  # the command never reached it
    finally:
        impostor.close(0)
        lease.release()

    real, lease = cad("pub")
    try:
        assert real.poll(int(TIMEOUT * 1000))
        frames = real.recv_multipart()
        assert commands.decode_command(frames[-1])["cmd_id"] == "c-1"
        real.send_multipart([frames[0], commands.encode_ack("c-1", True)])
        wait_for(lambda: link.state.acked == 1, what="the acknowledgement")
        assert link.state.refused == ""
    finally:
        link.stop()
        real.close(0)
        lease.release()
        outbox.close()


# ---------------------------------------------------------------- the demo backends


def test_a_backend_takes_its_keys_from_the_environment(ctx, tmp_path, keys):
    """``sitroom sim traffic`` with SITROOM_KEY: encrypted feed and snapshot, the allowlist in the key directory."""
    kit_dir = tmp_path / "kit"
    save_kit(grid_kit(4), kit_dir)
    shutil.copy(keys / "room.key", keys / "room-allowed.key")  # the default allowlist: the key directory
    feed = f"ipc://{tmp_path}/traffic.sock"
    env = {**os.environ, "SITROOM_CONFIG": str(keys.parent), "SITROOM_KEY": "pub"}
    proc = subprocess.Popen([sys.executable, "-m", "sitroom", "sim", "traffic", "--endpoint", feed, "--kit",
                             str(kit_dir), "--duration", "60"], cwd=REPO, env=env, stdin=subprocess.DEVNULL)
    trusted = FeedClient([FeedConfig("traffic", feed)], context=ctx, security=client_of(keys))
    plain = FeedClient([FeedConfig("traffic", feed)], context=ctx)
    trusted.start()
    plain.start()
    try:
        wait_for(lambda: trusted.health[0].snapshots >= 1 or proc.poll() is not None, timeout=30,
                 what="the snapshot from the backend")
        assert proc.poll() is None
        got = trusted.drain()
        assert got and got[0].snapshot and got[0].message.env.kind == Kind.LINK_SPEEDS
        wait_for(lambda: plain.health[0].handshake_failures > 0, what="the plaintext client refused")
        assert plain.health[0].messages == 0 and plain.drain() == []
    finally:
        trusted.stop()
        plain.stop()
        proc.terminate()
        proc.wait(10)


def test_a_feed_with_an_unknown_publisher_key_shows_it_and_the_others_run(ctx, tmp_path, keys):
    pub = Publisher(f"ipc://{tmp_path}/f.sock", "pub", context=ctx, security=server(keys))
    client = FeedClient([FeedConfig("typo", f"ipc://{tmp_path}/g.sock", server_key="no-such-key"),
                         FeedConfig("good", pub.endpoint, snapshot=None)], context=ctx, security=client_of(keys))
    client.start()
    try:
        publish_until(pub, lambda: client.health[1].messages > 0)
        assert client.health[0].last_error.startswith("bad key") and "no-such-key" in client.health[0].last_error
        assert client.error is None
    finally:
        client.stop()
        pub.close()
