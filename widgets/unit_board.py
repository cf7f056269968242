"""Unit status board: every emergency unit, its station, status and for how long, its incident, a dispatch
that waits for the CAD, and an in-service switch that the ranking respects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.services.vocabulary import STATION_KINDS, VehicleStatus
from sitroom.widgets import labels
from sitroom.widgets.tables import row_table, selected_row


class UnitRow(Protocol):
    """What the board shows of a unit (the dispatch desk's UnitRow)."""

    unit: int
    type: int
    station: str
    status: int
    since_s: float
    incident: str
    pending: bool
    held: bool
    out_of_service: bool
    stale: bool


_IN_SERVICE_COL = 6


class UnitBoard(QtWidgets.QWidget):
    in_service_changed = QtCore.Signal(int, bool)  # unit, in service
    unit_chosen = QtCore.Signal(int)  # a double click: show it on the map

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("units")
        self.type_filter = QtWidgets.QComboBox()
        self.type_filter.addItem(self.tr("All units"), 0)
        for t in STATION_KINDS:
            self.type_filter.addItem(labels.vehicle_type(int(t)), int(t))
        self.summary = QtWidgets.QLabel()
        self.summary.setWordWrap(True)
        columns = [self.tr("Unit"), self.tr("Type"), self.tr("Station"), self.tr("Status"), self.tr("For"),
                   self.tr("Incident"), self.tr("In service")]
        self.table = row_table(columns)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, QtCore.Qt.SortOrder.AscendingOrder)
        self.table.itemChanged.connect(self._item_changed)
        self.table.doubleClicked.connect(self._chosen)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.type_filter)
        top.addWidget(self.summary, 1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addWidget(self.table)
        self.type_filter.currentIndexChanged.connect(lambda _i: self.show_units(self._rows))
        self._rows: Sequence[UnitRow] = []
        self._filling = False

    def show_units(self, rows: Sequence[UnitRow]) -> None:
        self._rows = rows
        kind = self.type_filter.currentData()
        shown = [r for r in rows if not kind or r.type == kind]
        self._filling = True
        self.table.setSortingEnabled(False)  # refill in place, then let the chosen sort order apply again
        self.table.setRowCount(len(shown))
        for i, r in enumerate(shown):
            status = labels.vehicle_status(r.status)
            if r.pending:
                status = self.tr("{0}, dispatch waiting for CAD").format(status)
            elif r.stale:
                status = self.tr("{0} (last known)").format(status)
            values = (str(r.unit), labels.vehicle_type(r.type), r.station or self.tr("on the road"), status,
                      labels.duration(r.since_s), r.incident)
            for c, text in enumerate(values):
                item = self.table.item(i, c) or _item(self.table, i, c)
                item.setText(text)
                if c == 0:
                    item.setData(QtCore.Qt.ItemDataRole.UserRole, r.unit)
                # Last-known rows in the muted text colour (the map's stale grey is too dark to read as text).
                colour = palette.UI["muted"] if r.stale else palette.STATUS.get(VehicleStatus(r.status),
                                                                                palette.UI["text"])
                item.setForeground(QtGui.QColor(palette.UI["warn"] if r.pending and c == 3 else
                                                colour if c == 3 else palette.UI["text"]))
            check = self.table.item(i, _IN_SERVICE_COL) or _item(self.table, i, _IN_SERVICE_COL)
            check.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsUserCheckable
                           | QtCore.Qt.ItemFlag.ItemIsSelectable)
            check.setCheckState(QtCore.Qt.CheckState.Unchecked if r.out_of_service else QtCore.Qt.CheckState.Checked)
            check.setData(QtCore.Qt.ItemDataRole.UserRole, r.unit)
        self.table.setSortingEnabled(True)
        self._filling = False
        available = {}
        for r in rows:
            if r.status == VehicleStatus.AVAILABLE and not r.out_of_service and not r.held:
                available[r.type] = available.get(r.type, 0) + 1
        self.summary.setText(self.tr("Available: {0}").format(", ".join(
            f"{labels.vehicle_type(int(t))} {available.get(int(t), 0)}" for t in STATION_KINDS)))

    def unit_at(self, row: int) -> int | None:
        item = self.table.item(row, 0)
        return None if item is None else item.data(QtCore.Qt.ItemDataRole.UserRole)

    def _item_changed(self, item: QtWidgets.QTableWidgetItem) -> None:
        if self._filling or item.column() != _IN_SERVICE_COL:
            return
        self.in_service_changed.emit(int(item.data(QtCore.Qt.ItemDataRole.UserRole)),
                                     item.checkState() == QtCore.Qt.CheckState.Checked)

    def _chosen(self, _index: QtCore.QModelIndex) -> None:
        row = selected_row(self.table)
        unit = self.unit_at(row) if row is not None else None
        if unit is not None:
            self.unit_chosen.emit(unit)


def _item(table: QtWidgets.QTableWidget, row: int, col: int) -> QtWidgets.QTableWidgetItem:
    item = QtWidgets.QTableWidgetItem()
    table.setItem(row, col, item)
    return item
