"""Feeds dock: one row per feed with its state, rate, age, gaps, restarts and decode errors."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from resources import palette
from services.feeds.health import FeedHealth, FeedState
from widgets import labels


class FeedsWidget(QtWidgets.QTableWidget):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        columns = labels.feed_columns()
        super().__init__(0, len(columns), parent)
        self.setHorizontalHeaderLabels(columns)
        self.verticalHeader().hide()
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.horizontalHeader().setStretchLastSection(True)
        self.setObjectName("feeds")

    def state_text(self, state: FeedState) -> str:
        return {FeedState.LIVE: self.tr("live"), FeedState.STALE: self.tr("STALE"),
                FeedState.WAITING: self.tr("waiting"), FeedState.OFFLINE: self.tr("OFFLINE"),
                FeedState.REJECTED: self.tr("REJECTED")}[state]

    def show_health(self, health: list[FeedHealth], now: float) -> None:
        self.setRowCount(len(health))
        colours = {FeedState.LIVE: palette.UI["ok"], FeedState.STALE: palette.UI["bad"],
                   FeedState.WAITING: palette.UI["warn"], FeedState.OFFLINE: palette.UI["bad"],
                   FeedState.REJECTED: palette.UI["bad"]}
        for row, h in enumerate(health):
            state = h.state(now)
            age = h.age(now)
            errors = ", ".join(f"{k} {v}" for k, v in h.errors.most_common(3))
            values = (h.name, self.state_text(state), f"{h.rate(now):.1f}",
                      "—" if age is None else f"{age:.1f} s", str(h.seq_gaps), str(h.restarts),
                      f"{h.decode_errors}" + (f" ({errors})" if errors else ""), h.endpoint,
                      h.rejected if state == FeedState.REJECTED else (h.warning or h.last_error))
            for col, text in enumerate(values):
                item = self.item(row, col)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    self.setItem(row, col, item)
                if item.text() != text:
                    item.setText(text)
            self.item(row, 1).setForeground(QtGui.QBrush(QtGui.QColor(colours[state])))
            self.item(row, 1).setToolTip(self.tr("snapshots {0}, resyncs {1} {2}").format(
                h.snapshots, h.resyncs, f"({h.resync_reason})" if h.resync_reason else ""))
            self.item(row, 6).setForeground(QtGui.QBrush(QtGui.QColor(
                palette.UI["bad"] if h.decode_errors else palette.UI["text"])))
        self.resizeColumnsToContents()

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(640, 140)
