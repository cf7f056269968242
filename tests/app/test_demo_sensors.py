"""The demo with its facility sensor backend, as separate processes: the stats line counts facilities, sensors,
readings and active alarms, and a killed sensor backend turns its feed stale and recovers on restart."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitroom.app.capabilities.facilities import monitor_of
from sitroom.app.core.session import LiveSession
from sitroom.services.feeds.health import FeedState
from sitroom.services.sim.demo_kit import open_demo_city
from sitroom.services.sim.launcher import DemoBackends
from tests.app import test_demo
from tests.app.test_demo import _env, _stats, demo_cache  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow


def test_demo_stats_count_facilities_sensors_readings_and_alarms(demo_cache: Path, tmp_path: Path) -> None:  # noqa: F811
    out = subprocess.run([sys.executable, "-m", "sitroom", "demo", "--vehicles", "500", "--sensors", "1000",
                          "--exit-when-live", "6", "--exit-after", "100", "--stats"],
                         env=_env(demo_cache, tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    stats = _stats(out.stdout)
    assert stats["facilities"] == len(open_demo_city(demo_cache).facilities)
    assert stats["sensors"] == 1000
    assert stats["readings"] >= 1000 and stats["alarms_active"] >= 0
    assert stats["reasons"]["sensors"] == {}


def _pump_until(session: LiveSession, pred) -> None:
    test_demo._pump_until(session, pred, timeout=30.0)  # five backends start beside the sensors


def test_a_killed_sensor_backend_turns_stale_and_recovers(demo_cache: Path) -> None:  # noqa: F811
    kit = open_demo_city(demo_cache)
    backends = DemoBackends(kit.path, vehicles=200, sensors=500)
    backends.start()
    session = LiveSession(kit, backends.feeds())
    session.start()
    try:
        i = next(k for k, f in enumerate(session.client.feeds) if f.name == "sensors")
        health, monitor = session.client.health[i], monitor_of(session)
        _pump_until(session, lambda: monitor.readings >= 500 and health.state(time.monotonic()) == FeedState.LIVE)
        backends.kill("sensors", signal.SIGKILL)
        _pump_until(session, lambda: health.state(time.monotonic()) == FeedState.STALE)
        _pump_until(session, lambda: monitor.summary().state.max() >= 1)  # its sensors fall silent on the map
        backends.start("sensors")
        before = monitor.readings
        _pump_until(session, lambda: health.state(time.monotonic()) == FeedState.LIVE and health.restarts == 1
                    and monitor.readings > before + 500)
        assert session.decode_errors() == 0
    finally:
        session.stop()
        backends.stop()
