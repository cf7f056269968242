"""docs/extending.md's worked example, run: a new kind of data plugged in from outside the core (the wire
kind, a model, a capability and a renderer, all in this file) reaches the map over a real socket."""

from __future__ import annotations

import time

import numpy as np
from PySide6 import QtCore, QtGui

from sitroom.app.capabilities import default_capabilities
from sitroom.app.capabilities.base import Capability
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.main_window import MainWindow
from sitroom.layers.base import Layer, Moment
from sitroom.services.feeds import protocol
from sitroom.services.feeds.client import Delivery, FeedConfig
from sitroom.services.feeds.publisher import Publisher
from sitroom.widgets.map.drawing import bounds_of
from sitroom.widgets.map.layer_item import LayerItem
from sitroom.widgets.map.registry import renders
from tests.kits import grid_kit

MARKER_COLOUR = "#ff00d4"  # in the product this would be resources/palette.py's; a toy keeps its own


# ---------------------------------------------------------------- wire


def validate_marker(payload: dict) -> dict:
    r = "bad-marker"
    protocol.require(payload, "id", str, r)
    protocol.require_lonlat(payload, r)
    protocol.require(payload, "note", str, r, optional=True)
    return payload


protocol.register_kind(protocol.KindSpec(kind="mark", topic=b"mark", validate=validate_marker))


# ---------------------------------------------------------------- model


class MarkerLayer(Layer):
    title = "Markers"
    stack = 55  # above vehicles, below incidents

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.x = np.empty(0)
        self.y = np.empty(0)

    def apply(self, marker_id: str, x: float, y: float) -> None:
        if marker_id in self.ids:
            i = self.ids.index(marker_id)
            self.x[i], self.y[i] = x, y
        else:
            self.ids.append(marker_id)
            self.x, self.y = np.append(self.x, x), np.append(self.y, y)
        self.mark_dirty()


# ---------------------------------------------------------------- capability


class MarkersCapability(Capability):
    def install(self, session: LiveSession) -> None:
        markers = session.layers.add("markers", MarkerLayer())

        def receive(d: Delivery, now: float) -> int:
            p = d.message.payload  # validated by the protocol
            x, y = session.projector(np.array([p["lon"]]), np.array([p["lat"]]))
            markers.apply(p["id"], float(x[0]), float(y[0]))
            return 1

        session.kinds.register("mark", receive)


# ---------------------------------------------------------------- renderer


@renders(MarkerLayer)
class MarkerItem(LayerItem):
    def __init__(self, layer: MarkerLayer) -> None:
        self._xy = np.empty((0, 2))
        super().__init__(layer)

    def take(self, moment: Moment) -> None:
        self.prepareGeometryChange()
        self._xy = np.stack([self.layer.x, self.layer.y], axis=1)

    def boundingRect(self) -> QtCore.QRectF:
        return bounds_of(self._xy[:, 0], self._xy[:, 1], pad=50.0)

    def paint(self, p, option, widget=None) -> None:
        tr = p.transform()
        p.resetTransform()
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        p.setBrush(QtGui.QColor(MARKER_COLOUR))
        for x, y in self._xy:
            p.drawEllipse(tr.map(QtCore.QPointF(x, y)), 6.0, 6.0)
        self.drawn = len(self._xy)


# ---------------------------------------------------------------- the test


def _pixels(img: QtGui.QImage, colour: str) -> int:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    c = QtGui.QColor(colour)
    return int((np.abs(arr[:, : img.width(), :3].astype(int) - [c.blue(), c.green(), c.red()]).max(axis=2)
                <= 8).sum())


def test_a_kind_registered_from_outside_the_core_shows_on_the_map(qtbot, tmp_path) -> None:
    kit = grid_kit(8)
    endpoint = f"ipc://{tmp_path}/field.sock"
    pub = Publisher(endpoint, "field-teams")
    session = LiveSession(kit, [FeedConfig("field", endpoint)],
                          capabilities=[*default_capabilities(), MarkersCapability()])
    window = MainWindow(Room(session), language="en")
    qtbot.addWidget(window)
    window.resize(1200, 900)
    window.show()
    window.start()
    try:
        assert session.layers.keys().index("markers") == session.layers.keys().index("vehicles") + 1
        assert "Markers" in window.layers_widget.visibility  # the Layers dock lists it like any other
        xy = kit.roads.node_xy[[0, 20, 40]]
        lon, lat = session.projector.inverse(xy[:, 0], xy[:, 1])

        def publish() -> None:
            pub.heartbeat(force=True)
            for i in range(3):
                pub.send_map(b"mark", "mark", {"id": f"M{i}", "lon": float(lon[i]), "lat": float(lat[i]),
                                               "note": "blocked hydrant"})
            pub.send_map(b"mark", "mark", {"id": "bad", "lon": "east"})  # refused by its own validator

        timer = QtCore.QTimer()
        timer.timeout.connect(publish)
        timer.start(100)
        item = window.canvas.item(session.layers["markers"])
        qtbot.waitUntil(lambda: item.drawn == 3, timeout=10_000)
        timer.stop()
        assert session.client.health[0].errors["bad-marker"] > 0
        session.layers["basemap"].visible = False  # its labels are drawn over every layer: not what is tested
        window.canvas.fit_home()
        deadline = time.monotonic() + 10
        while _pixels(window.canvas.grab().toImage(), MARKER_COLOUR) < 3 * 60:
            assert time.monotonic() < deadline, "the markers never showed on the map"
            qtbot.wait(50)
        session.layers["markers"].visible = False  # the contract's visibility, from the Layers dock
        qtbot.waitUntil(lambda: _pixels(window.canvas.grab().toImage(), MARKER_COLOUR) == 0, timeout=5000)
    finally:
        window.close()
        pub.close()
