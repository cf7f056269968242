"""What an operator says when acting on an alarm: a note with an acknowledgement, a time and a reason to shelve it,
a reason to take it out of service (ISA-18.2 wants the last two on record)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

SHELVE_MINUTES = (15, 60, 240, 480)


class AlarmDialog(QtWidgets.QDialog):
    """``what`` describes the alarm; ``needs_note``: the note is a required reason; ``shelve``: ask how long."""

    def __init__(self, title: str, what: str, note_label: str, *, needs_note: bool = False, shelve: bool = False,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.needs_note = needs_note
        layout = QtWidgets.QFormLayout(self)
        summary = QtWidgets.QLabel(what)
        summary.setWordWrap(True)
        layout.addRow(summary)
        self.minutes = QtWidgets.QComboBox()
        if shelve:
            for m in SHELVE_MINUTES:
                self.minutes.addItem(self.tr("{0} minutes").format(m) if m < 60 else
                                     self.tr("{0} hours").format(m // 60), m)
            layout.addRow(self.tr("For"), self.minutes)
        self.note = QtWidgets.QLineEdit()
        self.note.setMaxLength(500)
        layout.addRow(note_label, self.note)
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                                  | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addRow(self.buttons)
        self.note.textChanged.connect(self._check)
        self._check()
        self.note.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    def _check(self) -> None:
        ok = bool(self.note.text().strip()) or not self.needs_note
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def value(self) -> str:
        return self.note.text().strip()

    def shelve_minutes(self) -> int:
        return int(self.minutes.currentData() or 0)
