"""Facilities in replay: readings and device alarms recorded in the journal play back on the one timeline, the
alarms raised again at the moments they were raised live, and a seek back or forth finds the facilities as a
straight play leaves them."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sitroom.app.capabilities.facilities import monitor_of
from sitroom.app.core.replay import ReplaySession
from sitroom.app.core.session import journal_meta
from sitroom.services.facilities import wire
from sitroom.services.facilities.monitor import FacilityMonitor
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.protocol import SENSOR_DTYPE, Kind, now_ms
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.journal import JournalPlayer, JournalWriter, frames_of
from sitroom.services.journal import player as player_mod
from tests.app.test_replay import FakeClock
from tests.kits import grid_kit

ROUNDS = 60
META = {"id": "F-1", "kind": "tunnel", "name": "갑천터널", "lon": 127.386, "lat": 36.352,
        "sensors": [{"id": 11, "kind": "crack", "warn_hi": 0.3, "alarm_hi": 0.5, "on_delay_s": 0.2,
                     "off_delay_s": 0.2, "deadband": 0.01},
                    {"id": 12, "kind": "co", "warn_hi": 30.0, "on_delay_s": 0.0}]}


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory):
    """A tunnel's gateway over ipc: a crack widening past both limits, a smoke alarm raised and cleared; what
    arrived journaled and judged live by a monitor at each receive time."""
    tmp = tmp_path_factory.mktemp("fac-rec")
    kit = grid_kit(6)
    feeds = [FeedConfig("sensors", f"ipc://{tmp}/sensors.sock", snapshot=None)]
    pub = Publisher(feeds[0].endpoint, "rec-sensors")
    client = FeedClient(feeds)
    client.start()
    writer = JournalWriter(tmp / "journal", meta=journal_meta(kit, feeds), flush_ms=50)
    live = FacilityMonitor()
    received: list[int] = []

    def take() -> None:
        for d in client.drain():
            recv = now_ms()
            writer.append("sensors", frames_of(d.message), recv)
            received.append(recv)
            kind = d.message.env.kind
            if kind == wire.FACILITY_KIND:
                live.describe(d.message.payload, 0.0, 0.0, now_ms=recv)
            elif kind == Kind.SENSOR:
                live.readings_in(d.message.payload, recv)
            elif kind == wire.EVENT_KIND:
                live.event(d.message.payload, recv)

    deadline = time.monotonic() + 10
    while not client.health[0].messages:
        pub.heartbeat(force=True)
        time.sleep(0.02)
        assert time.monotonic() < deadline
    try:
        pub.send_map(wire.FACILITY_TOPIC, wire.FACILITY_KIND, META)
        for r in range(ROUNDS):
            rec = np.zeros(2, SENSOR_DTYPE)
            rec["id"] = [11, 12]
            rec["value"] = [0.2 + 0.008 * r, 40.0 if 20 <= r < 30 else 5.0]
            rec["ts"] = now_ms()
            pub.send_records(wire.readings_topic("F-1"), Kind.SENSOR, rec)
            if r in (25, 45):
                pub.send_map(wire.EVENT_TOPIC, wire.EVENT_KIND, {"id": "F-1/smoke", "facility": "F-1",
                                                                  "type": "smoke", "active": r == 25, "ts": now_ms()})
            time.sleep(0.04)
            take()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len(received) < pub.sent:
            time.sleep(0.05)
            take()
    finally:
        client.stop()
        writer.close()
        pub.close()
    return tmp / "journal", kit, live, received


def alarm_record(monitor: FacilityMonitor) -> dict:
    return {k: (a.state, a.active, a.reading_ms, a.count) for k, a in monitor.engine.alarms.items()}


def test_a_straight_play_raises_every_alarm_as_it_was_raised_live(recording) -> None:
    journal, kit, live, received = recording
    session = ReplaySession(kit, JournalPlayer(journal, clock=FakeClock(), precompute=False))
    player = session.player
    for t in sorted(set(received)):  # every moment something arrived, as the live monitor judged
        player.seek(t)
        session.pump()
    monitor = monitor_of(session)
    assert monitor.readings == live.readings == 2 * ROUNDS
    assert set(monitor.engine.alarms) == {"S11:warn_hi", "S11:alarm_hi", "S12:warn_hi", "D:F-1/smoke"}
    assert alarm_record(monitor) == alarm_record(live)
    assert player.resets == 0
    player.close()


def test_a_seek_finds_the_facilities_as_a_straight_play_leaves_them(recording, monkeypatch) -> None:
    journal, kit, _live, received = recording
    monkeypatch.setattr(player_mod, "TAIL_MS", 200)  # every jump a rebuild, in a short recording
    session = ReplaySession(kit, JournalPlayer(journal, clock=FakeClock(), precompute=False))
    player = session.player
    smoke_on = received[0] + (received[-1] - received[0]) // 2
    player.seek(player.end_ms)
    session.pump()
    player.seek(player.start_ms + 1)  # back to the beginning: nothing raised yet
    session.pump()
    monitor = monitor_of(session)
    assert player.resets >= 1 and "F-1" in monitor.catalog.facilities and monitor.engine.alarms == {}
    player.seek(smoke_on)  # forward into the smoke: the facility and its device alarm are there
    session.pump()
    monitor = monitor_of(session)
    assert monitor.catalog.facilities["F-1"].described and len(monitor.catalog) == 2
    device = monitor.engine.alarms.get("D:F-1/smoke")
    assert device is not None and device.active
    player.close()
