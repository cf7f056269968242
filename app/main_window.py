"""The control room's main window: the map with its Layers, Feeds and Details docks, toolbar and status bar.

The window composes a :class:`~app.core.room.Room` (the session and its dispatch desk) and a
:class:`~app.frame_loop.FrameLoop`; it holds no state of the room's own, only views of it.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.app.cameras_ui import CamerasController
from sitroom.app.core.actions import Actions
from sitroom.app.core.find import Found, find
from sitroom.app.core.room import Room
from sitroom.app.dispatch_ui import DispatchController
from sitroom.app.facilities_ui import FacilitiesController
from sitroom.app.frame_loop import FrameLoop
from sitroom.app.kits import KitLoader, forget_kit, recent_kits, remember_kit
from sitroom.app.settings import settings
from sitroom.layers.base import Layer, Moment
from sitroom.layers.basemap import MAP_STYLES, BasemapLayer
from sitroom.resources import palette
from sitroom.services.feeds.health import FeedState
from sitroom.services.journal.writer import write_meta
from sitroom.services.store.kit import Kit
from sitroom.widgets import labels
from sitroom.widgets.details_dock import DetailsWidget
from sitroom.widgets.feeds_dock import FeedsWidget
from sitroom.widgets.find_box import FindBox
from sitroom.widgets.incident_details import IncidentDetails
from sitroom.widgets.layers_dock import LayersWidget
from sitroom.widgets.map.banner import MapBanners
from sitroom.widgets.map.canvas import FrameStats, MapCanvas

DEMO_NOTE_MS = 60_000  # how long the first start's note about the demo city stays over the map


class MainWindow(QtWidgets.QMainWindow):
    """The operator's window on a room: map, docks, menus, keys. Closing it stops the room."""

    sig_first_live_frame = QtCore.Signal()

    def __init__(self, room: Room, *, language: str = "ko", loop: FrameLoop | None = None,
                 actions: Actions | None = None) -> None:
        super().__init__()
        self.room = room
        # Everything the person logged in does goes through here, checked against their role.
        self.actions = actions or Actions(room)
        self.session = room.session
        self.desk = room.desk
        self.loop = loop or FrameLoop(room, self)
        self.backends = None  # the demo's DemoBackends, when this window started them
        self.setWindowTitle(self.tr("SitRoom — {0}").format(self.session.kit.name))
        self.setObjectName("main")
        self.language = language
        style = str(settings().value("map/style", "night"))
        self._view_basemap(self.basemap, style if style in MAP_STYLES else "night")
        self.canvas = MapCanvas(self, layers=self.session.layers)
        self.canvas.set_background(palette.MAP_STYLE[self.basemap.style]["bg"])
        self.dispatch = DispatchController(self, self.desk)
        self.facilities = FacilitiesController(self, room)
        self.canvas.zoom_anchor = self.dispatch.selected_position
        self.kit_loader = KitLoader(self)
        self.kit_loader.loaded.connect(self.set_kit)
        self.kit_loader.failed.connect(self._kit_failed)
        if self.session.kit.path is not None:
            remember_kit(self.session.kit.path)
        self.setCentralWidget(self.canvas)
        # Over the map, most urgent first: waiting calls, the CAD link, the feeds.
        self.banners = MapBanners(self.canvas)
        self.call_banner = self.banners.row("calls")
        self.cad_banner = self.banners.row("cad")
        self.banner = self.banners.row("feeds")
        self.notes = MapBanners(self.canvas, bottom=True)
        self.map_note = self.notes.row("note")
        self.data_note = self.notes.row("data")  # data files of the installation that are missing or damaged
        self.demo_note = self.notes.row("demo")  # the first start on the demo city
        problems = QtWidgets.QApplication.instance().property("sitroom_problems")
        if problems:
            self.data_note.show_message(self.tr("Missing or damaged in this installation: {0}. Reinstall SitRoom "
                                                "to restore them.").format("; ".join(problems)), "warn")
        self._home_on(self.session.kit)
        self.selected = np.empty(0, dtype=np.uint32)

        self._build_docks()
        self._build_toolbar()
        self._build_status()
        self._build_menu()

        self.canvas.view.sig_clicked.connect(self._on_click)
        self.canvas.view.sig_rubber_band.connect(self._on_band)
        self.canvas.view.sig_context.connect(self._map_menu)
        self.canvas.sig_cursor.connect(self._on_cursor)
        self.loop.add_canvas(self.canvas)
        self.loop.sig_frame.connect(self._after_frame)
        self.loop.sig_panels.connect(lambda _moment: self.refresh_panels())
        self.restore_state()

    @property
    def basemap(self) -> BasemapLayer:
        return self.session.layers["basemap"]  # type: ignore[return-value]

    @property
    def stats(self) -> FrameStats:
        return self.canvas.stats

    @property
    def map_layers(self) -> list[Layer]:
        """Every layer on the map, bottom to top as listed in the Layers dock."""
        return list(self.session.layers)

    def _home_on(self, kit: Kit) -> None:
        """Home fits the roads (the data), not the districts of the area it was cut from; a kit that covers
        only part of its area says so on the map, so an empty corner is not taken for a quiet one."""
        self.canvas.set_home(*kit.road_bounds)
        if kit.covers_only_part:
            self.map_note.show_message(self.tr("This kit's roads cover only part of its area ({0:.0%} of its "
                                               "districts): the map is blank outside them.").format(
                kit.road_coverage), "info")
        else:
            self.map_note.show_message("")

    def _view_basemap(self, basemap: BasemapLayer, style: str) -> None:
        """This window's language and map style on a basemap (before it is shown)."""
        basemap.language = self.language
        basemap.style = style

    # ------------------------------------------------------------ construction

    def _dock(self, widget: QtWidgets.QWidget, title: str, area: QtCore.Qt.DockWidgetArea) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(f"dock-{widget.objectName()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        area = QtCore.Qt.DockWidgetArea
        self.layers_widget = LayersWidget(self.map_layers, self.session.vehicles)
        self.feeds_widget = FeedsWidget()
        self.details_widget = DetailsWidget()
        self.incident_details = IncidentDetails()
        details = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        details.setObjectName("details")  # the dock's saved name, as before
        details.addWidget(self.incident_details)
        details.addWidget(self.details_widget)
        self.layers_dock = self._dock(self.layers_widget, self.tr("Layers"), area.LeftDockWidgetArea)
        self.feeds_dock = self._dock(self.feeds_widget, self.tr("Feeds"), area.BottomDockWidgetArea)
        self.details_dock = self._dock(details, self.tr("Details"), area.RightDockWidgetArea)
        self.dispatch.build_docks()
        self.cameras = CamerasController(self)
        self.facilities.build_docks()
        self.figures_dock = None
        if (self.actions.allowed("figures") and self.actions.access.role == "supervisor") or \
                (self.actions.allowed("figures") and str(settings().value("ui/figures", "")) == "1"):
            self._build_figures()
        self.feeds_widget.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.feeds_widget.customContextMenuRequested.connect(self._feeds_menu)

    def _build_figures(self) -> None:
        """The supervisor's figures: a dock of plots, refreshed every few seconds while shown."""
        from sitroom.widgets.figures_dock import FiguresPanel

        if self.figures_dock is not None:
            self.figures_dock.show()
            self.figures_dock.raise_()
            return
        self.figures_panel = FiguresPanel()
        self.figures_panel.report_requested.connect(self.shift_report)
        self.figures_panel.period.currentIndexChanged.connect(lambda _i: self.refresh_figures())
        self.figures_dock = self._dock(self.figures_panel, self.tr("Supervisor figures"),
                                       QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        # A tab of the incident's group (its plots want the column's height), in front when opened.
        self.tabifyDockWidget(self.dispatch.units_dock, self.figures_dock)
        self.figures_dock.raise_()
        self._figures_at = 0.0

    def refresh_figures(self) -> None:
        if self.figures_dock is None or not self.figures_dock.isVisible():
            return
        now_ms = self.session.clock_ms()
        hours = self.figures_panel.hours()
        self.figures_panel.show_figures(self.room.figures.figures(
            self.session, now_ms, from_ms=now_ms - hours * 3_600_000 if hours else None))

    def shift_report(self) -> Path | None:
        if not self.dispatch.permitted("figures"):
            return None
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, self.tr("Shift report"),
                                                        time.strftime("shift-report-%Y%m%d-%H%M.pdf"), "PDF (*.pdf)")
        if not path:
            return None
        self.refresh_figures()
        self.figures_panel.write_report(Path(path), self.tr("SitRoom shift report — {0}").format(self.session.kit.name))
        self.statusBar().showMessage(self.tr("Shift report written to {0}").format(path), 8000)
        return Path(path)

    def _build_toolbar(self) -> None:
        bar = self.addToolBar(self.tr("Map"))
        bar.setObjectName("toolbar-map")
        fit = bar.addAction(self.tr("Fit city"), self.canvas.fit_home)
        fit.setShortcut(QtGui.QKeySequence("Ctrl+0"))
        bar.addAction(self.tr("Zoom in"), lambda: self.canvas.zoom(1.5))
        bar.addAction(self.tr("Zoom out"), lambda: self.canvas.zoom(1 / 1.5))
        bar.addSeparator()
        self.find_edit = FindBox(lambda text: find(self.desk, text), labels.found_kind)
        self.find_edit.setPlaceholderText(self.tr("Find a place, road, crossing, vehicle or incident (Ctrl+L)"))
        self.find_edit.setMinimumWidth(340)
        self.find_edit.chosen.connect(self._found)
        bar.addWidget(self.find_edit)
        for keys in (QtGui.QKeySequence.StandardKey.Find, QtGui.QKeySequence("Ctrl+L")):
            find_shortcut = QtGui.QShortcut(keys, self)
            find_shortcut.activated.connect(self.find_edit.setFocus)
        # Escape, wherever the focus is: back to the map (and the queue's keys); a text field never keeps it.
        escape = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Escape), self)
        escape.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        escape.activated.connect(self.back_to_map)

    def back_to_map(self) -> None:
        self.canvas.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)

    def _found(self, found: Found) -> None:
        """Go to what was found: a vehicle is selected, an incident too, a place is shown at street zoom."""
        if found.kind == "vehicle":
            self.find_vehicle(found.key)
        elif found.kind == "incident":
            self.dispatch.select_incident(found.key)
            self.dispatch.zoom_to_incident()
        else:
            if found.bounds is not None and found.kind in ("district", "road"):  # the whole of it, with a margin
                x0, y0, x1, y1 = found.bounds
                self.canvas.center_on((x0 + x1) / 2, (y0 + y1) / 2, width_m=max(x1 - x0, (y1 - y0) * 1.6) * 1.2)
            else:
                self.canvas.center_on(found.x, found.y, width_m=1500.0)
            self.desk.pins.put("found", found.x, found.y, found.name)
            QtCore.QTimer.singleShot(8000, lambda: self.desk.pins.remove("found"))
        self.back_to_map()  # N, A, D and Escape go to the console again, not into the search box

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.kit_label = QtWidgets.QLabel(self.tr("Kit: {0} (offline)").format(self.session.kit.name))
        self.feed_label = QtWidgets.QLabel()
        self.feed_label.setObjectName("feedSummary")
        self.vehicle_label = QtWidgets.QLabel()
        self.journal_label = QtWidgets.QLabel()
        self.cursor_label = QtWidgets.QLabel()
        self.cursor_label.setMinimumWidth(210)
        # Permanent widgets: a passing message (left) never covers the feeds' health.
        for w in (self.feed_label, self.vehicle_label):
            sb.addPermanentWidget(w)
        sb.addPermanentWidget(self.journal_label)
        sb.addPermanentWidget(self.kit_label)
        sb.addPermanentWidget(self.cursor_label)

    def _build_menu(self) -> None:
        filem = self.menuBar().addMenu(self.tr("&File"))
        if self.actions.allowed("open-kit"):
            filem.addAction(self.tr("Open kit…"), self.choose_kit, QtGui.QKeySequence.StandardKey.Open)
            self.recent_menu = filem.addMenu(self.tr("Recent kits"))
            self.recent_menu.aboutToShow.connect(self._fill_recent)
            filem.addAction(self.tr("Import data…"), self.show_import, QtGui.QKeySequence("Ctrl+I"))
            filem.addSeparator()
        filem.addAction(self.tr("Settings…"), self.show_settings)
        filem.addSeparator()
        filem.addAction(self.tr("Quit"), self.close, QtGui.QKeySequence.StandardKey.Quit)
        self.dispatch.build_actions(self.menuBar().addMenu(self.tr("&Dispatch")))
        self.facilities.build_actions(self.menuBar().addMenu(self.tr("&Alarms")))
        view = self.menuBar().addMenu(self.tr("&View"))
        for dock in (self.layers_dock, self.feeds_dock, self.details_dock, self.dispatch.queue_dock,
                     self.dispatch.recommend_dock, self.dispatch.coverage_dock, self.dispatch.units_dock):
            view.addAction(dock.toggleViewAction())
        self.cameras.build_actions(view)
        if self.actions.allowed("figures"):
            view.addAction(self.tr("Supervisor figures"), self._build_figures)
        if self.actions.allowed("wall-control"):
            self._build_wall_menu(self.menuBar().addMenu(self.tr("&Wall")))
        view.addSeparator()
        styles = QtGui.QActionGroup(self)
        self.style_actions = {}
        for style, title in (("night", self.tr("Night map")), ("day", self.tr("Day map"))):
            action = view.addAction(title, lambda st=style: self.set_map_style(st))
            action.setCheckable(True)
            action.setChecked(style == self.basemap.style)
            styles.addAction(action)
            self.style_actions[style] = action
        helpm = self.menuBar().addMenu(self.tr("&Help"))
        helpm.addAction(self.tr("Keys…"), self.show_keys, QtGui.QKeySequence("F1"))
        helpm.addAction(self.tr("About SitRoom"), self.show_about)

    # ------------------------------------------------------------ kits

    def choose_kit(self) -> None:
        start = str(self.session.kit.path.parent) if self.session.kit.path else ""
        path = QtWidgets.QFileDialog.getExistingDirectory(self, self.tr("Open kit"), start)
        if path:
            self.open_kit(Path(path))

    def open_kit(self, path: Path) -> bool:
        """Load a kit in the background; the open one stays until the new one is ready and valid."""
        if not self.dispatch.permitted("open-kit"):
            return False
        if not self.kit_loader.load(path, self.session.capabilities):
            self.statusBar().showMessage(self.tr("Still opening the previous kit…"), 4000)
            return False
        self.statusBar().showMessage(self.tr("Opening kit {0}…").format(path))
        return True

    def set_kit(self, kit: Kit, kit_layers: dict[str, Layer]) -> None:
        self.save_state()  # the view of the kit being left
        self._view_basemap(kit_layers["basemap"], self.basemap.style)  # type: ignore[arg-type]
        self.room.set_kit(kit, kit_layers)
        if self.session.journal is not None:
            write_meta(self.session.journal.directory, self.session.journal_meta())
        self.dispatch.set_kit(kit)
        self._home_on(kit)
        self.demo_note.show_message("")
        self.layers_widget = LayersWidget(self.map_layers, self.session.vehicles)
        self.layers_dock.setWidget(self.layers_widget)
        self.setWindowTitle(self.tr("SitRoom — {0}").format(kit.name))
        self.kit_label.setText(self.tr("Kit: {0} (offline)").format(kit.name))
        if kit.path is not None:
            remember_kit(kit.path)
            settings().setValue("session/kit", str(kit.path))
        self._restore_view()
        self.statusBar().showMessage(self.tr("Opened kit {0}: {1:,} roads").format(kit.name, kit.roads.n_edges),
                                     6000)

    def _kit_failed(self, path: str, message: str) -> None:
        self.statusBar().clearMessage()
        QtWidgets.QMessageBox.warning(self, self.tr("Cannot open kit"),
                                      self.tr("{0}\n\nThe open kit stays open.").format(message))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in recent_kits():
            action = self.recent_menu.addAction(str(path), lambda p=path: self.open_kit(p))
            if not path.is_dir():
                action.setEnabled(False)
                action.setText(self.tr("{0} (missing)").format(path))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction(self.tr("(none)")).setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(self.tr("Forget missing kits"), self._forget_missing)

    def _forget_missing(self) -> None:
        for path in recent_kits():
            if not path.is_dir():
                forget_kit(path)

    def show_import(self) -> None:
        from sitroom.widgets.import_dialog import ImportDialog

        dialog = ImportDialog(self)
        dialog.kit_built.connect(self.open_kit)
        dialog.show()

    def set_map_style(self, style: str) -> None:
        self.basemap.set_style(style)
        self.canvas.set_background(palette.MAP_STYLE[style]["bg"])
        self.style_actions[style].setChecked(True)
        settings().setValue("map/style", style)

    def _feeds_menu(self, pos: QtCore.QPoint) -> None:
        row = self.feeds_widget.rowAt(pos.y())
        if not 0 <= row < len(self.session.client.feeds):  # the streams' row has no endpoint of its own
            return
        name = self.session.client.feeds[row].name
        menu = QtWidgets.QMenu(self)
        copy = menu.addAction(self.tr("Copy endpoint"))
        restart = None
        backend = self.backends.backend_of(name) if self.backends is not None else None
        if backend is not None:
            restart = menu.addAction(self.tr("Restart demo backend"))
        chosen = menu.exec(self.feeds_widget.viewport().mapToGlobal(pos))
        if chosen is copy:
            QtWidgets.QApplication.clipboard().setText(self.session.client.feeds[row].endpoint)
        elif chosen is not None and chosen is restart:
            self.backends.start(backend)  # starts only if it is not running

    def about_dialog(self):
        from sitroom.widgets.about_dialog import AboutDialog

        kit = self.session.kit
        return AboutDialog(kit.attribution(), kit.generated, self)

    def show_demo_note_once(self) -> bool:
        """The first start on the demo city says what it is and how to get real map data; once per user."""
        s = settings()
        if s.value("notes/demo_city_shown", False, type=bool):
            return False
        s.setValue("notes/demo_city_shown", True)
        self.demo_note.show_message(self.tr(
            "Demo city: real districts, generated roads, simulated vehicles. Your own map: File → Import data… "
            "(Ctrl+I) or Open kit… (Ctrl+O)."), "info")
        # Read, then out of the way of the map it sits on (opening a kit hides it at once).
        note = self.demo_note  # the timer dies with the note when the window goes first
        QtCore.QTimer.singleShot(DEMO_NOTE_MS, note, lambda: note.show_message(""))
        return True

    def keys_text(self) -> str:
        rows = [(key, what) for key, what, _slot in self.dispatch.key_list() + self.facilities.key_list()]
        rows += [(self.tr("↑ / ↓, 1–5"), self.tr("With units ranked: choose the unit (else ↑/↓ pan the map)")),
                 (self.tr("Escape"), self.tr("Back to the map and the queue, from anywhere")),
                 ("Ctrl+F", self.tr("Find a vehicle; Enter goes there and returns to the map")),
                 (self.tr("+ / −"), self.tr("Zoom, about the selected incident when it is in view")),
                 (self.tr("← → ↑ ↓, Home"), self.tr("Pan the map, whole city")),
                 ("Tab", self.tr("Map → waiting calls → incidents → units"))]
        body = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{w}</td></tr>" for k, w in rows)
        return f"<table>{body}</table>"

    # ------------------------------------------------------------ the wall, by remote control

    def _build_wall_menu(self, menu: QtWidgets.QMenu) -> None:
        """Push this map's view, the cameras that see the selected incident, or a preset to the wall
        (app/wall_control.py; the wall's endpoint in the settings, SITROOM_WALL or tcp://127.0.0.1:5599)."""
        menu.addAction(self.tr("Push this map view to the wall"), self.wall_push_view)
        menu.addAction(self.tr("Push the selected incident's cameras to the wall"), self.wall_push_cameras)
        menu.addAction(self.tr("Pin a preset on the wall…"), self.wall_pin)
        menu.addAction(self.tr("Let the wall's rules choose again"), lambda: self.wall_send({"op": "unpin"}))
        menu.addAction(self.tr("Declare disaster mode"), lambda: self.wall_send({"op": "disaster", "on": True}))
        menu.addAction(self.tr("End disaster mode"), lambda: self.wall_send({"op": "disaster", "on": False}))

    def wall_remote(self):
        import os

        from sitroom.app.wall_control import WallRemote
        from sitroom.services.feeds.security import Security

        endpoint = os.environ.get("SITROOM_WALL") or str(settings().value("wall/endpoint", "tcp://127.0.0.1:5599"))
        return WallRemote(endpoint, who=self.actions.who, security=Security.from_env())

    def wall_send(self, cmd: dict) -> dict:
        if not self.dispatch.permitted("wall-control"):
            return {"ok": False}
        try:
            answer = self.wall_remote().send(cmd)
        except Exception as exc:  # a wall that cannot be reached is a message, never a crash
            answer = {"ok": False, "error": str(exc)}
        if answer.get("ok"):
            self.statusBar().showMessage(self.tr("Wall: {0}").format(answer.get("preset", "")), 6000)
        else:
            self.statusBar().showMessage(self.tr("The wall refused: {0}").format(answer.get("error", "")), 8000)
        return answer

    def wall_push_view(self) -> dict:
        x0, y0, x1, y1 = self.canvas.view_rect()
        lon, lat = self.session.projector.inverse((x0 + x1) / 2, (y0 + y1) / 2)
        status = self.wall_send({"op": "status"})
        view = next((v["name"] for v in status.get("views", []) if v["kind"] == "map"), None)
        if view is None:
            return status
        return self.wall_send({"op": "view", "view": view, "lon": float(lon), "lat": float(lat),
                               "width_km": abs(x1 - x0) / 1000})

    def wall_push_cameras(self) -> dict:
        from sitroom.app.capabilities.cameras import cameras_of

        inc_id = self.dispatch.current()
        cap = cameras_of(self.session)
        if inc_id is None or cap is None:
            self.statusBar().showMessage(self.tr("Select an incident first (N: the next one)"), 4000)
            return {"ok": False}
        inc = self.desk.book.get(inc_id)
        cams = [cap.layer.cameras[s.row].id for s in cap.cameras_for(inc.x, inc.y)]
        status = self.wall_send({"op": "status"})
        view = next((v["name"] for v in status.get("views", []) if v["kind"] == "cctv"), None)
        if view is None:
            return status
        return self.wall_send({"op": "cameras", "view": view, "cameras": cams})

    def wall_pin(self) -> None:
        status = self.wall_send({"op": "status"})
        presets = status.get("presets") or []
        if not presets:
            return
        name, ok = QtWidgets.QInputDialog.getItem(self, self.tr("Pin a preset"), self.tr("Preset"), presets, 0, False)
        if ok:
            self.wall_send({"op": "preset", "name": name})

    def show_settings(self) -> None:
        """The interface's language (from the next start: every window is built in it) and who is logged in."""
        from sitroom.widgets.settings_dialog import SettingsDialog

        dialog = SettingsDialog(str(settings().value("ui/language", self.language)), self.actions.who,
                                self.actions.access.role, self)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted and dialog.language() != self.language:
            settings().setValue("ui/language", dialog.language())
            self.statusBar().showMessage(self.tr("The language changes at the next start of SitRoom."), 8000)

    def show_keys(self) -> None:
        QtWidgets.QMessageBox.information(self, self.tr("Keys"), self.keys_text())

    def show_about(self) -> None:
        self.about_dialog().exec()

    # ------------------------------------------------------------ run

    def start(self) -> None:
        self.room.start()
        self.loop.start()
        self.refresh_panels()

    def shutdown(self) -> None:
        if self.loop.running:
            self.loop.stop()
        self.save_state()
        self.dispatch.shutdown()
        self.cameras.shutdown()
        self.facilities.shutdown()
        self.room.stop()
        self.canvas.close_layers()

    def closeEvent(self, ev: QtGui.QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(ev)

    def frame(self) -> Moment:
        """One frame now (the loop's timer calls this 30 times a second)."""
        return self.loop.frame()

    def _after_frame(self, moment: Moment) -> None:
        self.dispatch.after_frame()
        self.facilities.after_frame()
        drawn = self.canvas.item(self.session.vehicles).drawn
        self.stats.vehicles_drawn = drawn
        if drawn and self.stats.first_live_frame is None:
            self.stats.first_live_frame = time.monotonic()
            self.sig_first_live_frame.emit()

    def refresh_panels(self) -> None:
        now = self.session.clock()
        health = self.session.client.health
        self.feeds_widget.show_health(health + self.cameras.extra_health(), now)
        live = sum(h.state(now) == FeedState.LIVE for h in health)
        bad = len(health) - live
        errors = sum(h.decode_errors for h in health)
        rate = sum(h.rate(now) for h in health)
        text = self.tr("Feeds: {0} live, {1} not live · {2:.0f} msg/s · errors {3}").format(live, bad, rate, errors)
        self.feed_label.setText(text)
        self.banner.show_message(*self.banner_text(now))
        journal = self.session.journal
        if journal is not None:
            st = journal.status
            self.journal_label.setText(self.tr("Journal: recording") if st.ok else
                                       self.tr("Journal: {0}").format(st.message or st.state))
            self.journal_label.setProperty("state", "ok" if st.ok else "bad")
            self.journal_label.style().polish(self.journal_label)
        state = "bad" if bad or errors else "ok"
        if self.feed_label.property("state") != state:
            self.feed_label.setProperty("state", state)
            self.feed_label.style().polish(self.feed_label)
        v = self.session.vehicles
        stale = v.stale_mask(now, self.session.stale_feeds(now))
        self.vehicle_label.setText(self.tr("{0} vehicles ({1} stale) · {2} drawn").format(
            v.n, int(stale.sum()), self.stats.vehicles_drawn))
        self._show_details(stale)
        self.dispatch.refresh()
        self.facilities.refresh()
        if self.figures_dock is not None and time.monotonic() - self._figures_at >= 5.0:
            self._figures_at = time.monotonic()
            self.refresh_figures()

    def banner_text(self, now: float) -> tuple[str, str]:
        """What the banner says: nothing while feeds are live; every feed down means offline."""
        health = self.session.client.health
        rejected = [h for h in health if h.state(now) == FeedState.REJECTED]
        if rejected:
            return self.tr("REFUSED: {0}. Nothing from it is shown.").format(
                "; ".join(f"{h.name}: {h.rejected}" for h in rejected)), "bad"
        down = [h for h in health if h.state(now) != FeedState.LIVE and h.messages]
        warnings = [f"{h.name}: {h.warning}" for h in health if h.warning]
        link = self.desk.link
        if link is not None and link.state.warning:
            warnings.append(f"CAD: {link.state.warning}")
        if not health or not down:
            return ("; ".join(warnings), "warn") if warnings else ("", "ok")
        ages = [h.age(now) for h in down if h.age(now) is not None]
        oldest = labels.duration(max(ages)) if ages else "—"
        if len(down) == len(health):
            return self.tr("OFFLINE: no feed is live. The map shows the last known state (up to {0} old); "
                           "routing, incidents and dispatch keep working, commands wait in the outbox.").format(
                oldest), "bad"
        names = ", ".join(h.name for h in down)
        return self.tr("Not live: {0}. Their data is the last known (up to {1} old), shown grey.").format(
            names, oldest), "warn"

    # ------------------------------------------------------------ selection and search

    def _show_details(self, stale: np.ndarray | None = None) -> None:
        """Details of the selection; ``stale`` is this moment's stale mask when the caller already has it."""
        now = self.session.clock()
        v = self.session.vehicles
        rows = v.rows_for(self.selected)
        rows = rows[rows >= 0]
        if stale is None:
            stale = v.stale_mask(now, self.session.stale_feeds(now))
        self.details_widget.show_vehicles(v.describe(rows, now, self.session.clock_ms()),
                                          [bool(stale[r]) for r in rows])

    def select_ids(self, ids: np.ndarray) -> None:
        self.selected = np.asarray(ids, dtype=np.uint32)
        self.canvas.item(self.session.vehicles).set_selection(self.selected)
        self._show_details()
        if len(self.selected):
            self.details_dock.show()

    def _on_click(self, x: float, y: float) -> None:
        if self.dispatch.click(x, y) or self.facilities.click(x, y):
            return
        v = self.session.vehicles
        # Where each was drawn (a unit on scene stands beside its incident's marker, not under it).
        row = self.canvas.item(v).nearest_drawn(x, y, self.canvas.click_radius_m(), v.shown_mask())
        self.select_ids(v.ids[[row]] if row >= 0 else np.empty(0, dtype=np.uint32))

    def _on_band(self, x0: float, y0: float, x1: float, y1: float) -> None:
        if self.dispatch.band(x0, y0, x1, y1):
            return
        v = self.session.vehicles
        self.select_ids(v.ids[v.rows_in_rect(x0, y0, x1, y1, v.shown_mask())])

    def find_vehicle(self, text: str) -> bool:
        try:
            vid = int(text.strip())
        except ValueError:
            self.statusBar().showMessage(self.tr("Not a vehicle ID: {0}").format(text), 4000)
            return False
        v = self.session.vehicles
        row = int(v.rows_for(np.array([vid], dtype=np.uint32))[0]) if 0 <= vid < 2**32 else -1
        if row < 0:
            self.statusBar().showMessage(self.tr("No vehicle {0} on the map").format(vid), 4000)
            return False
        x, y = float(v.x[row]), float(v.y[row])
        if not (np.isfinite(x) and np.isfinite(y)):
            self.statusBar().showMessage(self.tr("Vehicle {0} has no valid position").format(vid), 4000)
            return False
        self.canvas.center_on(x, y, width_m=1500.0)
        self.select_ids(np.array([vid], dtype=np.uint32))
        return True

    def _map_menu(self, x: float, y: float, screen: QtCore.QPoint) -> None:
        menu = QtWidgets.QMenu(self)
        allowed = self.actions.allowed
        if allowed("new-incident"):
            menu.addAction(self.tr("New incident here…"), lambda: self.dispatch.new_incident(x, y))
        if allowed("close-road"):
            menu.addAction(self.tr("Close this road"), lambda: self.dispatch.close_road_at(x, y))
        if allowed("reopen-roads"):
            menu.addAction(self.tr("Reopen all roads"), self.dispatch.reopen_roads)
        if not menu.isEmpty():
            menu.exec(screen)

    def _on_cursor(self, x: float, y: float) -> None:
        lon, lat = self.session.projector.inverse(x, y)
        self.cursor_label.setText(f"{float(lat):.5f}°N  {float(lon):.5f}°E")

    # ------------------------------------------------------------ persistence

    def save_state(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        x0, y0, x1, y1 = self.canvas.view_rect()
        s.setValue(f"view/{self.session.kit.name}", [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0])

    def _default_dock_sizes(self) -> None:
        self.resizeDocks([self.layers_dock, self.details_dock], [230, max(400, self.width() // 4)],
                         QtCore.Qt.Orientation.Horizontal)
        # Tall and wide enough for rows of waiting calls and a few open incidents at a glance; alarms and feeds
        # beside them.
        self.resizeDocks([self.dispatch.queue_dock], [max(20 * self.fontMetrics().height(), self.height() * 3 // 8)],
                         QtCore.Qt.Orientation.Vertical)
        self.resizeDocks([self.dispatch.queue_dock, self.facilities.alarm_dock], [3, 2],
                         QtCore.Qt.Orientation.Horizontal)

    def restore_state(self) -> None:
        s = settings()
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            # Most of the screen on a first start (the map is the point), never less than the docks need.
            avail = self.screen().availableGeometry()
            self.resize(max(1400, int(avail.width() * 0.9)), max(880, int(avail.height() * 0.9)))
            QtCore.QTimer.singleShot(0, self._default_dock_sizes)
        state = s.value("window/state")
        if state is not None:
            self.restoreState(state)
        self._restore_view()

    def _restore_view(self) -> None:
        s = settings()
        self.canvas.fit_home()
        # Centre and width, applied once the window has its size (the aspect lock sets the height).
        try:
            cx, cy, width = (float(v) for v in s.value(f"view/{self.session.kit.name}"))
        except (TypeError, ValueError):
            return
        QtCore.QTimer.singleShot(0, lambda: self.canvas.center_on(cx, cy, width_m=width))
