"""The dispatcher's part of the window: incident queue, recommendations, routes, closures and coverage.

Everything is reachable from the keyboard (KEYS below, also in Help → Keys): N takes the most urgent call
waiting, A acknowledges it and ranks the units, ↑/↓ or 1–5 choose one, D dispatches it; Escape always
brings the focus back to the map and the queue, so a letter never lands in a text field by mistake.
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.app.core.desk import DispatchDesk, DispatchError, Level, PlanRanking, Ranking
from sitroom.layers.incidents import IncidentLayer
from sitroom.services.incidents.golden import misses_target
from sitroom.services.incidents.model import Incident, LifecycleError
from sitroom.services.incidents.order import waiting_calls
from sitroom.services.refusal import Refusal
from sitroom.widgets import labels
from sitroom.widgets.call_alert import CallAlert
from sitroom.widgets.call_form import CallForm
from sitroom.widgets.coverage_panel import CoveragePanel, DistrictShare
from sitroom.widgets.disposition_dialog import DispositionDialog
from sitroom.widgets.incident_queue import IncidentQueue
from sitroom.widgets.recommend_panel import RecommendPanel, UnitOption
from sitroom.widgets.unit_board import UnitBoard

_COVERAGE_EVERY_S = 2.0
_WORK_WIDTH_M = 3000.0  # N and Z show an incident this wide at most: a street's worth, routes visible
_CLOSE_WIDTH_M = 1200.0


class DispatchController(QtCore.QObject):
    def __init__(self, window: QtWidgets.QMainWindow, desk: DispatchDesk) -> None:
        super().__init__(window)
        self.w = window
        self.desk = desk
        self.ranking: PlanRanking | None = None
        self._coverage_at = 0.0
        self._closing_area = False
        self.alert = CallAlert(self)
        self.call_form: CallForm | None = None
        desk.book.listeners.append(self._book_changed)

    def shutdown(self) -> None:
        """The window closes: stop hearing the book (the room may outlive this window)."""
        if self._book_changed in self.desk.book.listeners:
            self.desk.book.listeners.remove(self._book_changed)

    def _book_changed(self, inc: Incident, action: str, who: str, detail: str) -> None:
        """An incident finished by someone else (the CAD, another desk) says so, and leaves the selection."""
        if action not in ("closed", "cancelled") or who == self.desk.who:
            return
        text = (self.tr("{0} was closed by {1}") if action == "closed" else self.tr("{0} was cancelled by {1}")).format(
            inc.id, who) + (f" ({detail})" if detail else "")
        self.w.statusBar().showMessage(text, 8000)
        if self.current() == inc.id:
            self.select_incident(None)

    # ------------------------------------------------------------ construction (called by the window)

    # The desk's models on the map (the room owns them; these are views' handles).
    @property
    def incidents(self) -> IncidentLayer:
        return self.desk.session.layers["incidents"]  # type: ignore[return-value]

    @property
    def routes(self):
        return self.desk.route_layer

    @property
    def coverage(self):
        return self.desk.coverage_layer

    def _follow_coverage_visibility(self) -> None:
        """The panel's "Show on map" follows the layer when it is switched elsewhere (the Layers dock)."""
        layer = self.desk.coverage_layer

        def changed(what: str) -> None:
            if what == "visible":
                box = self.coverage_panel.on_map
                box.blockSignals(True)
                box.setChecked(layer.visible)
                box.blockSignals(False)

        layer.events.style.connect(changed)

    def set_kit(self, kit) -> None:
        """After the room moved to ``kit`` (the desk already followed): views of the old kit go."""
        self._follow_coverage_visibility()  # a new kit brings a new coverage layer
        self.ranking = None
        self.incidents.mark_dirty()
        self.update_coverage(force=True)

    def build_docks(self) -> None:
        area = QtCore.Qt.DockWidgetArea
        w = self.w
        self.queue = IncidentQueue(self.desk.book)
        self.recommend_panel = RecommendPanel()
        self.recommend_panel.dispatch_button.setVisible(self.actions.allowed("dispatch"))
        self.coverage_panel = CoveragePanel()
        self.unit_board = UnitBoard()
        self.queue_dock = w._dock(self.queue, self.tr("Incidents"), area.BottomDockWidgetArea)
        self.recommend_dock = w._dock(self.recommend_panel, self.tr("Recommendation"), area.RightDockWidgetArea)
        self.coverage_dock = w._dock(self.coverage_panel, self.tr("Coverage"), area.RightDockWidgetArea)
        self.units_dock = w._dock(self.unit_board, self.tr("Units"), area.RightDockWidgetArea)
        # The queue is never behind a tab: beside the feeds, not in front of them.
        w.splitDockWidget(self.queue_dock, w.feeds_dock, QtCore.Qt.Orientation.Horizontal)
        w.tabifyDockWidget(w.details_dock, self.recommend_dock)
        w.tabifyDockWidget(self.recommend_dock, self.coverage_dock)
        w.tabifyDockWidget(self.coverage_dock, self.units_dock)
        self.recommend_dock.raise_()
        self.unit_board.in_service_changed.connect(self._in_service)
        self.unit_board.unit_chosen.connect(self._unit_chosen)
        self.queue.selected.connect(self.select_incident)
        self.recommend_panel.unit_selected.connect(self.show_route)
        self.recommend_panel.dispatch_requested.connect(self.dispatch_unit)
        self.coverage_panel.limit_changed.connect(self._limit_changed)
        self.coverage_panel.show_on_map.connect(lambda on: setattr(self.desk.coverage_layer, "visible", on))
        self._follow_coverage_visibility()
        self.coverage_panel.report_requested.connect(self.time_of_day_report)
        self.coverage_panel.types_changed.connect(self._types_changed)

    def _all_keys(self) -> list[tuple[str, str, object]]:
        """(key, what it does, slot): the dispatcher's keys, as the Dispatch menu and Help → Keys list them."""
        return [
            ("N", self.tr("Next call: the most urgent waiting for acknowledgement"), self.next_incident),
            ("A", self.tr("Acknowledge, rank the units and show them with the incident"), self.acknowledge),
            ("R", self.tr("Recommend units (rank again)"), self.recommend),
            ("D", self.tr("Dispatch the chosen unit"), self.dispatch_selected),
            ("Z", self.tr("Zoom to the selected incident"), self.zoom_to_incident),
            ("V", self.tr("Video wall: the cameras that can see the selected incident"), self.cameras_for_incident),
            ("C", self.tr("Close incident…"), lambda: self.finish("closed")),
            ("X", self.tr("Cancel incident…"), lambda: self.finish("cancelled")),
            ("Ctrl+N", self.tr("New incident at the map centre…"), self.new_incident_at_centre),
            ("I", self.tr("Incident from the selected alarm: at its facility, units ranked at once"),
             lambda: self.w.facilities.incident_from_alarm()),
        ]

    KEY_ACTIONS: ClassVar[dict[str, str]] = {"A": "acknowledge", "D": "dispatch", "C": "close", "X": "cancel",
                                             "Ctrl+N": "new-incident", "I": "new-incident"}

    def key_list(self) -> list[tuple[str, str, object]]:
        """The keys the person logged in may use (Help → Keys lists these)."""
        return [k for k in self._all_keys() if self.actions.allowed(self.KEY_ACTIONS.get(k[0], "figures"))
                or k[0] not in self.KEY_ACTIONS]

    def reassign(self) -> None:
        """A supervisor (or dispatcher) hands the selected incident to another dispatcher, with a reason."""
        if (inc := self._require()) is None or not self.permitted("reassign"):
            return
        to, ok = QtWidgets.QInputDialog.getText(self.w, self.tr("Reassign incident"),
                                                self.tr("Reassign {0} to which dispatcher?").format(inc))
        if not ok or not to.strip():
            return
        reason, ok = QtWidgets.QInputDialog.getText(self.w, self.tr("Reassign incident"), self.tr("Why?"))
        if not ok:
            return
        try:
            self.actions.reassign(inc, to, reason)
        except Refusal as exc:
            self.w.statusBar().showMessage(labels.refusal(exc), 8000)
            return
        self.w.statusBar().showMessage(self.tr("{0} reassigned to {1}").format(inc, to.strip()), 6000)

    def build_actions(self, menu: QtWidgets.QMenu) -> None:
        for key, title, slot in self.key_list():
            action = menu.addAction(title, slot, QtGui.QKeySequence(key))
            # The whole window, but not while typing in a text field (Qt gives those keys to the field).
            action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        # With a ranking on screen, ↑/↓ and 1–5 choose the unit wherever the focus is (the map's arrow keys
        # pan only while there is no ranking: see MapCanvas.arrows_pan).
        for key, step in (("Up", -1), ("Down", 1)):
            self._window_key(key, lambda s=step: self.recommend_panel.move_choice(s))
        for n in range(1, 6):
            self._window_key(str(n), lambda i=n - 1: self.recommend_panel.choose(i))
        # Space checks a unit in or out of a multi-unit plan; enabled only then, so that elsewhere Space keeps
        # its other meanings (play/pause in replay).
        self._toggle_key = self._window_key("Space", self.toggle_pick)
        self._toggle_key.setEnabled(False)
        menu.addSeparator()
        if self.actions.allowed("reassign"):
            menu.addAction(self.tr("Reassign incident…"), self.reassign)
        self.close_area_action = menu.addAction(self.tr("Close roads in an area (Shift+drag)"))
        self.close_area_action.setCheckable(True)
        self.close_area_action.toggled.connect(lambda on: setattr(self, "_closing_area", on))
        reopen = menu.addAction(self.tr("Reopen all roads"), self.reopen_roads)
        self.close_area_action.setVisible(self.actions.allowed("close-road"))
        reopen.setVisible(self.actions.allowed("reopen-roads"))

    def _window_key(self, key: str, slot) -> QtGui.QShortcut:
        shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), self.w)
        shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    # ------------------------------------------------------------ per frame / per panel refresh

    def after_frame(self) -> None:
        """The desk's messages of this frame (the room's tick already took in the CAD's answers)."""
        for message in self.desk.take_messages():
            bad = message.level is Level.BAD
            self.w.statusBar().showMessage(message.text, 10_000 if bad else 6000)
            if bad:
                QtWidgets.QApplication.beep()

    def refresh(self) -> None:
        desk = self.desk
        now_ms = desk.session.clock_ms()
        desk.track_units()
        desk.describe_places()
        pending = desk.pending()
        self.queue.refresh(now_ms, pending)
        if self.units_dock.isVisible():
            self.unit_board.show_units(desk.unit_board(now_ms))
        selected = self.current()
        self.w.incident_details.show_incident(desk.book.incidents.get(selected) if selected else None,
                                              pending.get(selected or "", []))
        urgent = self.alert.update(waiting_calls(desk.book), time.monotonic())
        self.w.call_banner.show_message(self._call_banner(urgent, now_ms), "bad")
        link = desk.link
        if link is None:
            self.recommend_panel.link_label.setText(self.tr("CAD: not configured (commands cannot be sent)"))
            self.w.cad_banner.show_message("")
        else:
            state = link.state
            self.recommend_panel.link_label.setText(self.tr("CAD: {0} · {1} pending").format(
                self.tr("up") if state.up else self.tr("DOWN"), state.pending))
            self.recommend_panel.link_label.setProperty("state", "ok" if state.up else "bad")
            self.recommend_panel.link_label.style().polish(self.recommend_panel.link_label)
            self.w.cad_banner.show_message("" if state.up else self.tr(
                "CAD DOWN: dispatches are kept in the outbox ({0} waiting) and go out the moment it is back."
            ).format(state.pending), "bad")
        now = time.monotonic()
        if now - self._coverage_at >= _COVERAGE_EVERY_S:
            self._coverage_at = now
            self.update_coverage()

    @property
    def actions(self):
        return self.w.actions

    def permitted(self, action: str) -> bool:
        """Whether the person logged in may; if not, the status bar says why (and the audit log has it)."""
        try:
            self.actions.check(action)
        except Refusal as exc:
            self.w.statusBar().showMessage(labels.refusal(exc), 8000)
            return False
        return True

    def _in_service(self, unit: int, in_service: bool) -> None:
        if not self.permitted("unit-service"):
            return
        self.actions.set_in_service(unit, in_service)
        self.w.statusBar().showMessage((self.tr("Unit {0} back in service") if in_service
                                        else self.tr("Unit {0} out of service: not offered")).format(unit), 5000)
        if self.ranking is not None:
            self.recommend()
        self.update_coverage(force=True)

    def _unit_chosen(self, unit: int) -> None:
        self.w.find_vehicle(str(unit))

    def _call_banner(self, urgent: list[Incident], now_ms: int) -> str:
        waiting = waiting_calls(self.desk.book)
        if waiting and not self.queue_dock.isVisible():  # the queue is closed: every waiting call says so here
            return self.tr("{0} calls waiting for acknowledgement (the Incidents dock is closed: View → Incidents)"
                           ).format(len(waiting))
        if not urgent:
            return ""
        first = urgent[0]
        words = (self.tr("P{0} {1} waiting {2}: {3} (N to take it)") if self.actions.allowed("acknowledge")
                 else self.tr("P{0} {1} waiting {2}: {3}"))  # a role that may not take it is not told to
        text = words.format(first.priority, labels.incident_type(first.type), labels.duration(first.age_s(now_ms)),
                            first.id)
        if len(urgent) > 1:
            text += " " + self.tr("and {0} more urgent calls").format(len(urgent) - 1)
        return text

    # ------------------------------------------------------------ incidents

    def current(self) -> str | None:
        return self.incidents.selected

    def selected_position(self) -> tuple[float, float] | None:
        inc_id = self.current()
        if inc_id is None or inc_id not in self.desk.book.incidents:
            return None
        inc = self.desk.book.get(inc_id)
        return (inc.x, inc.y)

    def select_incident(self, incident_id: str | None) -> None:
        if incident_id == self.incidents.selected:
            return
        self.incidents.select(incident_id)
        self.queue.select(incident_id)
        self._set_ranking(None)
        self.routes.clear()
        inc = self.desk.book.incidents.get(incident_id) if incident_id is not None else None
        self.w.incident_details.show_incident(inc, self.desk.pending().get(incident_id or "", []))
        if inc is None:
            self.recommend_panel.clear()
            return
        self.recommend_panel.clear(self._header(inc) + "\n" + self.tr("Press R for the fastest units."))

    def _header(self, inc) -> str:
        return f"{inc.id} · P{inc.priority} · {labels.incident_type(inc.type)} · " \
               f"{labels.incident_status(inc.status)}" + (f"\n{inc.place}" if inc.place else "") \
               + (f"\n{inc.desc}" if inc.desc else "")

    def click(self, x: float, y: float) -> bool:
        if self.call_form is not None:  # taking a call: a click on the map is where the caller is
            self.call_form.set_location(x, y)
            return True
        hit = self.incidents.nearest(x, y, self.w.canvas.click_radius_m() * 1.5)
        if hit is None:
            return False
        self.select_incident(hit)
        return True

    def _require(self) -> str | None:
        inc = self.current() or self.queue.current()
        if inc is None:
            self.w.statusBar().showMessage(self.tr("Select an incident first (N: the next one)"), 4000)
        return inc

    def acknowledge(self) -> None:
        if (inc := self._require()) is None:
            return
        try:
            self.actions.acknowledge(inc)
        except Refusal as exc:
            self.w.statusBar().showMessage(labels.refusal(exc), 6000)
            return
        self.queue.refresh(self.desk.session.clock_ms(), self.desk.pending())
        self.recommend()
        self.show_ranking_on_map()

    def next_incident(self) -> None:
        nxt = self.desk.next_call(self.current())
        self.select_incident(nxt)
        if nxt is not None:
            self.zoom_to_incident(_WORK_WIDTH_M)

    def zoom_to_incident(self, width_m: float = _CLOSE_WIDTH_M) -> None:
        """Centre the selected incident, zoomed in to ``width_m`` across unless the view is closer already."""
        if (inc_id := self._require()) is None:
            return
        inc = self.desk.book.get(inc_id)
        x0, _y0, x1, _y1 = self.w.canvas.view_rect()
        self.w.canvas.center_on(inc.x, inc.y, width_m=min(x1 - x0, width_m))

    def cameras_for_incident(self) -> None:
        """V: fill the video wall with the cameras that can see the selected incident (app/cameras_ui.py)."""
        if (inc := self._require()) is not None:
            self.w.cameras.show_incident(inc)

    def show_ranking_on_map(self) -> None:
        """The incident and its ranked units in view (what A shows): the route of the chosen one is drawn."""
        plan = self.ranking
        if plan is None:
            return
        inc = self.desk.book.get(plan.incident)
        v = self.desk.session.vehicles
        shown = plan.picks or plan.options[:3]
        rows = [int(plan.ranking_of(o.unit).rows[o.row]) for o in shown]
        xs = np.array([inc.x, *v.x[rows]])
        ys = np.array([inc.y, *v.y[rows]])
        ok = np.isfinite(xs) & np.isfinite(ys)
        xs, ys = xs[ok], ys[ok]
        span = max(float(np.ptp(xs)), float(np.ptp(ys)) * 1.6, 800.0) * 1.25  # the window is wider than tall
        self.w.canvas.center_on(float(xs.min() + xs.max()) / 2, float(ys.min() + ys.max()) / 2, width_m=span)

    def finish(self, status: str) -> None:
        if (inc := self._require()) is None:
            return
        book = self.desk.book
        try:
            self.actions.check("close" if status == "closed" else "cancel")
            book.check_transition(inc, status)  # a second C says why at once, before asking for a disposition
        except Refusal as exc:
            self.w.statusBar().showMessage(labels.refusal(exc), 6000)
            return
        dialog = DispositionDialog(inc, book.get(inc).type, status == "closed", self.w)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        try:
            self.actions.finish(inc, status, dialog.value())
        except Refusal as exc:
            self.w.statusBar().showMessage(labels.refusal(exc), 6000)
            return
        self.select_incident(None)  # the finished incident leaves the selection (and the open list)
        self.queue.refresh(self.desk.session.clock_ms(), self.desk.pending())

    def new_incident_at_centre(self) -> None:
        """Ctrl+N: take a call. Its place comes from the form's search or a click on the map."""
        self.take_call()

    def new_incident(self, x: float, y: float) -> None:
        """The map's context menu: take a call here."""
        self.take_call((x, y))

    def take_call(self, at: tuple[float, float] | None = None) -> CallForm | None:
        if not self.permitted("new-incident"):
            return None
        if self.call_form is not None:
            self.call_form.raise_()
            self.call_form.activateWindow()
        else:
            gz = self.desk.gazetteer
            form = CallForm(gz.search, gz.where, self.w)
            form.location_changed.connect(self._call_location)
            form.finished.connect(lambda result, f=form: self._call_taken(f, result))
            self.call_form = form
            form.show()
            form.find.setFocus()
        if at is not None:
            self.call_form.set_location(*at)
        return self.call_form

    def _call_location(self, x: float, y: float, place: str) -> None:
        self.desk.pins.put("call", x, y, place)
        x0, y0, x1, y1 = self.w.canvas.view_rect()
        if not (min(x0, x1) <= x <= max(x0, x1) and min(y0, y1) <= y <= max(y0, y1)) or abs(x1 - x0) > 8000:
            self.w.canvas.center_on(x, y, width_m=min(abs(x1 - x0), _WORK_WIDTH_M))

    def _call_taken(self, form: CallForm, result: int) -> None:
        self.call_form = None
        self.desk.pins.remove("call")
        form.deleteLater()
        if result != QtWidgets.QDialog.DialogCode.Accepted:
            self.w.back_to_map()
            return
        v = form.values()
        lon, lat = self.desk.session.projector.inverse(v["x"], v["y"])
        inc = self.actions.new_incident(v["type"], v["priority"], float(lon), float(lat), v["x"], v["y"], v["desc"],
                                        place=v["place"], caller_number=v["caller_number"],
                                    caller_name=v["caller_name"], notes=v["notes"])
        self.queue.refresh(self.desk.session.clock_ms(), self.desk.pending())
        self.select_incident(inc.id)
        self.recommend()
        self.show_ranking_on_map()
        self.w.back_to_map()

    # ------------------------------------------------------------ recommendation, routes, dispatch

    def recommend(self) -> None:
        """Rank the incident's response plan: per unit type the fastest by road, the plan's picks marked."""
        if (inc_id := self._require()) is None:
            return
        self.select_incident(inc_id)
        inc = self.desk.book.get(inc_id)
        try:
            plan = self.desk.plan(inc_id)
        except DispatchError as exc:
            self.recommend_panel.clear(self._header(inc) + "\n" + labels.refusal(exc))
            return
        self._set_ranking(plan)
        picked = {o.unit for o in plan.picks}
        multi = plan.plan.size > 1
        options = [UnitOption(o.unit, o.type, o.eta_s, o.metres, o.station, o.last_known, multi and o.unit in picked)
                   for o in plan.options]
        wanted = " + ".join(f"{labels.vehicle_type(int(t))}" + (f" ×{n}" if n > 1 else "") for t, n in plan.plan.units)
        if not options:
            header = self.tr("No available {0} can reach it.").format(wanted)
        elif multi:
            header = self.tr("Response plan: {0}. D sends the checked units (✓); Space adds or removes one.").format(
                wanted)
        else:
            header = self.tr("Fastest available {0} by road:").format(wanted)
        short = [f"{labels.vehicle_type(int(t))} {len(plan.rankings[int(t)].options)}/{n}"
                 for t, n in plan.plan.units if len(plan.rankings[int(t)].options) < n]
        note = self._note(plan.lead)
        if short:
            note = self.tr("Not enough available units for the plan: {0}.").format(", ".join(short)) + \
                ("\n" + note if note else "")
        now_ms = self.desk.session.clock_ms()
        first = plan.lead.options[0] if plan.lead.options else None
        late = first is not None and misses_target(inc, now_ms, first.eta_s)
        if late:
            warning = self.tr("Even the fastest unit arrives after the 5-minute mark ({0} from the call).").format(
                labels.duration(inc.age_s(now_ms) + first.eta_s))
            note = warning + ("\n" + note if note else "")
        self.recommend_panel.show_options(self._header(inc) + "\n" + header, options, note, warn=late or bool(short))
        self.recommend_dock.raise_()

    def _set_ranking(self, ranking: PlanRanking | None) -> None:
        """A ranking on screen gives the arrow keys to the unit list; without one they pan the map."""
        self.ranking = ranking
        self.w.canvas.arrows_pan = ranking is None
        if hasattr(self, "_toggle_key"):
            self._toggle_key.setEnabled(ranking is not None and ranking.plan.size > 1)

    def _note(self, r: Ranking) -> str:
        rec = r.recommendation
        near, best = rec.straight_line_nearest, rec.best
        if near < 0 or best < 0 or near == best:
            return ""
        unit = int(r.units[near])
        if np.isfinite(rec.slower_by_s):
            return self.tr("The nearest unit in a straight line, {0}, would arrive {1} later.").format(
                unit, labels.duration(rec.slower_by_s))
        return self.tr("The nearest unit in a straight line, {0}, cannot reach it by road.").format(unit)

    def show_route(self, unit: int | None) -> None:
        plan = self.ranking
        ranking = plan.ranking_of(unit) if plan is not None and unit is not None else None
        option = next((o for o in ranking.options if o.unit == unit), None) if ranking is not None else None
        if option is None:
            self.routes.clear()
            self.recommend_panel.route_info.clear()
            return
        try:
            route, alt = self.desk.routes(ranking, option)
        except Exception as exc:  # a route that vanished under new closures: say so, keep the ranking
            self.recommend_panel.route_info.setText(str(exc))
            self.routes.clear()
            return
        label = f"{option.unit} · {labels.duration(route.seconds)}"
        self.routes.set_route(route.xy, alt.xy if alt is not None else None, label)
        text = self.tr("Route: {0} km, ETA {1}.").format(f"{route.metres / 1000:.1f}", labels.duration(route.seconds))
        if alt is not None:
            text += " " + self.tr("Alternative (dashed): {0} km, {1}.").format(
                f"{alt.metres / 1000:.1f}", labels.duration(alt.seconds))
        self.recommend_panel.route_info.setText(text)

    def toggle_pick(self) -> None:
        """Space: the chosen unit in or out of a multi-unit plan's dispatch."""
        if self.ranking is not None and self.ranking.plan.size > 1:
            self.recommend_panel.toggle_current()

    def dispatch_selected(self) -> None:
        """D: the plan's checked units in one action, or the chosen unit when the plan is one unit."""
        if self.ranking is not None and self.ranking.plan.size > 1:
            units = self.recommend_panel.picked()
            if not units:
                self.w.statusBar().showMessage(self.tr("No unit is checked: Space checks the chosen one"), 4000)
                return
            self.dispatch_units(units)
            return
        unit = self.recommend_panel.current()
        if unit is None:
            self.w.statusBar().showMessage(self.tr("No unit selected: press R for recommendations"), 4000)
            return
        self.dispatch_unit(unit)

    def dispatch_unit(self, unit: int) -> None:
        self.dispatch_units([unit])

    def dispatch_units(self, units: list[int]) -> None:
        if (inc := self._require()) is None:
            return
        try:
            self.desk.book.get(inc)
        except LifecycleError as exc:
            self.w.statusBar().showMessage(labels.refusal(exc), 8000)
            return
        if not self.permitted("dispatch"):
            return
        result = self.actions.dispatch(inc, units)
        if result.refused:
            first = next(iter(result.refused.values()))
            self.w.statusBar().showMessage(labels.refusal(first), 8000)
            QtWidgets.QApplication.beep()
        if result.sent:
            sent = ", ".join(map(str, result.sent))
            self.w.statusBar().showMessage(self.tr("Dispatch of {0} to {1} sent; waiting for the CAD").format(
                sent, inc), 6000)
            self.queue.refresh(self.desk.session.clock_ms(), self.desk.pending())

    # ------------------------------------------------------------ closures

    def band(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """A Shift+drag: closes an area when that mode is on (then True), else it selects vehicles."""
        if not self._closing_area:
            return False
        self.close_area_action.setChecked(False)
        if not self.permitted("close-road"):
            return True
        closed = self.actions.close_area(x0, y0, x1, y1)
        self.close_area_action.setChecked(False)
        self._closures_changed(self.tr("{0} road edges closed").format(len(closed)))
        return True

    def close_road_at(self, x: float, y: float) -> None:
        try:
            self.actions.close_road_near(x, y)
        except Refusal as exc:
            self.w.statusBar().showMessage(labels.refusal(exc), 4000)
            return
        self._closures_changed(self.tr("Road closed"))

    def reopen_roads(self) -> None:
        if not self.permitted("reopen-roads"):
            return
        self.actions.reopen_roads()
        self._closures_changed(self.tr("All roads reopened"))

    def _closures_changed(self, message: str) -> None:
        self.w.statusBar().showMessage(message, 5000)
        if self.ranking is not None:
            self.recommend()  # every later route respects the closures
        self.update_coverage(force=True)

    # ------------------------------------------------------------ coverage

    def _limit_changed(self, minutes: float) -> None:
        self.desk.coverage_limit_s = minutes * 60.0
        self.update_coverage(force=True)

    def _types_changed(self, types: tuple) -> None:
        self.desk.coverage_types = types
        self.update_coverage(force=True)

    def update_coverage(self, force: bool = False) -> None:
        cov = self.desk.update_coverage(force)
        if cov is None:
            return
        english = getattr(self.w, "language", "ko") == "en"
        shares = [DistrictShare(d.name_en if english and d.name_en else d.name, d.level, d.share, d.uncovered_km)
                  for d in cov.districts if np.isfinite(d.share)]
        self.coverage_panel.show_coverage(cov.share, cov.sources, cov.limit_s / 60.0, shares)

    def time_of_day_report(self) -> None:
        history = self.desk.session.speed_history
        hours = history.hours()
        if not hours:
            self.coverage_panel.detail.setText(self.tr("No link-speed history yet: the report needs the "
                                                       "link-speed feed to have run."))
            return
        QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            report = self.desk.time_of_day({h: history.kmh(h) for h in hours})
        finally:
            QtWidgets.QApplication.restoreOverrideCursor()
        self.coverage_panel.show_report(report, observed=len(hours))
