"""The loop every demo backend runs: fixed-rate ticks, heartbeats between them, clean exit on signal."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable

from sitroom.services.feeds.publisher import Publisher

log = logging.getLogger(__name__)


def run_loop(pub: Publisher, tick: Callable[[int, float], None], *, period_s: float,
             parent_pid: int | None = None, duration_s: float | None = None) -> None:
    """Call ``tick(n, wall_time)`` every ``period_s`` until SIGTERM/SIGINT, the parent dies or time runs out.

    Heartbeats go out every second in between, even while ticks are sparse (the link feed ticks every 5 s).
    """
    stop = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    start = time.monotonic()
    next_tick = start
    n = 0
    while not stop:
        now = time.monotonic()
        if duration_s is not None and now - start >= duration_s:
            break
        # An orphaned backend (its app was killed -9) stops instead of publishing to no one forever.
        if parent_pid is not None and os.getppid() != parent_pid:
            log.info("parent %d gone; stopping", parent_pid)
            break
        if now >= next_tick:
            tick(n, time.time())
            n += 1
            next_tick += period_s
            if next_tick < now:  # fell behind (machine busy): skip rather than burst
                next_tick = now + period_s
        pub.heartbeat()
        time.sleep(max(0.0, min(next_tick - time.monotonic(), 0.2)))
    pub.close()
