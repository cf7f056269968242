"""Korean and English for the main window through Qt's translation system."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import resources

I18N = Path(resources.__file__).parent / "i18n"


def test_korean_catalogue_is_complete_and_compiled(tmp_path: Path) -> None:
    ts = (I18N / "sitroom_ko.ts").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in ts
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    if not lrelease.exists():
        pytest.skip("pyside6-lrelease not installed")
    out = tmp_path / "ko.qm"
    subprocess.run([str(lrelease), str(I18N / "sitroom_ko.ts"), "-qm", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == (I18N / "sitroom_ko.qm").read_bytes(), "run pyside6-lrelease after editing the .ts"
