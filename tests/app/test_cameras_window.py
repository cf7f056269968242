"""Cameras in the operator's window over a real socket: the wall fills on a first start, V fills it with the
cameras that can see the selected incident and the feed follows (the publisher's XPUB sees the topics), a
click on the map opens a live view, bad frames show on their tile and in the Feeds dock, and who saw what
goes into the viewing log."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from sitroom.app.capabilities.cameras import cameras_of
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.main_window import MainWindow
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.incidents.audit import AuditLog
from sitroom.services.video import wire
from tests.kits import grid_kit

ORIGIN_M = (300.0, 300.0)  # metres from the grid kit's first node: inside its streets


def jpeg(mark: int) -> bytes:
    img = QtGui.QImage(320, 240, QtGui.QImage.Format.Format_RGB32)
    img.fill(QtGui.QColor("#305070"))
    p = QtGui.QPainter(img)
    p.fillRect(mark * 7 % 300, 100, 20, 20, QtGui.QColor("white"))
    p.end()
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "JPEG", 80)
    return bytes(buf.data())


class Backend:
    """Four cameras on a 2×2 block, looking east, north, west and south; frames for whoever subscribes."""

    def __init__(self, kit, tmp_path) -> None:
        self.pub = Publisher(f"ipc://{tmp_path}/cctv.sock", "vms", snapshot=f"ipc://{tmp_path}/cctv.snap.sock",
                             xpub=True)
        x0, y0 = kit.roads.node_xy[0] + np.array(ORIGIN_M)
        from sitroom.services.geo import Projector

        self.project = Projector(kit.crs)
        self.cams = {}
        for cam_id, dx, dy, d in (("E", 0, 0, 90.0), ("N", 100, -100, 0.0), ("W", 200, 0, 270.0),
                                  ("S", 100, 100, 180.0)):
            lon, lat = self.project.inverse(x0 + dx, y0 + dy)
            self.cams[cam_id] = {"id": cam_id, "name": f"camera {cam_id}", "lon": float(lon), "lat": float(lat),
                                 "dir": d, "fov": 60, "range": 150, "src": f"cctv.{cam_id}"}
        self.seq = 0
        self.bad: set[str] = set()

    def tick(self) -> None:
        self.seq += 1
        self.pub.heartbeat()
        if self.seq % 20 == 1:
            for cam in self.cams.values():
                self.pub.send_map(wire.CAM_TOPIC, wire.CAM_KIND, cam)
        wanted = self.pub.subscriptions()
        for cam_id in self.cams:
            topic = f"cctv.{cam_id}".encode()
            if topic in wanted:
                data = b"\xff\xd8\xff\xe0 truncated" if cam_id in self.bad else jpeg(self.seq)
                self.pub.socket.send_multipart(wire.encode_frame(topic, data, src="vms", sess=self.pub.sess,
                                                                 seq=self.seq))


@pytest.fixture
def room(qtbot, tmp_path) -> Iterator[tuple[MainWindow, Backend]]:
    kit = grid_kit(8)
    backend = Backend(kit, tmp_path)
    session = LiveSession(kit, [FeedConfig("cctv", backend.pub.endpoint, (wire.CAM_TOPIC,))])
    window = MainWindow(Room(session), language="en")
    qtbot.addWidget(window)
    window.show()
    window.start()
    timer = QtCore.QTimer()
    timer.timeout.connect(backend.tick)
    timer.start(50)
    yield window, backend
    timer.stop()
    window.close()
    backend.pub.close()


def topics(backend: Backend) -> set[bytes]:
    return {t for t in backend.pub.subscriptions() if t.startswith(b"cctv.")}


def test_the_wall_fills_and_shows_live_pictures(room, qtbot) -> None:
    window, backend = room
    cams = cameras_of(window.session)
    wall = window.cameras.wall
    assert window.cameras.dock.isVisible()
    qtbot.waitUntil(lambda: sorted(c for c in wall.cameras_shown() if c) == ["E", "N", "S", "W"], timeout=15000)
    qtbot.waitUntil(lambda: topics(backend) == {b"cctv.E", b"cctv.N", b"cctv.S", b"cctv.W"}, timeout=10000)
    qtbot.waitUntil(lambda: all(t.state.value == "live" for t in wall.visible_tiles()), timeout=15000)
    assert cams.frames_shown > 0
    assert "fps" in wall.tiles[0].status_text()


def test_v_fills_the_wall_with_the_cameras_that_see_the_incident(room, qtbot) -> None:
    window, backend = room
    cams = cameras_of(window.session)
    qtbot.waitUntil(lambda: len(cams.layer) == 4, timeout=15000)
    # 30 m in front of E. N and S look along the street 70 m east of it, 100 m off: 35° off their axes, outside
    # their 60° views; W looks at it from 170 m, past its 150 m range.
    x, y = cams.layer.get("E").x + 30.0, cams.layer.get("E").y
    lon, lat = window.session.projector.inverse(x, y)
    inc = window.desk.book.create("fire", 1, float(lon), float(lat), x, y, "smoke", "test")
    window.dispatch.select_incident(inc.id)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, QtCore.Qt.Key.Key_V)
    wall = window.cameras.wall
    assert wall.cameras_shown() == ["E"] and wall.grid == 1
    assert cams.layer.chosen == ["E"] and cams.layer.target == (x, y) and cams.incident == inc.id
    qtbot.waitUntil(lambda: topics(backend) == {b"cctv.E"}, timeout=10000)  # the feed follows the wall
    qtbot.waitUntil(lambda: cams.recorder.full_rate == {"E"}, timeout=10000)  # recorded at full rate


def test_a_click_on_a_camera_opens_it_live(room, qtbot) -> None:
    window, backend = room
    cams = cameras_of(window.session)
    qtbot.waitUntil(lambda: len(cams.layer) == 4, timeout=15000)
    window.cameras.wall.clear()
    qtbot.waitUntil(lambda: not topics(backend), timeout=10000)
    cams.layer.activated.emit(camera="N")  # what a click on its symbol does (CameraItem.mouseClickEvent)
    (view,) = window.cameras.live_views
    qtbot.waitUntil(lambda: topics(backend) == {b"cctv.N"}, timeout=10000)
    qtbot.waitUntil(lambda: view.tile.state.value == "live", timeout=15000)
    view.close()
    qtbot.waitUntil(lambda: not topics(backend), timeout=10000)


def test_bad_frames_show_on_their_tile_and_in_the_feeds_dock(room, qtbot) -> None:
    window, backend = room
    cams = cameras_of(window.session)
    backend.bad = {"W"}
    wall = window.cameras.wall
    qtbot.waitUntil(lambda: "W" in wall.cameras_shown(), timeout=15000)
    tile = wall.tiles[wall.cameras_shown().index("W")]
    qtbot.waitUntil(lambda: "truncated-jpeg" in tile.status_text(), timeout=15000)
    assert tile.state.value != "live"
    window.refresh_panels()
    assert "truncated-jpeg" in window.feeds_widget.item(0, 6).text()
    assert cams.layer.state[cams.layer.index["W"]] != 3  # never live on the map either


def test_who_saw_which_camera_is_logged(room, qtbot, tmp_path) -> None:
    window, _backend = room
    cams = cameras_of(window.session)
    audit = AuditLog(tmp_path / "audit.sqlite")
    cams.attach_audit(audit, "park")
    qtbot.waitUntil(lambda: len(cams.layer) == 4, timeout=15000)
    window.cameras.wall.clear()
    cams.layer.activated.emit(camera="S")
    window.cameras.live_views[0].close()
    window.cameras.wall.fill(["N", "E"])
    # The first start's wall (all four) came and went first; then S in a live view, then N and E.
    who, _camera, name, _inc, start, end, ended = [v for v in audit.camera_views() if v[1] == "S"][-1]
    assert (who, name, ended) == ("park", "camera S", "closed") and end >= start
    assert sorted(v[1] for v in audit.camera_views() if v[5] is None) == ["E", "N"]  # still shown
    window.close()  # the room closes: so does every viewing
    assert [v for v in audit.camera_views() if v[5] is None] == []
    audit.close()


def test_camera_without_direction_is_never_chosen(room, qtbot) -> None:
    window, backend = room
    cams = cameras_of(window.session)
    backend.cams["E"] = {k: v for k, v in backend.cams["E"].items() if k != "dir"}
    backend.seq = 0  # declare again now
    qtbot.waitUntil(lambda: cams.layer.get("E") is not None and math.isnan(cams.layer.get("E").heading),
                    timeout=15000)
    e = cams.layer.get("E")
    assert [cams.layer.cameras[s.row].id for s in cams.cameras_for(e.x + 30.0, e.y)] == []
    assert cams.without_direction_near(e.x + 30.0, e.y) == 1


def test_a_camera_its_backend_calls_out_of_order_is_never_live(room, qtbot) -> None:
    window, backend = room
    cams = cameras_of(window.session)
    backend.cams["N"] = {**backend.cams["N"], "status": "offline"}
    backend.seq = 0
    wall = window.cameras.wall
    qtbot.waitUntil(lambda: cams.layer.get("N") is not None and cams.layer.get("N").status == "offline",
                    timeout=15000)
    wall.fill(["N"])
    tile = wall.tiles[0]
    qtbot.waitUntil(lambda: "out of order" in tile.status_text(), timeout=15000)
    assert tile.state.value == "lost"


def test_stream_urls_have_a_row_in_the_feeds_dock(qtbot) -> None:
    import dataclasses

    from sitroom.services.store.cameras import CameraSpec
    from sitroom.services.store.kit import Poi

    kit = grid_kit(4)
    x, y = kit.roads.node_xy[5]
    cam = Poi("camera", "gate", float(x), float(y), 5, "cctv", CameraSpec(direction=0.0, url="http://127.0.0.1:9/"))
    kit = dataclasses.replace(kit, pois=(*kit.pois, cam))
    window = MainWindow(Room(LiveSession(kit, [])), language="en")
    qtbot.addWidget(window)
    window.show()
    window.start()
    window.cameras.wall.fill(["cctv-0"])
    qtbot.waitUntil(lambda: cameras_of(window.session).hub.streams_health.decode_errors > 0, timeout=20000)
    window.refresh_panels()
    assert window.feeds_widget.rowCount() == 1 and window.feeds_widget.item(0, 0).text() == "streams"
    assert "stream-refused" in window.feeds_widget.item(0, 6).text()
    qtbot.waitUntil(lambda: window.cameras.wall.tiles[0].state.value == "refused", timeout=10000)
    window.close()
