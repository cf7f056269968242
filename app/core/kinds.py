"""Which feed kind goes to which model: a table that capabilities fill, so the session never lists kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.feeds.client import Delivery
from services.feeds.protocol import Message

# Applies one delivery to its model(s) at time ``now`` (the session's clock); returns the records taken.
Handler = Callable[[Delivery, float], int]
# Work for the feed's socket thread, before the delivery reaches the GUI thread (e.g. projecting positions).
Prepare = Callable[[Message], Any]


class KindTable:
    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        # Shared with the feed client, which looks a kind up here for every message it decodes.
        self.prepare: dict[str, Prepare] = {}

    def register(self, kind: str, handler: Handler, *, prepare: Prepare | None = None) -> None:
        if kind in self.handlers:
            raise KeyError(f"feed kind {kind!r} already has a handler")
        self.handlers[kind] = handler
        if prepare is not None:
            self.prepare[kind] = prepare

    def handler(self, kind: str) -> Handler | None:
        return self.handlers.get(kind)
