"""The dispatch outbox (SQLite) and the DEALER link, against a stand-in CAD ROUTER over real ipc sockets.

The real CAD backend, kill -9 and exactly-once end to end are in test_cad.py.
"""

from __future__ import annotations

import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import msgpack
import pytest
import zmq

from sitroom.services.dispatch import commands
from sitroom.services.dispatch.link import Acked, BadAck, DispatchLink, LinkEvent, Rejected, UnknownAck
from sitroom.services.dispatch.outbox import Outbox, new_command
from sitroom.services.feeds import protocol
from tests import waiting

pytestmark = pytest.mark.timeout(60)


def command(n: int, unit: int = 10000, **extra: object) -> dict:
    return {"cmd_id": f"cmd-{n}", "cmd": "dispatch", "incident": "INC-20250101-1", "unit": unit,
            "lon": 127.385, "lat": 36.351, "ts": 1_735_660_800_000 + n, **extra}


def wait_for(predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> None:
    waiting.wait_for(predicate, timeout, what)


# ---------------------------------------------------------------- the outbox


def test_outbox_keeps_commands_across_reopen_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "outbox.sqlite"
    box = Outbox(path)
    assert box.add(command(1, by="kim")) == "cmd-1"
    box.add(command(2, unit=10001))
    box.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for side in path.parent.glob("outbox.sqlite-*"):  # -wal and -shm, when present
        assert stat.S_IMODE(side.stat().st_mode) == 0o600

    box = Outbox(path)
    pending = box.pending()
    assert [e.cmd_id for e in pending] == ["cmd-1", "cmd-2"]
    first = pending[0]
    assert first.command == command(1, by="kim") and first.body == commands.encode_command(command(1, by="kim"))
    assert (first.cmd, first.incident, first.unit, first.state, first.sent_count) == (
        "dispatch", "INC-20250101-1", 10000, "pending", 0)
    assert [e.cmd_id for e in box.recent(5)] == ["cmd-2", "cmd-1"]
    assert box.counts() == {"pending": 2, "acked": 0, "rejected": 0}


def test_outbox_add_is_idempotent_and_checked(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite")
    box.add(command(1))
    box.add(command(1, unit=10007))  # same cmd_id: the first stays
    assert len(box.pending()) == 1 and box.get("cmd-1").unit == 10000
    with pytest.raises(protocol.DecodeError, match="bad-command"):
        box.add({**command(2), "unit": -1})
    with pytest.raises(ValueError):
        box.add({**command(3), "cmd": "explode"})
    assert box.get("cmd-2") is None and box.get("cmd-3") is None
    made = new_command("dispatch", "INC-20250101-1", 10003, 127.38, 36.35, by="kim")
    assert len(made["cmd_id"]) == 32 and made["by"] == "kim" and box.add(made) == made["cmd_id"]
    assert new_command("recall", "INC-1", 1, 0, 0)["cmd_id"] != made["cmd_id"]


def test_outbox_acknowledgements(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite")
    box.add(command(1))
    box.add(command(2))
    assert box.mark_acked("nobody-sent-this", True) is False
    assert box.mark_acked("cmd-1", True)
    assert box.mark_acked("cmd-2", False, "unit 10000 is busy (en route)")
    assert box.mark_acked("cmd-1", False, "a late contradicting answer")  # known, but the first answer stays
    assert box.get("cmd-1").state == "acked" and box.get("cmd-1").acked_ms is not None
    assert (box.get("cmd-2").state, box.get("cmd-2").reason) == ("rejected", "unit 10000 is busy (en route)")
    assert box.pending() == []
    box.mark_sent(["cmd-1", "cmd-1"])
    assert box.get("cmd-1").sent_count == 2


def test_outbox_from_two_threads(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.sqlite")

    def adder(base: int) -> None:
        for i in range(100):
            box.add(command(base + i))
            box.mark_sent([f"cmd-{base + i}"])

    threads = [threading.Thread(target=adder, args=(b,)) for b in (0, 1000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(box.pending()) == 200 and all(e.sent_count == 1 for e in box.pending())


# ---------------------------------------------------------------- the link, against a stand-in CAD


class FakeCad:
    """A ROUTER that records what arrives and answers as told."""

    def __init__(self, endpoint: str) -> None:
        self.socket = zmq.Context.instance().socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.bind(endpoint)
        self.received: list[dict] = []
        self.peer: bytes | None = None

    def receive(self, n: int, timeout: float = 5.0) -> list[dict]:
        got: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(got) < n:
            assert time.monotonic() < deadline, f"timed out waiting for {n} commands, got {len(got)}"
            if self.socket.poll(50):
                frames = self.socket.recv_multipart()
                self.peer = frames[0]
                got.append(commands.decode_command(frames[-1]))
        self.received += got
        return got

    def reply(self, raw: bytes) -> None:
        assert self.peer is not None
        self.socket.send_multipart([self.peer, raw])

    def close(self) -> None:
        self.socket.close(0)


@pytest.fixture
def link_env(tmp_path: Path) -> Iterator[tuple[str, Outbox, DispatchLink]]:
    endpoint = f"ipc://{tmp_path}/cad.sock"
    box = Outbox(tmp_path / "outbox.sqlite")
    link = DispatchLink(endpoint, box, resend_after_s=0.3, max_resend_s=0.6)
    yield endpoint, box, link
    link.stop()
    assert not [t for t in threading.enumerate() if t.name == "sitroom-dispatch"]


def drain_until(link: DispatchLink, n: int, timeout: float = 5.0) -> list[LinkEvent]:
    events: list[LinkEvent] = []
    wait_for(lambda: events.extend(link.drain()) or len(events) >= n, timeout, f"{n} link events")
    return events


def test_link_delivers_and_reports_each_answer(link_env) -> None:
    endpoint, box, link = link_env
    cad = FakeCad(endpoint)
    try:
        link.start()
        wait_for(lambda: link.state.connected, what="connection")
        for i in range(3):
            link.submit(command(i, unit=10000 + i))
        got = cad.receive(3)
        assert [c["cmd_id"] for c in got] == ["cmd-0", "cmd-1", "cmd-2"]
        cad.reply(commands.encode_ack("cmd-0", True))
        cad.reply(commands.encode_ack("cmd-1", False, "unit 10001 is busy (en route)"))
        cad.reply(commands.encode_ack("cmd-0", True))  # a repeat: counted, not reported again
        cad.reply(commands.encode_ack("cmd-999", True))
        cad.reply(b"\xc1 not msgpack")
        cad.reply(msgpack.packb({"cmd_id": "cmd-2", "ok": "yes"}))
        events = drain_until(link, 5)
        # An answer carries its outbox entry as settled: nothing to look up again on the GUI thread.
        assert isinstance(events[0], Acked) and events[0].entry.cmd_id == "cmd-0"
        assert events[0].entry.state == "acked" and events[0].entry.acked_ms is not None
        assert isinstance(events[1], Rejected) and events[1].entry.cmd_id == "cmd-1"
        assert (events[1].entry.state, events[1].entry.reason) == ("rejected", "unit 10001 is busy (en route)")
        assert events[1].entry.unit == 10001 and events[1].entry.incident == command(1)["incident"]
        assert events[2] == UnknownAck("cmd-999")
        assert [type(e) for e in events[3:]] == [BadAck, BadAck] and "field 'ok'" in events[4].reason
        state = link.state
        assert (state.acked, state.rejected, state.unknown_acks, state.duplicate_acks) == (1, 1, 1, 1)
        assert state.pending == 1 and state.ack_age() is not None and state.up
        assert box.get("cmd-0").state == "acked" and box.get("cmd-1").state == "rejected"
        assert box.get("cmd-2").state == "pending"  # its answer was garbage: still waiting, still re-sent
        again = cad.receive(1, timeout=3.0)
        assert again[0]["cmd_id"] == "cmd-2"
    finally:
        cad.close()


def test_link_resends_until_answered(link_env) -> None:
    endpoint, box, link = link_env
    cad = FakeCad(endpoint)
    try:
        link.submit(command(1))  # before start: picked up from the outbox
        link.start()
        t0 = time.monotonic()
        got = cad.receive(3)  # the first send, then repeats after 0.3 s and 0.6 s
        assert {c["cmd_id"] for c in got} == {"cmd-1"}
        assert time.monotonic() - t0 >= 0.8
        cad.reply(commands.encode_ack("cmd-1", True))
        assert [e.entry.cmd_id for e in drain_until(link, 1) if isinstance(e, Acked)] == ["cmd-1"]
        assert box.get("cmd-1").sent_count >= 3
        time.sleep(0.8)
        assert not cad.socket.poll(0)  # answered: no more repeats
    finally:
        cad.close()


def test_link_waits_out_an_outage(link_env) -> None:
    endpoint, box, link = link_env
    link.start()
    link.submit(command(1))
    time.sleep(0.5)
    state = link.state
    assert not state.connected and state.pending == 1 and state.sent == 0 and link.drain() == []
    cad = FakeCad(endpoint)  # the CAD comes up: the command goes at once
    try:
        assert cad.receive(1)[0]["cmd_id"] == "cmd-1"
        assert link.state.connected
        cad.close()  # and goes down before answering
        wait_for(lambda: not link.state.connected, what="link down")
        cad = FakeCad(endpoint)
        assert cad.receive(1)[0]["cmd_id"] == "cmd-1"  # sent again on reconnect
        cad.reply(commands.encode_ack("cmd-1", True))
        assert [e.entry.cmd_id for e in drain_until(link, 1) if isinstance(e, Acked)] == ["cmd-1"]
        assert box.counts()["acked"] == 1 and link.state.pending == 0
    finally:
        cad.close()


def test_stopped_link_leaves_no_thread_and_can_restart(link_env) -> None:
    endpoint, _box, link = link_env
    link.start()
    assert any(t.name == "sitroom-dispatch" for t in threading.enumerate())
    t0 = time.monotonic()
    link.stop()
    assert time.monotonic() - t0 < 1.0
    assert not [t for t in threading.enumerate() if t.name == "sitroom-dispatch"]
    link.submit(command(1))  # stored even while stopped
    cad = FakeCad(endpoint)
    try:
        link.start()
        assert cad.receive(1)[0]["cmd_id"] == "cmd-1"
    finally:
        cad.close()
