"""Incident queue dock: open incidents by urgency with age and golden-time countdowns, filterable.

Unacknowledged incidents come first, then by priority, then oldest first: the row at the top is always
the next thing a dispatcher should look at. The window's keys (A, R, D, N, C, X) act on the selected row.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from resources import palette
from services.incidents.model import GOLDEN_S, Incident, IncidentBook
from services.vocabulary import INCIDENT_TYPES
from widgets import labels
from widgets.tables import row_table, selected_row

_FILTERS = ("open", "new", "all")


def urgency_key(inc: Incident) -> tuple:
    return (not inc.open, inc.status != "new", inc.priority, inc.reported_ms)


SORTS = {
    "urgency": urgency_key,
    "age": lambda inc: (not inc.open, inc.reported_ms),
    "priority": lambda inc: (not inc.open, inc.priority, inc.reported_ms),
    "type": lambda inc: (not inc.open, inc.type, inc.priority, inc.reported_ms),
}


def golden_time(inc: Incident, now_ms: int) -> tuple[str, str]:
    """(text, state) where state is ok / warn / bad: time left to 5 and 7 minutes, or the response time."""
    arrived = inc.changed_ms.get("on_scene")
    if arrived is not None:
        took = (arrived - inc.reported_ms) / 1000.0
        return labels.duration(took), "ok" if took <= GOLDEN_S[0] else "warn" if took <= GOLDEN_S[1] else "bad"
    if not inc.open:
        return "—", "ok"
    age = inc.age_s(now_ms)
    if age < GOLDEN_S[0]:
        return f"5′ −{labels.duration(GOLDEN_S[0] - age)}", "ok"
    if age < GOLDEN_S[1]:
        return f"7′ −{labels.duration(GOLDEN_S[1] - age)}", "warn"
    return f"+{labels.duration(age - GOLDEN_S[1])}", "bad"


class IncidentQueue(QtWidgets.QWidget):
    selected = QtCore.Signal(object)  # incident id or None

    def __init__(self, book: IncidentBook, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incidents")
        self.book = book
        self.filter = QtWidgets.QComboBox()
        for key, title in zip(_FILTERS, (self.tr("Open"), self.tr("Not acknowledged"), self.tr("All")), strict=True):
            self.filter.addItem(title, key)
        self.type_filter = QtWidgets.QComboBox()
        self.type_filter.addItem(self.tr("All types"), "")
        for t in INCIDENT_TYPES:
            self.type_filter.addItem(labels.incident_type(t), t)
        self.sort = QtWidgets.QComboBox()
        for key, title in zip(SORTS, (self.tr("Most urgent first"), self.tr("Oldest first"),
                                      self.tr("By priority"), self.tr("By type")), strict=True):
            self.sort.addItem(title, key)
        self.summary = QtWidgets.QLabel()
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.filter)
        top.addWidget(self.type_filter)
        top.addWidget(self.sort)
        top.addStretch(1)
        top.addWidget(self.summary)
        self.table = row_table(labels.queue_columns())
        self.table.itemSelectionChanged.connect(self._on_selection)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addWidget(self.table)
        self.filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.type_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.sort.currentIndexChanged.connect(lambda _i: self.refresh())
        self.ids: list[str] = []
        self._now_ms = 0
        self._quiet = False

    def rows(self) -> list[Incident]:
        which, kind = self.filter.currentData(), self.type_filter.currentData()
        shown = [i for i in self.book.incidents.values()
                 if (which == "all" or (which == "open" and i.open) or (which == "new" and i.status == "new"))
                 and (not kind or i.type == kind)]
        return sorted(shown, key=SORTS[self.sort.currentData()])

    def refresh(self, now_ms: int | None = None) -> None:
        self._now_ms = now_ms if now_ms is not None else self._now_ms
        keep = self.current()
        rows = self.rows()
        self._quiet = True
        self.table.setRowCount(len(rows))
        colours = {"ok": palette.UI["ok"], "warn": palette.UI["warn"], "bad": palette.UI["bad"]}
        for r, inc in enumerate(rows):
            golden, state = golden_time(inc, self._now_ms)
            values = (str(inc.priority), labels.incident_type(inc.type), inc.id, labels.incident_status(inc.status),
                      labels.duration(inc.age_s(self._now_ms)), golden, ", ".join(map(str, inc.units)), inc.desc)
            for c, text in enumerate(values):
                item = self.table.item(r, c)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    self.table.setItem(r, c, item)
                if item.text() != text:
                    item.setText(text)
            self.table.item(r, 0).setBackground(QtGui.QColor(palette.PRIORITY[inc.priority]))
            self.table.item(r, 0).setForeground(QtGui.QColor(palette.UI["base"]))
            status = self.table.item(r, 3)
            font = status.font()
            font.setBold(inc.status == "new")
            status.setFont(font)
            status.setForeground(QtGui.QColor(palette.UI["bad"] if inc.status == "new" else palette.UI["text"]))
            self.table.item(r, 5).setForeground(QtGui.QColor(colours[state]))
        self.ids = [i.id for i in rows]
        self.table.resizeColumnsToContents()
        if keep in self.ids:
            self.table.selectRow(self.ids.index(keep))
        self._quiet = False
        open_ = self.book.open_incidents()
        self.summary.setText(self.tr("{0} open · {1} not acknowledged").format(
            len(open_), sum(i.status == "new" for i in open_)))

    def current(self) -> str | None:
        row = selected_row(self.table)
        return self.ids[row] if row is not None and row < len(self.ids) else None

    def select(self, incident_id: str | None) -> None:
        if incident_id in self.ids:
            self.table.selectRow(self.ids.index(incident_id))
        else:
            self.table.clearSelection()

    def next_id(self) -> str | None:
        """The most urgent open incident after the selected one (wrapping), for the N key."""
        open_ids = [i for i in self.ids if self.book.incidents[i].open]
        if not open_ids:
            return None
        cur = self.current()
        return open_ids[(open_ids.index(cur) + 1) % len(open_ids)] if cur in open_ids else open_ids[0]

    def _on_selection(self) -> None:
        if not self._quiet:
            self.selected.emit(self.current())
