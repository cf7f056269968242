"""The main window over a live feed: docks, selection, search, language, stale display, saved view."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.gui import make_app
from sitroom.app.main_window import MainWindow
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from sitroom.services.sim.fleet import FleetSim
from tests.kits import grid_kit


@pytest.fixture
def live(qtbot, tmp_path):
    kit = grid_kit(8)
    endpoint = f"ipc://{tmp_path}/avl.sock"
    pub = Publisher(endpoint, "test-avl")
    sim = FleetSim(kit, 120)
    session = LiveSession(kit, [FeedConfig("avl", endpoint)])
    window = MainWindow(Room(session), language="en")
    qtbot.addWidget(window)
    window.show()
    window.start()
    rows = np.arange(len(sim.fleet))

    def publish() -> None:
        pub.heartbeat(force=True)
        pub.send_records(Topic.AVL, Kind.AVL_BATCH, sim.records(rows, int(time.time() * 1000)))

    timer = QtCore.QTimer()
    timer.timeout.connect(publish)
    timer.start(100)
    qtbot.waitUntil(lambda: session.vehicles.n == len(rows) and window.stats.vehicles_drawn > 0, timeout=5000)
    yield window, sim, timer
    timer.stop()
    window.close()
    pub.close()


def test_live_vehicles_drawn_and_feed_shown(live) -> None:
    window, sim, _ = live
    window.refresh_panels()
    assert window.stats.frames > 0
    assert window.feeds_widget.item(0, 1).text() == "live"
    assert "1 live, 0 not live" in window.feed_label.text()
    assert f"{len(sim.fleet)} vehicles" in window.vehicle_label.text()


def test_find_vehicle_selects_and_centres(live) -> None:
    window, sim, _ = live
    vid = int(sim.fleet.ids[5])
    assert window.find_vehicle(str(vid))
    assert list(window.selected) == [vid]
    assert window.details_widget.rowCount() == 1
    assert window.details_widget.item(0, 0).text() == str(vid)
    assert not window.find_vehicle("999999999")
    assert not window.find_vehicle("abc")


def test_click_and_rubber_band_select(live) -> None:
    window, _sim, _ = live
    v = window.session.vehicles
    row = 3
    window.canvas.view.sig_clicked.emit(float(v.x[row]), float(v.y[row]))
    assert int(window.selected[0]) == int(v.ids[row]) or v.nearest(float(v.x[row]), float(v.y[row]), 1.0) != row
    x0, y0, x1, y1 = window.session.kit.bounds
    window.canvas.view.sig_rubber_band.emit(x0, y0, x1, y1)
    assert len(window.selected) == v.n
    assert window.details_widget.rowCount() == v.n


def test_silent_feed_turns_stale_in_the_ui(live, qtbot) -> None:
    window, _sim, timer = live
    timer.stop()  # the publisher goes silent
    qtbot.waitUntil(lambda: len(window.session.stale_feeds()) == 1, timeout=6000)
    window.refresh_panels()
    assert window.feeds_widget.item(0, 1).text() == "STALE"
    assert "0 live, 1 not live" in window.feed_label.text()
    # The only feed is down: the room is offline, said across the map, not only in a dock.
    assert window.banner.isVisible() and window.banner.text().startswith("OFFLINE")
    item = window.canvas.item(window.session.vehicles)
    qtbot.waitUntil(lambda: item.snapshot is not None and item.snapshot.stale.all(), timeout=3000)


def test_view_is_restored(qtbot) -> None:
    kit = grid_kit(6)
    first = MainWindow(Room(LiveSession(kit, [])), language="en")
    qtbot.addWidget(first)
    first.show()
    first.canvas.center_on(*kit.roads.node_xy[3], width_m=400)
    rect = first.canvas.view_rect()
    first.close()
    second = MainWindow(Room(LiveSession(kit, [])), language="en")
    qtbot.addWidget(second)
    second.show()

    def centre_and_width(r):
        return ((r[0] + r[2]) / 2, (r[1] + r[3]) / 2, r[2] - r[0])

    qtbot.waitUntil(lambda: np.allclose(centre_and_width(second.canvas.view_rect()), centre_and_width(rect), atol=5))
    second.close()


def test_korean_main_window(qtbot, qapp: QtWidgets.QApplication) -> None:
    _app, lang = make_app("ko")
    try:
        window = MainWindow(Room(LiveSession(grid_kit(4), [])), language=lang)
        qtbot.addWidget(window)
        assert window.layers_dock.windowTitle() == "레이어"
        assert window.feeds_dock.windowTitle() == "피드"
        # Every dock, the dispatcher's, the cameras' and the alarms' too: none stays in English.
        for dock in window.findChildren(QtWidgets.QDockWidget):
            assert not any(c.isascii() and c.isalpha() for c in dock.windowTitle()), dock.windowTitle()
        assert window.dispatch.queue_dock.windowTitle() == "사건"
        assert window.feeds_widget.horizontalHeaderItem(1).text() == "상태"
        assert "오프라인" in window.kit_label.text()
    finally:
        for tr in qapp.findChildren(QtCore.QTranslator):
            qapp.removeTranslator(tr)


def test_bad_messages_are_counted_and_shown_never_fatal(live, qtbot, tmp_path) -> None:
    """Garbage from a rogue publisher on a second feed: counted per reason in the Feeds dock, app unharmed."""
    import zmq

    window, _sim, _ = live
    session = window.session
    # The live fixture's window has one feed; a second window watches a rogue endpoint alongside the good one.
    rogue_ep = f"ipc://{tmp_path}/rogue.sock"
    ctx = zmq.Context.instance()
    rogue = ctx.socket(zmq.PUB)
    rogue.bind(rogue_ep)
    both = LiveSession(session.kit, [*session.client.feeds, FeedConfig("rogue", rogue_ep)])
    w2 = MainWindow(Room(both), language="en")
    qtbot.addWidget(w2)
    w2.show()
    w2.start()
    try:
        def send_garbage() -> None:
            rogue.send_multipart([b"avl", b"\xc1not msgpack", b"x" * 41])  # bad envelope
            rogue.send_multipart([b"weird", b"", b""])  # unknown topic
            rogue.send(b"one frame only")

        qtbot.waitUntil(lambda: (send_garbage(), both.client.health[1].decode_errors >= 3)[1], timeout=5000)
        qtbot.waitUntil(lambda: both.vehicles.n > 0, timeout=5000)  # the good feed still flows
        w2.refresh_panels()
        errors_cell = w2.feeds_widget.item(1, 6).text()
        assert "bad-envelope" in errors_cell or "unknown-topic" in errors_cell or "bad-frames" in errors_cell
        assert "errors 0" not in w2.feed_label.text()
        assert both.client.error is None and both.client._thread.is_alive()
    finally:
        w2.close()
        rogue.close(0)


def test_the_recommendation_columns_a_dispatcher_reads_fit_the_dock(qtbot) -> None:
    from sitroom.widgets.recommend_panel import UnitOption

    window = MainWindow(Room(LiveSession(grid_kit(4), [])), language="en")
    qtbot.addWidget(window)
    window.resize(1400, 880)  # the first run's size, with the docks at their default widths
    window.show()
    qtbot.waitExposed(window)
    window.dispatch.recommend_dock.raise_()
    panel = window.dispatch.recommend_panel
    options = [UnitOption(10000 + i, 3, 250.0 + 30 * i, 2400.0 + 100 * i, "중앙 119안전센터 둔산 구급대 본부 별관",
                          last_known=i == 1) for i in range(5)]
    panel.show_options("INC-1 · P1 · fire", options)
    qtbot.waitUntil(lambda: panel.table.viewport().width() > 0)
    table = panel.table
    header = table.horizontalHeader()
    # Unit, ETA and distance lie wholly inside what the dock shows, with no scroll bar to hide them.
    right = max(header.sectionViewportPosition(c) + header.sectionSize(c) for c in range(3))
    assert right <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()
    assert [table.horizontalHeaderItem(c).text() for c in range(3)] == ["Unit", "ETA", "Distance"]
    assert table.item(1, 1).text().endswith("(last known)")


def test_find_refuses_a_vehicle_with_no_valid_position(qtbot) -> None:
    window = MainWindow(Room(LiveSession(grid_kit(4), [])), language="en")
    qtbot.addWidget(window)
    v = window.session.vehicles
    v._add(np.array([77], dtype=np.uint32))  # known by id, never placed (as a refused first report leaves it)
    assert not window.find_vehicle("77")
    assert "no valid position" in window.statusBar().currentMessage()
    assert not window.find_vehicle("78") and "No vehicle 78" in window.statusBar().currentMessage()


def test_details_show_an_unreported_speed_and_heading_as_unknown(qtbot) -> None:
    from sitroom.widgets.details_dock import DetailsWidget

    details = DetailsWidget()
    qtbot.addWidget(details)
    details.show_vehicles([{"id": 5, "type": 3, "status": 1, "speed_kmh": float("nan"), "heading": float("inf"),
                            "age_s": 1.0, "source_age_s": 1.0, "feed": 0}], [False])
    assert details.item(0, 3).text() == "—" and details.item(0, 4).text() == "—"
