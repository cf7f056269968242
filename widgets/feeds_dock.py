"""Feeds dock: one row per feed with its state, rate, age, gaps, restarts and decode errors.

Every reason the feed has counted (FeedHealth.reason_counts), the last restart and the last error are in
the row's tooltip, so nothing dropped goes without a visible reason; the cells show the commonest."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.services.feeds.health import RESTART_NEW_SESSION, FeedHealth, FeedState, describe_source
from sitroom.widgets import labels


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
            errors = h.errors.most_common()
            shown = ", ".join(f"{k} {v}" for k, v in errors[:3]) + (", …" if len(errors) > 3 else "")
            # Restarts other than a new session are a publisher's fault: worth seeing without hovering.
            odd = ", ".join(f"{k} {n}" for k, n in sorted(dict(h.restart_reasons).items()) if k != RESTART_NEW_SESSION)
            values = (h.name, self.state_text(state), f"{h.rate(now):.1f}",
                      "—" if age is None else f"{age:.1f} s", str(h.seq_gaps),
                      f"{h.restarts}" + (f" ({odd})" if odd else ""),
                      f"{h.decode_errors}" + (f" ({shown})" if shown else ""), h.endpoint,
                      h.rejected if state == FeedState.REJECTED else (h.warning or h.last_error))
            tip = self.details(h)
            for col, text in enumerate(values):
                item = self.item(row, col)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    self.setItem(row, col, item)
                if item.text() != text:
                    item.setText(text)
                if item.toolTip() != tip:
                    item.setToolTip(tip)
            self.item(row, 1).setForeground(QtGui.QBrush(QtGui.QColor(colours[state])))
            self.item(row, 6).setForeground(QtGui.QBrush(QtGui.QColor(
                palette.UI["bad"] if h.decode_errors else palette.UI["text"])))
        self.resizeColumnsToContents()

    def details(self, h: FeedHealth) -> str:
        """The row's tooltip: snapshots, every counted reason with its count, the last restart and error."""
        lines = [self.tr("snapshots {0}, resyncs {1} {2}").format(
            h.snapshots, h.resyncs, f"({h.resync_reason})" if h.resync_reason else "").rstrip()]
        lines += [f"{reason}: {n}" for reason, n in h.reason_counts().items()]
        lines += [text for text in (h.last_restart, h.last_error) if text]
        lines += [describe_source(src, own) for src, own in sorted(h.sources.items())]
        return "\n".join(lines)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(640, 140)
