"""Recommendation dock: the units that reach the selected incident first by road, and the dispatch button."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.widgets import labels
from sitroom.widgets.tables import row_table, selected_row


@dataclass(frozen=True)
class UnitOption:
    unit: int
    type: int  # VehicleType
    eta_s: float
    metres: float
    station: str  # the station it waits at, or "" on the road
    last_known: bool = False  # its feed is stale: the position is the last one known, flagged as such
    picked: bool = False  # one of the units a multi-unit response plan sends (✓)


class RecommendPanel(QtWidgets.QWidget):
    dispatch_requested = QtCore.Signal(int)  # unit id
    unit_selected = QtCore.Signal(object)  # unit id or None

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recommend")
        self.header = QtWidgets.QLabel(self.tr("Select an incident and press R for the fastest units."))
        self.header.setWordWrap(True)
        # What a dispatcher reads first comes first and always fits: unit, ETA, distance; the type and the
        # station share what width is left and are elided rather than scrolled out of sight.
        columns = [self.tr("Unit"), self.tr("ETA"), self.tr("Distance"), self.tr("Type"), self.tr("Station")]
        self.table = row_table(columns)
        self.table.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QtWidgets.QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(4, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(lambda: self.unit_selected.emit(self.current()))
        self.table.doubleClicked.connect(lambda _i: self._dispatch())
        self.note = QtWidgets.QLabel()
        self.note.setWordWrap(True)
        self.route_info = QtWidgets.QLabel()
        self.route_info.setWordWrap(True)
        self.dispatch_button = QtWidgets.QPushButton(self.tr("Dispatch selected unit (D)"))
        self.dispatch_button.clicked.connect(self._dispatch)
        self.dispatch_button.setEnabled(False)
        self.link_label = QtWidgets.QLabel()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.header)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        lay.addWidget(self.route_info)
        lay.addWidget(self.dispatch_button)
        lay.addWidget(self.link_label)
        self.options: list[UnitOption] = []

    def show_options(self, header: str, options: list[UnitOption], note: str = "", *, warn: bool = False) -> None:
        """``warn``: the note says something the dispatcher must act on (shown in the warning colour)."""
        self.header.setText(header)
        self.options = options
        self.table.setRowCount(len(options))
        for r, o in enumerate(options):
            eta = labels.duration(o.eta_s) + (" " + self.tr("(last known)") if o.last_known else "")
            values = (("✓ " if o.picked else "") + str(o.unit), eta, f"{o.metres / 1000:.1f} km",
                      labels.vehicle_type(o.type), o.station or self.tr("on the road"))
            for c, text in enumerate(values):
                item = QtWidgets.QTableWidgetItem(text)
                if o.last_known:
                    item.setForeground(QtGui.QColor(palette.STALE))
                self.table.setItem(r, c, item)
        if options:
            self.table.selectRow(0)
        self.note.setText(note)
        self.note.setProperty("state", "warn" if warn else "")
        self.note.style().polish(self.note)
        self.dispatch_button.setEnabled(bool(options))

    def clear(self, header: str = "") -> None:
        self.show_options(header or self.tr("Select an incident and press R for the fastest units."), [])
        self.route_info.clear()

    def picked(self) -> list[int]:
        """The units a multi-unit plan sends (✓), in the list's order."""
        return [o.unit for o in self.options if o.picked]

    def toggle_current(self) -> None:
        """The chosen unit in or out of the plan's dispatch."""
        row = selected_row(self.table)
        if row is None or row >= len(self.options):
            return
        o = self.options[row]
        self.options[row] = replace(o, picked=not o.picked)
        item = self.table.item(row, 0)
        item.setText(("✓ " if not o.picked else "") + str(o.unit))

    def choose(self, index: int) -> None:
        """Choose the ``index``-th unit (keys 1–5); nothing when the list is shorter."""
        if 0 <= index < len(self.options):
            self.table.selectRow(index)

    def move_choice(self, step: int) -> None:
        """The unit above or below the chosen one (keys ↑/↓), staying within the list."""
        if not self.options:
            return
        row = selected_row(self.table)
        self.choose(min(max((row if row is not None else -step) + step, 0), len(self.options) - 1))

    def current(self) -> int | None:
        row = selected_row(self.table)
        return self.options[row].unit if row is not None and row < len(self.options) else None

    def _dispatch(self) -> None:
        unit = self.current()
        if unit is not None:
            self.dispatch_requested.emit(unit)
