"""The facilities' part of the operator's window: the alarm list, a panel per facility, the flood and escalation
banner and sound, and the keys: L takes the most urgent alarm waiting, K acknowledges it (with a note), I makes
an incident of it at its facility and ranks the units at once (the dispatcher's console takes it from there).

Reading → alarm on screen is kept short: the list is refreshed on the frame the engine changes, not on the next
panel tick, and the time it first shows is recorded on the alarm (with those of its acknowledgement and its
incident's first dispatch).
"""

from __future__ import annotations

import time

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.app.capabilities.facilities import monitor_of
from sitroom.app.core.room import Room
from sitroom.services.alarms.model import Alarm
from sitroom.services.facilities.monitor import FacilityMonitor
from sitroom.services.refusal import Refusal
from sitroom.services.vocabulary import ALARM_INCIDENT_TYPE
from sitroom.widgets import labels
from sitroom.widgets.alarm_dialogs import AlarmDialog
from sitroom.widgets.alarm_dock import AlarmDock
from sitroom.widgets.alarm_sound import AlarmSound
from sitroom.widgets.facility_panel import FacilityPanel

MAX_SIDE_BY_SIDE = 3  # facility panels split beside each other; more are tabbed with the last


class FacilitiesController(QtCore.QObject):
    def __init__(self, window: QtWidgets.QMainWindow, room: Room) -> None:
        super().__init__(window)
        self.w = window
        self.room = room
        self.sound = AlarmSound(self)
        self.panels: dict[str, QtWidgets.QDockWidget] = {}
        self._version = -1

    @property
    def monitor(self) -> FacilityMonitor | None:
        return monitor_of(self.room.session)

    # ------------------------------------------------------------ construction (called by the window)

    def build_docks(self) -> None:
        w = self.w
        self.alarms = AlarmDock()
        self.alarm_dock = w._dock(self.alarms, self.tr("Alarms"), QtCore.Qt.DockWidgetArea.BottomDockWidgetArea)
        # In front of the feeds, whose health the status bar sums up: the calls beside keep the width they need.
        w.tabifyDockWidget(w.feeds_dock, self.alarm_dock)
        self.alarm_dock.raise_()
        self.banner = w.banners.row("alarms")
        self.alarms.acknowledge.connect(self.acknowledge)
        self.alarms.shelve.connect(self.shelve)
        self.alarms.out_of_service.connect(self.out_of_service)
        self.alarms.back.connect(self.back)
        self.alarms.incident.connect(self.incident_from_alarm)
        self.alarms.facility.connect(self.open_facility)
        self.alarms.selected.connect(self._alarm_selected)

    def key_list(self) -> list[tuple[str, str, object]]:
        """(key, what it does, slot): the alarm keys, as the Alarms menu and Help → Keys list them. I (an
        incident from the alarm) is the dispatcher's, in the Dispatch menu."""
        return [("L", self.tr("Next alarm: the most urgent waiting for acknowledgement"), self.next_alarm),
                ("K", self.tr("Acknowledge the selected alarm, with a note"), lambda: self.acknowledge(None))]

    def build_actions(self, menu: QtWidgets.QMenu) -> None:
        allowed = self.w.actions.allowed
        self.alarms.offer(allowed)
        for key, title, slot in self.key_list():
            action = menu.addAction(title, slot, QtGui.QKeySequence(key))
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            action.setVisible(key != "K" or allowed("alarm-acknowledge"))
        menu.addSeparator()
        menu.addAction(self.tr("Shelve the selected alarm…"), lambda: self.shelve(None)).setVisible(
            allowed("alarm-shelve"))
        menu.addAction(self.tr("Take the selected alarm out of service…"), lambda: self.out_of_service(None)
                       ).setVisible(allowed("alarm-out-of-service"))
        menu.addSeparator()
        menu.addAction(self.alarm_dock.toggleViewAction())

    def shutdown(self) -> None:
        for dock in list(self.panels.values()):
            dock.close()

    # ------------------------------------------------------------ per frame / per panel refresh

    def after_frame(self) -> None:
        """On the frame the alarms change: the list at once (reading → alarm on screen)."""
        monitor = self.monitor
        if monitor is not None and monitor.engine.version != self._version:
            self._refresh_alarms(monitor)

    def refresh(self) -> None:
        monitor = self.monitor
        if monitor is None:
            return
        self._refresh_alarms(monitor)
        now_ms = self.room.session.clock_ms()
        for dock in self.panels.values():
            if dock.isVisible():
                dock.widget().refresh(now_ms)
        escalated = monitor.engine.escalated()
        self.sound.update(escalated, time.monotonic())
        self.banner.show_message(*self._banner(monitor, escalated, now_ms))

    def _refresh_alarms(self, monitor: FacilityMonitor) -> None:
        engine = monitor.engine
        now_ms = self.room.session.clock_ms()
        names = {f.id: f.name for f in monitor.catalog.facilities.values()}
        self.alarms.refresh(engine.annunciated(), engine.suppressed(), names, engine.version, engine.flood.active,
                            now_ms)
        if self.alarm_dock.isVisible() and not self.alarms.suppressed_view():
            engine.shown(self.alarms.shown_keys, now_ms)  # on screen: the first time counts
        self._version = engine.version

    def _banner(self, monitor: FacilityMonitor, escalated: list[Alarm], now_ms: int) -> tuple[str, str]:
        engine = monitor.engine
        if engine.flood.active:
            n = engine.flood.count(now_ms)
            return self.tr("ALARM FLOOD: {0} alarms in the last 10 minutes. The alarm list is grouped by facility, "
                           "most urgent first.").format(n), "bad"
        if escalated:
            a = escalated[0]
            name = self._facility_name(monitor, a.facility)
            text = self.tr("P{0} alarm unacknowledged for {1}: {2}, {3} (L, then K)").format(
                a.priority, labels.duration((now_ms - a.raised_ms) / 1000), name, labels.alarm_condition(a.condition))
            if len(escalated) > 1:
                text += " " + self.tr("and {0} more").format(len(escalated) - 1)
            return text, "bad"
        return "", "ok"

    @staticmethod
    def _facility_name(monitor: FacilityMonitor, facility: str) -> str:
        fac = monitor.catalog.facilities.get(facility)
        return fac.name if fac is not None else facility

    # ------------------------------------------------------------ facilities

    def click(self, x: float, y: float) -> bool:
        """A click on the map: a facility's building or symbol opens its panel."""
        layer = self.room.session.layers.get("facilities")
        if layer is None or not layer.visible:
            return False
        hit = layer.nearest(x, y, self.w.canvas.click_radius_m() * 1.5)
        if hit is None:
            return False
        self.open_facility(hit)
        return True

    def open_facility(self, facility: str) -> FacilityPanel:
        layer = self.room.session.layers.get("facilities")
        if layer is not None:
            layer.select(facility)
        dock = self.panels.get(facility)
        if dock is None:
            panel = FacilityPanel(lambda: self.monitor, facility)
            monitor = self.monitor
            title = self._facility_name(monitor, facility) if monitor is not None else facility
            dock = QtWidgets.QDockWidget(title, self.w)
            dock.setObjectName(f"dock-facility-{facility}")
            dock.setWidget(panel)
            dock.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
            others = list(self.panels.values())
            self.w.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
            if others and len(others) < MAX_SIDE_BY_SIDE:
                self.w.splitDockWidget(others[-1], dock, QtCore.Qt.Orientation.Vertical)
            elif others:
                self.w.tabifyDockWidget(others[-1], dock)
            dock.destroyed.connect(lambda _obj=None, f=facility: self.panels.pop(f, None))
            self.panels[facility] = dock
        dock.show()
        dock.raise_()
        dock.widget().refresh(self.room.session.clock_ms())
        return dock.widget()

    def _alarm_selected(self, key: str) -> None:
        monitor = self.monitor
        alarm = monitor.engine.alarms.get(key) if monitor is not None else None
        layer = self.room.session.layers.get("facilities")
        if alarm is not None and layer is not None:
            layer.select(alarm.facility)

    # ------------------------------------------------------------ alarms

    def _alarm(self, key: str | None) -> Alarm | None:
        monitor = self.monitor
        if monitor is None:
            return None
        key = key or self.alarms.current()
        if key is None:
            self.w.statusBar().showMessage(self.tr("Select an alarm first (L: the next one)"), 4000)
            return None
        return monitor.engine.alarms.get(key)

    def _describe(self, a: Alarm) -> str:
        monitor = self.monitor
        name = self._facility_name(monitor, a.facility) if monitor is not None else a.facility
        what = labels.alarm_condition(a.condition)
        if a.sensor >= 0 and a.condition != a.kind:
            what = f"{labels.sensor_kind(a.kind)} {what}"
        return f"P{a.priority} · {name} · {what}" + (f" · {a.label}" if a.label else "")

    def next_alarm(self) -> None:
        """L: the most urgent alarm waiting for acknowledgement (the next one after the selected), its facility
        opened."""
        monitor = self.monitor
        if monitor is None:
            return
        waiting = [a for a in monitor.engine.annunciated() if a.unacknowledged]
        if not waiting:
            self.w.statusBar().showMessage(self.tr("No alarm waits for acknowledgement"), 4000)
            return
        keys = [a.key for a in waiting]
        current = self.alarms.current()
        key = keys[(keys.index(current) + 1) % len(keys)] if current in keys else keys[0]
        self.alarms.select(key)
        self.alarm_dock.show()
        self.alarm_dock.raise_()
        alarm = monitor.engine.alarms[key]
        self.open_facility(alarm.facility)
        x, y = monitor.facility_xy(alarm.facility)
        self.w.canvas.center_on(x, y, width_m=2000.0)

    def _act(self, fn, *args) -> None:
        try:
            fn(*args)
        except Refusal as exc:
            text = labels.refusal(exc) if exc.code == "not-permitted" else labels.alarm_refusal(exc)
            self.w.statusBar().showMessage(text, 6000)
        self.after_frame()

    def acknowledge(self, key: str | None = None) -> None:
        a = self._alarm(key)
        if a is None:
            return
        if not self.w.dispatch.permitted("alarm-acknowledge"):
            return
        dialog = AlarmDialog(self.tr("Acknowledge alarm"), self._describe(a), self.tr("Note (optional)"), parent=self.w)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self._act(self.w.actions.alarm_acknowledge, a.key, dialog.value())
        self.w.back_to_map()

    def shelve(self, key: str | None = None) -> None:
        a = self._alarm(key)
        if a is None:
            return
        if not self.w.dispatch.permitted("alarm-shelve"):
            return
        dialog = AlarmDialog(self.tr("Shelve alarm"), self._describe(a), self.tr("Why"), needs_note=True,
                             shelve=True, parent=self.w)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self._act(self.w.actions.alarm_shelve, a.key, dialog.shelve_minutes(), dialog.value())
        self.w.back_to_map()

    def out_of_service(self, key: str | None = None) -> None:
        a = self._alarm(key)
        if a is None:
            return
        if not self.w.dispatch.permitted("alarm-out-of-service"):
            return
        dialog = AlarmDialog(self.tr("Take alarm out of service"), self._describe(a), self.tr("Why"),
                             needs_note=True, parent=self.w)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self._act(self.w.actions.alarm_out_of_service, a.key, dialog.value())
        self.w.back_to_map()

    def back(self, key: str) -> None:
        a = self._alarm(key)
        if a is None:
            return
        actions = self.w.actions
        self._act(actions.alarm_unshelve if a.state == "shelved" else actions.alarm_in_service, a.key)

    def incident_from_alarm(self, key: str | None = None) -> str | None:
        """I: an incident at the alarm's facility, of the type the alarm calls for (a fire for smoke), ranked at
        once; the alarm keeps the incident's id, and its first dispatch's time."""
        monitor = self.monitor
        if monitor is None:
            return None
        key = key or self.alarms.current()
        a = monitor.engine.alarms.get(key) if key else None
        if a is None:  # none selected: the most urgent active one
            active = [x for x in monitor.engine.annunciated() if x.active]
            if not active:
                self.w.statusBar().showMessage(self.tr("No active alarm to make an incident of"), 4000)
                return None
            a = active[0]
        desk, session = self.room.desk, self.room.session
        if a.incident and a.incident in desk.book.incidents and desk.book.get(a.incident).open:
            self.w.dispatch.select_incident(a.incident)
            self.w.dispatch.recommend()
            return a.incident
        x, y = monitor.facility_xy(a.facility)
        lon, lat = session.projector.inverse(x, y)
        kind = ALARM_INCIDENT_TYPE.get(a.kind, "disaster")
        name = self._facility_name(monitor, a.facility)
        try:
            inc = self.w.actions.new_incident(kind, min(a.priority, 5), float(lon), float(lat), float(x), float(y),
                                              self._describe(a), place=name,
                                              notes=self.tr("From alarm {0}").format(a.key))
        except Refusal as exc:
            self.w.statusBar().showMessage(labels.refusal(exc), 6000)
            return None
        self.w.actions.link_alarm(a.key, inc.id)
        dispatch = self.w.dispatch
        dispatch.queue.refresh(session.clock_ms(), desk.pending())
        dispatch.select_incident(inc.id)
        dispatch.recommend()
        dispatch.show_ranking_on_map()
        self.w.back_to_map()
        return inc.id
