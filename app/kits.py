"""Opening kits from the window: off the GUI thread, with a recent-kits list kept in the settings.

A kit is read, validated and its models prepared (every capability's ``kit_layers``: the basemap is the
slow one) on a worker thread; the window swaps to it only when all of that succeeded, so a bad kit leaves
the open one in place and says why.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from PySide6 import QtCore

from sitroom.app.capabilities.base import Capability
from sitroom.app.core.session import prepare_kit_layers
from sitroom.app.settings import settings
from sitroom.services.store.kit import KitError, load_kit

MAX_RECENT = 8


def recent_kits() -> list[Path]:
    try:
        paths = json.loads(settings().value("kits/recent", "[]"))
    except (TypeError, ValueError):
        return []
    return [Path(p) for p in paths if isinstance(p, str)]


def remember_kit(path: Path) -> list[Path]:
    """Put ``path`` first in the recent list; returns the new list."""
    path = Path(path).resolve()
    paths = [path] + [p for p in recent_kits() if p != path]
    settings().setValue("kits/recent", json.dumps([str(p) for p in paths[:MAX_RECENT]], ensure_ascii=False))
    return paths[:MAX_RECENT]


def forget_kit(path: Path) -> None:
    paths = [p for p in recent_kits() if p != Path(path).resolve()]
    settings().setValue("kits/recent", json.dumps([str(p) for p in paths], ensure_ascii=False))


class KitLoader(QtCore.QObject):
    """Loads one kit at a time on a worker thread; reports on the GUI thread through its signals."""

    loaded = QtCore.Signal(object, object)  # Kit, its prepared layers (dict key -> Layer)
    failed = QtCore.Signal(str, str)  # path, message

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.busy = False

    def load(self, path: Path, capabilities: list[Capability]) -> bool:
        """Start loading; False if a load is already running."""
        if self.busy:
            return False
        self.busy = True
        threading.Thread(target=self._work, args=(Path(path), list(capabilities)), name="sitroom-kit-load",
                         daemon=True).start()
        return True

    def _work(self, path: Path, capabilities: list[Capability]) -> None:
        try:
            kit = load_kit(path)
            layers = prepare_kit_layers(kit, capabilities)
        except (KitError, OSError, MemoryError) as exc:
            self.busy = False
            self.failed.emit(str(path), str(exc))
            return
        self.busy = False
        self.loaded.emit(kit, layers)
