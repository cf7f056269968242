"""The demo sensor backend: valid metadata for every facility, readings that look real (and that the health rules
find mostly healthy), a crack that grows past its limits, real smoke alarms, and the feed over a real socket."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sitroom.services.facilities import wire
from sitroom.services.facilities.monitor import FacilityMonitor
from sitroom.services.feeds.client import FeedClient, FeedConfig
from sitroom.services.feeds.protocol import Kind
from sitroom.services.sim import sensors as sim
from sitroom.services.sim.demo_kit import open_demo_city
from sitroom.services.vocabulary import SENSOR_UNITS
from tests import waiting

WALL = 1_750_000_000.0
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kit():
    return open_demo_city()


def test_every_facility_is_described_validly_and_the_sensors_are_shared_out(kit) -> None:
    s = sim.SensorSim(kit, 3000)
    assert len(s.ids) == 3000 and len(np.unique(s.ids)) == 3000
    kinds = Counter(s.kind.tolist())
    assert set(kinds) == set(SENSOR_UNITS)  # every kind of sensor is somewhere
    m = FacilityMonitor()
    for i in range(len(s.facilities)):
        meta = s.metadata(i)
        assert wire.validate_facility(meta) is meta
        m.describe(meta, 0.0, 0.0, now_ms=0)
    assert not any(info.config_fault for info in m.catalog.info)


def test_an_hour_of_readings_grows_a_crack_past_its_limits_and_sets_off_real_smoke(kit) -> None:
    s = sim.SensorSim(kit, 1500, seed=3)
    m = FacilityMonitor()
    for i in range(len(s.facilities)):
        m.describe(s.metadata(i), 0.0, 0.0, now_ms=0)
    events: list[dict] = []
    raised: dict[str, int] = {}
    for k in range(3600):
        wall = WALL + k
        rec, _on = s.step(wall)
        now = int(wall * 1000)
        m.readings_in(rec, now)
        for e in s.events:
            m.event({**e, "ts": now}, now)
            events.append(e)
        m.tick(now)
        for key in m.engine.alarms:
            raised.setdefault(key, k)
    crack_warn = [k for key, k in raised.items() if key.endswith("warn_hi") and
                  s.kind[np.flatnonzero(s.ids == int(key[1:].split(":")[0]))[0]] == "crack"]
    assert crack_warn and min(crack_warn) < 300  # the first crack passes 0.3 mm within minutes
    assert any(key.endswith("alarm_hi") and s.kind[np.flatnonzero(s.ids == int(key[1:].split(":")[0]))[0]] == "crack"
               for key in raised)
    smoke = [e for e in events if e["type"] == "smoke"]
    assert any(e["active"] for e in smoke) and any(not e["active"] for e in smoke)
    assert any(key.startswith("D:") and key.endswith(str(smoke[0]["sensor"])) for key in raised)
    faults = m.health.counts
    assert faults["not-a-number"] >= 0 and faults["out-of-range"] == 0  # glitches are spikes or NaN, never absurd
    # Mostly quiet: most sensors never raise anything (no chattering dust or temperature).
    assert len({key.split(":")[0] for key in raised if key.startswith("S")}) < 0.1 * len(s.ids)
    assert m.readings > 3590 * 1500 * 0.99


def test_the_backend_publishes_facilities_readings_and_heartbeats(kit, tmp_path) -> None:
    endpoint = f"ipc://{tmp_path}/sensors.sock"
    backend = subprocess.Popen([sys.executable, "-m", "sitroom", "sim", "sensors", "--endpoint", endpoint, "--kit",
                                str(kit.path), "--sensors", "500", "--duration", "60"], cwd=ROOT,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)))
    client = FeedClient([FeedConfig("sensors", endpoint, (wire.FACILITY_TOPIC, b"sens."))])
    client.start()
    got: list = []
    try:
        def enough() -> bool:
            got.extend(client.drain())
            kinds = Counter(d.message.env.kind for d in got)
            return kinds[wire.FACILITY_KIND] >= len(kit.facilities) and kinds[Kind.SENSOR] >= len(kit.facilities)

        waiting.wait_for(enough, 20, "every facility described (from the snapshot) and read")
        assert client.health[0].decode_errors == 0
        readings = np.concatenate([d.message.payload for d in got if d.message.env.kind == Kind.SENSOR])
        assert np.isfinite(readings["value"]).mean() > 0.99
        assert {d.message.topic for d in got if d.message.env.kind == Kind.SENSOR} <= {
            wire.readings_topic(f.id) for f in kit.facilities}
    finally:
        client.stop()
        backend.terminate()
        backend.wait(10)
