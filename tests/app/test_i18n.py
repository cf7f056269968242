"""Korean and English for the main window through Qt's translation system."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitroom import resources

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


def test_every_string_of_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    """lupdate over the sources adds nothing: a new tr() string without its Korean fails here (./dev i18n)."""
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    if not lupdate.exists():
        pytest.skip("pyside6-lupdate not installed")
    ts = tmp_path / "ko.ts"
    ts.write_bytes((I18N / "sitroom_ko.ts").read_bytes())
    root = I18N.parent.parent
    dirs = [str(root / d) for d in ("app", "widgets", "services", "layers")]
    subprocess.run([str(lupdate), "-no-obsolete", "-locations", "none", "-extensions", "py", *dirs, "-ts", str(ts)],
                   check=True, capture_output=True)
    text = ts.read_text(encoding="utf-8")
    missing = re.findall(r"<source>([^<]*)</source>\s*<translation type=\"unfinished\"", text)
    assert not missing, f"strings without Korean (run ./dev i18n and translate them): {missing}"
