"""Where SitRoom keeps its settings and caches (overridable for tests and multi-seat machines)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtCore


def config_dir() -> Path:
    base = os.environ.get("SITROOM_CONFIG")
    return Path(base) if base else Path.home() / ".config" / "sitroom"


def settings() -> QtCore.QSettings:
    """One INI file, so a supervisor can read, back up or pre-seed it."""
    path = config_dir() / "sitroom.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    return QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat)
