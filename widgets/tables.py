"""The read-only tables of the docks (incident queue, recommendations): rows selected whole, one at a time."""

from __future__ import annotations

from PySide6 import QtWidgets


def row_table(columns: list[str], parent: QtWidgets.QWidget | None = None) -> QtWidgets.QTableWidget:
    table = QtWidgets.QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def selected_row(table: QtWidgets.QTableWidget) -> int | None:
    model = table.selectionModel()
    rows = model.selectedRows() if model is not None else []
    return rows[0].row() if rows else None
