"""The video wall: 1×1 to 4×4 tiles of live cameras, a list of cameras to drag onto them, and presets.

A camera is put on a tile by dragging it from the list or from the map, or by the dispatcher's key that fills
the wall with the cameras that can see the selected incident. Dragging a tile onto another swaps them;
double-clicking one enlarges it over the whole wall (and takes the camera's full-resolution stream, where it
has one) until double-clicked again. Presets are named layouts; where they are kept is the window's business
(``presets``, e.g. the settings file). A hidden wall closes its streams: nothing off screen is received.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.layers.cameras import CameraLayer
from sitroom.resources import palette
from sitroom.services.video.hub import Picture, VideoHub
from sitroom.widgets.map.camera_item import CAMERA_MIME
from sitroom.widgets.video.tile import VideoTile

GRIDS = (1, 2, 3, 4)
MAX_TILES = 16


class Presets(Protocol):
    def names(self) -> list[str]: ...
    def get(self, name: str) -> dict | None: ...
    def put(self, name: str, layout: dict) -> None: ...
    def delete(self, name: str) -> None: ...


class CameraList(QtWidgets.QListWidget):
    """Every camera by name, filtered by what is typed; drag one onto a tile."""

    def __init__(self, cameras: CameraLayer, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.cameras = cameras
        self._version = -1
        self._filter = ""
        self.setDragEnabled(True)
        self.setDragDropMode(QtWidgets.QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)

    def set_filter(self, text: str) -> None:
        self._filter = text.strip().lower()
        self._version = -1
        self.refresh()

    def refresh(self) -> None:
        """The list again when cameras came or went (and their colours by state, cheaply, always)."""
        layer = self.cameras
        if layer.version != self._version:
            self._version = layer.version
            self.clear()
            for cam in sorted(layer.cameras, key=lambda c: (c.src == "", c.name)):
                if self._filter and self._filter not in cam.name.lower() and self._filter not in cam.id.lower():
                    continue
                item = QtWidgets.QListWidgetItem(cam.name if cam.name == cam.id else f"{cam.name}  ({cam.id})")
                item.setData(QtCore.Qt.ItemDataRole.UserRole, cam.id)
                self.addItem(item)
        for i in range(self.count()):
            item = self.item(i)
            row = layer.index.get(item.data(QtCore.Qt.ItemDataRole.UserRole))
            if row is not None:
                colour = QtGui.QColor(palette.CAMERA_STATE[int(layer.state[row])])
                if item.foreground().color() != colour:
                    item.setForeground(colour)

    def mimeData(self, items: list[QtWidgets.QListWidgetItem]) -> QtCore.QMimeData:
        mime = QtCore.QMimeData()
        if items:
            camera = items[0].data(QtCore.Qt.ItemDataRole.UserRole)
            mime.setData(CAMERA_MIME, camera.encode("utf-8"))
            mime.setText(camera)
        return mime

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]


class VideoWall(QtWidgets.QWidget):
    pop_out = QtCore.Signal()  # the user wants the wall in a window of its own
    changed = QtCore.Signal()  # what the wall shows changed (to remember it)

    def __init__(self, hub: VideoHub, cameras: CameraLayer, presets: Presets | None = None,
                 parent: QtWidgets.QWidget | None = None, *, can_pop_out: bool = True, kiosk: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("video-wall")
        self.hub = hub
        self.cameras = cameras
        self.presets = presets
        self.grid = 2
        self.enlarged: int | None = None
        self.on_shown: Callable[[Picture], None] | None = None
        self.active = True
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        bar = QtWidgets.QHBoxLayout()
        self.grid_box = QtWidgets.QComboBox()
        for n in GRIDS:
            self.grid_box.addItem(f"{n}×{n}", n)
        self.grid_box.setCurrentIndex(GRIDS.index(self.grid))
        self.grid_box.setToolTip(self.tr("Tiles on the wall"))
        self.grid_box.currentIndexChanged.connect(lambda i: self.set_grid(GRIDS[i]))
        self.preset_box = QtWidgets.QComboBox()
        self.preset_box.setMinimumWidth(100)
        self.preset_box.setPlaceholderText(self.tr("Presets"))
        self.preset_box.activated.connect(lambda i: self.load_preset(self.preset_box.itemText(i)))
        # The rarer actions in one menu, so the bar fits a dock beside the map.
        self.wall_menu = QtWidgets.QToolButton()
        self.wall_menu.setText(self.tr("Wall"))
        self.wall_menu.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(self.wall_menu)
        menu.addAction(self.tr("Save as preset…"), self._ask_preset)
        menu.addAction(self.tr("Delete this preset"), self._delete_preset)
        menu.addSeparator()
        menu.addAction(self.tr("Clear every tile"), self.clear)
        self.wall_menu.setMenu(menu)
        self.list_button = QtWidgets.QToolButton()
        self.list_button.setText(self.tr("Cameras"))
        self.list_button.setCheckable(True)
        self.list_button.setChecked(True)
        for w in (self.grid_box, self.preset_box, self.wall_menu, self.list_button):
            bar.addWidget(w)
        bar.addStretch(1)
        if can_pop_out:
            menu.addSeparator()
            menu.addAction(self.tr("Open in its own window"), self.pop_out.emit)
        box.addLayout(bar)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        side = QtWidgets.QWidget()
        side_box = QtWidgets.QVBoxLayout(side)
        side_box.setContentsMargins(0, 0, 0, 0)
        self.find = QtWidgets.QLineEdit()
        self.find.setPlaceholderText(self.tr("Filter cameras"))
        self.camera_list = CameraList(cameras)
        self.find.textChanged.connect(self.camera_list.set_filter)
        self.camera_list.itemDoubleClicked.connect(self._list_chosen)
        side_box.addWidget(self.find)
        side_box.addWidget(self.camera_list)
        self.list_button.toggled.connect(side.setVisible)
        self.tiles_area = QtWidgets.QWidget()
        self.tiles_area.setObjectName("tiles")
        pal = self.tiles_area.palette()
        pal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(palette.UI["base"]))
        self.tiles_area.setAutoFillBackground(True)
        self.tiles_area.setPalette(pal)
        self.layout_grid = QtWidgets.QGridLayout(self.tiles_area)
        self.layout_grid.setSpacing(2)
        self.layout_grid.setContentsMargins(0, 0, 0, 0)
        self.tiles: list[VideoTile] = []
        for i in range(MAX_TILES):
            tile = VideoTile(hub, cameras, i, self.tiles_area)
            tile.dropped.connect(self.assign)
            tile.swapped.connect(self.swap)
            tile.double_clicked.connect(self.toggle_enlarge)
            tile.cleared.connect(lambda i: self.assign(i, None))
            tile.on_shown = self._shown
            self.tiles.append(tile)
        split.addWidget(side)
        split.addWidget(self.tiles_area)
        split.setStretchFactor(1, 1)
        split.setSizes([160, 640])
        # Low enough that the wall, beside the map, never takes height from the waiting calls below it.
        split.setMinimumHeight(72)
        box.addWidget(split, 1)
        if kiosk:  # a wall display: the tiles alone, nothing to choose or drag
            for i in range(bar.count()):
                item = bar.itemAt(i)
                if item.widget() is not None:
                    item.widget().hide()
            side.hide()
            box.setContentsMargins(0, 0, 0, 0)
            for tile in self.tiles:
                tile.setAcceptDrops(False)
        self._relayout()
        self._fill_presets()

    def _shown(self, picture: Picture) -> None:
        if self.on_shown is not None:
            self.on_shown(picture)

    # ------------------------------------------------------------ layout

    def visible_tiles(self) -> list[VideoTile]:
        if self.enlarged is not None:
            return [self.tiles[self.enlarged]]
        return self.tiles[: self.grid * self.grid]

    def _relayout(self) -> None:
        while self.layout_grid.count():
            self.layout_grid.takeAt(0)
        shown = set(map(id, self.visible_tiles()))
        for tile in self.tiles:
            tile.setVisible(id(tile) in shown)
        if self.enlarged is not None:
            self.layout_grid.addWidget(self.tiles[self.enlarged], 0, 0)
        else:
            for i, tile in enumerate(self.tiles[: self.grid * self.grid]):
                self.layout_grid.addWidget(tile, i // self.grid, i % self.grid)
        self._sync_streams()

    def _sync_streams(self) -> None:
        """Streams open exactly for the tiles on screen (a tile off the grid keeps its camera, closed)."""
        shown = set(map(id, self.visible_tiles())) if self.isVisible() and self.active else set()
        for tile in self.tiles:
            tile.set_active(id(tile) in shown)

    def set_active(self, active: bool) -> None:
        """Hidden (a closed dock, another tab): every stream closes; shown again: they reopen."""
        self.active = active
        self._sync_streams()

    def set_grid(self, n: int) -> None:
        n = min(max(int(n), 1), 4)
        self.enlarged = None
        for tile in self.tiles:
            tile.show_camera(tile.camera, hd=False)
        self.grid = n
        if self.grid_box.currentIndex() != GRIDS.index(n):
            self.grid_box.blockSignals(True)
            self.grid_box.setCurrentIndex(GRIDS.index(n))
            self.grid_box.blockSignals(False)
        self._relayout()
        self.changed.emit()

    def toggle_enlarge(self, index: int) -> None:
        tile = self.tiles[index]
        if self.enlarged == index:
            self.enlarged = None
            tile.show_camera(tile.camera, hd=False)
        elif tile.camera is not None:
            self.enlarged = index
            tile.show_camera(tile.camera, hd=True)  # the full-resolution stream where there is one
        self._relayout()

    # ------------------------------------------------------------ cameras

    def cameras_shown(self) -> list[str | None]:
        return [t.camera for t in self.tiles[: self.grid * self.grid]]

    def assign(self, index: int, camera: str | None) -> None:
        if 0 <= index < MAX_TILES:
            self.tiles[index].show_camera(camera)
            self._sync_streams()
            self.changed.emit()

    def swap(self, a: int, b: int) -> None:
        ca, cb = self.tiles[a].camera, self.tiles[b].camera
        self.tiles[a].show_camera(cb)
        self.tiles[b].show_camera(ca)
        self._sync_streams()
        self.changed.emit()

    def clear(self) -> None:
        self.enlarged = None
        for tile in self.tiles:
            tile.show_camera(None)
        self._relayout()
        self.changed.emit()

    def fill(self, cameras: list[str]) -> None:
        """Show these cameras, first first, on the smallest grid that holds them (at most 16)."""
        cameras = cameras[:MAX_TILES]
        n = next((g for g in GRIDS if g * g >= len(cameras)), GRIDS[-1])
        self.enlarged = None
        for i, tile in enumerate(self.tiles):
            tile.show_camera(cameras[i] if i < len(cameras) else None)
        self.set_grid(n)

    def _list_chosen(self, item: QtWidgets.QListWidgetItem) -> None:
        """Double-click in the list: onto the first empty tile (else the last)."""
        camera = item.data(QtCore.Qt.ItemDataRole.UserRole)
        tiles = self.tiles[: self.grid * self.grid]
        free = next((t.index for t in tiles if t.camera is None), tiles[-1].index)
        self.assign(free, camera)

    def tick(self, now: float, now_ms: int) -> None:
        for tile in self.visible_tiles():
            tile.tick(now, now_ms)
        if self.camera_list.isVisible():
            self.camera_list.refresh()

    # ------------------------------------------------------------ layouts and presets

    def layout_state(self) -> dict:
        return {"grid": self.grid, "cameras": [t.camera for t in self.tiles]}

    def restore(self, state: dict | None) -> None:
        if not isinstance(state, dict):
            return
        cams = state.get("cameras")
        if isinstance(cams, list):
            for tile, cam in zip(self.tiles, cams, strict=False):
                tile.show_camera(cam if isinstance(cam, str) else None)
        grid = state.get("grid")
        self.set_grid(grid if isinstance(grid, int) and grid in GRIDS else self.grid)

    def _fill_presets(self) -> None:
        self.preset_box.clear()
        if self.presets is not None:
            self.preset_box.addItems(self.presets.names())
        self.preset_box.setCurrentIndex(-1)

    def save_preset(self, name: str) -> None:
        if self.presets is not None and name.strip():
            self.presets.put(name.strip(), self.layout_state())
            self._fill_presets()

    def load_preset(self, name: str) -> bool:
        state = self.presets.get(name) if self.presets is not None else None
        if state is None:
            return False
        self.restore(state)
        return True

    def _ask_preset(self) -> None:
        name, ok = QtWidgets.QInputDialog.getText(self, self.tr("Save preset"), self.tr("Name of this layout:"))
        if ok:
            self.save_preset(name)

    def _delete_preset(self) -> None:
        name = self.preset_box.currentText()
        if self.presets is not None and name:
            self.presets.delete(name)
            self._fill_presets()

    def showEvent(self, ev: QtGui.QShowEvent) -> None:
        super().showEvent(ev)
        self._sync_streams()

    def hideEvent(self, ev: QtGui.QHideEvent) -> None:
        super().hideEvent(ev)
        QtCore.QTimer.singleShot(0, self._sync_streams)

    def close_streams(self) -> None:
        for tile in self.tiles:
            tile.set_active(False)


