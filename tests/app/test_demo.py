"""The demo as a user runs it: separate backend processes, the app, and the headless check run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtGui

from sitroom.app.core.session import LiveSession
from sitroom.resources import palette
from sitroom.services.feeds.health import FeedState
from sitroom.services.sim.demo_kit import open_demo_city
from sitroom.services.sim.launcher import DemoBackends
from sitroom.services.vocabulary import VehicleStatus

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def demo_cache() -> Path:
    cache = Path(os.environ["SITROOM_CACHE"])  # tests/conftest.py: private to this test session
    open_demo_city(cache)
    return cache


def _env(demo_cache: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "SITROOM_CACHE": str(demo_cache), "SITROOM_CONFIG": str(tmp_path / "config"), **extra}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def _stats(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_headless_demo_run_prints_stats(demo_cache: Path, tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "sitroom", "demo", "--vehicles", "1500", "--exit-when-live", "4",
                          "--exit-after", "100", "--stats"],
                         env=_env(demo_cache, tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    stats = _stats(out.stdout)
    for key in ("messages", "vehicles_drawn", "decode_errors", "frames", "max_frame_ms", "feeds_stale"):
        assert key in stats
    assert stats["vehicles_drawn"] > 0
    assert stats["vehicles"] == 1500
    assert stats["messages"] > 0
    assert stats["decode_errors"] == 0
    assert stats["feeds_stale"] == 0
    assert stats["frames"] > 0


def _pump_until(session: LiveSession, pred, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.pump()
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_killed_backend_turns_stale_and_recovers_on_restart(demo_cache: Path) -> None:
    kit = open_demo_city(demo_cache)
    backends = DemoBackends(kit.path, vehicles=500)
    backends.start()
    session = LiveSession(kit, backends.feeds())
    session.start()
    avl = 0
    try:
        health = session.client.health[avl]
        _pump_until(session, lambda: session.vehicles.n == 500 and health.state(time.monotonic()) == FeedState.LIVE)
        backends.kill("avl", signal.SIGKILL)
        _pump_until(session, lambda: health.state(time.monotonic()) == FeedState.STALE)
        now = time.monotonic()
        assert avl in session.stale_feeds(now)
        # Every vehicle from the dead feed is shown as stale, none as live.
        assert session.vehicles.stale_mask(now, session.stale_feeds(now)).all()
        assert session.client.health[1].state(now) == FeedState.LIVE  # the traffic feed is unaffected
        backends.start("avl")
        _pump_until(session, lambda: health.state(time.monotonic()) == FeedState.LIVE and health.restarts == 1)
        _pump_until(session, lambda: not session.vehicles.stale_mask(time.monotonic(),
                                                                     session.stale_feeds()).any())
        assert session.decode_errors() == 0
    finally:
        session.stop()
        backends.stop()


@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (apt-get install xvfb)")
def test_screenshot_under_xvfb(demo_cache: Path, tmp_path: Path) -> None:
    """A real window on a real X server, as a person sees it."""
    shot = tmp_path / "sitroom.png"
    env = _env(demo_cache, tmp_path)
    env.pop("QT_QPA_PLATFORM")
    env.pop("DISPLAY", None)
    out = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "sitroom", "demo",
                          "--vehicles", "2000", "--lang", "ko", "--exit-when-live", "4", "--exit-after", "150",
                          "--screenshot", str(shot)],
                         env=env, capture_output=True, text=True, timeout=180, check=False)
    assert out.returncode == 0, out.stderr
    img = QtGui.QImage(str(shot))
    assert not img.isNull() and img.width() >= 1000 and img.height() >= 700
    arr = np.frombuffer(img.convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits(), dtype=np.uint8)
    arr = arr.reshape(img.height(), img.bytesPerLine() // 4, 4)[:, : img.width(), :3].astype(int)
    green = QtGui.QColor(palette.STATUS[VehicleStatus.AVAILABLE])
    match = (np.abs(arr - [green.blue(), green.green(), green.red()]).max(axis=2) <= 10).sum()
    assert match > 500, "no available vehicles visible"
    dark = (arr.max(axis=2) < 40).mean()
    assert dark > 0.3, "the dark control-room theme is not on screen"
    (Path(os.environ.get("SITROOM_SCREENSHOT_DIR", tmp_path)) / "sitroom-demo.png").write_bytes(shot.read_bytes())
