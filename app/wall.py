"""Wall displays: a layout's views on the room's screens, kiosk-style, following the situation.

A :class:`WallController` composes the same :class:`~app.core.room.Room` and :class:`~app.frame_loop.FrameLoop`
as the operator's window (``sitroom wall`` makes its own; ``sitroom demo --wall FILE`` shares the desk's):
each map view is one more canvas the loop ticks, the camera walls take their pictures from the cameras
capability's hub, and the rule engine (services/wall/presets.py) is asked twice a second what to show.

Kiosk: frameless full-screen windows that never take the focus, no cursor, no dialog ever (a problem is a
banner across the top), the wall's large type, nothing to click. One window per screen of the layout, placed
by the screen's index or name; with fewer screens than the layout names (or ``one_screen``), the layout's
screens are tiled side by side in one window and a banner says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.app.capabilities.cameras import cameras_of
from sitroom.app.capabilities.facilities import monitor_of
from sitroom.app.core.room import Room
from sitroom.app.frame_loop import FrameLoop
from sitroom.layers.base import Moment
from sitroom.resources import palette
from sitroom.services.feeds.health import FeedState
from sitroom.services.wall.layout import Preset, Screen, View, WallLayout
from sitroom.services.wall.presets import PresetEngine, Transition, WallState, situation_of
from sitroom.widgets import labels
from sitroom.widgets.feeds_dock import FeedsWidget
from sitroom.widgets.incident_queue import IncidentQueue
from sitroom.widgets.map.banner import MapBanners
from sitroom.widgets.map.canvas import MapCanvas
from sitroom.widgets.wall_views import AlarmSummary, Kpi, KpiBoard, ViewFrame, read_only, wall_style_sheet

log = logging.getLogger(__name__)

_COVERAGE_EVERY_S = 5.0
_DECODER_THREADS = 2


def view_title(kind: str) -> str:
    return {
        "map": QtCore.QCoreApplication.translate("Wall", "Map"),
        "cctv": QtCore.QCoreApplication.translate("Wall", "Cameras"),
        "incidents": QtCore.QCoreApplication.translate("Wall", "Incidents"),
        "kpi": QtCore.QCoreApplication.translate("Wall", "Key figures"),
        "alarms": QtCore.QCoreApplication.translate("Wall", "Alarms and facilities"),
        "feeds": QtCore.QCoreApplication.translate("Wall", "Feed health"),
    }[kind]


@dataclass
class WallView:
    """One view of one preset, built once and kept: shown whenever its preset is."""

    spec: View
    frame: ViewFrame
    canvas: MapCanvas | None = None
    video: object | None = None  # VideoWall
    queue: IncidentQueue | None = None
    kpi: KpiBoard | None = None
    alarms: AlarmSummary | None = None
    feeds: FeedsWidget | None = None
    saved_cameras: dict | None = None  # what the camera wall showed before a focus filled it
    filled: bool = False  # a camera wall without cameras of its own has had the first cameras with video


class WallWindow(QtWidgets.QWidget):
    """One window of the wall: the page of the preset shown, on one screen (or the layout's screens side by
    side), with banners across the top."""

    def __init__(self, controller: WallController, screens: list[Screen], qscreen: QtGui.QScreen | None) -> None:
        super().__init__(None, QtCore.Qt.WindowType.Window | QtCore.Qt.WindowType.FramelessWindowHint
                         | QtCore.Qt.WindowType.WindowDoesNotAcceptFocus)
        self.controller = controller
        self.screens = screens  # the layout's screens this window shows, left to right
        self.qscreen = qscreen
        self.setObjectName("wall")
        self.setWindowTitle(controller.layout.title)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.setCursor(QtCore.Qt.CursorShape.BlankCursor)
        self.setStyleSheet(wall_style_sheet())
        pal = self.palette()
        pal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(palette.UI["window"]))
        self.setPalette(pal)
        self.setAutoFillBackground(True)
        self.stack = QtWidgets.QStackedWidget(self)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.stack)
        self.pages: dict[str, QtWidgets.QWidget] = {}
        self.banners = MapBanners(self)
        self.banner = self.banners.row("wall")
        self.feeds_banner = self.banners.row("feeds")
        self.note = MapBanners(self, bottom=True).row("note")

    @property
    def name(self) -> str:
        return "+".join(s.name for s in self.screens)

    def page(self, preset: Preset) -> QtWidgets.QWidget:
        page = self.pages.get(preset.name)
        if page is not None:
            return page
        page = QtWidgets.QWidget()
        grid = QtWidgets.QGridLayout(page)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.setSpacing(4)
        offset = 0
        for screen in self.screens:
            for c in range(screen.columns):
                grid.setColumnStretch(offset + c, 1)
            for r in range(screen.rows):
                grid.setRowStretch(r, 1)
            for spec in preset.views:
                if spec.screen == screen.name:
                    view = self.controller.build_view(preset, spec)
                    grid.addWidget(view.frame, spec.row, offset + spec.column, spec.rows, spec.columns)
            offset += screen.columns
        self.pages[preset.name] = page
        self.stack.addWidget(page)
        return page

    def show_preset(self, preset: Preset) -> None:
        page = self.page(preset)
        self.stack.setCurrentWidget(page)
        read_only(page)  # again: views make some children only once shown

    def place(self) -> None:
        """Full screen on its screen, without taking the focus."""
        if self.qscreen is not None:
            self.setScreen(self.qscreen)
            self.setGeometry(self.qscreen.geometry())
        self.showFullScreen()

    def shot(self) -> QtGui.QPixmap:
        """What the screen shows of this window (the window's own rendering when offscreen)."""
        import os

        if os.environ.get("QT_QPA_PLATFORM") != "offscreen" and self.qscreen is not None:
            pix = self.qscreen.grabWindow(self.winId())
            if not pix.isNull():
                return pix
        return self.grab()


class WallController(QtCore.QObject):
    """The wall's windows, views and rules over a room and its frame loop."""

    def __init__(self, room: Room, loop: FrameLoop, layout: WallLayout, *, language: str = "en",
                 one_screen: bool = False, clock: Callable[[], float] | None = None, audit=None,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self.session = room.session
        self.loop = loop
        self.layout = layout
        self.language = language
        self.audit = audit
        self.engine = PresetEngine(layout, clock or time.monotonic)
        self.engine.listeners.append(self._transition)
        self.disaster = False  # declared by a supervisor (remote control) or --disaster
        self.views: dict[tuple[str, str], WallView] = {}
        self.presets_switched = 0
        self.commands = 0
        self._coverage_at = 0.0
        self._shown: Preset | None = None
        self._focus_applied: tuple | None = None
        self.notes: list[str] = []
        self._started = time.monotonic()
        cap = cameras_of(self.session)
        if cap is not None and cap.hub is not None and not getattr(cap.hub, "_decode", None):
            from sitroom.widgets.video.decoder import qt_decode

            cap.hub.use_decoder(qt_decode, _DECODER_THREADS)
        self.windows = self._make_windows(one_screen)
        loop.sig_frame.connect(self._frame)
        loop.sig_panels.connect(self._panels)

    # ------------------------------------------------------------ windows

    def _make_windows(self, one_screen: bool) -> list[WallWindow]:
        app = QtWidgets.QApplication.instance()
        qscreens = app.screens() if app is not None else []
        screens = list(self.layout.screens)
        if one_screen or len(qscreens) < len(screens):
            if len(screens) > 1 and not one_screen:
                self.notes.append(QtCore.QCoreApplication.translate(
                    "Wall", "The layout has {0} screens, this machine {1}: they are shown side by side on one.").format(
                    len(screens), len(qscreens)))
            return [WallWindow(self, screens, qscreens[0] if qscreens else None)]
        windows, used = [], set()
        for s in screens:
            q = self._find_screen(s, qscreens, used)
            used.add(id(q))
            windows.append(WallWindow(self, [s], q))
        return windows

    def _find_screen(self, s: Screen, qscreens: list, used: set) -> QtGui.QScreen:
        if isinstance(s.output, int) and s.output < len(qscreens):
            return qscreens[s.output]
        if isinstance(s.output, str):
            for q in qscreens:
                if q.name() == s.output:
                    return q
        free = next((q for q in qscreens if id(q) not in used), qscreens[0])
        self.notes.append(QtCore.QCoreApplication.translate(
            "Wall", "Screen {0} ({1}) was not found: shown on {2}.").format(s.name, s.output, free.name()))
        return free

    @property
    def screens_used(self) -> int:
        return len({id(w.qscreen) for w in self.windows if w.qscreen is not None})

    def show(self) -> None:
        self._apply(self.engine.state)
        for w in self.windows:
            w.place()
            if self.notes:
                w.note.show_message(" ".join(self.notes), "warn")

    def close(self) -> None:
        for view in self.views.values():
            if view.canvas is not None:
                self.loop.remove_canvas(view.canvas)
                view.canvas.close_layers()
            if view.video is not None:
                view.video.close_streams()
        for w in self.windows:
            w.close()

    # ------------------------------------------------------------ views

    def build_view(self, preset: Preset, spec: View) -> WallView:
        kind = spec.kind
        title = spec.title or view_title(kind)
        if kind == "map":
            content = MapCanvas(layers=self.session.layers, keys=spec.layers)
            content.set_background(palette.MAP_STYLE[self.session.layers["basemap"].style]["bg"])
            content.setInteractive(False)
            content.set_home(*self.session.kit.road_bounds)
            view = WallView(spec, ViewFrame(title, content), canvas=content)
        elif kind == "cctv":
            from sitroom.widgets.video_wall import VideoWall

            cap = cameras_of(self.session)
            if cap is None or cap.hub is None:
                content = QtWidgets.QLabel(QtCore.QCoreApplication.translate("Wall", "No cameras in this session."))
                view = WallView(spec, ViewFrame(title, content))
            else:
                content = VideoWall(cap.hub, cap.layer, None, can_pop_out=False, kiosk=True)
                content.set_grid(spec.grid)
                if spec.cameras:
                    content.restore({"grid": spec.grid, "cameras": list(spec.cameras)})
                view = WallView(spec, ViewFrame(title, content), video=content, filled=bool(spec.cameras))
        elif kind == "incidents":
            content = IncidentQueue(self.session.incidents)
            for combo in (content.filter, content.type_filter, content.sort):
                combo.hide()
            view = WallView(spec, ViewFrame(title, content), queue=content)
        elif kind == "kpi":
            content = KpiBoard()
            view = WallView(spec, ViewFrame(title, content), kpi=content)
        elif kind == "alarms":
            content = AlarmSummary()
            view = WallView(spec, ViewFrame(title, content), alarms=content)
        else:
            content = FeedsWidget()
            view = WallView(spec, ViewFrame(title, content), feeds=content)
        read_only(view.frame)
        self.views[preset.name, spec.name] = view
        return view

    def _home(self, view: WallView) -> None:
        canvas, spec = view.canvas, view.spec
        assert canvas is not None
        if spec.center is not None:
            import numpy as np

            x, y = self.session.projector(np.array([spec.center[0]]), np.array([spec.center[1]]))
            canvas.center_on(float(x[0]), float(y[0]), width_m=(spec.width_km or 10.0) * 1000)
        elif spec.width_km is not None:
            x0, y0, x1, y1 = self.session.kit.road_bounds
            canvas.center_on((x0 + x1) / 2, (y0 + y1) / 2, width_m=spec.width_km * 1000)
        else:
            canvas.fit_home()

    def _current_views(self) -> list[WallView]:
        if self._shown is None:
            return []
        return [self.views[self._shown.name, v.name] for v in self._shown.views
                if (self._shown.name, v.name) in self.views]

    # ------------------------------------------------------------ rules and what is shown

    def _transition(self, t: Transition) -> None:
        text = f"{t.before.preset} → {t.after.preset}" + (
            f", focus {t.after.focus.incident}" if t.after.focus else "") + f" ({t.why})"
        if self.audit is not None:
            try:
                self.audit.record_access(t.who, "supervisor" if t.who else "", "wall", text)
            except Exception as exc:  # the log is not worth the wall
                log.error("audit: %s", exc)

    def situation(self):
        monitor = monitor_of(self.session)
        flood = bool(monitor is not None and monitor.engine.flood.active)
        return situation_of(self.session.incidents.open_incidents(), flood, self.disaster)

    def update_rules(self) -> WallState:
        state = self.engine.update(self.situation())
        self._apply(state)
        return state

    def _apply(self, state: WallState) -> None:
        preset = self.layout.presets[state.preset]
        if self._shown is None or preset.name != self._shown.name:
            if self._shown is not None:
                self.presets_switched += 1
            self._leave_views()
            self._shown = preset
            for w in self.windows:
                w.show_preset(preset)
            for view in self._current_views():
                if view.canvas is not None:
                    self.loop.add_canvas(view.canvas)
                    QtCore.QTimer.singleShot(0, lambda v=view: self._home(v))
                    self._home(view)
            self._focus_applied = None
        key = (preset.name, state.focus) if state.focus is not None else None
        if key != self._focus_applied:
            self._unfocus()
            if state.focus is not None:
                self._focus(preset, state)
            self._focus_applied = key
        self._banner(state)

    def _leave_views(self) -> None:
        self._unfocus()
        for view in self._current_views():
            if view.canvas is not None:
                self.loop.remove_canvas(view.canvas)

    def _focus(self, preset: Preset, state: WallState) -> None:
        f = state.focus
        assert f is not None
        inc = self.session.incidents.incidents.get(f.incident)
        what = (f"P{inc.priority} {labels.incident_type(inc.type)} · {inc.place or inc.id}" if inc is not None
                else f.incident)
        if f.map and (preset.name, f.map) in self.views:
            view = self.views[preset.name, f.map]
            if view.canvas is not None:
                view.canvas.center_on(f.x, f.y, width_m=f.width_km * 1000)
                view.frame.title.setText(QtCore.QCoreApplication.translate("Wall", "{0} — incident {1}").format(
                    view.spec.title or view_title("map"), what))
        if f.cameras and (preset.name, f.cameras) in self.views:
            view = self.views[preset.name, f.cameras]
            cap = cameras_of(self.session)
            if view.video is not None and cap is not None:
                ids = [cap.layer.cameras[s.row].id for s in cap.cameras_for(f.x, f.y)]
                view.saved_cameras = view.video.layout_state()
                if ids:
                    view.video.fill(ids)
                    text = QtCore.QCoreApplication.translate("Wall", "{0} — {1} cameras see incident {2}").format(
                        view.spec.title or view_title("cctv"), len(ids), what)
                else:
                    text = QtCore.QCoreApplication.translate("Wall", "{0} — no camera sees incident {1}").format(
                        view.spec.title or view_title("cctv"), what)
                view.frame.title.setText(text)

    def _unfocus(self) -> None:
        if self._focus_applied is None:
            return
        preset_name, focus = self._focus_applied
        for name in (focus.map, focus.cameras):
            view = self.views.get((preset_name, name or ""))
            if view is None:
                continue
            view.frame.title.setText(view.spec.title or view_title(view.spec.kind))
            if view.canvas is not None:
                self._home(view)
            if view.video is not None and view.saved_cameras is not None:
                view.video.restore(view.saved_cameras)
                view.saved_cameras = None
        self._focus_applied = None

    def _banner(self, state: WallState) -> None:
        text, level = "", "info"
        if state.reason == "pinned":
            text = QtCore.QCoreApplication.translate("Wall", "Preset {0} pinned by {1}").format(
                state.preset, self.engine.pinned_by or "—")
        elif state.reason == "disaster":
            text, level = QtCore.QCoreApplication.translate("Wall", "DISASTER MODE declared"), "bad"
        elif state.reason == "alarm-flood":
            text, level = QtCore.QCoreApplication.translate("Wall", "ALARM FLOOD"), "bad"
        elif state.reason == "p1-incident" and state.focus is not None:
            inc = self.session.incidents.incidents.get(state.focus.incident)
            if inc is not None:
                text, level = QtCore.QCoreApplication.translate("Wall", "P{0} {1}: {2}").format(
                    inc.priority, labels.incident_type(inc.type), inc.place or inc.id), "bad"
        for w in self.windows:
            w.banner.show_message(text, level)

    # ------------------------------------------------------------ per frame and per panel tick

    def _frame(self, moment: Moment) -> None:
        cap = cameras_of(self.session)
        views = [v for v in self._current_views() if v.video is not None]
        videos = [v.video for v in views]
        if cap is not None and videos:
            for v in views:
                if not v.filled and v.saved_cameras is None:
                    self._default_cameras(v, cap)
            cap.refresh(moment.now)
            for video in videos:
                video.tick(moment.now, moment.now_ms)

    def _default_cameras(self, view: WallView, cap) -> None:
        """A camera wall the layout gave no cameras: the first with video, once the feed declared enough."""
        want = view.spec.grid * view.spec.grid
        with_video = [c.id for c in cap.layer.cameras if c.src and c.status == "ok"]
        if len(with_video) >= want or (with_video and time.monotonic() - self._started >= 5.0):
            view.filled = True
            view.video.restore({"grid": view.spec.grid, "cameras": with_video[:want]})

    def _panels(self, moment: Moment) -> None:
        self.update_rules()
        self.refresh(moment)

    def refresh(self, moment: Moment | None = None) -> None:
        session = self.session
        now = session.clock() if moment is None else moment.now
        now_ms = session.clock_ms() if moment is None else moment.now_ms
        views = self._current_views()
        if any(v.kpi is not None for v in views) and time.monotonic() - self._coverage_at >= _COVERAGE_EVERY_S:
            self._coverage_at = time.monotonic()
            try:
                self.room.desk.update_coverage()
            except Exception as exc:  # a wall shows what it can
                log.warning("coverage: %s", exc)
        for view in views:
            if view.queue is not None:
                view.queue.refresh(now_ms, self.room.desk.pending())
            elif view.kpi is not None:
                view.kpi.show_kpis(self.kpis(now, now_ms))
            elif view.alarms is not None:
                view.alarms.refresh(monitor_of(session), now_ms)
            elif view.feeds is not None:
                view.feeds.show_health(session.client.health, now)
        down = [h.name for h in session.client.health if h.state(now) != FeedState.LIVE and h.messages]
        text = QtCore.QCoreApplication.translate("Wall", "Not live: {0}. Their data is the last known.").format(
            ", ".join(down)) if down else ""
        for w in self.windows:
            w.feeds_banner.show_message(text, "warn")

    def kpis(self, now: float, now_ms: int) -> list[Kpi]:
        """The room's figures right now (the supervisor's figures over a shift come from services/figures)."""
        tr = QtCore.QCoreApplication.translate
        book = self.session.incidents
        open_ = book.open_incidents()
        waiting = [i for i in open_ if i.status == "new"]
        urgent = [i for i in waiting if i.priority <= 2]
        from sitroom.services.vocabulary import STATION_KINDS, VehicleStatus

        v = self.session.vehicles
        import numpy as np

        units = np.isin(v.type[: v.n], list(STATION_KINDS))
        free = int((units & (v.status[: v.n] == VehicleStatus.AVAILABLE)).sum())
        out = [
            Kpi("open", tr("Wall", "Open incidents"), str(len(open_)),
                "bad" if any(i.priority == 1 for i in open_) else "",
                tr("Wall", "P1 {0} · P2 {1}").format(sum(i.priority == 1 for i in open_),
                                                     sum(i.priority == 2 for i in open_))),
            Kpi("waiting", tr("Wall", "Waiting for acknowledgement"), str(len(waiting)),
                "bad" if urgent else ("warn" if waiting else "ok"),
                tr("Wall", "{0} urgent (P1–P2)").format(len(urgent))),
            Kpi("units", tr("Wall", "Units available"), f"{free}/{int(units.sum())}",
                "warn" if units.any() and free < 0.2 * units.sum() else ""),
        ]
        cov = self.room.desk.coverage
        share = getattr(cov, "share", None)
        out.append(Kpi("coverage", tr("Wall", "5-minute coverage"),
                       "—" if share is None or share != share else f"{share:.0%}",
                       "" if share is None or share != share else ("ok" if share >= 0.6 else "warn"),
                       tr("Wall", "road length reached by available fire engines")))
        rt = self.room.figures.figures(self.session, now_ms).response
        out.append(Kpi("within5", tr("Wall", "On scene within 5 min"),
                       "—" if rt.n == 0 else f"{rt.within_5:.0%}", "" if rt.n == 0 else
                       ("ok" if rt.within_5 >= 0.6 else "warn"),
                       tr("Wall", "7 min: {0} · {1} arrivals").format(
                           "—" if rt.n == 0 else f"{rt.within_7:.0%}", rt.n)))
        monitor = monitor_of(self.session)
        alarms = monitor.engine.active_count() if monitor is not None else 0
        health = self.session.client.health
        live = sum(h.state(now) == FeedState.LIVE for h in health)
        out.append(Kpi("alarms", tr("Wall", "Active alarms"), str(alarms), "bad" if alarms else "ok",
                       tr("Wall", "feeds live: {0}/{1}").format(live, len(health))))
        return out

    # ------------------------------------------------------------ commands (remote control, tests)

    def command(self, cmd: dict, who: str = "") -> dict:
        """One command to the wall: ``{"op": "preset", "name": N}`` pins a preset, ``{"op": "unpin"}``,
        ``{"op": "disaster", "on": bool}``, ``{"op": "view", "view": V, "lon": .., "lat": .., "width_km": ..}``
        centres a map view, ``{"op": "cameras", "view": V, "cameras": [...]}`` fills a camera wall,
        ``{"op": "status"}``. Returns ``{"ok": bool, ...}``, with ``error`` saying why not."""
        op = cmd.get("op")
        self.commands += 1
        try:
            if op == "status":
                return {"ok": True, **self.status()}
            if op == "preset":
                self._apply(self.engine.pin(str(cmd.get("name")), who))
            elif op == "unpin":
                self._apply(self.engine.unpin(who))
            elif op == "disaster":
                self.disaster = bool(cmd.get("on"))
                self.update_rules()
            elif op == "view":
                view = self._named(str(cmd.get("view")), "map")
                import numpy as np

                x, y = self.session.projector(np.array([float(cmd["lon"])]), np.array([float(cmd["lat"])]))
                view.canvas.center_on(float(x[0]), float(y[0]), width_m=float(cmd.get("width_km", 2.0)) * 1000)
            elif op == "cameras":
                view = self._named(str(cmd.get("view")), "cctv")
                cams = [str(c) for c in cmd.get("cameras") or []][:16]
                if view.video is None:
                    raise ValueError("this wall has no camera pictures")
                view.video.fill(cams)
            else:
                raise ValueError(f"unknown command {op!r}")
        except (KeyError, ValueError, TypeError) as exc:
            return {"ok": False, "error": str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)}
        if self.audit is not None and op != "status":
            try:
                self.audit.record_access(who, "supervisor", "wall-command", repr(cmd))
            except Exception as exc:
                log.error("audit: %s", exc)
        return {"ok": True, **self.status()}

    def _named(self, name: str, kind: str) -> WallView:
        if self._shown is None or self._shown.view(name) is None:
            raise ValueError(f"the preset shown has no view {name!r}")
        view = self.views.get((self._shown.name, name))
        if view is None or view.spec.kind != kind:
            raise ValueError(f"view {name!r} is not a {kind} view")
        return view

    def status(self) -> dict:
        state = self.engine.state
        return {"preset": state.preset, "reason": state.reason, "pinned": self.engine.pinned,
                "focus": state.focus.incident if state.focus else None, "disaster": self.disaster,
                "presets": list(self.layout.presets),
                "views": [{"name": v.name, "kind": v.kind} for v in self.layout.presets[state.preset].views]}

    def stats(self) -> dict:
        return {"windows": len(self.windows), "screens": self.screens_used, "presets_switched": self.presets_switched,
                "preset": self.engine.state.preset, "transitions": len(self.engine.transitions),
                "commands": self.commands}

    def save_screenshots(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        out = []
        for i, w in enumerate(self.windows):
            path = directory / f"wall-{i}-{w.name}.png"
            w.shot().save(str(path))
            out.append(path)
        return out
