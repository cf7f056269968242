"""What the adapter tests share: a real feed client on an adapter's endpoint, and waiting for what it delivers."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from sitroom.services.feeds.client import FeedClient, FeedConfig
from tests.waiting import wait_for


class Receiver:
    """A FeedClient (strict: any message the receiver would refuse fails the test) collecting what it delivers."""

    def __init__(self, endpoint: str, *, snapshot: bool = True) -> None:
        config = FeedConfig("adapter", endpoint) if snapshot else FeedConfig("adapter", endpoint, snapshot=None)
        self.client = FeedClient([config], strict=True)
        self.client.start()
        self.messages = []

    @property
    def health(self):
        return self.client.health[0]

    def pump(self) -> None:
        assert self.client.error is None, self.client.error
        self.messages += [d.message for d in self.client.drain()]

    def wait(self, predicate: Callable[[], object], step: Callable[[], None] | None = None, timeout: float = 10.0,
             what: str = "delivery") -> None:
        def check() -> object:
            if step is not None:
                step()
            self.pump()
            return predicate()

        wait_for(check, timeout, what)

    def records(self, kind: str) -> np.ndarray:
        parts = [m.payload for m in self.messages if m.env.kind == kind]
        return np.concatenate(parts) if parts else np.empty(0)

    def maps(self, kind: str) -> list[dict]:
        return [m.payload for m in self.messages if m.env.kind == kind]

    def close(self) -> None:
        self.client.stop()


def connected(receiver: Receiver, adapter, timeout: float = 10.0) -> None:
    """Heartbeats until the receiver hears one: its subscription has reached the publisher (slow joiner)."""
    deadline = time.monotonic() + timeout
    while receiver.health.last_rx is None:
        adapter.pub.heartbeat(force=True)
        receiver.pump()
        if time.monotonic() > deadline:
            raise AssertionError("the receiver never heard the adapter")
        time.sleep(0.02)
