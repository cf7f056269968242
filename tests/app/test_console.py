"""The dispatcher's console on the real window, driven from the keyboard while calls keep arriving over a
real feed: no waiting call ever out of view, N to the most urgent, a call taken by typing where the caller
is, units chosen with the keys, and a dispatch the CAD has not answered shown on its incident."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtTest import QTest

from sitroom.app.core.desk import DispatchDesk
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.main_window import MainWindow
from sitroom.services.dispatch.link import DispatchLink
from sitroom.services.dispatch.outbox import Outbox
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.feeds.protocol import AVL_DTYPE, Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from tests.kits import grid_kit

pytestmark = pytest.mark.timeout(120)


class City:
    """The feeds of a small city: a CAD publishing calls, and an AVL feed of fire engines and ambulances."""

    def __init__(self, kit, session_projector, tmp_path) -> None:
        self.kit = kit
        self.endpoint = f"ipc://{tmp_path}/cad-feed.sock"
        self.pub = Publisher(self.endpoint, "test-cad")
        self.project = session_projector
        self.calls = 0
        xy = kit.roads.node_xy
        lon, lat = session_projector.inverse(xy[:, 0], xy[:, 1])
        self.lonlat = np.column_stack([lon, lat])
        self.units = np.zeros(6, dtype=AVL_DTYPE)
        self.units["id"] = [101, 102, 103, 201, 202, 203]
        self.units["type"] = [VehicleType.FIRE] * 3 + [VehicleType.AMBULANCE] * 3
        self.units["status"] = VehicleStatus.AVAILABLE
        for i, node in enumerate((0, 7, 35, 5, 30, 20)):
            self.units["lon"][i], self.units["lat"][i] = self.lonlat[node]
        self.units["heading"] = 0.0

    def tick(self) -> None:
        self.pub.heartbeat(force=True)
        self.units["ts"] = int(time.time() * 1000)
        self.pub.send_records(Topic.AVL, Kind.AVL_BATCH, self.units)

    def call(self, priority: int, type_: str = "medical", node: int = 14) -> str:
        self.calls += 1
        inc_id = f"INC-T{self.calls}"
        lon, lat = self.lonlat[node]
        self.pub.send_map(Topic.INCIDENT, Kind.INCIDENT, {
            "id": inc_id, "type": type_, "priority": priority, "status": "new", "lon": float(lon),
            "lat": float(lat), "reported": int(time.time() * 1000), "desc": f"call {self.calls}"})
        return inc_id


@pytest.fixture
def console(qtbot, tmp_path):
    kit = grid_kit(6)
    session = LiveSession(kit, [FeedConfig("cad", f"ipc://{tmp_path}/cad-feed.sock")])
    city = City(kit, session.projector, tmp_path)
    # A CAD endpoint nobody serves: every dispatch waits in the outbox, as when the CAD is down.
    link = DispatchLink(f"ipc://{tmp_path}/cad-commands.sock", Outbox(tmp_path / "outbox.sqlite"))
    link.start()
    window = MainWindow(Room(session, DispatchDesk(session, link=link, who="tester")), language="en")
    qtbot.addWidget(window)
    window.resize(1400, 880)
    window.show()
    window.start()
    timer = QtCore.QTimer()
    timer.timeout.connect(city.tick)
    timer.start(200)
    qtbot.waitUntil(lambda: session.vehicles.n == 6, timeout=10_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    yield window, city
    timer.stop()
    window.close()
    link.stop()
    city.pub.close()


def _type(widget: QtWidgets.QWidget, text: str) -> None:
    """Text as a Korean keyboard delivers it: committed by the input method, syllable by syllable."""
    for ch in text:
        event = QtGui.QInputMethodEvent("", [])
        event.setCommitString(ch)
        QtWidgets.QApplication.sendEvent(widget, event)


def _key(window, key: QtCore.Qt.Key, modifier=QtCore.Qt.KeyboardModifier.NoModifier) -> None:
    """A key as a person presses it: to whatever has the focus, where shortcuts are matched."""
    target = QtWidgets.QApplication.focusWidget() or window
    QTest.keyClick(target, key, modifier)


def test_waiting_calls_stay_in_view_and_n_takes_the_most_urgent(console, qtbot) -> None:
    window, city = console
    ui = window.dispatch
    first = [city.call(3), city.call(4)]
    qtbot.waitUntil(lambda: all(i in window.session.incidents.incidents for i in first), timeout=10_000)
    window.refresh_panels()
    _key(window, QtCore.Qt.Key.Key_N)
    assert ui.current() == first[0]  # the P3 before the P4
    _key(window, QtCore.Qt.Key.Key_A)
    assert window.session.incidents.get(first[0]).status == "acknowledged"
    # Calls keep arriving while the dispatcher works; a P1 among them jumps ahead of everything waiting.
    later = [city.call(5), city.call(1, "fire"), city.call(2)]
    qtbot.waitUntil(lambda: all(i in window.session.incidents.incidents for i in later), timeout=10_000)
    window.refresh_panels()
    waiting = [first[1], *later]
    assert sorted(window.dispatch.queue.visible_waiting()) == sorted(waiting)  # every waiting call on screen
    assert window.call_banner.isVisible() and "P1" in window.call_banner.text()
    assert ui.alert.raised >= 1
    _key(window, QtCore.Qt.Key.Key_N)
    assert ui.current() == later[1]  # the P1 fire
    _key(window, QtCore.Qt.Key.Key_A)
    window.refresh_panels()
    assert later[1] not in window.dispatch.queue.waiting_ids
    _key(window, QtCore.Qt.Key.Key_N)
    assert ui.current() == later[2]  # then the P2
    # Selecting in the open list never scrolls the band: every waiting call is still in view.
    window.dispatch.queue.select(first[0])
    window.refresh_panels()
    assert sorted(window.dispatch.queue.visible_waiting()) == sorted([first[1], later[0], later[2]])


def test_a_call_is_taken_by_typing_where_the_caller_is(console, qtbot) -> None:
    window, _city = console
    _key(window, QtCore.Qt.Key.Key_N, QtCore.Qt.KeyboardModifier.ControlModifier)
    form = window.dispatch.call_form
    assert form is not None and form.isVisible()
    _type(form.find, "동서로 2 & 남북로 3")
    QTest.keyClick(form.find, QtCore.Qt.Key.Key_Return)
    assert form.location is not None and "동서로 2" in form.place and "남북로 3" in form.place, form.place
    pin = window.session.layers["pins"].pins["call"]
    assert (pin[0], pin[1]) == form.location  # confirmed on the map
    QTest.keyClicks(form.number, "010-1234-5678")
    form.type.setCurrentIndex(form.type.findData("fire"))
    assert form.priority.value() == 2  # the type's default
    _type(form.desc, "지하실에서 연기")
    QTest.keyClicks(form.notes, "caller on the 3rd floor")
    QTest.keyClick(form.notes, QtCore.Qt.Key.Key_Return, QtCore.Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.dispatch.call_form is None, timeout=5000)
    inc = window.session.incidents.get(window.dispatch.current())
    g = window.session.kit.roads
    node = int(np.argmin(np.hypot(g.node_xy[:, 0] - inc.x, g.node_xy[:, 1] - inc.y)))
    names = {window.session.kit.road_names[n][1] for n in g.edge_name[(g.edge_src == node) | (g.edge_dst == node)]}
    assert {"동서로 2", "남북로 3"} <= names  # placed where the two roads cross
    assert inc.caller_number == "010-1234-5678" and inc.notes == "caller on the 3rd floor"
    assert inc.type == "fire" and inc.source == "local" and "call" not in window.session.layers["pins"].pins
    assert window.dispatch.ranking is not None  # ranked at once, ready for D
    assert "동서로 2" in window.incident_details.toPlainText() and "created" in window.incident_details.toPlainText()


def test_the_keyboard_model(console, qtbot) -> None:
    window, city = console
    ui = window.dispatch
    inc_id = city.call(2, "fire", node=21)
    qtbot.waitUntil(lambda: inc_id in window.session.incidents.incidents, timeout=10_000)
    window.refresh_panels()
    _key(window, QtCore.Qt.Key.Key_N)
    _key(window, QtCore.Qt.Key.Key_A)
    panel = ui.recommend_panel
    assert len(panel.options) == 3 and panel.current() == panel.options[0].unit
    window.canvas.setFocus()
    view = window.canvas.view_rect()
    _key(window, QtCore.Qt.Key.Key_Down)  # the list, not the map, takes ↑/↓ while units are ranked
    assert panel.current() == panel.options[1].unit and window.canvas.view_rect() == view
    _key(window, QtCore.Qt.Key.Key_3)
    assert panel.current() == panel.options[2].unit
    _key(window, QtCore.Qt.Key.Key_1)
    assert panel.current() == panel.options[0].unit
    # Find, then Enter: the focus comes back to the map, so N, A and D are never typed into the search box.
    _key(window, QtCore.Qt.Key.Key_F, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert QtWidgets.QApplication.focusWidget() is window.find_edit
    QTest.keyClicks(window.find_edit, "101")
    QTest.keyClick(window.find_edit, QtCore.Qt.Key.Key_Return)
    assert QtWidgets.QApplication.focusWidget() is window.canvas
    assert window.selected.tolist() == [101]  # the vehicle found and selected
    window.find_edit.setFocus()
    _key(window, QtCore.Qt.Key.Key_Escape)  # Escape from anywhere: back to the map
    assert QtWidgets.QApplication.focusWidget() is window.canvas


def test_a_dispatch_the_cad_has_not_answered_shows_on_its_incident(console, qtbot) -> None:
    window, city = console
    inc_id = city.call(2, "medical", node=14)
    qtbot.waitUntil(lambda: inc_id in window.session.incidents.incidents, timeout=10_000)
    window.refresh_panels()
    _key(window, QtCore.Qt.Key.Key_N)
    _key(window, QtCore.Qt.Key.Key_A)
    unit = window.dispatch.recommend_panel.current()
    _key(window, QtCore.Qt.Key.Key_D)
    window.refresh_panels()
    queue = window.dispatch.queue
    row = queue.open_ids.index(inc_id)
    assert f"{unit} (waiting for CAD)" in queue.table.item(row, 6).text()
    assert "waiting for CAD" in window.incident_details.toPlainText()
    assert window.cad_banner.isVisible() and "CAD DOWN" in window.cad_banner.text()
    assert window.feed_label.isVisible()  # a message in the status bar never covers the feeds' health
    _key(window, QtCore.Qt.Key.Key_C)  # nothing is on scene yet: refused at once, in words, no dialog
    assert window.statusBar().currentMessage() == (f"{inc_id} is acknowledged: it cannot become closed. "
                                                   "It can become: dispatched, cancelled.")
    assert not any(w.isVisible() and isinstance(w, QtWidgets.QDialog) for w in QtWidgets.QApplication.topLevelWidgets())


def test_a_response_plan_goes_out_in_one_action_each_unit_once(console, qtbot) -> None:
    window, city = console
    city.units["type"][2] = VehicleType.POLICE  # the city has a police car too
    qtbot.waitUntil(lambda: VehicleType.POLICE in window.session.vehicles.type[: window.session.vehicles.n],
                    timeout=10_000)
    inc_id = city.call(1, "traffic", node=14)  # a pile-up with injured people: engine, ambulance and police
    qtbot.waitUntil(lambda: inc_id in window.session.incidents.incidents, timeout=10_000)
    window.refresh_panels()
    _key(window, QtCore.Qt.Key.Key_N)
    _key(window, QtCore.Qt.Key.Key_A)
    panel = window.dispatch.recommend_panel
    picked = panel.picked()
    assert sorted(window.session.vehicles.type[window.session.vehicles.rows_for(np.array(picked))].tolist()) == \
        sorted([VehicleType.FIRE, VehicleType.AMBULANCE, VehicleType.POLICE])
    _key(window, QtCore.Qt.Key.Key_D)  # one key: the whole plan
    outbox = window.desk.link.outbox
    commands = [e for e in outbox.recent(20) if e.incident == inc_id]
    assert sorted(e.unit for e in commands) == sorted(picked) and len({e.cmd_id for e in commands}) == 3
    _key(window, QtCore.Qt.Key.Key_D)  # again: every unit already has its command waiting; none goes twice
    assert len([e for e in outbox.recent(20) if e.incident == inc_id]) == 3
    window.refresh_panels()
    board = {r.unit: r for r in window.desk.unit_board(window.session.clock_ms())}
    assert all(board[u].pending and board[u].incident == inc_id for u in picked)  # on the unit board too


def test_find_anything_from_the_toolbar(console, qtbot) -> None:
    window, city = console
    inc_id = city.call(3, "crime", node=10)
    qtbot.waitUntil(lambda: inc_id in window.session.incidents.incidents, timeout=10_000)
    _key(window, QtCore.Qt.Key.Key_L, QtCore.Qt.KeyboardModifier.ControlModifier)
    box = window.find_edit
    assert QtWidgets.QApplication.focusWidget() is box
    _type(box, "남북로 4")
    assert box.popup.isVisible() and box.found[0].name == "남북로 4 · 중구" and box.found[0].kind == "road"
    QTest.keyClick(box, QtCore.Qt.Key.Key_Return)
    pin = window.session.layers["pins"].pins["found"]
    x0, y0, x1, y1 = window.canvas.view_rect()
    assert min(x0, x1) < pin[0] < max(x0, x1) and min(y0, y1) < pin[1] < max(y0, y1)  # the map went there
    assert QtWidgets.QApplication.focusWidget() is window.canvas
    box.setFocus()
    QTest.keyClicks(box, inc_id[:6])  # an incident by its id
    assert any(f.kind == "incident" and f.key == inc_id for f in box.found)
    row = next(i for i, f in enumerate(box.found) if f.key == inc_id)
    for _ in range(row):
        QTest.keyClick(box, QtCore.Qt.Key.Key_Down)
    QTest.keyClick(box, QtCore.Qt.Key.Key_Return)
    assert window.dispatch.current() == inc_id
