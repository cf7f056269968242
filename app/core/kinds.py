"""Which feed kind goes to which model: a table that capabilities fill, so the session never lists kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sitroom.services.feeds.client import Delivery
from sitroom.services.feeds.protocol import Message

# Applies one delivery to its model(s) at time ``now`` (the session's clock); returns the records taken.
Handler = Callable[[Delivery, float], int]
# Work for the feed's socket thread, before the delivery reaches the GUI thread (e.g. projecting positions).
Prepare = Callable[[Message], Any]
# Whether a delivery goes into the journal (camera frames are recorded at a rate of their own); default: all.
Record = Callable[[Delivery], bool]


class KindTable:
    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        # Shared with the feed client, which looks a kind up here for every message it decodes.
        self.prepare: dict[str, Prepare] = {}
        self.record: dict[str, Record] = {}

    def register(self, kind: str, handler: Handler, *, prepare: Prepare | None = None,
                 record: Record | None = None) -> None:
        if kind in self.handlers:
            raise KeyError(f"feed kind {kind!r} already has a handler")
        self.handlers[kind] = handler
        if prepare is not None:
            self.prepare[kind] = prepare
        if record is not None:
            self.record[kind] = record

    def journals(self, d: Delivery) -> bool:
        """Whether ``d`` goes into the journal: every delivery, unless its kind says otherwise."""
        keep = self.record.get(d.message.env.kind)
        return keep is None or keep(d)

    def handler(self, kind: str) -> Handler | None:
        return self.handlers.get(kind)
