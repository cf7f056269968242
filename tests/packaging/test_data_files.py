"""Bad input: data files of an installation that are missing or damaged are named, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitroom import resources

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the resources with the Korean translation removed and the style sheet damaged."""
    copy = tmp_path / "resources"
    shutil.copytree(resources.ROOT, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    (copy / "i18n" / "sitroom_ko.qm").unlink()
    (copy / "styles" / "dark.qss").write_bytes(b"\xff\xfe not a style sheet")
    (copy / "sounds" / "call_alert.wav").write_bytes(b"MP3?")
    monkeypatch.setattr(resources, "ROOT", copy)
    return copy


def test_the_installation_as_shipped_is_whole() -> None:
    assert resources.check() == []


def test_each_problem_names_its_file(broken: Path) -> None:
    problems = {p.name: p for p in resources.check()}
    assert set(problems) == {"i18n/sitroom_ko.qm", "styles/dark.qss", "sounds/call_alert.wav"}
    assert problems["i18n/sitroom_ko.qm"].why == "missing"
    assert "not UTF-8" in problems["styles/dark.qss"].why
    assert problems["sounds/call_alert.wav"].why == "damaged: not a WAV sound"
    assert not any(p.needed for p in problems.values())
    assert str(broken / "i18n" / "sitroom_ko.qm") in str(problems["i18n/sitroom_ko.qm"])


def test_damaged_response_plans_stop_the_start_with_a_sentence(broken: Path) -> None:
    from sitroom.services.incidents.plans import ResponsePlans

    (broken / "plans" / "response_plans.toml").write_text("[[plan]\n", encoding="utf-8")
    [problem] = [p for p in resources.check() if p.needed]
    assert problem.name == "plans/response_plans.toml" and "TOML" in problem.why
    with pytest.raises(resources.ResourceError, match=r"response_plans\.toml.*reinstall SitRoom"):
        ResponsePlans.default()


def test_the_window_starts_and_says_what_is_missing(broken: Path, qtbot, capsys, monkeypatch) -> None:
    from PySide6 import QtWidgets

    from sitroom.app import gui
    from sitroom.app.core.room import Room
    from sitroom.app.core.session import LiveSession
    from sitroom.app.main_window import MainWindow
    from sitroom.widgets import theme
    from tests.kits import grid_kit

    monkeypatch.setattr(theme, "_STYLES", broken / "styles")
    try:
        app, lang = gui.make_app("ko")
        err = capsys.readouterr().err
        assert "sitroom_ko.qm" in err and "dark.qss" in err and "Traceback" not in err
        w = MainWindow(Room(LiveSession(grid_kit(4), [])), language=lang)
        qtbot.addWidget(w)
        w.show()
        assert w.data_note.isVisible() and "sitroom_ko.qm" in w.data_note.text()
    finally:
        monkeypatch.undo()  # the real resources again, for the tests that follow in this process
        app = QtWidgets.QApplication.instance()
        app.setProperty("sitroom_problems", [])
        app.setStyleSheet(theme.style_sheet())


def test_the_command_line_says_it_in_one_line(tmp_path: Path) -> None:
    """A missing needed file ends `sitroom` with one sentence and status 1 (here: through the CLI's handler)."""
    code = ("import sitroom.resources as r, pathlib, shutil, sys\n"
            f"copy = pathlib.Path({str(tmp_path)!r}) / 'res'\n"
            "shutil.copytree(r.ROOT, copy)\n"
            "(copy / 'plans' / 'response_plans.toml').unlink()\n"
            "r.ROOT = copy\n"
            "from sitroom.app.cli import main\n"
            "sys.exit(main(['run', '--exit-after', '1']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "response_plans.toml" in done.stderr and "is missing; reinstall SitRoom" in done.stderr
