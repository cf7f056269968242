"""The supervisor's figures dock: filled from the live room, each plot exported as CSV and PNG, and the one-page
shift report as PDF."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtGui

from sitroom.app.core.actions import Actions
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.main_window import MainWindow
from sitroom.services.access import Access, User
from tests.kits import grid_kit


def test_supervisor_figures_and_shift_report(qtbot, tmp_path: Path, monkeypatch) -> None:
    session = LiveSession(grid_kit(6), [])
    room = Room(session)
    window = MainWindow(room, language="en", actions=Actions(room, Access(User("kim", "supervisor"))))
    qtbot.addWidget(window)
    window.show()
    now = session.clock_ms()
    book = session.incidents
    for i, (arrive_s, type_) in enumerate(((240, "fire"), (360, "medical"), (600, "traffic"))):
        inc = book.create(type_, 1, 127.38, 36.35, 10.0 * i, 10.0, "x", "setup", now_ms=now - 900_000)
        book.transition(inc.id, "dispatched", "CAD", unit=i, now_ms=now - 900_000 + 60_000)
        book.transition(inc.id, "on_scene", "AVL", now_ms=now - 900_000 + arrive_s * 1000)
    assert window.figures_dock is not None and window.figures_dock.isVisible()
    window.refresh_figures()
    panel = window.figures_panel
    assert "within 5 min 33%, within 7 min 67% (3 arrivals)" in panel.headline.text()
    for key, plot in panel.plots.items():
        plot.write_csv(tmp_path / f"{key}.csv")
        plot.write_png(tmp_path / f"{key}.png")
        assert (tmp_path / f"{key}.csv").read_text().count("\n") >= 1
        assert not QtGui.QImage(str(tmp_path / f"{key}.png")).isNull()
    assert (tmp_path / "response.csv").read_text().splitlines()[5] == "4,1"
    pdf = tmp_path / "shift.pdf"
    monkeypatch.setattr("PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a, **k: (str(pdf), ""))
    assert window.shift_report() == pdf
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + \
        data.count(b"/Type/Page") >= 1
    window.close()


def test_a_dispatcher_opens_them_from_the_view_menu(qtbot) -> None:
    session = LiveSession(grid_kit(6), [])
    room = Room(session)
    window = MainWindow(room, language="en")
    qtbot.addWidget(window)
    assert window.figures_dock is None
    window._build_figures()
    assert window.figures_dock is not None
    window.close()
