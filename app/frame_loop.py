"""The frame loop every window shares: one timer ticks the room, then every map canvas, at most 30 times
a second (PyDM's redraw timer: the paint rate is capped apart from the data rate), and panels at 2 Hz."""

from __future__ import annotations

import time

from PySide6 import QtCore

from sitroom.app.core.room import Room
from sitroom.layers.base import Moment
from sitroom.widgets.map.canvas import MapCanvas

FRAME_HZ = 30  # the paint rate cap; data arrives faster and only marks models dirty
PANEL_HZ = 2  # tables and status text
_PERIODIC_EVERY = FRAME_HZ // PANEL_HZ  # frames between two slow ticks (time-driven layers)


class FrameLoop(QtCore.QObject):
    sig_frame = QtCore.Signal(object)  # Moment, once the canvases took their snapshots
    sig_panels = QtCore.Signal(object)  # Moment, at PANEL_HZ

    def __init__(self, room: Room, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self.canvases: list[MapCanvas] = []
        self.moment: Moment | None = None  # the last frame's
        self._ticks = 0
        self._frame_timer = QtCore.QTimer(self)
        self._frame_timer.setInterval(int(1000 / FRAME_HZ))
        self._frame_timer.timeout.connect(self.frame)
        self._panel_timer = QtCore.QTimer(self)
        self._panel_timer.setInterval(int(1000 / PANEL_HZ))
        self._panel_timer.timeout.connect(self.panels)

    def add_canvas(self, canvas: MapCanvas) -> None:
        self.canvases.append(canvas)

    def remove_canvas(self, canvas: MapCanvas) -> None:
        if canvas in self.canvases:
            self.canvases.remove(canvas)

    def start(self) -> None:
        self._frame_timer.start()
        self._panel_timer.start()

    def stop(self) -> None:
        self._frame_timer.stop()
        self._panel_timer.stop()

    @property
    def running(self) -> bool:
        return self._frame_timer.isActive()

    def frame(self) -> Moment:
        """One frame: apply what arrived, let every canvas snapshot what changed; Qt repaints once after."""
        t0 = time.perf_counter()
        self._ticks += 1
        moment = self.room.tick(periodic=self._ticks % _PERIODIC_EVERY == 0)
        self.moment = moment
        core_ms = (time.perf_counter() - t0) * 1000
        for canvas in self.canvases:
            canvas.tick(moment, core_ms)
        self.sig_frame.emit(moment)
        return moment

    def panels(self) -> None:
        session = self.room.session
        now = session.clock()
        moment = Moment(now, session.clock_ms(), session.stale_feeds(now))
        self.sig_panels.emit(moment)
