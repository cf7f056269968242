"""Where SitRoom keeps its settings and caches (overridable for tests and multi-seat machines)."""

from __future__ import annotations

import os

from PySide6 import QtCore

from sitroom.services.dirs import config_dir, data_dir  # noqa: F401  (re-exported: where the app keeps things)


def settings() -> QtCore.QSettings:
    """One INI file, so a supervisor can read, back up or pre-seed it."""
    path = config_dir() / "sitroom.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    return QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat)


def process_age_s() -> float | None:
    """Seconds since this process started (Linux), for start-up figures measured from exec, not import."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5), counted after the ")" of the command name
        ticks = os.sysconf("SC_CLK_TCK")
        import time

        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / ticks
    except (OSError, ValueError, IndexError, AttributeError):
        return None
