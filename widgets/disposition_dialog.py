"""Closing or cancelling an incident: a disposition code from the list for its type, and free text."""

from __future__ import annotations

from PySide6 import QtWidgets

from sitroom.services.vocabulary import CANCEL_CODES, CLOSE_CODES
from sitroom.widgets import labels


class DispositionDialog(QtWidgets.QDialog):
    def __init__(self, incident_id: str, incident_type: str, closing: bool,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Close {0}").format(incident_id) if closing
                            else self.tr("Cancel {0}").format(incident_id))
        self.code = QtWidgets.QComboBox()
        for code in CLOSE_CODES.get(incident_type, ("handed-over",)) if closing else CANCEL_CODES:
            self.code.addItem(labels.disposition(code), code)
        self.code.addItem(self.tr("other (say what in the note)"), "")
        self.note = QtWidgets.QLineEdit()
        self.note.setPlaceholderText(self.tr("note (optional; required for 'other')"))
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                                  | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.tr("Disposition"), self.code)
        form.addRow(self.tr("Note"), self.note)
        form.addRow(self.buttons)
        self.code.currentIndexChanged.connect(self._check)
        self.note.textChanged.connect(self._check)
        self._check()

    def _check(self) -> None:
        ok = bool(self.code.currentData()) or bool(self.note.text().strip())
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def value(self) -> str:
        """What the audit log keeps: the code, then the note ("transported: to Chungnam Univ. Hospital")."""
        code, note = self.code.currentData(), self.note.text().strip()
        return f"{code}: {note}" if code and note else code or note
