"""`pip install .` puts SitRoom under one import name, beside software with its own `app` or `services`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import sitroom

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _wheel(source: Path, out: Path) -> Path:
    # No build isolation: setuptools and wheel come from the test extras, so no index is needed.
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(source)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return next(out.glob("*.whl"))


@pytest.fixture(scope="module")
def sitroom_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A copy of the source, so the build's scratch (build/, *.egg-info) stays out of the working tree.
    source = tmp_path_factory.mktemp("source") / "sitroom"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info",
                                                                  "__pycache__", ".*_cache", ".hypothesis", "out"))
    return _wheel(source, tmp_path_factory.mktemp("wheel"))


def test_the_wheel_holds_one_import_package(sitroom_wheel: Path) -> None:
    names = zipfile.ZipFile(sitroom_wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"sitroom"}
    assert "sitroom/app/cli.py" in names and "sitroom/resources/i18n/sitroom_ko.qm" in names
    assert not any(n.startswith(("sitroom/bench", "sitroom/tests")) for n in names)


def test_installed_beside_another_app_package(sitroom_wheel: Path, tmp_path: Path) -> None:
    # Another project whose import package is called `app` (a common name), installed in the same venv.
    other = tmp_path / "other"
    (other / "app").mkdir(parents=True)
    (other / "app" / "__init__.py").write_text("WHO = 'the other app'\n")
    (other / "services").mkdir()
    (other / "services" / "__init__.py").write_text("WHO = 'the other services'\n")
    (other / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\nbuild-backend = '
                                          '"setuptools.build_meta"\n[project]\nname = "other-app"\nversion = "1"\n'
                                          '[tool.setuptools]\npackages = ["app", "services"]\n')
    other_wheel = _wheel(other, tmp_path / "other-wheel")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(sitroom_wheel),
                    str(other_wheel)], check=True, capture_output=True, timeout=600)
    # SitRoom's own dependencies come from this test's environment (a path entry, so its editable install of
    # SitRoom is not seen: only the wheel just installed can answer `import sitroom`).
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    code = ("import app, services, sitroom, sitroom.app.cli, sitroom.services.feeds.protocol as p\n"
            "print(app.WHO, '|', services.WHO, '|', sitroom.__version__, '|', sitroom.app.cli.__file__)\n")
    out = subprocess.run([str(py), "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    who_app, who_services, version, cli = (part.strip() for part in out.stdout.split("|"))
    assert (who_app, who_services) == ("the other app", "the other services")
    assert version == sitroom.__version__ != "0+unknown"
    assert Path(cli).is_relative_to(site / "sitroom")
    # Every module imports from the install, and the resources it reads at run time are there.
    resources = ("import importlib, pkgutil, sitroom\n"
                 "for m in pkgutil.walk_packages(sitroom.__path__, 'sitroom.'):\n"
                 "    if not m.name.endswith('__main__'):\n"
                 "        importlib.import_module(m.name)\n"
                 "from importlib.resources import files\n"
                 "from PySide6 import QtCore\n"
                 "from sitroom.services.incidents.plans import ResponsePlans\n"
                 "from sitroom.widgets import theme\n"
                 "assert ResponsePlans.default().plans\n"
                 "assert QtCore.QTranslator().load('sitroom_ko', str(files('sitroom.resources') / 'i18n'))\n"
                 "assert (theme._STYLES / 'dark.qss').is_file(), theme._STYLES\n"
                 "assert all((files('sitroom.resources') / 'sounds' / n).is_file()\n"
                 "           for n in ('call_alert.wav', 'facility_alarm.wav'))\n"
                 "assert (files('sitroom.resources') / 'walls' / 'one-screen.toml').is_file()\n"
                 "assert (files('sitroom.resources') / 'icons' / 'sitroom.svg').is_file()\n"
                 "print(sitroom.__file__)\n")
    out = subprocess.run([str(py), "-c", resources], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()).is_relative_to(site / "sitroom")
    version_out = subprocess.run([str(venv / "bin" / "sitroom"), "--version"], capture_output=True, text=True,
                                 timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert version_out.returncode == 0 and sitroom.__version__ in version_out.stdout, version_out.stderr

