"""Taking a call (Ctrl+N): where, who called, what and how urgent, and the call-taker's notes.

The location comes from typing what the caller says (an address, a place, a road, two roads that cross)
and picking a candidate, or from a click on the map while the form is open; either way it is confirmed
by a pin on the map and said in words (the dong and the nearest road). The form stays open beside the map
(it is not modal), so the map can be looked at and clicked while the caller talks.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.services.gazetteer import Place, Where
from sitroom.services.vocabulary import DEFAULT_PRIORITY, INCIDENT_TYPES
from sitroom.widgets import labels
from sitroom.widgets.find_box import FindBox


class CallForm(QtWidgets.QDialog):
    # x, y (kit metres) and the words for them, whenever the location is set
    location_changed = QtCore.Signal(float, float, str)

    def __init__(self, search: Callable[[str], list[Place]], where: Callable[[float, float], Where],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Take a call"))
        self.setModal(False)
        self._search, self._where = search, where
        self.location: tuple[float, float] | None = None
        self.place = ""
        self._priority_touched = False

        self.find = FindBox(search, labels.found_kind)
        self.find.setPlaceholderText(self.tr("Where? A place, a road, or two roads (A & B); or click the map"))
        self.where_label = QtWidgets.QLabel(self.tr("No location yet"))
        self.where_label.setObjectName("callWhere")
        self.where_label.setProperty("state", "bad")
        self.where_label.setWordWrap(True)
        self.number = QtWidgets.QLineEdit()
        self.number.setPlaceholderText(self.tr("e.g. 010-1234-5678"))
        self.name = QtWidgets.QLineEdit()
        self.type = QtWidgets.QComboBox()
        for t in INCIDENT_TYPES:
            self.type.addItem(labels.incident_type(t), t)
        self.priority = QtWidgets.QSpinBox()
        self.priority.setRange(1, 5)
        self.priority.setValue(DEFAULT_PRIORITY[INCIDENT_TYPES[0]])
        self.desc = QtWidgets.QLineEdit()
        self.desc.setPlaceholderText(self.tr("What happened, in a line (shown in the queue)"))
        self.notes = QtWidgets.QPlainTextEdit()
        self.notes.setPlaceholderText(self.tr("Notes: what the caller says, hazards, how to get there"))
        self.notes.setTabChangesFocus(True)
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                                  | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Create incident (Ctrl+Enter)"))
        for button in self.buttons.buttons():
            button.setAutoDefault(False)
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.tr("Location"), self.find)
        form.addRow("", self.where_label)
        form.addRow(self.tr("Caller's number"), self.number)
        form.addRow(self.tr("Caller's name"), self.name)
        form.addRow(self.tr("Type"), self.type)
        form.addRow(self.tr("Priority (1 most urgent)"), self.priority)
        form.addRow(self.tr("Description"), self.desc)
        form.addRow(self.tr("Notes"), self.notes)
        form.addRow(self.buttons)
        self.setMinimumWidth(520)

        self.find.chosen.connect(self._pick)
        self.type.currentIndexChanged.connect(self._type_changed)
        self.priority.valueChanged.connect(lambda _v: setattr(self, "_priority_touched", True))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        create = QtGui.QShortcut(QtGui.QKeySequence("Ctrl+Return"), self)
        create.activated.connect(self._accept)
        self.notes.installEventFilter(self)  # a text box would take Ctrl+Enter as a new line
        self._check()

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        # A plain Enter picks a place or moves on; only Ctrl+Enter (or the button) creates the incident.
        if ev.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter) and not (
                ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier):
            ev.accept()
            return
        super().keyPressEvent(ev)

    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:
        if (obj is self.notes and ev.type() == QtCore.QEvent.Type.KeyPress
                and ev.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter)
                and ev.modifiers() & QtCore.Qt.KeyboardModifier.ControlModifier):
            self._accept()
            return True
        return super().eventFilter(obj, ev)

    # ------------------------------------------------------------ location

    def _pick(self, place: Place) -> None:
        self.set_location(place.x, place.y, place.name)
        self.number.setFocus()  # on to the caller

    def set_location(self, x: float, y: float, said: str = "") -> None:
        """The call's place: from a candidate (``said`` is its name) or a click on the map."""
        self.location = (x, y)
        where = self._where(x, y)
        words = where.label()
        self.place = said if said and said not in words else words
        if said and words and said not in words:
            self.place = f"{said} ({words})"
        near = f" · {where.road_m:.0f} m" if where.road and where.road_m >= 10 else ""
        self.where_label.setText((self.place or self.tr("a point outside the kit's districts")) + near)
        self.where_label.setProperty("state", "ok")
        self.where_label.style().polish(self.where_label)
        self.location_changed.emit(x, y, self.place)
        self._check()

    # ------------------------------------------------------------ what and who

    def _type_changed(self) -> None:
        if not self._priority_touched:
            self.priority.blockSignals(True)
            self.priority.setValue(DEFAULT_PRIORITY[self.type.currentData()])
            self.priority.blockSignals(False)

    def _check(self) -> None:
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setEnabled(self.location is not None)

    def _accept(self) -> None:
        if self.location is None:
            self.find.setFocus()
            return
        self.accept()

    def values(self) -> dict:
        x, y = self.location if self.location is not None else (float("nan"), float("nan"))
        return {"x": x, "y": y, "place": self.place, "type": self.type.currentData(),
                "priority": self.priority.value(), "desc": self.desc.text().strip(),
                "notes": self.notes.toPlainText().strip(), "caller_number": self.number.text().strip(),
                "caller_name": self.name.text().strip()}
