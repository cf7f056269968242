"""Wall displays: the layout's views on screens, a priority-1 incident taking the wall and giving it back on a
fake clock, commands, refusals of bad layouts, and a real two-screen wall under Xvfb with a screenshot each."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from sitroom import resources
from sitroom.app.core.room import Room
from sitroom.app.core.session import LiveSession
from sitroom.app.frame_loop import FrameLoop
from sitroom.app.wall import WallController
from sitroom.services.incidents.audit import AuditLog
from sitroom.services.wall.layout import load, parse
from tests.kits import grid_kit

WALLS = Path(resources.__file__).parent / "walls"
ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.t = 5000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wall(qtbot, tmp_path):
    kit = grid_kit(8)
    session = LiveSession(kit, [])
    room = Room(session)
    loop = FrameLoop(room)
    clock = FakeClock()
    audit = AuditLog(tmp_path / "audit.sqlite")
    controller = WallController(room, loop, load(WALLS / "two-screens.toml"), clock=clock, one_screen=True,
                                audit=audit)
    controller.show()
    for w in controller.windows:
        qtbot.addWidget(w)
    controller.update_rules()
    yield controller, session, clock, audit
    controller.close()
    audit.close()


def _centre(canvas) -> tuple[float, float, float]:
    x0, y0, x1, y1 = canvas.view_rect()
    return (x0 + x1) / 2, (y0 + y1) / 2, abs(x1 - x0)


def test_views_are_kiosk_and_read_only(wall) -> None:
    controller, _session, _clock, _audit = wall
    (window,) = controller.windows
    assert window.windowFlags() & QtCore.Qt.WindowType.FramelessWindowHint
    assert window.windowFlags() & QtCore.Qt.WindowType.WindowDoesNotAcceptFocus
    assert window.testAttribute(QtCore.Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert window.cursor().shape() == QtCore.Qt.CursorShape.BlankCursor
    kinds = sorted(v.spec.kind for v in controller._current_views())
    assert kinds == ["alarms", "cctv", "feeds", "incidents", "kpi", "map"]
    for view in controller._current_views():
        for w in [view.frame, *view.frame.findChildren(QtWidgets.QWidget)]:
            if not w.isVisibleTo(view.frame):
                continue  # hidden (a combo's popup list): nothing to focus
            assert w.focusPolicy() == QtCore.Qt.FocusPolicy.NoFocus, (view.spec.kind, type(w).__name__)
    assert not window.findChildren(QtWidgets.QDialog)
    # Large type: the wall's body text is palette.WALL_SCALE times the desk's.
    kpi = next(v.kpi for v in controller._current_views() if v.kpi is not None)
    controller.refresh()
    assert QtGui.QFontInfo(kpi.cells["open"][1].font()).pointSizeF() >= 30
    assert controller.stats()["windows"] == 1


def test_a_p1_incident_takes_the_wall_and_gives_it_back(wall, qtbot) -> None:
    controller, session, clock, audit = wall
    city = controller.views["normal", "city"]
    home = _centre(city.canvas)
    x0, y0, _x1, _y1 = session.kit.road_bounds
    inc = session.incidents.create("fire", 1, 127.386, 36.352, x0 + 300.0, y0 + 400.0, "factory fire", "desk")
    state = controller.update_rules()
    assert state.focus is not None and state.focus.incident == inc.id
    cx, cy, width = _centre(city.canvas)
    assert abs(cx - (x0 + 300)) < 5 and abs(cy - (y0 + 400)) < 5 and width == pytest.approx(1500, rel=0.01)
    assert inc.id in city.frame.title.text()
    assert not controller.windows[0].banner.isHidden() and "P1" in controller.windows[0].banner.text()
    clock.t += 9 * 60
    assert controller.update_rules().focus is not None
    clock.t += 60  # ten minutes: the map goes home
    state = controller.update_rules()
    assert state.focus is None and state.reason == "default"
    assert _centre(city.canvas) == pytest.approx(home, rel=1e-6, abs=1.0)
    assert controller.windows[0].banner.isHidden()
    logged = [e[4] for e in audit.access_events("wall")]
    assert any(f"focus {inc.id}" in text for text in logged) and "10 minutes passed" in logged[-1]


def test_flood_and_commands_switch_presets(wall) -> None:
    controller, _session, _clock, audit = wall
    controller.disaster = True
    assert controller.update_rules().preset == "disaster"
    assert controller.stats()["presets_switched"] == 1
    assert controller.windows[0].stack.currentWidget() is controller.windows[0].pages["disaster"]
    answer = controller.command({"op": "preset", "name": "flood"}, who="kim")
    assert answer["ok"] and answer["preset"] == "flood" and answer["pinned"] == "flood"
    assert controller.update_rules().preset == "flood"  # pinned: the disaster waits
    assert controller.command({"op": "unpin"}, who="kim")["preset"] == "disaster"
    controller.command({"op": "disaster", "on": False}, who="kim")
    assert controller.engine.state.preset == "normal"
    answer = controller.command({"op": "view", "view": "city", "lon": 127.386, "lat": 36.352, "width_km": 3})
    assert answer["ok"]
    assert _centre(controller.views["normal", "city"].canvas)[2] == pytest.approx(3000, rel=0.01)
    assert controller.command({"op": "view", "view": "cams", "lon": 0, "lat": 0}) == {
        "ok": False, "error": "view 'cams' is not a map view"}
    assert not controller.command({"op": "preset", "name": "nope"})["ok"]
    assert not controller.command({"op": "explode"})["ok"]
    assert [e[1] for e in audit.access_events("wall-command")][:1] == ["kim"]
    assert controller.stats()["presets_switched"] == 4


def test_bad_layouts_are_refused_with_their_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[screen]]\nname = "a"\n\n[[preset]]\nname = "p"\n  [[preset.view]]\n  kind = "tv"\n')
    out = subprocess.run([sys.executable, "-m", "sitroom", "wall", "--layout", str(bad)], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, check=False)
    assert out.returncode == 2
    assert f"{bad}:7: view kind 'tv': one of map" in out.stderr


def test_a_one_screen_layout_is_one_window(qtbot) -> None:
    layout = parse((WALLS / "one-screen.toml").read_text(encoding="utf-8"))
    session = LiveSession(grid_kit(6), [])
    room = Room(session)
    controller = WallController(room, FrameLoop(room), layout)
    controller.show()
    try:
        assert len(controller.windows) == 1 and not controller.notes
        assert len(controller.loop.canvases) == 1
    finally:
        controller.close()


@pytest.mark.slow
@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed (apt-get install xvfb)")
def test_two_screens_under_xvfb(tmp_path: Path) -> None:
    """Two X screens, one window on each, full screen, and a screenshot of each."""
    shots = tmp_path / "shots"
    env = {**os.environ, "SITROOM_CONFIG": str(tmp_path / "config")}
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("DISPLAY", None)
    out = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24 -screen 1 1280x720x24", sys.executable, "-m", "sitroom",
         "wall", "--layout", str(WALLS / "two-screens.toml"), "--demo", "--vehicles", "800", "--sensors", "100",
         "--exit-after", "14", "--stats", "--screenshot-dir", str(shots)],
        env=env, capture_output=True, text=True, timeout=240, check=False, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    stats = json.loads(out.stdout.strip().splitlines()[-1])
    assert stats["windows"] == 2 and stats["screens"] == 2 and stats["presets_switched"] == 0
    assert stats["vehicles"] == 800
    files = sorted(shots.glob("wall-*.png"))
    assert [f.name for f in files] == ["wall-0-left.png", "wall-1-right.png"]
    sizes = []
    for f in files:
        img = QtGui.QImage(str(f))
        sizes.append((img.width(), img.height()))
    assert sizes == [(1600, 900), (1280, 720)]
    keep = os.environ.get("SITROOM_SCREENSHOT_DIR")
    if keep:
        for f in files:
            (Path(keep) / f.name).write_bytes(f.read_bytes())
