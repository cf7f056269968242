"""Facilities, sensors and alarms on the real window, fed over a real socket: the facility turns red on the map
with a badge, a click opens its panel with live plots, L and K take and acknowledge the alarm, and I makes it an
incident at the facility with its units ranked at once; the times from the reading on are kept on the alarm."""

from __future__ import annotations

import dataclasses
import time

import msgpack
import numpy as np
import pytest
import shapely
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from sitroom.app.capabilities.facilities import monitor_of
from sitroom.app.core.desk import DispatchDesk
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.main_window import MainWindow
from sitroom.services.alarms.model import ACKED, UNACK, AlarmSpec
from sitroom.services.dispatch.link import DispatchLink
from sitroom.services.dispatch.outbox import Outbox
from sitroom.services.facilities import wire
from sitroom.services.facilities.monitor import State
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.feeds.protocol import AVL_DTYPE, SENSOR_DTYPE, Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.store.footprints import Facility, Footprints
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from sitroom.widgets.alarm_dialogs import AlarmDialog
from sitroom.widgets.facility_panel import FacilityPanel
from tests.kits import grid_kit

pytestmark = pytest.mark.timeout(120)


def kit_with_a_hospital():
    kit = grid_kit(6)
    x, y = kit.roads.node_xy[14]
    block = shapely.box(x + 30, y + 30, x + 150, y + 120)
    return dataclasses.replace(kit, footprints=Footprints.of([block], ["본관"], ["hospital"], [6], [np.nan]),
                               facilities=(Facility("F-7", "hospital", "중앙병원", *block.centroid.coords[0], 0),))


class Hospital:
    """A hospital's gateway: its sensors once a second; and two fire engines on an AVL feed."""

    def __init__(self, kit, session, tmp_path) -> None:
        self.pub = Publisher(f"ipc://{tmp_path}/fac.sock", "gateway")
        xy = kit.roads.node_xy
        lon, lat = session.projector.inverse(xy[:, 0], xy[:, 1])
        self.meta = {"id": "F-7", "kind": "hospital", "name": "중앙병원", "lon": float(lon[14]), "lat": float(lat[14]),
                     "sensors": [{"id": 701, "kind": "smoke", "unit": "%/m", "warn_hi": 1.0, "alarm_hi": 3.0,
                                  "label": "B1 corridor"},
                                 {"id": 702, "kind": "temperature", "unit": "°C", "warn_hi": 35.0, "alarm_hi": 50.0},
                                 {"id": 703, "kind": "pressure", "unit": "Pa", "warn_hi": -5.0, "alarm_hi": -2.5}]}
        self.values = {701: 0.05, 702: 21.0, 703: -8.0}
        self.units = np.zeros(2, dtype=AVL_DTYPE)
        self.units["id"] = [101, 102]
        self.units["type"] = VehicleType.FIRE
        self.units["status"] = VehicleStatus.AVAILABLE
        self.units["lon"], self.units["lat"] = lon[[0, 35]], lat[[0, 35]]
        self.sent_ms: dict[int, int] = {}
        self.tick()

    def tick(self) -> None:
        self.pub.heartbeat(force=True)
        self.pub.send_map(wire.FACILITY_TOPIC, wire.FACILITY_KIND, self.meta)
        now = int(time.time() * 1000)
        rec = np.zeros(3, SENSOR_DTYPE)
        rec["id"] = list(self.values)
        rec["value"] = list(self.values.values())
        rec["ts"] = now
        self.pub.send_records(wire.readings_topic("F-7"), Kind.SENSOR, rec)
        self.units["ts"] = now
        self.pub.send_records(Topic.AVL, Kind.AVL_BATCH, self.units)

    def smoke(self, active: bool) -> None:
        self.pub.send_map(wire.EVENT_TOPIC, wire.EVENT_KIND, {"id": "F-7/smoke/B1", "facility": "F-7",
                                                               "type": "smoke", "active": active, "sensor": 701,
                                                               "ts": int(time.time() * 1000)})


@pytest.fixture
def room(qtbot, tmp_path):
    kit = kit_with_a_hospital()
    session = LiveSession(kit, [FeedConfig("hospital", f"ipc://{tmp_path}/fac.sock")])
    hospital = Hospital(kit, session, tmp_path)
    link = DispatchLink(f"ipc://{tmp_path}/cad.sock", Outbox(tmp_path / "outbox.sqlite"))
    link.start()
    window = MainWindow(Room(session, DispatchDesk(session, link=link, who="tester")), language="en")
    qtbot.addWidget(window)
    window.resize(1500, 950)
    window.show()
    window.activateWindow()
    window.start()
    timer = QtCore.QTimer()
    timer.timeout.connect(hospital.tick)
    timer.start(250)
    monitor = monitor_of(session)
    qtbot.waitUntil(lambda: monitor.readings > 3 and session.vehicles.n == 2, timeout=10_000)
    try:
        yield window, hospital, monitor
    finally:
        timer.stop()
        window.close()
        link.stop()
        hospital.pub.close()


def _answer(qtbot, note: str) -> None:
    """Fill in the alarm dialog that is about to open (it runs its own event loop), then accept it."""
    def answer() -> None:
        dialog = QtWidgets.QApplication.activeModalWidget()
        if not isinstance(dialog, AlarmDialog):
            QtCore.QTimer.singleShot(20, answer)
            return
        dialog.note.setText(note)
        dialog.accept()

    QtCore.QTimer.singleShot(20, answer)


def test_a_smoke_alarm_from_the_feed_to_an_incident_with_units_ranked(room, qtbot) -> None:
    window, hospital, monitor = room
    item = window.canvas.item(window.session.layers["facilities"])
    qtbot.waitUntil(lambda: item.drawn == 1, timeout=5000)
    assert monitor.summary().state[0] == State.NORMAL
    hospital.values[701] = 4.5  # smoke in the corridor, and the detector's own alarm
    hospital.smoke(True)
    qtbot.waitUntil(lambda: monitor.summary().state[0] == State.ALARM and item.badges == 1, timeout=10_000)
    engine = monitor.engine
    qtbot.waitUntil(lambda: {"D:F-7/smoke/B1", "S701:alarm_hi"} <= set(window.facilities.alarms.shown_keys),
                    timeout=5000)
    device = engine.get("D:F-7/smoke/B1")
    assert device.priority == 1 and device.state == UNACK and device.shown_ms >= device.raised_ms
    assert window.facilities.alarms.shown_keys[0] == "D:F-7/smoke/B1"  # priority 1 on top

    # A click on the building opens the facility's panel, with the corridor's smoke on its plot.
    x, y = window.session.kit.footprints[0].centroid.coords[0]
    window._on_click(x, y)
    panel = window.facilities.panels["F-7"].widget()
    assert isinstance(panel, FacilityPanel)
    qtbot.waitUntil(lambda: any(p.kind == "smoke" and p.points > 3 for p in panel.plots), timeout=5000)
    assert {p.kind for p in panel.plots} == {"smoke", "temperature", "pressure"}
    assert "중앙병원" in panel.header.text()

    # L takes the most urgent alarm, K acknowledges it with a note.
    window.back_to_map()
    QTest.keyClick(window, QtCore.Qt.Key.Key_L)
    assert window.facilities.alarms.current() == "D:F-7/smoke/B1"
    _answer(qtbot, "fire crew alerted")
    QTest.keyClick(window, QtCore.Qt.Key.Key_K)
    qtbot.waitUntil(lambda: device.state == ACKED, timeout=5000)
    window.activateWindow()  # the dialog has closed: the window's keys are the window's again
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    assert device.ack_note == "fire crew alerted" and device.acked_by == "tester"

    # I: an incident at the hospital, a fire (smoke), units ranked at once; its dispatch is timed on the alarm.
    QTest.keyClick(window, QtCore.Qt.Key.Key_I)
    book = window.desk.book
    inc = book.get(device.incident)
    assert (inc.type, inc.priority, inc.place, inc.status) == ("fire", 1, "중앙병원", "acknowledged")
    fx, fy = monitor.facility_xy("F-7")
    assert (inc.x, inc.y) == pytest.approx((fx, fy))
    ranking = window.dispatch.ranking
    assert ranking is not None and ranking.incident == inc.id and {o.unit for o in ranking.options} == {101, 102}
    QTest.keyClick(window, QtCore.Qt.Key.Key_D)
    qtbot.waitUntil(lambda: device.dispatched_ms > 0, timeout=5000)
    lat = device.latencies()
    assert lat["on_screen"] is not None and lat["acknowledged"] >= lat["on_screen"]
    assert lat["dispatched"] >= lat["acknowledged"]


def test_a_shelved_alarm_leaves_the_list_and_comes_back_when_its_time_is_up(room, qtbot) -> None:
    window, hospital, monitor = room
    hospital.values[702] = 38.0  # a warm plant room: a warning
    qtbot.waitUntil(lambda: "S702:warn_hi" in monitor.engine.alarms, timeout=10_000)
    qtbot.waitUntil(lambda: "S702:warn_hi" in window.facilities.alarms.shown_keys, timeout=5000)
    _answer(qtbot, "chiller maintenance today")
    window.facilities.shelve("S702:warn_hi")
    alarm = monitor.engine.get("S702:warn_hi")
    assert alarm.state == "shelved" and alarm.shelve_note == "chiller maintenance today"
    qtbot.waitUntil(lambda: "S702:warn_hi" not in window.facilities.alarms.shown_keys, timeout=5000)
    monitor.engine.tick(alarm.shelved_until_ms)  # the shelving runs out (15 minutes, here at once)
    qtbot.waitUntil(lambda: "S702:warn_hi" in window.facilities.alarms.shown_keys, timeout=5000)
    assert alarm.state == UNACK and alarm.count == 2


def test_a_flood_puts_up_its_banner_and_groups_the_alarm_list_by_facility(room, qtbot) -> None:
    window, _hospital, monitor = room
    engine, now = monitor.engine, window.session.clock_ms()
    for i in range(12):  # a storm of dust warnings at two schools
        facility = "F-7" if i < 3 else "F-9"
        engine.condition(AlarmSpec(f"S{900 + i}:warn_hi", facility, 900 + i, "warn_hi", "pm10", 4), True, now + i)
    banner = window.banners.rows["alarms"]
    qtbot.waitUntil(lambda: "ALARM FLOOD" in banner.text() and banner.isVisible(), timeout=5000)
    dock = window.facilities.alarms
    qtbot.waitUntil(lambda: dock.grouped, timeout=5000)
    groups = [dock.tree.topLevelItem(i) for i in range(dock.tree.topLevelItemCount())]
    assert sorted(g.text(2) for g in groups) == ["F-9", "중앙병원"]
    assert sorted(g.childCount() for g in groups) == [3, 9]


def test_an_alarm_left_unacknowledged_escalates_with_a_sound_and_a_banner(room, qtbot) -> None:
    window, hospital, monitor = room
    monitor.engine.escalate_after_s[1] = 1.0  # a priority 1 alarm escalates after a second, here
    hospital.smoke(True)
    qtbot.waitUntil(lambda: window.facilities.sound.raised >= 1, timeout=10_000)
    banner = window.banners.rows["alarms"]
    qtbot.waitUntil(lambda: "unacknowledged for" in banner.text(), timeout=5000)
    assert "중앙병원" in banner.text()
    assert monitor.engine.get("D:F-7/smoke/B1").escalated_ms > 0


def test_bad_input_is_a_fault_on_its_sensor_or_a_counted_wire_error_never_an_alarm(room, qtbot) -> None:
    window, hospital, monitor = room
    pub, now = hospital.pub, int(time.time() * 1000)
    rec = np.zeros(6, SENSOR_DTYPE)
    rec["id"] = [701, 701, 701, 999, 702, 702]
    rec["value"] = [np.nan, np.inf, 1e12, 5.0, 60.0, 60.0]
    rec["ts"] = [now, now, now, now, now + 3_600_000, now + 3_600_000]  # 702: an hour ahead
    flood = np.zeros(400, SENSOR_DTYPE)
    flood["id"], flood["value"], flood["ts"] = 703, -8.0, now
    bad_limits = {**hospital.meta, "sensors": [*hospital.meta["sensors"][:2],
                                               {**hospital.meta["sensors"][2], "warn_hi": -1.0, "alarm_hi": -9.0}]}
    hospital.meta = bad_limits
    for _ in range(3):
        pub.send_records(wire.readings_topic("F-7"), Kind.SENSOR, rec)
    pub.send_records(wire.readings_topic("F-7"), Kind.SENSOR, flood)
    env = p_envelope(pub)
    castle = msgpack.packb({"id": "F-8", "kind": "castle"})
    pub.socket.send_multipart([wire.FACILITY_TOPIC, env(wire.FACILITY_KIND), castle])
    pub.socket.send_multipart([b"sens.F-7", env(Kind.SENSOR), bytes(25)])
    health = window.session.client.health[0]
    qtbot.waitUntil(lambda: health.errors["bad-facility"] == 1 and health.errors["bad-payload"] == 1, timeout=10_000)
    counts = monitor.health.counts
    qtbot.waitUntil(lambda: counts["not-a-number"] >= 3 and counts["out-of-range"] >= 3 and counts["future"] >= 3
                    and counts["flooding"] > 0 and counts["unknown-sensor"] >= 3 and counts["bad-limits"] >= 1,
                    timeout=10_000)
    assert monitor.engine.alarms == {}  # nothing raised by any of it
    window._on_click(*window.session.kit.footprints[0].centroid.coords[0])
    panel = window.facilities.panels["F-7"].widget()
    frames = window.stats.frames
    qtbot.waitUntil(lambda: window.stats.frames > frames + 10, timeout=5000)  # still running
    panel.refresh(window.session.clock_ms())
    pressure = next(p for p in panel.plots if p.kind == "pressure")
    assert pressure.table.item(0, 4).text() == "too many readings, limits in the wrong order"


def p_envelope(pub: Publisher):
    from sitroom.services.feeds.protocol import encode_envelope

    seq = iter(range(10_000, 20_000))
    return lambda kind: encode_envelope(kind, pub.src, pub.sess, next(seq))
