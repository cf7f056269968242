"""Incident queue dock: calls waiting for acknowledgement pinned in their own band, the open incidents below.

The waiting band lists every unacknowledged call, most urgent first, and is sized to show them all: a
selection in the open list below can never scroll a waiting call out of view. The strip on top counts open
incidents by priority and the calls waiting. The window's keys (N, A, R, D, C, X) act on the selected row.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from resources import palette
from services.incidents.golden import Golden, golden_time
from services.incidents.model import Incident, IncidentBook
from services.incidents.order import call_urgency, waiting_calls
from services.vocabulary import INCIDENT_TYPES, PRIORITIES
from widgets import labels
from widgets.tables import PriorityDelegate, row_table, selected_row

RECENT_MS = 30 * 60_000  # "closed recently": the last half hour
_WAITING_MAX_SHARE = 0.7  # of the dock's height, leaving the open list a few rows however many calls wait
_COLUMNS = 8  # P, type, incident, status, age, golden time, units, description


SORTS: dict[str, Callable[[Incident], tuple]] = {
    "urgency": lambda inc: (not inc.open, *call_urgency(inc)),
    "age": lambda inc: (not inc.open, inc.reported_ms),
    "type": lambda inc: (not inc.open, inc.type, *call_urgency(inc)),
}
_GOLDEN_COLOUR = {Golden.RUNNING: "ok", Golden.EXPIRING: "warn", Golden.MISSED: "bad", Golden.MET: "ok",
                  Golden.LATE: "warn"}


def golden_text(inc: Incident, now_ms: int) -> tuple[str, str]:
    """(text, ok / warn / bad / "") for the golden-time column: elapsed, and what is left to the next mark."""
    g = golden_time(inc, now_ms)
    if g is None:
        return "—", ""
    elapsed = labels.duration(g.elapsed_s)
    if g.state in (Golden.MET, Golden.LATE):
        text = QtCore.QCoreApplication.translate("IncidentQueue", "on scene after {0}").format(elapsed)
    elif g.mark_s is not None:
        text = QtCore.QCoreApplication.translate("IncidentQueue", "{0} · {1}′ mark in {2}").format(
            elapsed, g.mark_s // 60, labels.duration(g.to_mark_s or 0.0))
    else:
        text = QtCore.QCoreApplication.translate("IncidentQueue", "{0} · {1} past 7′").format(
            elapsed, labels.duration(g.over_limit_s))
    return text, _GOLDEN_COLOUR[g.state]


class IncidentQueue(QtWidgets.QWidget):
    selected = QtCore.Signal(object)  # incident id or None

    def __init__(self, book: IncidentBook, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incidents")
        self.book = book
        self.counts = QtWidgets.QLabel()
        self.counts.setObjectName("priorityCounts")
        self.counts.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.waiting_label = QtWidgets.QLabel()
        self.waiting_label.setObjectName("waitingLabel")
        self.waiting = self._table()
        self.filter = QtWidgets.QComboBox()
        for key, title in (("open", self.tr("Open")), ("recent", self.tr("Closed recently")), ("all", self.tr("All"))):
            self.filter.addItem(title, key)
        self.type_filter = QtWidgets.QComboBox()
        self.type_filter.addItem(self.tr("All types"), "")
        for t in INCIDENT_TYPES:
            self.type_filter.addItem(labels.incident_type(t), t)
        self.sort = QtWidgets.QComboBox()
        for key, title in zip(SORTS, (self.tr("Most urgent first"), self.tr("Oldest first"), self.tr("By type")),
                              strict=True):
            self.sort.addItem(title, key)
        self.table = self._table()
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.filter)
        bar.addWidget(self.type_filter)
        bar.addWidget(self.sort)
        bar.addStretch(1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.counts)
        lay.addWidget(self.waiting_label)
        lay.addWidget(self.waiting)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        for combo in (self.filter, self.type_filter, self.sort):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.waiting_ids: list[str] = []
        self.open_ids: list[str] = []
        self._now_ms = 0
        self._pending: dict[str, list[int]] = {}
        self._quiet = False

    def _table(self) -> QtWidgets.QTableWidget:
        table = row_table(labels.queue_columns())
        table.setItemDelegateForColumn(0, PriorityDelegate(table))
        table.setWordWrap(False)
        table.itemSelectionChanged.connect(lambda t=table: self._on_selection(t))
        return table

    # ------------------------------------------------------------ contents

    @property
    def ids(self) -> list[str]:
        """Every row, top to bottom: the waiting band, then the list."""
        return self.waiting_ids + self.open_ids

    def listed(self) -> list[Incident]:
        which, kind = self.filter.currentData(), self.type_filter.currentData()
        now = self._now_ms

        def shown(inc: Incident) -> bool:
            if inc.status == "new" and inc.open:
                return False  # in the waiting band
            if which == "open" and not inc.open:
                return False
            if which == "recent" and (inc.open or now - max(inc.changed_ms.values(), default=0) > RECENT_MS):
                return False
            return not kind or inc.type == kind

        return sorted((i for i in self.book.incidents.values() if shown(i)), key=SORTS[self.sort.currentData()])

    def refresh(self, now_ms: int | None = None, pending: dict[str, list[int]] | None = None) -> None:
        """Redraw both lists at ``now_ms``; ``pending``: units whose dispatch waits for the CAD, per incident."""
        self._now_ms = now_ms if now_ms is not None else self._now_ms
        self._pending = pending if pending is not None else self._pending
        keep = self.current()
        self._quiet = True
        waiting = waiting_calls(self.book)
        self.waiting_ids = self._fill(self.waiting, waiting)
        self.open_ids = self._fill(self.table, self.listed())
        self._fit_waiting()
        self._quiet = False
        if keep is not None:
            self.select(keep)
        open_ = self.book.open_incidents()
        by_priority = {p: sum(i.priority == p for i in open_) for p in PRIORITIES}
        chips = " ".join(
            f'<span style="background:{palette.PRIORITY[p]}; color:{palette.PRIORITY_TEXT[p]};">&nbsp;P{p}&nbsp;'
            f'</span>&nbsp;{n}' for p, n in by_priority.items())
        self.counts.setText(f"{chips}&nbsp;&nbsp;·&nbsp;&nbsp;" + self.tr("{0} open").format(len(open_)))
        self.waiting_label.setText(self.tr("Waiting for acknowledgement: {0}").format(len(waiting)) if waiting
                                   else self.tr("No call is waiting"))
        self.waiting_label.setProperty("state", "bad" if waiting else "ok")
        self.waiting_label.style().polish(self.waiting_label)

    def _fill(self, table: QtWidgets.QTableWidget, rows: list[Incident]) -> list[str]:
        table.setRowCount(len(rows))
        colours = {k: palette.UI[k] for k in ("ok", "warn", "bad")}
        for r, inc in enumerate(rows):
            golden, state = golden_text(inc, self._now_ms)
            units = [str(u) for u in inc.units] + [self.tr("{0} (waiting for CAD)").format(u)
                                                   for u in self._pending.get(inc.id, [])]
            values = (f"P{inc.priority}", labels.incident_type(inc.type), inc.id, labels.incident_status(inc.status),
                      labels.duration(inc.age_s(self._now_ms)), golden, ", ".join(units), inc.desc)
            for c, text in enumerate(values):
                item = table.item(r, c)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    table.setItem(r, c, item)
                if item.text() != text:
                    item.setText(text)
            table.item(r, 0).setData(QtCore.Qt.ItemDataRole.UserRole, inc.priority)
            status = table.item(r, 3)
            font = status.font()
            font.setBold(inc.status == "new")
            status.setFont(font)
            status.setForeground(QtGui.QColor(palette.UI["bad"] if inc.status == "new" else palette.UI["text"]))
            table.item(r, 5).setForeground(QtGui.QColor(colours.get(state, palette.UI["muted"])))
            table.item(r, 6).setForeground(QtGui.QColor(palette.UI["warn"] if inc.id in self._pending
                                                        else palette.UI["text"]))
        table.resizeColumnsToContents()
        return [i.id for i in rows]

    def _fit_waiting(self) -> None:
        """The band as tall as its rows (never scrolled), within its share of the dock."""
        table = self.waiting
        rows = table.rowCount()
        header = table.horizontalHeader().height()
        row_h = table.verticalHeader().defaultSectionSize()
        want = header + max(rows, 1) * row_h + 2 * table.frameWidth()
        cap = max(int(self.height() * _WAITING_MAX_SHARE), header + 3 * row_h)
        table.setFixedHeight(min(want, cap))
        table.setVisible(rows > 0)

    def resizeEvent(self, ev: QtGui.QResizeEvent) -> None:
        super().resizeEvent(ev)
        self._fit_waiting()

    def visible_waiting(self) -> list[str]:
        """Waiting calls whose row is wholly on screen now (what the eye can see)."""
        if not self.waiting.isVisible():
            return []
        view = self.waiting.viewport().rect()
        out = []
        for r, inc_id in enumerate(self.waiting_ids):
            rect = self.waiting.visualRect(self.waiting.model().index(r, 2))
            if view.contains(rect):
                out.append(inc_id)
        return out

    # ------------------------------------------------------------ selection

    def current(self) -> str | None:
        for table, ids in ((self.waiting, self.waiting_ids), (self.table, self.open_ids)):
            row = selected_row(table)
            if row is not None and row < len(ids):
                return ids[row]
        return None

    def select(self, incident_id: str | None) -> None:
        """Show ``incident_id`` as selected (the window chose it: no ``selected`` signal back)."""
        was, self._quiet = self._quiet, True
        try:
            for table, ids in ((self.waiting, self.waiting_ids), (self.table, self.open_ids)):
                if incident_id in ids:
                    table.selectRow(ids.index(incident_id))
                    table.scrollTo(table.model().index(ids.index(incident_id), 0))
                else:
                    table.clearSelection()
        finally:
            self._quiet = was

    def _on_selection(self, table: QtWidgets.QTableWidget) -> None:
        if self._quiet:
            return
        row = selected_row(table)
        if row is None:
            return
        ids = self.waiting_ids if table is self.waiting else self.open_ids
        other = self.table if table is self.waiting else self.waiting
        self._quiet = True
        other.clearSelection()
        self._quiet = False
        self.selected.emit(ids[row] if row < len(ids) else None)
