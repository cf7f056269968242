"""Incident queue dock: calls waiting for acknowledgement pinned in their own band, the open incidents below.

The waiting band shows every unacknowledged call as a chip, most urgent first, and takes the height they
need before the open list takes any: a selection in the list below can never move a waiting call out of
view. The strip on top counts open incidents by priority. The window's keys (N, A, R, D, C, X) act on the
selected incident.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.services.incidents.golden import Golden, golden_time
from sitroom.services.incidents.model import Incident, IncidentBook
from sitroom.services.incidents.order import call_urgency, waiting_calls
from sitroom.services.vocabulary import INCIDENT_TYPES, PRIORITIES
from sitroom.widgets import labels
from sitroom.widgets.tables import PriorityDelegate, row_table, selected_row
from sitroom.widgets.waiting_band import WaitingBand

RECENT_MS = 30 * 60_000  # "closed recently": the last half hour
_OPEN_MIN_ROWS = 2  # the open list keeps this many rows however many calls wait; the band takes the rest
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
        self.waiting = WaitingBand()
        self.waiting.selected.connect(self._band_selected)
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
        table.itemSelectionChanged.connect(self._on_selection)
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
        self.waiting.show_calls(waiting, self._now_ms)
        self.waiting_ids = self.waiting.ids
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
                      labels.duration(inc.age_s(self._now_ms)), golden, ", ".join(units),
                      " — ".join(p for p in (inc.place, inc.desc) if p))  # where first: the dong and the road
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
        """The band takes all the dock's height but a few rows of the open list: waiting calls come before
        incidents already being handled."""
        row_h = self.table.verticalHeader().defaultSectionSize()
        fixed = sum(w.sizeHint().height() for w in (self.counts, self.waiting_label, self.filter)) + 24
        keep = max(1, min(_OPEN_MIN_ROWS, self.table.rowCount()))  # no more rows than the list has to show
        open_min = self.table.horizontalHeader().height() + keep * row_h + 2 * self.table.frameWidth()
        self.waiting.set_max_height(self.height() - fixed - open_min)

    def resizeEvent(self, ev: QtGui.QResizeEvent) -> None:
        super().resizeEvent(ev)
        self._fit_waiting()

    def visible_waiting(self) -> list[str]:
        """Waiting calls whose chip is wholly on screen now (what the eye can see)."""
        return self.waiting.visible_ids()

    # ------------------------------------------------------------ selection

    def current(self) -> str | None:
        if self.waiting.current in self.waiting_ids:
            return self.waiting.current
        row = selected_row(self.table)
        return self.open_ids[row] if row is not None and row < len(self.open_ids) else None

    def select(self, incident_id: str | None) -> None:
        """Show ``incident_id`` as selected (the window chose it: no ``selected`` signal back)."""
        was, self._quiet = self._quiet, True
        try:
            self.waiting.set_current(incident_id if incident_id in self.waiting_ids else None)
            if incident_id in self.open_ids:
                row = self.open_ids.index(incident_id)
                self.table.selectRow(row)
                self.table.scrollTo(self.table.model().index(row, 0))
            else:
                self.table.clearSelection()
        finally:
            self._quiet = was

    def _band_selected(self, incident_id: str) -> None:
        self.select(incident_id)
        self.selected.emit(incident_id)

    def _on_selection(self) -> None:
        if self._quiet:
            return
        row = selected_row(self.table)
        if row is None or row >= len(self.open_ids):
            return
        self.waiting.set_current(None)
        self.selected.emit(self.open_ids[row])
