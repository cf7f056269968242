"""The sound of an urgent call: a priority 1 or 2 call that arrives makes itself heard, and is heard again
every half minute while it waits for acknowledgement, so a call on a busy shift is never only on screen."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from sitroom import resources
from sitroom.services.incidents.model import Incident

ALERT_PRIORITIES = (1, 2)
REPEAT_S = 30.0


class CallAlert(QtCore.QObject):
    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QSoundEffect  # loaded with the window, not by every import of widgets

        self.sound = QSoundEffect(self)
        self.sound.setSource(QtCore.QUrl.fromLocalFile(str(resources.path(resources.CALL_ALERT))))
        self.sound.setVolume(0.9)
        self.raised = 0  # alerts sounded (for the stats and tests; the sound itself needs an audio device)
        self._alerted: set[str] = set()
        self._last = -math.inf

    def update(self, waiting: list[Incident], now_s: float) -> list[Incident]:
        """Sound for a new urgent call, or as a reminder while one waits; returns the urgent calls waiting."""
        urgent = [i for i in waiting if i.priority in ALERT_PRIORITIES]
        new = [i for i in urgent if i.id not in self._alerted]
        if new or (urgent and now_s - self._last >= REPEAT_S):
            self._alerted.update(i.id for i in new)
            self._last = now_s
            self.raised += 1
            if self.sound.isLoaded():
                self.sound.play()
            else:  # no audio device for the effect: the system bell is better than nothing
                QtWidgets.QApplication.beep()
        return urgent
