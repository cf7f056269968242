"""Markers from outside equipment (`marker`, the CoT adapter's spot reports) on the map, over a real socket."""

from __future__ import annotations

import time

from PySide6 import QtCore

from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.main_window import MainWindow
from sitroom.layers.field_markers import FieldMarker, FieldMarkerLayer
from sitroom.services.feeds.client import FeedConfig
from sitroom.services.feeds.protocol import Kind, Topic
from sitroom.services.feeds.publisher import Publisher
from tests.kits import grid_kit


def _marker(ts: int, stale: int | None, label: str = "A") -> FieldMarker:
    return FieldMarker(127.0, 36.0, 0.0, 0.0, label, "b-m-p-s-m", ts, stale)


def test_markers_replace_and_expire() -> None:
    layer = FieldMarkerLayer()
    assert layer.apply("m", _marker(1000, 5000), now_ms=1500) == 1
    assert layer.apply("m", _marker(900, 9000, "older"), now_ms=1500) == 0  # an older report is ignored
    assert [m.label for m in layer.shown(2000)] == ["A"]
    assert layer.shown(5000) == []  # past its stale time it is no longer shown
    layer.expire(5000)
    assert layer.markers == {}
    layer.apply("n", _marker(2000, 1000), now_ms=1500)  # sent already stale: withdrawn
    assert layer.markers == {}


def test_cot_markers_show_on_the_map_and_leave_when_stale(qtbot, tmp_path) -> None:
    kit = grid_kit(8)
    endpoint = f"ipc://{tmp_path}/cot.sock"
    pub = Publisher(endpoint, "cot-adapter")
    session = LiveSession(kit, [FeedConfig("cot", endpoint)])
    window = MainWindow(Room(session), language="en")
    qtbot.addWidget(window)
    window.show()
    window.start()
    xy = kit.roads.node_xy[[0, 30]]
    lon, lat = session.projector.inverse(xy[:, 0], xy[:, 1])
    now = int(time.time() * 1000)
    brief = {"stale": now + 4000}  # the second marker holds four seconds

    def publish() -> None:
        pub.heartbeat(force=True)
        pub.send_map(Topic.MARKER, Kind.MARKER, {"id": "spot-1", "type": "b-m-p-s-m", "lon": float(lon[0]),
                                                 "lat": float(lat[0]), "label": "hydrant", "ts": now,
                                                 "stale": now + 600_000})
        pub.send_map(Topic.MARKER, Kind.MARKER, {"id": "spot-2", "lon": float(lon[1]), "lat": float(lat[1]),
                                                 "text": "fallen tree\nblocks both lanes", "ts": now, **brief})
        pub.send_map(Topic.MARKER, Kind.MARKER, {"id": "bad", "lon": "east", "ts": now})  # refused, counted

    timer = QtCore.QTimer()
    timer.timeout.connect(publish)
    timer.start(100)
    try:
        layer = session.layers["field_markers"]
        item = window.canvas.item(layer)
        qtbot.waitUntil(lambda: item.drawn == 2, timeout=10_000)
        assert sorted(m.label for m in layer.markers.values()) == ["fallen tree", "hydrant"]
        assert "Field markers" in window.layers_widget.visibility
        qtbot.waitUntil(lambda: session.client.health[0].errors.get("bad-marker", 0) > 0, timeout=10_000)
        timer.stop()  # no more reports: the brief one leaves the map at its stale time
        qtbot.waitUntil(lambda: item.drawn == 1, timeout=15_000)
        assert [m.label for m in layer.markers.values()] == ["hydrant"]
    finally:
        timer.stop()
        window.close()
        pub.close()
