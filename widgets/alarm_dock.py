"""The alarm list: every alarm that needs or had attention, most urgent first (priority, then the oldest), with
its facility, what crossed what, the value, how long ago and what was said about it. Unacknowledged alarms are
bold; those left past their priority's time flash. In a flood the list groups alarms by facility, so a room
with one fire among dozens of dust warnings still sees one building burning.

Shelved and out-of-service alarms have their own view. The dock only shows; the controller acts (keys and
buttons emit the alarm's key).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.services.alarms.model import UNACK, Alarm
from sitroom.widgets import labels

_KEY = QtCore.Qt.ItemDataRole.UserRole


class AlarmDock(QtWidgets.QWidget):
    selected = QtCore.Signal(str)  # an alarm's key
    acknowledge = QtCore.Signal(str)
    shelve = QtCore.Signal(str)
    out_of_service = QtCore.Signal(str)
    back = QtCore.Signal(str)  # unshelve, or return to service
    incident = QtCore.Signal(str)
    facility = QtCore.Signal(str)  # open the facility's panel

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarms")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QtWidgets.QHBoxLayout()
        self.summary = QtWidgets.QLabel()
        self.summary.setObjectName("alarmSummary")
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.view_combo = QtWidgets.QComboBox()
        self.view_combo.addItem(self.tr("Alarms"), "annunciated")
        self.view_combo.addItem(self.tr("Shelved and out of service"), "suppressed")
        self.view_combo.currentIndexChanged.connect(lambda _i: self._force())
        top.addWidget(self.view_combo)
        layout.addLayout(top)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setColumnCount(7)
        self.tree.setHeaderLabels([self.tr("P"), self.tr("State"), self.tr("Facility"), self.tr("Alarm"),
                                   self.tr("Value"), self.tr("Age"), self.tr("Note")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemSelectionChanged.connect(self._selection)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._emit(self.facility, facility=True))
        self.tree.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        header = self.tree.header()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.tree, 1)
        buttons = QtWidgets.QGridLayout()  # three a row: the dock shares the bottom with the calls and the feeds
        actions = ((self.tr("Acknowledge (K)"), self.acknowledge), (self.tr("Incident (I)"), self.incident),
                   (self.tr("Shelve…"), self.shelve), (self.tr("Out of service…"), self.out_of_service),
                   (self.tr("Facility"), self.facility))
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        names = ("acknowledge", "incident", "shelve", "out_of_service", "facility")
        for i, ((text, signal), name) in enumerate(zip(actions, names, strict=True)):
            b = QtWidgets.QPushButton(text)
            self.buttons[name] = b
            b.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _c=False, s=signal: self._emit(s, facility=s is self.facility))
            buttons.addWidget(b, i // 3, i % 3)
        self.button_grid = buttons
        layout.addLayout(buttons)
        self.grouped = False
        self.shown_keys: list[str] = []  # the alarms listed after the last refresh
        self._key: tuple = ()
        self._items: dict[str, QtWidgets.QTreeWidgetItem] = {}
        self._ages: dict[str, str] = {}
        self._alarms: dict[str, Alarm] = {}
        self._bold = QtGui.QFont()
        self._bold.setBold(True)

    # ------------------------------------------------------------ what is shown


    def offer(self, allowed: Callable[[str], bool]) -> None:
        """Only the buttons the person's role may use (``allowed``: an action name of services/access.py)."""
        needs = {"acknowledge": "alarm-acknowledge", "incident": "new-incident", "shelve": "alarm-shelve",
                 "out_of_service": "alarm-out-of-service"}
        shown = [n for n in self.buttons if n not in needs or allowed(needs[n])]
        for name, b in self.buttons.items():
            self.button_grid.removeWidget(b)
            b.setVisible(name in shown)
        for i, name in enumerate(shown):
            self.button_grid.addWidget(self.buttons[name], i // 3, i % 3)
    def suppressed_view(self) -> bool:
        return self.view_combo.currentData() == "suppressed"

    def _force(self) -> None:
        self._key = ()

    def refresh(self, annunciated: list[Alarm], suppressed: list[Alarm], names: dict[str, str], version: int,
                flood: bool, now_ms: int) -> None:
        alarms = suppressed if self.suppressed_view() else annunciated
        key = (version, flood, self.suppressed_view(), len(alarms))
        if key != self._key:
            self._key = key
            self._rebuild(alarms, names, flood)
        flash = int(time.monotonic() * 4) % 2 == 0
        for a in alarms:
            item = self._items.get(a.key)
            if item is not None:
                age = labels.duration(max(0.0, (now_ms - a.raised_ms) / 1000)) if a.raised_ms else ""
                if self._ages.get(a.key) != age:
                    self._ages[a.key] = age
                    item.setText(5, age)
                if a.escalated_ms and a.state == UNACK:
                    item.setBackground(1, QtGui.QColor(palette.ALARM_PRIORITY[a.priority] if flash else "#00000000"))
        unack = sum(a.unacknowledged for a in annunciated)
        active = sum(a.active for a in annunciated)
        text = self.tr("{0} unacknowledged · {1} active · {2} shelved or out of service").format(
            unack, active, len(suppressed))
        if flood:
            text = self.tr("FLOOD · grouped by facility · ") + text
        self.summary.setText(text)
        self.summary.setProperty("state", "bad" if flood or unack else "ok")
        self.summary.style().polish(self.summary)

    def _rebuild(self, alarms: list[Alarm], names: dict[str, str], flood: bool) -> None:
        current = self.current()
        self.tree.blockSignals(True)
        self.tree.clear()
        self._items.clear()
        self._ages.clear()
        self._alarms = {a.key: a for a in alarms}
        self.grouped = flood
        self.tree.setRootIsDecorated(flood)
        groups: dict[str, QtWidgets.QTreeWidgetItem] = {}
        for a in alarms:
            item = self._item(a, names)
            if flood:
                parent = groups.get(a.facility)
                if parent is None:
                    parent = groups[a.facility] = QtWidgets.QTreeWidgetItem(
                        ["", "", names.get(a.facility, a.facility), "", "", "", ""])
                    parent.setData(0, _KEY, "")
                    parent.setFont(2, self._bold)
                    self.tree.addTopLevelItem(parent)
                    parent.setExpanded(True)
                parent.addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            self._items[a.key] = item
        for facility, parent in groups.items():
            members = [a for a in alarms if a.facility == facility]
            worst = min(a.priority for a in members)
            parent.setText(0, f"P{worst}")
            parent.setText(3, self.tr("{0} alarms").format(len(members)))
            parent.setForeground(0, QtGui.QColor(palette.ALARM_PRIORITY[worst]))
        self.shown_keys = [a.key for a in alarms]
        if current in self._items:
            self._items[current].setSelected(True)
        self.tree.blockSignals(False)

    def _item(self, a: Alarm, names: dict[str, str]) -> QtWidgets.QTreeWidgetItem:
        what = labels.alarm_condition(a.condition)
        if a.sensor >= 0 and a.condition != a.kind:
            what = f"{labels.sensor_kind(a.kind)} {what}"
        if a.label:
            what += f" · {a.label}"
        value = "" if a.value is None or not math.isfinite(a.value) else f"{a.value:.3g}"
        if a.limit is not None and math.isfinite(a.limit):
            value += f" / {a.limit:.3g}"
        note = a.ack_note or a.shelve_note or a.oos_note
        if a.incident:
            note = f"→ {a.incident}" + (f" · {note}" if note else "")
        item = QtWidgets.QTreeWidgetItem([f"P{a.priority}", labels.alarm_state(a.state),
                                          names.get(a.facility, a.facility), what, value, "", note])
        item.setData(0, _KEY, a.key)
        colour = QtGui.QColor(palette.ALARM_PRIORITY.get(a.priority, palette.UI["text"]))
        item.setForeground(0, colour)
        if a.unacknowledged:
            for c in range(7):
                item.setFont(c, self._bold)
        if not a.active:
            item.setForeground(3, QtGui.QColor(palette.UI["muted"]))
        lat = a.latencies()
        parts = [f"{name} {ms / 1000:.1f} s" for name, ms in (
            (self.tr("on screen"), lat["on_screen"]), (self.tr("acknowledged"), lat["acknowledged"]),
            (self.tr("first dispatch"), lat["dispatched"])) if ms is not None]
        tip = a.key + ("\n" + self.tr("From the reading: ") + ", ".join(parts) if parts else "")
        if a.acked_by:
            tip += "\n" + self.tr("Acknowledged by {0}").format(a.acked_by)
        item.setToolTip(3, tip)
        return item

    # ------------------------------------------------------------ selection and actions

    def current(self) -> str | None:
        items = self.tree.selectedItems()
        key = items[0].data(0, _KEY) if items else None
        return key or None

    def current_alarm(self) -> Alarm | None:
        key = self.current()
        return self._alarms.get(key) if key else None

    def select(self, key: str | None) -> None:
        self.tree.clearSelection()
        item = self._items.get(key or "")
        if item is not None:
            item.setSelected(True)
            self.tree.scrollToItem(item)

    def _selection(self) -> None:
        key = self.current()
        if key:
            self.selected.emit(key)

    def _emit(self, signal: QtCore.SignalInstance, *, facility: bool = False) -> None:
        items = self.tree.selectedItems()
        if not items:
            return
        key = items[0].data(0, _KEY)
        if facility:
            alarm = self._alarms.get(key)
            name = alarm.facility if alarm is not None else None
            if name is None and items[0].childCount():
                child = self._alarms.get(items[0].child(0).data(0, _KEY))
                name = child.facility if child is not None else None
            if name:
                signal.emit(name)
        elif key:
            signal.emit(key)

    def _menu(self, pos: QtCore.QPoint) -> None:
        alarm = self.current_alarm()
        if alarm is None:
            return
        menu = QtWidgets.QMenu(self)
        actions = [(self.tr("Acknowledge…"), self.acknowledge), (self.tr("Make an incident and rank units"),
                                                                  self.incident)]
        if self.suppressed_view():
            actions = [(self.tr("Unshelve / return to service"), self.back)]
        else:
            actions += [(self.tr("Shelve…"), self.shelve), (self.tr("Take out of service…"), self.out_of_service)]
        actions.append((self.tr("Open the facility"), self.facility))
        chosen = {menu.addAction(text): signal for text, signal in actions}
        picked = menu.exec(self.tree.viewport().mapToGlobal(pos))
        if picked is not None:
            signal = chosen[picked]
            if signal is self.facility:
                signal.emit(alarm.facility)
            else:
                signal.emit(alarm.key)
