"""The wall's own views: a titled frame around each view, the KPI board and the alarm and facility summary.

Read from across a room: large type (palette.WALL_SCALE), the theme's colours (every pair at 4.5:1 or more),
nothing to click. The map, the camera wall, the incident board and the feed table are the desk's own widgets
(app/wall.py puts them in these frames).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.widgets import labels


def wall_font(size: str = "body", *, scale: float | None = None, bold: bool = False) -> QtGui.QFont:
    f = QtGui.QFont()
    f.setPointSizeF(palette.FONT_PT[size] * (palette.WALL_SCALE if scale is None else scale))
    f.setBold(bold)
    return f


def wall_style_sheet() -> str:
    """The wall's type on top of the theme: every text larger, titles and figures bold."""
    body = palette.FONT_PT["body"] * palette.WALL_SCALE
    head = palette.FONT_PT["heading"] * palette.WALL_SCALE
    ui = palette.UI
    return (f"QWidget {{ font-size: {body:g}pt; }}\n"
            f"QLabel#wallTitle {{ font-size: {head:g}pt; font-weight: bold; color: {ui['text']}; "
            f"background: {ui['panel']}; padding: 2px 10px; }}\n"
            f"QLabel#wallFigure {{ font-size: {palette.WALL_FIGURE_PT:g}pt; font-weight: bold; }}\n"
            f"QLabel#wallFigure[state=\"bad\"] {{ color: {ui['bad']}; }}\n"
            f"QLabel#wallFigure[state=\"warn\"] {{ color: {ui['warn']}; }}\n"
            f"QLabel#wallFigure[state=\"ok\"] {{ color: {ui['ok']}; }}\n"
            f"QLabel#wallCaption {{ color: {ui['muted']}; }}\n"
            f"QFrame#wallView {{ border: 1px solid {ui['border']}; background: {ui['base']}; }}\n"
            f"QHeaderView::section {{ font-size: {body * 0.8:g}pt; }}\n")


def read_only(widget: QtWidgets.QWidget) -> None:
    """Nothing on a wall takes the focus or a click: it needs no keyboard and steals no focus."""
    for w in [widget, *widget.findChildren(QtWidgets.QWidget)]:
        w.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        w.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)


class ViewFrame(QtWidgets.QFrame):
    """One view on a wall: a title line and the view under it."""

    def __init__(self, title: str, content: QtWidgets.QWidget, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallView")
        self.title = QtWidgets.QLabel(title)
        self.title.setObjectName("wallTitle")
        self.content = content
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.title)
        box.addWidget(content, 1)


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    value: str
    state: str = ""  # "ok", "warn", "bad" or ""
    caption: str = ""


class KpiBoard(QtWidgets.QWidget):
    """Big figures in a grid, each with its title and a line under it."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kpiBoard")
        self.grid = QtWidgets.QGridLayout(self)
        self.grid.setContentsMargins(8, 8, 8, 8)
        self.grid.setSpacing(12)
        self.cells: dict[str, tuple[QtWidgets.QLabel, QtWidgets.QLabel, QtWidgets.QLabel]] = {}
        self.columns = 3

    def show_kpis(self, kpis: list[Kpi]) -> None:
        for i, k in enumerate(kpis):
            cell = self.cells.get(k.key)
            if cell is None:
                title, value, caption = QtWidgets.QLabel(), QtWidgets.QLabel(), QtWidgets.QLabel()
                value.setObjectName("wallFigure")
                caption.setObjectName("wallCaption")
                for w in (title, value, caption):
                    w.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
                caption.setWordWrap(True)
                box = QtWidgets.QVBoxLayout()
                box.setSpacing(0)
                box.addWidget(title)
                box.addWidget(value)
                box.addWidget(caption)
                box.addStretch(1)
                self.grid.addLayout(box, i // self.columns, i % self.columns)
                cell = self.cells[k.key] = (title, value, caption)
            title, value, caption = cell
            if title.text() != k.title:
                title.setText(k.title)
            if value.text() != k.value:
                value.setText(k.value)
            if caption.text() != k.caption:
                caption.setText(k.caption)
            if value.property("state") != k.state:
                value.setProperty("state", k.state)
                value.style().polish(value)

    def value(self, key: str) -> str:
        return self.cells[key][1].text()


class AlarmSummary(QtWidgets.QWidget):
    """Alarms and facilities at a glance: counts by priority, the flood, the most urgent alarms and the
    facilities in alarm. Read-only: acknowledging is the desk's."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmSummary")
        self.counts = QtWidgets.QLabel()
        self.counts.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.flood = QtWidgets.QLabel()
        self.flood.setWordWrap(True)
        self.flood.setProperty("state", "bad")
        self.table = QtWidgets.QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("P"), self.tr("Facility"), self.tr("Alarm"), self.tr("For")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self.facilities = QtWidgets.QLabel()
        self.facilities.setWordWrap(True)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.counts)
        box.addWidget(self.flood)
        box.addWidget(self.table, 1)
        box.addWidget(self.facilities)
        self._version = -1

    def refresh(self, monitor, now_ms: int) -> None:
        if monitor is None:
            self.counts.setText(self.tr("No facility sensors in this session."))
            return
        engine = monitor.engine
        shown = engine.annunciated()
        by_p = {p: sum(1 for a in shown if a.priority == p and a.active) for p in (1, 2, 3, 4)}
        unacked = sum(1 for a in shown if a.unacknowledged)
        parts = [f"<span style='color:{palette.UI['bad'] if p <= 2 and n else palette.UI['text']}'>"
                 f"<b>P{p}</b> {n}</span>" for p, n in by_p.items()]
        self.counts.setText(self.tr("Active alarms: {0} · unacknowledged {1}").format(
            " &nbsp; ".join(parts), unacked))
        if engine.flood.active:
            self.flood.setText(self.tr("ALARM FLOOD: {0} alarms in the last 10 minutes").format(
                engine.flood.count(now_ms)))
            self.flood.show()
        else:
            self.flood.hide()
        names = {f.id: f.name for f in monitor.catalog.facilities.values()}
        rows = shown[:12]
        self.table.setRowCount(len(rows))
        for r, a in enumerate(rows):
            what = labels.alarm_condition(a.condition)
            if a.sensor >= 0 and a.condition != a.kind:
                what = f"{labels.sensor_kind(a.kind)} {what}"
            values = (f"P{a.priority}", names.get(a.facility, a.facility), what,
                      labels.duration(max(0, now_ms - a.raised_ms) / 1000))
            for c, text in enumerate(values):
                item = self.table.item(r, c)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    self.table.setItem(r, c, item)
                if item.text() != text:
                    item.setText(text)
                colour = palette.UI["bad"] if a.unacknowledged else palette.UI["text"]
                item.setForeground(QtGui.QBrush(QtGui.QColor(colour)))
        in_alarm = sorted({names.get(a.facility, a.facility) for a in shown if a.active})
        self.facilities.setText(self.tr("Facilities in alarm: {0}").format(", ".join(in_alarm[:10]) + (
            " …" if len(in_alarm) > 10 else "")) if in_alarm else self.tr("No facility in alarm."))
