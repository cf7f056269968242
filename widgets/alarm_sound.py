"""The sound of an alarm left unacknowledged past its priority's time (escalation): heard when it escalates and
again every ``REPEAT_S`` while any escalated alarm waits, so an alarm is never only on screen."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from sitroom import resources

REPEAT_S = 20.0


class AlarmSound(QtCore.QObject):
    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QSoundEffect  # loaded with the window, not by every import of widgets

        self.sound = QSoundEffect(self)
        self.sound.setSource(QtCore.QUrl.fromLocalFile(str(resources.path(resources.FACILITY_ALARM))))
        self.sound.setVolume(0.9)
        self.raised = 0  # times sounded (for the stats and tests; the sound itself needs an audio device)
        self._heard: set[tuple[str, int]] = set()
        self._last = -math.inf

    def update(self, escalated: list, now_s: float) -> None:
        """``escalated``: the alarms waiting past their time (services/alarms/engine.py ``escalated``)."""
        new = [a for a in escalated if (a.key, a.escalated_ms) not in self._heard]
        if new or (escalated and now_s - self._last >= REPEAT_S):
            self._heard.update((a.key, a.escalated_ms) for a in new)
            self._last = now_s
            self.raised += 1
            if self.sound.isLoaded():
                self.sound.play()
            else:  # no audio device for the effect: the system bell is better than nothing
                QtWidgets.QApplication.beep()
