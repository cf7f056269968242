"""The read-only tables of the docks (incident queue, recommendations): rows selected whole, one at a time."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette


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


class PriorityDelegate(QtWidgets.QStyledItemDelegate):
    """The priority cell as a chip of its colour with its number, drawn the same whether or not the row is
    selected: the selection's highlight must never hide how urgent a call is. The priority (1–5) is the
    item's UserRole data."""

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: QtCore.QModelIndex) -> None:
        priority = index.data(QtCore.Qt.ItemDataRole.UserRole)
        if priority not in palette.PRIORITY:
            super().paint(painter, option, index)
            return
        painter.save()
        painter.fillRect(option.rect, QtGui.QColor(palette.PRIORITY[priority]))
        if option.state & QtWidgets.QStyle.StateFlag.State_Selected:  # a frame says "selected" instead
            painter.setPen(QtGui.QPen(QtGui.QColor(palette.SELECTION), 2))
            painter.drawRect(option.rect.adjusted(1, 1, -1, -1))
        font = QtGui.QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QtGui.QColor(palette.PRIORITY_TEXT[priority]))
        painter.drawText(option.rect, QtCore.Qt.AlignmentFlag.AlignCenter, str(index.data()))
        painter.restore()
