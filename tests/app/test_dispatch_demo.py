"""A dispatcher's shift in the demo, keyboard only: incidents arrive, one is acknowledged, the fastest unit
is dispatched and drives there; with the CAD down a dispatch stays pending and is delivered once later."""

from __future__ import annotations

import signal
import sqlite3
import time

import numpy as np
import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

from sitroom.app.core.desk import DispatchDesk
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.main_window import MainWindow
from sitroom.services.dispatch.link import DispatchLink
from sitroom.services.dispatch.outbox import Outbox
from sitroom.services.incidents.audit import AuditLog
from sitroom.services.sim.demo_kit import open_demo_city
from sitroom.services.sim.launcher import DemoBackends
from sitroom.services.vocabulary import VehicleStatus
from tests.app.test_demo import demo_cache  # noqa: F401 - the session's demo city

pytestmark = pytest.mark.slow


def _key(window, key: str) -> None:
    """A key press as a person makes it: to the active window's focus widget, where shortcuts are matched."""
    window.activateWindow()
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, QtCore.Qt.Key(getattr(QtCore.Qt.Key, f"Key_{key}")))


def test_keyboard_dispatch_and_cad_outage(qtbot, demo_cache, tmp_path) -> None:  # noqa: F811
    kit = open_demo_city(demo_cache)
    backends = DemoBackends(kit.path, vehicles=400)
    backends.start()
    session = LiveSession(kit, backends.feeds())
    AuditLog(tmp_path / "audit.sqlite").attach(session.incidents)
    outbox = Outbox(tmp_path / "outbox.sqlite")
    link = DispatchLink(backends.cad_endpoint(), outbox, resend_after_s=0.5)
    link.start()
    desk = DispatchDesk(session, link=link, who="tester")
    window = MainWindow(Room(session, desk), language="en")
    qtbot.addWidget(window)
    window.show()
    window.start()
    ui = window.dispatch
    try:
        # Incidents arrive on the inc feed and show in the queue, flashing until acknowledged.
        qtbot.waitUntil(lambda: len(session.incidents.open_incidents()) >= 2, timeout=40_000)
        qtbot.waitUntil(lambda: session.vehicles.n >= 400, timeout=20_000)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        _key(window, "N")
        first = ui.current()
        assert first is not None and session.incidents.get(first).status == "new"
        _key(window, "A")  # acknowledge: the recommendation follows at once
        assert session.incidents.get(first).status == "acknowledged"
        assert ui.ranking is not None and ui.ranking.options, ui.recommend_panel.header.text()
        lead = ui.ranking.lead.options
        best = lead[0]
        assert all(best.eta_s <= o.eta_s for o in lead)  # the plan's lead type, fastest first
        assert ui.routes.route_xy is not None and len(ui.routes.route_xy) > 1  # the route is drawn
        _key(window, "D")  # the whole response plan (or the one unit) in one key
        qtbot.waitUntil(lambda: session.incidents.get(first).status in ("dispatched", "en_route"), timeout=20_000)
        assert best.unit in session.incidents.get(first).units
        row = int(session.vehicles.rows_for(np.array([best.unit], dtype=np.uint32))[0])
        # The unit drives there: its own AVL reports turn en route, and the incident follows.
        qtbot.waitUntil(lambda: session.vehicles.status[row] == VehicleStatus.EN_ROUTE, timeout=20_000)
        qtbot.waitUntil(lambda: session.incidents.get(first).status == "en_route", timeout=10_000)

        # The CAD goes down: the next dispatch stays pending in the outbox...
        backends.kill("cad", signal.SIGKILL)
        second = next(i.id for i in session.incidents.open_incidents() if i.id != first)
        ui.select_incident(second)
        if session.incidents.get(second).status == "new":
            _key(window, "A")
        else:
            _key(window, "R")
        unit = ui.recommend_panel.current()
        assert unit is not None
        sent = ui.recommend_panel.picked() or [unit]  # a plan's checked units, or the one chosen
        unit = sent[0]
        _key(window, "D")
        time.sleep(2.0)
        qtbot.wait(500)
        assert outbox.counts()["pending"] == len(sent)
        assert unit not in session.incidents.get(second).units
        # ...and once the CAD is back, it is delivered and carried out once.
        backends.start("cad")
        qtbot.waitUntil(lambda: outbox.counts()["pending"] == 0, timeout=30_000)
        qtbot.waitUntil(lambda: unit in session.incidents.get(second).units, timeout=10_000)
        with sqlite3.connect(backends.runtime_dir / "cad-state.sqlite") as db:
            runs = db.execute("SELECT COUNT(*) FROM executions WHERE unit = ?", (unit,)).fetchone()[0]
        assert runs == 1

        # A call taken at this desk reaches the CAD with its first dispatch and is carried out like its own.
        near = session.incidents.get(second)
        call = session.incidents.create("fire", 2, near.lon, near.lat, near.x, near.y, "smoke from a roof", "tester")
        ranking = desk.recommend(call.id)
        assert ranking.options, "no fire engine available for the local call"
        local_unit = ranking.options[0].unit
        cmd_id = desk.dispatch(call.id, local_unit)
        qtbot.waitUntil(lambda: outbox.get(cmd_id).state != "pending", timeout=20_000)
        assert outbox.get(cmd_id).state == "acked", outbox.get(cmd_id)
        qtbot.waitUntil(lambda: local_unit in session.incidents.get(call.id).units, timeout=10_000)
        with sqlite3.connect(backends.runtime_dir / "cad-state.sqlite") as db:
            runs = db.execute("SELECT COUNT(*) FROM executions WHERE incident = ?", (call.id,)).fetchone()[0]
        assert runs == 1
    finally:
        window.shutdown()
        link.stop()
        backends.stop()
