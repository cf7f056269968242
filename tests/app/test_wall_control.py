"""Remote control of the wall over ZeroMQ: plaintext on loopback, CURVE with an allowlist elsewhere."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sitroom import resources
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.frame_loop import FrameLoop
from sitroom.app.wall import WallController
from sitroom.app.wall_control import WallRemote, WallServer
from sitroom.services.feeds.security import Security, create_keypair
from sitroom.services.wall.layout import load
from tests.kits import grid_kit

WALLS = Path(resources.__file__).parent / "walls"


@pytest.fixture
def controller(qtbot):
    session = LiveSession(grid_kit(6), [])
    room = Room(session)
    c = WallController(room, FrameLoop(room), load(WALLS / "two-screens.toml"), one_screen=True)
    c.show()
    yield c
    c.close()


def _ask(qtbot, server: WallServer, remote: WallRemote, cmd: dict) -> dict:
    out: dict = {}
    t = threading.Thread(target=lambda: out.update(remote.send(cmd, timeout_s=5)))
    t.start()
    qtbot.waitUntil(lambda: not t.is_alive(), timeout=8000)
    return out


def test_push_a_preset_over_loopback(qtbot, controller) -> None:
    server = WallServer("tcp://127.0.0.1:*", controller)
    server.start()
    try:
        remote = WallRemote(server.endpoint, who="kim")
        answer = _ask(qtbot, server, remote, {"op": "preset", "name": "flood"})
        assert answer["ok"] and answer["preset"] == "flood" and controller.engine.pinned_by == "kim"
        assert _ask(qtbot, server, remote, {"op": "nonsense"}) == {"ok": False, "error": "unknown command 'nonsense'"}
    finally:
        server.stop()


def test_plaintext_beyond_loopback_is_refused(controller) -> None:
    with pytest.raises(ValueError, match="not encrypted"):
        WallServer("tcp://0.0.0.0:5599", controller)
    with pytest.raises(ValueError, match="not encrypted"):
        WallRemote("tcp://10.1.2.3:5599")


def test_curve_lets_only_allowed_supervisors_in(qtbot, controller, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    create_keypair("wall", keys)
    create_keypair("supervisor", keys)
    allow = tmp_path / "allow"
    allow.mkdir()
    (allow / "supervisor.key").write_bytes((keys / "supervisor.key").read_bytes())
    server = WallServer("tcp://127.0.0.1:*", controller, security=Security.load("wall", directory=keys, allow=allow))
    server.start()
    try:
        good = WallRemote(server.endpoint, who="kim", security=Security.load("supervisor", directory=keys,
                                                                                server="wall"))
        assert _ask(qtbot, server, good, {"op": "preset", "name": "disaster"})["preset"] == "disaster"
        create_keypair("intruder", keys)
        bad = WallRemote(server.endpoint, security=Security.load("intruder", directory=keys, server="wall"))
        out = {}
        t = threading.Thread(target=lambda: out.update(bad.send({"op": "preset", "name": "normal"}, timeout_s=1.5)))
        t.start()
        qtbot.waitUntil(lambda: not t.is_alive(), timeout=5000)
        assert not out["ok"] and "did not answer" in out["error"]
        assert controller.engine.state.preset == "disaster"
    finally:
        server.stop()
