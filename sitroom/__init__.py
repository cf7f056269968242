"""SitRoom: the repository's top-level folders installed under one import name (`sitroom.app`, ...)."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

try:
    # The version lives in pyproject.toml only; an installed build carries it in its metadata.
    __version__ = version("sitroom")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"


def frozen() -> bool:
    """True in an installed build (PyInstaller one-folder app), whose ``sys.executable`` is SitRoom itself."""
    return bool(getattr(sys, "frozen", False))


def command(*args: str) -> list[str]:
    """The argv that runs ``sitroom ARGS…`` as a new process of this same installation.

    In a venv that is this Python with ``-m sitroom``; in an installed build ``sys.executable`` is the app's own
    binary, which is the ``sitroom`` command (a Python there takes no ``-m``), so the arguments follow it."""
    if frozen():
        return [sys.executable, *args]
    return [sys.executable, "-m", "sitroom", *args]
