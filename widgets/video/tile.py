"""One video tile: a camera's newest picture at the tile's size, its name, state, fps and frame age.

A tile opens its camera's stream on the video hub at the size it draws (so the decoder scales to it) and
closes it when it shows another camera or none. It repaints only when a new picture came or what it says
changed. A stream that is not live says so over a dimmed picture: frozen, lost, connecting, refused.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.layers.cameras import CameraLayer, CamState
from sitroom.resources import palette
from sitroom.services.video.hub import HD, SD, Picture, VideoHub
from sitroom.services.video.stream_state import StreamReport, StreamState
from sitroom.widgets import labels
from sitroom.widgets.map.camera_item import CAMERA_MIME
from sitroom.widgets.video.decoder import as_qimage

TILE_MIME = "application/x-sitroom-tile"  # a tile dragged onto another: they swap
_WORDS_EVERY_S = 0.5
_COLOUR = {StreamState.NO_SOURCE: CamState.NO_VIDEO, StreamState.CONNECTING: CamState.CONNECTING,
           StreamState.LIVE: CamState.LIVE, StreamState.FROZEN: CamState.FROZEN, StreamState.LOST: CamState.LOST,
           StreamState.REFUSED: CamState.REFUSED}


class VideoTile(QtWidgets.QWidget):
    dropped = QtCore.Signal(int, str)  # this tile's index, the camera dropped on it
    swapped = QtCore.Signal(int, int)  # a tile dragged onto this one: (from, to)
    double_clicked = QtCore.Signal(int)
    cleared = QtCore.Signal(int)

    def __init__(self, hub: VideoHub, cameras: CameraLayer, index: int,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.cameras = cameras
        self.index = index
        self.camera: str | None = None
        self.hd = False
        self.active = True  # a hidden wall shows nothing: its streams are closed
        self.on_shown: Callable[[Picture], None] | None = None  # each new picture painted (stats, bench)
        self._key: tuple[str, str] | None = None
        self._picture: Picture | None = None
        self._image: QtGui.QImage | None = None
        self._report = StreamReport(StreamState.NO_SOURCE, "", 0.0, {})
        self._text = ""
        self._age = ""
        self._fps = 0.0
        self._said_at = float("-inf")
        self._press: QtCore.QPointF | None = None
        self.setAcceptDrops(True)
        self.setMinimumSize(80, 60)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding)
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    # ------------------------------------------------------------ what it shows

    def draw_size(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF()
        return max(1, int(self.width() * ratio)), max(1, int(self.height() * ratio))

    def show_camera(self, camera: str | None, hd: bool = False) -> None:
        hd = hd and camera is not None and self.hub.has_hd(camera)
        if (camera, hd) == (self.camera, self.hd):
            return
        self._close()
        self.camera, self.hd = camera, hd
        self._picture = self._image = None
        self._open()
        self.update()

    def set_active(self, active: bool) -> None:
        if active != self.active:
            self.active = active
            self._open() if active else self._close()

    def _open(self) -> None:
        if self.camera is not None and self.active and self._key is None:
            self._key = (self.camera, HD if self.hd else SD)
            self.hub.open(self._key, self, self.draw_size())

    def _close(self) -> None:
        if self._key is not None:
            self.hub.close(self._key, self)
            self._key = None

    def resizeEvent(self, ev: QtGui.QResizeEvent) -> None:
        super().resizeEvent(ev)
        if self._key is not None:
            self.hub.resize(self._key, self, self.draw_size())

    def closeEvent(self, ev: QtGui.QCloseEvent) -> None:
        self._close()
        super().closeEvent(ev)

    # ------------------------------------------------------------ frames

    def tick(self, now: float, now_ms: int) -> None:
        """Called every frame of the window: repaint when a new picture came or the words change."""
        if self._key is None:
            return
        pic = self.hub.picture(self._key)
        report = self.hub.report(self._key, now)
        fresh = pic is not None and (self._picture is None or pic.serial != self._picture.serial)
        if fresh:
            self._picture = pic
            self._image = as_qimage(pic.image, pic.width, pic.height)
        self._report = report
        # The state (and why) repaints at once; fps and age change with every frame, so they are brought up
        # to date with the next picture, or twice a second when none comes (no second paint per picture).
        text = f"{report.state.value}|{report.reason}|{sum(report.faults.values())}"
        if fresh or text != self._text or now - self._said_at >= _WORDS_EVERY_S:
            self._text, self._said_at = text, now
            self._age = "" if self._picture is None else f"{max(0, now_ms - self._picture.ts_ms) / 1000:.1f}"
            self._fps = report.fps
            self.update()
            if fresh and self.on_shown is not None:
                self.on_shown(pic)

    @property
    def state(self) -> StreamState:
        return self._report.state if self.camera is not None else StreamState.NO_SOURCE

    def status_text(self) -> str:
        """What the tile's bottom line says: state (and why), fps, frame age."""
        if self.camera is None:
            return ""
        r = self._report
        words = labels.stream_state(r.state.value)
        if r.reason and r.state is not StreamState.LIVE:
            words += f" · {r.reason}"
        if r.state is StreamState.LIVE:
            words += " · " + self.tr("{0:.0f} fps").format(self._fps)
        if self._picture is not None:
            words += " · " + self.tr("{0} s old").format(self._age)
        faults = sum(r.faults.values())
        if faults:
            commonest = max(r.faults, key=r.faults.get)
            words += " · " + self.tr("{0} bad frames ({1})").format(faults, commonest)
        return words

    # ------------------------------------------------------------ painting

    def paintEvent(self, ev: QtGui.QPaintEvent) -> None:
        p = QtGui.QPainter(self)
        rect = self.rect()
        p.fillRect(rect, QtGui.QColor(palette.VIDEO_BG))
        state = self.state
        colour = QtGui.QColor(palette.CAMERA_STATE[int(_COLOUR[state])])
        if self._image is not None:
            img = self._image
            scale = min(rect.width() / img.width(), rect.height() / img.height())
            w, h = img.width() * scale, img.height() * scale
            target = QtCore.QRectF(rect.x() + (rect.width() - w) / 2, rect.y() + (rect.height() - h) / 2, w, h)
            p.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, abs(scale - 1.0) > 0.01)
            p.drawImage(target, img)
            if state is not StreamState.LIVE:
                p.fillRect(rect, QtGui.QColor(0, 0, 0, 150))  # never mistaken for a live picture
        if self.camera is None:
            p.setPen(QtGui.QColor(palette.UI["muted"]))
            p.drawText(rect, QtCore.Qt.AlignmentFlag.AlignCenter, self.tr("Drop a camera here"))
            p.end()
            return
        cam = self.cameras.get(self.camera)
        name = cam.name if cam is not None else self.camera
        bar = QtGui.QColor(0, 0, 0, 170)
        font = p.font()
        font.setPixelSize(max(10, min(14, rect.height() // 14)))
        p.setFont(font)
        line = font.pixelSize() + 6
        p.fillRect(QtCore.QRect(0, 0, rect.width(), line), bar)
        p.fillRect(QtCore.QRect(0, rect.height() - line, rect.width(), line), bar)
        p.setPen(QtGui.QColor(palette.UI["text"]))
        title = name + ("  · HD" if self.hd else "")
        p.drawText(QtCore.QRect(6, 0, rect.width() - 12, line),
                   QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft, title)
        p.setPen(colour)
        p.drawText(QtCore.QRect(6, rect.height() - line, rect.width() - 12, line),
                   QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft, self.status_text())
        if state is not StreamState.LIVE:
            big = QtGui.QFont(font)
            big.setPixelSize(max(12, min(28, rect.height() // 6)))
            big.setBold(True)
            p.setFont(big)
            p.drawText(rect, QtCore.Qt.AlignmentFlag.AlignCenter, labels.stream_state(state.value))
        pen = QtGui.QPen(colour, 2.0)
        p.setPen(pen)
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        p.drawRect(rect.adjusted(1, 1, -1, -1))
        p.end()

    # ------------------------------------------------------------ mouse, drag and drop

    def mouseDoubleClickEvent(self, ev: QtGui.QMouseEvent) -> None:
        self.double_clicked.emit(self.index)

    def mousePressEvent(self, ev: QtGui.QMouseEvent) -> None:
        self._press = ev.position() if ev.button() == QtCore.Qt.MouseButton.LeftButton else None
        super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev: QtGui.QMouseEvent) -> None:
        if self._press is None or self.camera is None:
            return
        if (ev.position() - self._press).manhattanLength() < QtWidgets.QApplication.startDragDistance():
            return
        self._press = None
        mime = QtCore.QMimeData()
        mime.setData(TILE_MIME, str(self.index).encode())
        mime.setData(CAMERA_MIME, self.camera.encode("utf-8"))
        drag = QtGui.QDrag(self)
        drag.setMimeData(mime)
        drag.exec(QtCore.Qt.DropAction.MoveAction | QtCore.Qt.DropAction.CopyAction)

    def dragEnterEvent(self, ev: QtGui.QDragEnterEvent) -> None:
        if ev.mimeData().hasFormat(CAMERA_MIME):
            ev.acceptProposedAction()

    def dropEvent(self, ev: QtGui.QDropEvent) -> None:
        mime = ev.mimeData()
        if mime.hasFormat(TILE_MIME) and ev.source() is not self and isinstance(ev.source(), VideoTile) \
                and ev.source().parent() is self.parent():
            self.swapped.emit(int(bytes(mime.data(TILE_MIME)).decode()), self.index)
        elif mime.hasFormat(CAMERA_MIME):
            self.dropped.emit(self.index, bytes(mime.data(CAMERA_MIME)).decode("utf-8"))
        ev.acceptProposedAction()

    def _menu(self, pos: QtCore.QPoint) -> None:
        if self.camera is None:
            return
        menu = QtWidgets.QMenu(self)
        clear = menu.addAction(self.tr("Remove from the wall"))
        if menu.exec(self.mapToGlobal(pos)) is clear:
            self.cleared.emit(self.index)
