"""Video tiles and the wall, offscreen: real JPEG frames decoded by Qt at the tile's size off the GUI thread,
tile states (live, frozen, lost) within their limits, the wall's grids, drops, swaps, enlarging to the HD
stream, presets, and a hidden wall closing its streams. The map's camera cones, painted."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from sitroom.layers.base import LayerSet, Moment
from sitroom.layers.cameras import Camera, CameraLayer, CamState
from sitroom.resources import palette
from sitroom.services.video.hub import HD, SD, Source, VideoHub
from sitroom.services.video.stream_state import StreamState
from sitroom.widgets.map.camera_item import CameraItem
from sitroom.widgets.map.canvas import MapCanvas
from sitroom.widgets.video.decoder import qt_decode
from sitroom.widgets.video.tile import VideoTile
from sitroom.widgets.video_wall import VideoWall


def jpeg(colour: str, w: int = 640, h: int = 480, mark: int = 0) -> bytes:
    img = QtGui.QImage(w, h, QtGui.QImage.Format.Format_RGB32)
    img.fill(QtGui.QColor(colour))
    p = QtGui.QPainter(img)
    p.fillRect(mark % (w - 20), 10, 20, 20, QtGui.QColor("white"))  # moves: a new picture each time
    p.end()
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "JPEG", 85)
    return bytes(buf.data())


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def ms(self) -> int:
        return int(self.t * 1000)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub(clock: Clock):
    h = VideoHub(clock, clock.ms)
    h.use_decoder(qt_decode, threads=2)
    for cam in ("A", "B", "C"):
        h.declare(cam, Source("topic", f"cctv.{cam}", 0), Source("topic", f"cctv.hd.{cam}", 0) if cam == "A" else None)
    yield h
    h.close_all()


@pytest.fixture
def cameras() -> CameraLayer:
    layer = CameraLayer()
    layer.set_kit_cameras([Camera(c, f"camera {c}", 127.0, 36.0, 0.0, 0.0, 90.0, 60.0, 100.0, f"cctv.{c}")
                           for c in ("A", "B", "C")])
    return layer


def test_jpeg_decodes_scaled_to_the_tile() -> None:
    img, w, h = qt_decode(jpeg("#204080"), (320, 300))
    assert (w, h) == (320, 240) and img.width() == 320
    assert qt_decode(jpeg("#204080"), None)[1:] == (640, 480)
    with pytest.raises(ValueError):
        qt_decode(b"\xff\xd8" + b"\x00" * 100 + b"\xff\xd9", (100, 100))


def test_a_tile_shows_its_camera_live_then_frozen_then_lost(qtbot, hub, cameras, clock) -> None:
    tile = VideoTile(hub, cameras, 0)
    qtbot.addWidget(tile)
    tile.resize(320, 240)
    tile.show()
    tile.show_camera("A")
    assert hub.is_open(("A", SD))
    shown = []
    tile.on_shown = shown.append
    for i in range(12):
        clock.t += 0.1
        hub.offer(b"cctv.A", jpeg("#2060c0", mark=i * 25), clock.ms() - 40, clock())
        qtbot.waitUntil(lambda n=i: hub.picture(("A", SD)) is not None and hub.picture(("A", SD)).serial == n + 1)
        tile.tick(clock(), clock.ms())
    assert tile.state is StreamState.LIVE
    assert shown and shown[-1].width <= 320 and shown[-1].height <= 240
    assert "fps" in tile.status_text() and "0.0 s" in tile.status_text()
    centre = tile.grab().toImage().pixelColor(160, 120)
    assert centre.blue() > 150 and centre.red() < 80  # the picture, not dimmed
    same = jpeg("#2060c0", mark=3)
    for _ in range(20):  # the same picture again and again
        clock.t += 0.1
        hub.offer(b"cctv.A", same, clock.ms(), clock())
        qtbot.wait(5)
    qtbot.waitUntil(lambda: hub.stats.decoded >= 13)
    tile.tick(clock(), clock.ms())
    assert tile.state is StreamState.FROZEN
    clock.t += 1.6  # and then nothing at all
    tile.tick(clock(), clock.ms())
    assert tile.state is StreamState.LOST
    dimmed = tile.grab().toImage().pixelColor(40, 60)
    assert dimmed.blue() < 120  # a lost picture is dimmed, never shown as live
    tile.show_camera(None)
    assert not hub.is_open(("A", SD))


class DictPresets:
    def __init__(self) -> None:
        self.saved: dict[str, dict] = {}

    def names(self) -> list[str]:
        return sorted(self.saved)

    def get(self, name: str) -> dict | None:
        return self.saved.get(name)

    def put(self, name: str, layout: dict) -> None:
        self.saved[name] = layout

    def delete(self, name: str) -> None:
        self.saved.pop(name, None)


def test_the_wall_grids_drops_swaps_enlarges_and_presets(qtbot, hub, cameras) -> None:
    wall = VideoWall(hub, cameras, DictPresets())
    qtbot.addWidget(wall)
    wall.resize(900, 600)
    wall.show()
    wall.fill(["A", "B", "C"])
    assert wall.grid == 2 and wall.cameras_shown() == ["A", "B", "C", None]
    assert {k for k in hub.open_keys()} == {("A", SD), ("B", SD), ("C", SD)}
    wall.tiles[3].dropped.emit(3, "A")  # what a drop from the map or the list does
    wall.swap(0, 1)
    assert wall.cameras_shown() == ["B", "A", "C", "A"]
    wall.toggle_enlarge(1)  # camera A has a full-resolution stream: the enlarged tile takes it
    assert wall.visible_tiles() == [wall.tiles[1]] and hub.is_open(("A", HD))
    assert not hub.is_open(("B", SD))  # off screen: closed
    wall.toggle_enlarge(1)
    assert not hub.is_open(("A", HD)) and hub.is_open(("B", SD))
    wall.save_preset("night shift")
    wall.set_grid(1)
    assert wall.cameras_shown() == ["B"] and not hub.is_open(("C", SD))
    assert wall.load_preset("night shift")
    assert wall.grid == 2 and wall.cameras_shown() == ["B", "A", "C", "A"]
    wall.fill(["C"] + ["A"] * 9)
    assert wall.grid == 4
    wall.hide()
    qtbot.waitUntil(lambda: not hub.open_keys())  # a hidden wall receives nothing
    wall.show()
    qtbot.waitUntil(lambda: bool(hub.open_keys()))


def test_camera_cones_coloured_by_state(qtbot) -> None:
    layer = CameraLayer()
    layer.set_kit_cameras([Camera("A", "A", 127.0, 36.0, 0.0, 0.0, 90.0, 60.0, 200.0, "cctv.A"),
                           Camera("B", "B", 127.0, 36.0, 0.0, 400.0, math.nan, 60.0, 200.0, "cctv.B")])
    layer.set_state("A", CamState.LIVE)
    layers = LayerSet()
    layers.add("cameras", layer)
    canvas = MapCanvas(layers=layers)
    qtbot.addWidget(canvas)
    canvas.resize(600, 600)
    canvas.show()
    canvas.set_home(-300, -300, 300, 700)
    canvas.fit_home()
    canvas.tick(Moment(0.0, 0))
    item = canvas.item(layer)
    assert isinstance(item, CameraItem)
    img = canvas.grab().toImage()
    # A point inside A's cone (east of it), in the view's pixels.
    pt = canvas.view.mapViewToScene(QtCore.QPointF(120.0, 0.0))
    px = canvas.mapFromScene(pt)
    got = img.pixelColor(px.x(), px.y())
    live = QtGui.QColor(palette.CAMERA_STATE[int(CamState.LIVE)])
    assert got.green() > got.red() and abs(got.hue() - live.hue()) < 25, got.name()
    assert item.drawn == 2
    seen = []
    layer.activated.connect(lambda camera: seen.append(camera))
    assert item.camera_at(QtCore.QPointF(1.0, 1.0)) == "A"
    assert item.camera_at(QtCore.QPointF(150.0, 150.0)) is None
    layer.choose(["A"], (100.0, 0.0), "INC-1")
    canvas.tick(Moment(0.0, 0))
    assert np.isfinite(item.boundingRect().width())
