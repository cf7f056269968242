"""The sound of an alarm left unacknowledged past its priority's time (escalation): heard when it escalates and
again every ``REPEAT_S`` while any escalated alarm waits, so an alarm is never only on screen."""

from __future__ import annotations

from PySide6 import QtCore

from sitroom import resources
from sitroom.widgets.reminder_sound import ReminderSound

REPEAT_S = 20.0


class AlarmSound(ReminderSound):
    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(resources.FACILITY_ALARM, REPEAT_S, parent)

    def update(self, escalated: list, now_s: float) -> None:
        """``escalated``: the alarms waiting past their time (services/alarms/engine.py ``escalated``)."""
        self.remind(((a.key, a.escalated_ms) for a in escalated), now_s)
