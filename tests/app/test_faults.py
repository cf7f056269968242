"""Fault injection on the running demo: a frozen backend turns stale and back, with nothing invented meanwhile."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from sitroom.app.core.session import LiveSession
from sitroom.services.feeds.health import FeedState
from sitroom.services.sim.demo_kit import open_demo_city
from sitroom.services.sim.launcher import DemoBackends
from tests.app.test_demo import _pump_until, demo_cache  # noqa: F401 - the session's demo city

pytestmark = pytest.mark.slow


def test_sigstopped_backend_turns_stale_then_recovers(demo_cache) -> None:  # noqa: F811
    """SIGSTOP the AVL backend past the heartbeat timeout: stale, positions frozen (never extrapolated);
    SIGCONT: live again without a restart, gaps or decode errors."""
    kit = open_demo_city(demo_cache)
    backends = DemoBackends(kit.path, vehicles=300)
    backends.start()
    session = LiveSession(kit, backends.feeds())
    session.start()
    avl = next(i for i, f in enumerate(session.client.feeds) if f.name == "avl")
    health = session.client.health[avl]
    try:
        _pump_until(session, lambda: session.vehicles.n == 300 and health.state(time.monotonic()) == FeedState.LIVE)
        os.kill(backends.pid("avl"), signal.SIGSTOP)
        _pump_until(session, lambda: health.state(time.monotonic()) == FeedState.STALE, timeout=15)
        frozen_x = session.vehicles.x[: session.vehicles.n].copy()
        time.sleep(1.5)
        session.pump()
        now = time.monotonic()
        assert session.vehicles.stale_mask(now, session.stale_feeds(now)).all()
        assert np.array_equal(session.vehicles.x[: session.vehicles.n], frozen_x)  # nothing moves while frozen
        os.kill(backends.pid("avl"), signal.SIGCONT)
        _pump_until(session, lambda: health.state(time.monotonic()) == FeedState.LIVE, timeout=15)
        _pump_until(session, lambda: not session.vehicles.stale_mask(time.monotonic(), session.stale_feeds()).any())
        assert health.restarts == 0 and session.decode_errors() == 0
    finally:
        pid = backends.pid("avl")
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
        session.stop()
        backends.stop()
