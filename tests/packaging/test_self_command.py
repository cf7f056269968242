"""Everything SitRoom starts as a process of its own (the demo backends, the import dialog's kit build, the
link-cut drill and its namespace holder) runs ``sitroom …`` of the same installation: ``python -m sitroom`` in a
venv, the app's own binary in an installed build, where ``sys.executable`` is SitRoom and takes no ``-m``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sitroom
from sitroom.services.sim import netlab
from sitroom.services.sim.launcher import DemoBackends

ROOT = Path(__file__).resolve().parents[2]


def test_command_in_a_venv_is_this_python_with_dash_m() -> None:
    assert not sitroom.frozen()
    assert sitroom.command("sim", "avl") == [sys.executable, "-m", "sitroom", "sim", "avl"]


def test_command_in_an_installed_build_is_the_binary_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/sitroom/sitroom")
    assert sitroom.frozen()
    assert sitroom.command("kit", "build") == ["/opt/sitroom/sitroom", "kit", "build"]
    backends = DemoBackends(Path("/tmp/kit"), runtime_dir=Path("/tmp/rt"))
    cmd = backends.command("avl")
    assert cmd[:3] == ["/opt/sitroom/sitroom", "sim", "avl"] and "-m" not in cmd
    assert cmd[cmd.index("--kit") + 1] == "/tmp/kit" and cmd[cmd.index("--parent-pid") + 1] == str(os.getpid())


def test_every_backend_command_starts_with_the_installation_s_sitroom(tmp_path: Path) -> None:
    backends = DemoBackends(tmp_path / "kit", runtime_dir=tmp_path)
    for name in backends.backends():
        cmd = backends.command(name)
        assert cmd[:5] == [sys.executable, "-m", "sitroom", "sim", name], cmd


def test_no_module_spawns_python_dash_m_by_hand() -> None:
    """A new ``[sys.executable, "-m", …]`` or ``python -c`` would break the installed build: use sitroom.command."""
    offenders = []
    for folder in ("app", "services", "widgets", "layers", "resources", "sitroom"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for bad in ('sys.executable, "-m"', "sys.executable, '-m'", 'sys.executable, "-c"',
                        "setProgram(sys.executable)"):
                if bad in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {bad}")
    assert offenders == [] or offenders == ["sitroom/__init__.py: sys.executable, \"-m\""], offenders


def test_the_venv_command_really_runs_sitroom(tmp_path: Path) -> None:
    done = subprocess.run(sitroom.command("--version"), capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"sitroom {sitroom.__version__}"


def test_a_backend_started_by_the_launcher_publishes(tmp_path: Path) -> None:
    """The real thing on the venv side: the launcher's command for one backend starts it and it runs."""
    from sitroom.services.store.kit import save_kit
    from tests.kits import grid_kit

    kit_path = save_kit(grid_kit(4), tmp_path / "kit")
    backends = DemoBackends(kit_path, vehicles=5, runtime_dir=tmp_path / "rt", sensors=0)
    (tmp_path / "rt").mkdir()
    cmd = [*backends.command("traffic"), "--duration", "2"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_namespace_holder_is_a_hidden_subcommand(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitroom.app.cli import build_parser, main

    assert netlab.HOLDER_COMMAND not in build_parser().format_help()
    monkeypatch.setenv("SITROOM_NETLAB_PARENT", "1")  # not our parent: the holder returns at once
    assert main([netlab.HOLDER_COMMAND]) == 0
