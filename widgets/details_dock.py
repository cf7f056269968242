"""Details dock: the selected vehicles with id, type, status, speed and the age of their last update."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.widgets import labels


class DetailsWidget(QtWidgets.QTableWidget):
    MAX_ROWS = 500

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        columns = labels.detail_columns()
        super().__init__(0, len(columns), parent)
        self.setHorizontalHeaderLabels(columns)
        self.verticalHeader().hide()
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setStretchLastSection(True)
        self.setObjectName("details")

    def show_vehicles(self, records: list[dict], stale: list[bool]) -> None:
        records = records[: self.MAX_ROWS]
        self.setRowCount(len(records))
        for row, (r, is_stale) in enumerate(zip(records, stale, strict=True)):
            age = r["age_s"]
            updated = self.tr("{0:.1f} s ago").format(age) + (self.tr(" (stale)") if is_stale else "")
            # A speed or heading the unit did not report (NaN, or out of range) is shown as unknown, never as 0.
            speed, heading = r["speed_kmh"], r["heading"]
            values = (str(r["id"]), labels.vehicle_type(r["type"]), labels.vehicle_status(r["status"]),
                      f"{speed:.0f} km/h" if math.isfinite(speed) and speed >= 0 else "—",
                      f"{heading % 360:.0f}°" if math.isfinite(heading) else "—", updated)
            for col, text in enumerate(values):
                item = self.item(row, col)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    self.setItem(row, col, item)
                item.setText(text)
                item.setForeground(QtGui.QBrush(QtGui.QColor(palette.STALE if is_stale else palette.UI["text"])))

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(360, 200)
