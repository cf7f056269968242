"""Replay end to end: a real session recorded over ipc into a journal, then played back in the window.

Vehicles and incidents appear at the replay times they were received; a seek anywhere, back or forth,
gives the state a straight play reaches at that moment; the timeline dock drives it (Space, speed, jump)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

from sitroom.app.core.replay import ReplayError, ReplaySession, export_slice, journal_kit, parse_when
from sitroom.app.core.room import Room
from sitroom.app.core.session import journal_meta
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.protocol import LINK_DTYPE, Kind, Topic, now_ms
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.incidents.model import IncidentBook
from sitroom.services.journal import JournalPlayer, JournalWriter, frames_of
from sitroom.services.journal import player as player_mod
from sitroom.services.journal.writer import write_meta
from sitroom.services.sim.fleet import FleetSim
from sitroom.services.store.kit import load_kit, save_kit
from tests.kits import grid_kit

ROUNDS = 40
ROUND_S = 0.05
# (round, incident, status): two incidents walk their lifecycles; the CAD repeats every open one each round.
SCRIPT = {5: ("A", "new"), 12: ("A", "acknowledged"), 18: ("B", "new"), 22: ("A", "dispatched"),
          30: ("A", "en_route"), 34: ("B", "acknowledged")}


class FakeClock:
    def __init__(self) -> None:
        self.t = 50.0

    def __call__(self) -> float:
        return self.t


def _incident(inc_id: str, status: str, reported: int) -> dict:
    return {"id": inc_id, "type": "fire" if inc_id == "A" else "medical", "priority": 2, "lon": 127.386,
            "lat": 36.352, "status": status, "reported": reported, "units": [] if status == "new" else [5]}


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory):
    """Publish AVL, link speeds and incidents over ipc, receive them with a FeedClient, journal what arrived.

    Returns (journal dir, kit, truth) with truth a list of (recv_ms, feed name, message) as received."""
    tmp = tmp_path_factory.mktemp("rec")
    kit = grid_kit(8)
    sim = FleetSim(kit, 40)
    feeds = [FeedConfig("avl", f"ipc://{tmp}/avl.sock", snapshot=None),
             FeedConfig("cad", f"ipc://{tmp}/cad.sock", snapshot=None)]
    avl, cad = Publisher(feeds[0].endpoint, "rec-avl"), Publisher(feeds[1].endpoint, "rec-cad")
    client = FeedClient(feeds)
    client.start()
    writer = JournalWriter(tmp / "journal", meta=journal_meta(kit, feeds), flush_ms=50)
    truth: list = []

    def take() -> None:
        for d in client.drain():
            recv = now_ms()
            name = client.feeds[d.feed].name
            writer.append(name, frames_of(d.message), recv)
            truth.append((recv, name, d.message))

    deadline = time.monotonic() + 10
    while not all(h.messages for h in client.health):  # both subscriptions are up
        avl.heartbeat(force=True)
        cad.heartbeat(force=True)
        time.sleep(0.02)
        assert time.monotonic() < deadline
    try:
        state: dict[str, str] = {}
        reported: dict[str, int] = {}
        links = np.zeros(3, dtype=LINK_DTYPE)
        links["link"] = kit.roads.edge_link[:3]
        for r in range(ROUNDS):
            sim.step(1.0)
            rows = np.arange(20) if r < 15 else np.arange(40)  # the second half of the fleet joins later
            avl.send_records(Topic.AVL, Kind.AVL_BATCH, sim.records(rows, now_ms()), chunk=16)
            if r % 4 == 0:
                links["kmh"] = [5.0 + r, 10.0 + r, 30.0]
                avl.send_records(Topic.LINK, Kind.LINK_SPEEDS, links)
            if r in SCRIPT:
                inc_id, status = SCRIPT[r]
                state[inc_id] = status
                reported.setdefault(inc_id, now_ms())
            for inc_id, status in state.items():
                cad.send_map(Topic.INCIDENT, Kind.INCIDENT, _incident(inc_id, status, reported[inc_id]))
            time.sleep(ROUND_S)
            take()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len(truth) < avl.sent + cad.sent - 2:
            time.sleep(0.05)
            take()
        take()
    finally:
        client.stop()
        writer.close()
        avl.close()
        cad.close()
    assert writer.written == len(truth) and writer.dropped_disk == 0
    return tmp / "journal", kit, truth


def truth_at(truth: list, t: int) -> tuple[dict, dict]:
    """Vehicles (id -> source ts) and incidents (id -> status) from what had been received by ``t``."""
    vehicles: dict[int, int] = {}
    book = IncidentBook()
    for recv, _, msg in truth:
        if recv > t:
            break
        if msg.env.kind == Kind.AVL_BATCH:
            for rec in msg.payload:
                vehicles[int(rec["id"])] = max(vehicles.get(int(rec["id"]), 0), int(rec["ts"]))
        elif msg.env.kind == Kind.INCIDENT:
            book.receive(msg.payload, 0.0, 0.0, "cad")
    return vehicles, {i: inc.status for i, inc in book.incidents.items()}


def session_state(session: ReplaySession) -> dict:
    v = session.vehicles
    n = v.n
    order = np.argsort(v.ids[:n])
    return {
        "ids": v.ids[:n][order].tolist(), "x": v.x[:n][order].tolist(), "y": v.y[:n][order].tolist(),
        "ts": v.ts[:n][order].tolist(), "status": v.status[:n][order].tolist(), "feed": v.feed[:n][order].tolist(),
        "kmh": session.traffic.kmh.tolist(), "updated": session.traffic.updated.tolist(),
        "incidents": {i: (inc.status, list(inc.units)) for i, inc in session.incidents.incidents.items()},
    }


def test_journal_remembers_its_kit_and_feeds(recording, tmp_path: Path) -> None:
    journal, kit, _ = recording
    player = JournalPlayer(journal, precompute=False)
    assert [(f.name, f.endpoint) for f in player.feeds] == [("avl", f"ipc://{journal.parent}/avl.sock"),
                                                            ("cad", f"ipc://{journal.parent}/cad.sock")]
    assert player.meta["kit"]["name"] == kit.name
    player.close()
    with pytest.raises(ReplayError, match="--kit"):  # a kit without a directory cannot be found again
        journal_kit(journal)
    saved = save_kit(kit, tmp_path / "kit")
    assert journal_kit(journal, saved).name == kit.name
    write_meta(journal, journal_meta(load_kit(saved), player.feeds))
    assert journal_kit(journal).path == saved


def test_things_appear_at_their_replay_times(recording) -> None:
    journal, kit, truth = recording
    clock = FakeClock()
    session = ReplaySession(kit, JournalPlayer(journal, clock=clock, precompute=False))
    player = session.player
    first_b = next(recv for recv, _, m in truth if m.env.kind == Kind.INCIDENT and m.payload["id"] == "B")
    seen: set[int] = set()
    joined = 0  # when the second half of the fleet first reported
    for recv, _, m in truth:
        if m.env.kind == Kind.AVL_BATCH:
            seen |= set(m.payload["id"].tolist())
            if len(seen) > 20:
                joined = recv
                break
    checks = sorted({player.start_ms, first_b - 1, first_b, joined - 1, joined, player.end_ms,
                     *(recv for recv, _, m in truth[::25])})
    player.speed = 1
    for t in checks:
        while player.position_ms < t:  # a straight play, one small step at a time
            player.seek(min(t, player.position_ms + 300))
            session.pump()
        session.pump()
        want_vehicles, want_incidents = truth_at(truth, t)
        v = session.vehicles
        got = dict(zip(v.ids[: v.n].tolist(), v.ts[: v.n].tolist(), strict=True))
        assert got == want_vehicles, t - player.start_ms
        assert {i: inc.status for i, inc in session.incidents.incidents.items()} == want_incidents
    assert player.resets == 0
    assert session.stats.messages == sum(1 for _ in truth)
    assert "B" in session.incidents.incidents and session.incidents.incidents["A"].status == "en_route"
    assert len(session.stale_feeds()) == 0  # at the journal's end both feeds were talking
    player.close()


def test_seek_back_and_forth_equals_a_straight_play(recording, monkeypatch: pytest.MonkeyPatch) -> None:
    journal, kit, _ = recording
    monkeypatch.setattr(player_mod, "TAIL_MS", 300)  # the recording is short: make every jump a rebuild
    monkeypatch.setattr(player_mod, "CHECKPOINT_RECORDS", 200)  # checkpoints every few records: seeks use them
    straight = ReplaySession(kit, JournalPlayer(journal, clock=FakeClock(), precompute=False))
    p = straight.player
    span = p.end_ms - p.start_ms
    targets = [p.start_ms + int(span * f) for f in (0.15, 0.4, 0.55, 0.8, 1.0)]
    expected = {}
    for t in targets:
        while p.position_ms < t:
            p.seek(min(t, p.position_ms + 250))
            straight.pump()
        straight.pump()
        expected[t] = session_state(straight)
    assert p.resets == 0
    seeking = ReplaySession(kit, JournalPlayer(journal, clock=FakeClock()))
    seeking.player.start()
    for t in (targets[4], targets[0], targets[3], targets[1], targets[2], targets[4], targets[0]):
        seeking.player.seek(t)
        seeking.pump()
        got = session_state(seeking)
        want = expected[t]
        for key in want:
            assert got[key] == want[key], (key, t - p.start_ms)
    assert seeking.player.resets >= 5  # every jump back, and the long ones forward
    seeking.player.close()
    p.close()


def _space(window) -> None:
    """Space as a person presses it: to the active window's focus widget, where shortcuts are matched."""
    window.activateWindow()
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, QtCore.Qt.Key.Key_Space)


def test_replay_in_the_window_with_the_timeline(recording, qtbot, tmp_path: Path) -> None:
    from sitroom.app.main_window import MainWindow
    from sitroom.app.replay_window import attach_timeline

    journal, kit, truth = recording
    player = JournalPlayer(journal)
    session = ReplaySession(kit, player)
    window = MainWindow(Room(session), language="en")
    qtbot.addWidget(window)
    timeline = attach_timeline(window, player)
    window.show()
    window.start()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    try:
        assert timeline.incident_combo.count() == 3  # the prompt, A and B
        timeline.set_speed(60)
        assert player.speed == 60
        _space(window)
        assert player.playing
        # The clock reaching the end is not the messages all handed out: a pump takes a bounded batch.
        qtbot.waitUntil(lambda: player.at_end and player.pending == 0 and session.vehicles.n == 40, timeout=10_000)
        qtbot.waitUntil(lambda: window.stats.vehicles_drawn > 0, timeout=5000)
        assert set(session.incidents.incidents) == {"A", "B"}
        assert not player.playing  # the end pauses
        timeline.refresh()
        assert timeline.play_button.text() == "Play"
        assert timeline.slider.value() == timeline.slider.maximum()

        # Jump to B: a few seconds before it was reported (the journal's start here), then it is selected.
        assert timeline.jump_to("B")
        assert player.position_ms <= next(e.ms for e in player.events() if e.incident == "B") - 1
        window.frame()
        assert "B" not in session.incidents.incidents
        _space(window)
        qtbot.waitUntil(lambda: window.dispatch.current() == "B", timeout=10_000)
        player.pause()
        _space(window)
        assert player.playing
        _space(window)
        assert not player.playing

        # Scrub with the slider: let go at the middle.
        timeline.slider.setSliderDown(True)
        timeline.slider.setValue(timeline.slider.maximum() // 2)
        timeline.slider.setSliderDown(False)
        timeline._slider_released()
        mid = player.start_ms + (timeline.slider.maximum() // 2) * timeline._unit
        assert abs(player.position_ms - mid) <= timeline._unit
        window.frame()
        want_vehicles, want_incidents = truth_at(truth, player.position_ms)
        assert session.vehicles.n == len(want_vehicles)
        assert {i: inc.status for i, inc in session.incidents.incidents.items()} == want_incidents
        assert "(paused)" in timeline.time_label.text()
    finally:
        window.close()
        player.close()


def test_export_slice_and_times(recording, tmp_path: Path) -> None:
    journal, kit, truth = recording
    player = JournalPlayer(journal, precompute=False)
    mid = (player.start_ms + player.end_ms) // 2
    report = export_slice(journal, tmp_path / "slice", mid, player.end_ms)
    part = JournalPlayer(tmp_path / "slice", clock=FakeClock(), precompute=False)
    assert report.records == sum(1 for recv, _, _ in truth if recv >= mid)
    session = ReplaySession(kit, part)
    session.pump()
    want_vehicles, want_incidents = truth_at(truth, mid)
    got = dict(zip(session.vehicles.ids[: session.vehicles.n].tolist(),
                   session.vehicles.ts[: session.vehicles.n].tolist(), strict=True))
    assert got.keys() == want_vehicles.keys()
    assert {i: inc.status for i, inc in session.incidents.incidents.items()} == want_incidents
    assert parse_when("+1:30", 1000) == 91_000 and parse_when("1700000000000", 0) == 1_700_000_000_000
    part.close()
    player.close()
