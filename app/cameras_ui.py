"""The operator window's cameras: the video wall as a dock and as a window of its own, a live view of a camera
clicked on the map, the key that fills the wall with the cameras that can see the selected incident, and the
wall's layout and presets kept in the settings file.
"""

from __future__ import annotations

import json
import time

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.app.capabilities.cameras import CamerasCapability, cameras_of
from sitroom.app.settings import settings
from sitroom.layers.base import Moment
from sitroom.services.video.hub import Picture
from sitroom.widgets import labels
from sitroom.widgets.video.decoder import qt_decode
from sitroom.widgets.video.tile import VideoTile
from sitroom.widgets.video_wall import VideoWall

DECODER_THREADS = 2
_DEFAULT_WALL = 4  # a first start shows this many cameras with video, as soon as they are known
_DEFAULT_AFTER_S = 5.0  # ...or as many as there are after this long


class SettingsPresets:
    """The wall's named layouts in the settings file (one JSON map under ``cameras/presets``)."""

    KEY = "cameras/presets"

    def _all(self) -> dict:
        try:
            value = json.loads(str(settings().value(self.KEY, "{}")))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def names(self) -> list[str]:
        return sorted(self._all())

    def get(self, name: str) -> dict | None:
        return self._all().get(name)

    def put(self, name: str, layout: dict) -> None:
        presets = self._all()
        presets[name] = layout
        settings().setValue(self.KEY, json.dumps(presets, ensure_ascii=False))

    def delete(self, name: str) -> None:
        presets = self._all()
        presets.pop(name, None)
        settings().setValue(self.KEY, json.dumps(presets, ensure_ascii=False))


class LiveView(QtWidgets.QWidget):
    """One camera in a small window of its own (a click on the map)."""

    closed = QtCore.Signal(object)

    def __init__(self, cap: CamerasCapability, camera: str, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent, QtCore.Qt.WindowType.Tool)
        assert cap.hub is not None
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        cam = cap.layer.get(camera)
        self.setWindowTitle(self.tr("Camera {0}").format(cam.name if cam else camera))
        self.tile = VideoTile(cap.hub, cap.layer, 0, self)
        self.tile.setAcceptDrops(False)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.tile)
        self.resize(480, 300)
        self.tile.show_camera(camera)

    def closeEvent(self, ev: QtGui.QCloseEvent) -> None:
        self.tile.show_camera(None)
        self.closed.emit(self)
        super().closeEvent(ev)


class CamerasController(QtCore.QObject):
    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.cap = cameras_of(window.session)
        self.wall: VideoWall | None = None
        self.dock: QtWidgets.QDockWidget | None = None
        self.window_wall: VideoWall | None = None
        self.wall_window: QtWidgets.QMainWindow | None = None
        self.live_views: list[LiveView] = []
        self._started = time.monotonic()
        self._default_pending = False
        if self.cap is None or self.cap.hub is None:
            return
        self.cap.hub.use_decoder(qt_decode, DECODER_THREADS)
        self.wall = VideoWall(self.cap.hub, self.cap.layer, SettingsPresets())
        self.wall.on_shown = self._shown
        self.wall.pop_out.connect(self.open_wall_window)
        self.wall.changed.connect(self._remember)
        # Below the right-hand docks, never a tab behind them (a hidden wall shows, and receives, nothing).
        self.dock = QtWidgets.QDockWidget(self.tr("Video wall"), window)
        self.dock.setObjectName("dock-video-wall")
        self.dock.setWidget(self.wall)
        window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, self.dock, QtCore.Qt.Orientation.Vertical)
        self.dock.visibilityChanged.connect(lambda shown: self.wall.set_active(shown))
        self.cap.layer.activated.connect(self.open_live)
        window.loop.sig_frame.connect(self.frame)
        try:
            state = json.loads(str(settings().value("cameras/wall", "null")))
        except ValueError:
            state = None
        self._default_pending = not isinstance(state, dict)
        self.wall.restore(state)

    @property
    def enabled(self) -> bool:
        return self.wall is not None

    def extra_health(self) -> list:
        """The Feeds dock's row for the cameras' stream URLs (none without them)."""
        return self.cap.extra_health() if self.cap is not None else []

    def build_actions(self, view: QtWidgets.QMenu) -> None:
        if self.dock is None:
            return
        view.addAction(self.dock.toggleViewAction())
        view.addAction(self.tr("Video wall in its own window"), self.open_wall_window,
                       QtGui.QKeySequence("Ctrl+Shift+V"))

    # ------------------------------------------------------------ per frame

    def frame(self, moment: Moment) -> None:
        cap = self.cap
        assert cap is not None and self.wall is not None
        cap.refresh(moment.now)
        for wall in (self.wall, self.window_wall):
            if wall is not None:
                wall.tick(moment.now, moment.now_ms)
        for view in self.live_views:
            view.tile.tick(moment.now, moment.now_ms)
        if self._default_pending:
            self._default_wall()

    def _default_wall(self) -> None:
        """A first start: a few cameras with video on a 2×2 wall, once the feed has declared them."""
        assert self.cap is not None and self.wall is not None
        with_video = [c.id for c in self.cap.layer.cameras if c.src and c.status == "ok"]
        waited = time.monotonic() - self._started >= _DEFAULT_AFTER_S
        if len(with_video) >= _DEFAULT_WALL or (waited and with_video):
            self._default_pending = False
            self.wall.fill(with_video[:_DEFAULT_WALL])
        elif waited:
            self._default_pending = False

    def _shown(self, picture: Picture) -> None:
        if self.cap is not None:
            self.cap.frames_shown += 1

    def _remember(self) -> None:
        self._default_pending = False  # the wall was set up (by someone, or by the default itself)
        wall = self.window_wall or self.wall
        if wall is not None:
            settings().setValue("cameras/wall", json.dumps(wall.layout_state(), ensure_ascii=False))

    # ------------------------------------------------------------ views

    def open_live(self, camera: str) -> LiveView | None:
        if self.cap is None:
            return None
        for view in self.live_views:
            if view.tile.camera == camera:
                view.raise_()
                return view
        view = LiveView(self.cap, camera, self.w)
        view.tile.on_shown = self._shown
        view.closed.connect(lambda v: self.live_views.remove(v) if v in self.live_views else None)
        self.live_views.append(view)
        view.show()
        return view

    def open_wall_window(self) -> None:
        """The wall in a window of its own (a second screen); the dock steps aside until it closes."""
        if self.cap is None or self.wall is None or self.dock is None:
            return
        if self.wall_window is not None:
            self.wall_window.raise_()
            return
        win = QtWidgets.QMainWindow(self.w)
        win.setWindowFlag(QtCore.Qt.WindowType.Window, True)
        win.setWindowTitle(self.tr("SitRoom — video wall"))
        wall = VideoWall(self.cap.hub, self.cap.layer, SettingsPresets(), can_pop_out=False)
        wall.on_shown = self._shown
        wall.changed.connect(self._remember)
        win.setCentralWidget(wall)
        win.resize(1280, 800)
        layout = self.wall.layout_state()
        self.dock.hide()
        self.wall.close_streams()
        self.wall_window, self.window_wall = win, wall
        win.show()
        wall.restore(layout)
        win.installEventFilter(self)

    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:
        if obj is self.wall_window and ev.type() == QtCore.QEvent.Type.Close:
            self._wall_window_closed()
        return False

    def _wall_window_closed(self) -> None:
        wall, self.window_wall, self.wall_window = self.window_wall, None, None
        if wall is None or self.wall is None or self.dock is None:
            return
        layout = wall.layout_state()
        wall.close_streams()
        self.wall.restore(layout)
        self.dock.show()

    @property
    def active_wall(self) -> VideoWall | None:
        return self.window_wall or self.wall

    # ------------------------------------------------------------ cameras for an incident

    def show_incident(self, incident_id: str) -> list[str]:
        """Fill the wall with the cameras that can see the incident, best first; returns their ids."""
        cap, wall = self.cap, self.active_wall
        if cap is None or wall is None:
            return []
        inc = self.w.desk.book.incidents.get(incident_id)
        if inc is None:
            return []
        found = cap.cameras_for(inc.x, inc.y)
        ids = [cap.layer.cameras[s.row].id for s in found]
        cap.layer.choose(ids, (inc.x, inc.y), inc.id)
        cap.incident = inc.id
        blind = cap.without_direction_near(inc.x, inc.y)
        note = (" " + self.tr("{0} more cameras in range have no direction and were left out.").format(blind)
                if blind else "")
        if not ids:
            self.w.statusBar().showMessage(self.tr("No camera can see {0}.").format(inc.id) + note, 8000)
            return []
        wall.fill(ids)
        if wall is self.wall and self.dock is not None:
            self.dock.show()
            self.dock.raise_()
        self.w.statusBar().showMessage(self.tr("Cameras that can see {1} ({2}), best first: {0}.").format(
            len(ids), inc.id, labels.incident_type(inc.type)) + note, 8000)
        return ids

    def shutdown(self) -> None:
        if self.cap is None:
            return
        self._remember()
        for view in list(self.live_views):
            view.close()
        if self.wall_window is not None:
            self.wall_window.removeEventFilter(self)
            if self.window_wall is not None:
                self.window_wall.close_streams()
            self.wall_window.close()
        if self.wall is not None:
            self.wall.close_streams()
        self.cap.close()
