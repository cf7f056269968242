"""The room: a session and its dispatch desk, advanced one frame at a time. What every window composes."""

from __future__ import annotations

from sitroom.app.capabilities.facilities import monitor_of
from sitroom.app.core.desk import DispatchDesk
from sitroom.app.core.session import LiveSession
from sitroom.layers.base import Layer, Moment
from sitroom.services.figures.live import FigureRecorder
from sitroom.services.store.kit import Kit


class Room:
    """One control room's state without a window. ``tick`` is the frame: apply what the feeds and the CAD
    link delivered, then say what time it is and which feeds are stale, for the views to snapshot against.
    Several windows (an operator's, a wall's maps) may share one room; only one of them ticks it."""

    def __init__(self, session: LiveSession, desk: DispatchDesk | None = None) -> None:
        self.session = session
        self.desk = desk if desk is not None else DispatchDesk(session)
        self._last_stale: tuple[int, ...] = ()
        self.figures = FigureRecorder()  # what the supervisor's figures need beyond the models

    def tick(self, *, periodic: bool = False) -> Moment:
        session = self.session
        now = session.clock()
        session.pump(now)
        self.desk.pump()
        stale = session.stale_feeds(now)
        key = tuple(int(i) for i in stale)
        changed, self._last_stale = key != self._last_stale, key
        now_ms = session.clock_ms()
        if periodic:
            monitor = monitor_of(session)
            self.figures.sample(session, self.desk, now, now_ms, monitor.engine if monitor is not None else None)
        return Moment(now, now_ms, stale, changed, periodic)

    def set_kit(self, kit: Kit, kit_layers: dict[str, Layer] | None = None) -> None:
        """Move the whole room to another kit (``kit_layers``: prepared off the GUI thread, see
        :func:`~app.core.session.prepare_kit_layers`)."""
        self.session.set_kit(kit, kit_layers)
        self.desk.set_kit(kit)

    def start(self) -> None:
        self.session.start()

    def stop(self) -> None:
        self.session.stop()
