"""Waiting on a state, never on luck: poll a predicate until it holds or a generous deadline passes.

Deadlines are far above what a quiet machine needs, because CI shares two busy cores; nothing asserts how
long a wait took."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition",
             poll_s: float = 0.005) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(poll_s)
