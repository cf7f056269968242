"""The sound of an urgent call: a priority 1 or 2 call that arrives makes itself heard, and is heard again
every half minute while it waits for acknowledgement, so a call on a busy shift is never only on screen."""

from __future__ import annotations

from PySide6 import QtCore

from sitroom import resources
from sitroom.services.incidents.model import Incident
from sitroom.widgets.reminder_sound import ReminderSound

ALERT_PRIORITIES = (1, 2)
REPEAT_S = 30.0


class CallAlert(ReminderSound):
    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(resources.CALL_ALERT, REPEAT_S, parent)

    def update(self, waiting: list[Incident], now_s: float) -> list[Incident]:
        """Sound for a new urgent call, or as a reminder while one waits; returns the urgent calls waiting."""
        urgent = [i for i in waiting if i.priority in ALERT_PRIORITIES]
        self.remind((i.id for i in urgent), now_s)
        return urgent
