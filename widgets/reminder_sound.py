"""A sound for something waiting on a person: heard when a new one comes and again every ``repeat_s`` while any
waits, so it is never only on screen. The call alert and the alarm escalation are two of them."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable

from PySide6 import QtCore, QtWidgets

from sitroom import resources


class ReminderSound(QtCore.QObject):
    def __init__(self, sound: str, repeat_s: float, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QSoundEffect  # loaded with the window, not by every import of widgets

        self.sound = QSoundEffect(self)
        self.sound.setSource(QtCore.QUrl.fromLocalFile(str(resources.path(sound))))  # e.g. resources.CALL_ALERT
        self.sound.setVolume(0.9)
        self.repeat_s = repeat_s
        self.raised = 0  # times sounded (for the stats and tests; the sound itself needs an audio device)
        self._heard: set[Hashable] = set()
        self._last = -math.inf

    def remind(self, waiting: Iterable[Hashable], now_s: float) -> None:
        """``waiting``: a key for each thing waiting now; a key not heard before sounds at once."""
        keys = list(waiting)
        new = [k for k in keys if k not in self._heard]
        if new or (keys and now_s - self._last >= self.repeat_s):
            self._heard.update(new)
            self._last = now_s
            self.raised += 1
            if self.sound.isLoaded():
                self.sound.play()
            else:  # no audio device for the effect: the system bell is better than nothing
                QtWidgets.QApplication.beep()
