"""Helpers shared by the benchmarks: argument parsing, statistics, report lines and the Qt set-up.

Every benchmark prints readable lines while it runs and returns one flat dict; ``python -m bench NAME``
prints that dict as the last line of its output, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence

import numpy as np


def parser(name: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m bench {name}", description=description)
    p.add_argument("--quick", action="store_true", help="a short run (a few seconds) for smoke tests")
    return p


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say(f"== {text}")


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if len(values) else float("nan")


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float:
    arr = np.asarray(values, dtype=np.float64)
    return float(np.percentile(arr, q)) if arr.size else float("nan")


def ratio(a: float, b: float) -> float:
    return float(a / b) if b and np.isfinite(a) and np.isfinite(b) else float("nan")


def goal(ok: bool | None) -> str:
    if ok is None:
        return "goal n/a"
    return "goal met" if ok else "goal MISSED"


def check_at_least(value: float, target: float) -> str:
    return goal(bool(np.isfinite(value) and value >= target))


def check_at_most(value: float | None, target: float) -> str:
    return goal(None if value is None else bool(np.isfinite(value) and value <= target))


def rounded(d: dict, digits: int = 3) -> dict:
    """Floats rounded for the JSON line (NaN becomes null so the line stays valid JSON)."""
    out = {}
    for k, v in d.items():
        if isinstance(v, float | np.floating):
            v = float(v)
            out[k] = round(v, digits) if np.isfinite(v) else None
        elif isinstance(v, np.integer):
            out[k] = int(v)
        else:
            out[k] = v
    return out


def emit_json(result: dict) -> None:
    say(json.dumps(rounded(result), sort_keys=False))


def run_module(main: Callable[[list[str]], dict], argv: list[str] | None = None) -> int:
    """``python -m bench.NAME``: run, then print the result as the final JSON line."""
    emit_json(main(sys.argv[1:] if argv is None else argv))
    return 0


# ---------------------------------------------------------------- Qt


def private_config() -> str:
    """Settings in a throw-away directory, so a benchmark never reads or writes the user's window state."""
    if "SITROOM_CONFIG" not in os.environ:
        os.environ["SITROOM_CONFIG"] = tempfile.mkdtemp(prefix="sitroom-bench-config-")
    return os.environ["SITROOM_CONFIG"]


def qt_app():
    """The QApplication, offscreen unless a display was asked for explicitly."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    private_config()
    from PySide6 import QtWidgets

    return QtWidgets.QApplication.instance() or QtWidgets.QApplication(["sitroom-bench"])


def load_city():
    """The Daejeon demo kit (generated once and cached on disk)."""
    from sitroom.services.sim.demo_kit import open_demo_city

    return open_demo_city()


class CanvasScene:
    """A benchmark's map canvas as the main window builds it: a 1600×1000 MapCanvas showing ``layers``
    through the renderers the canvas picks, offscreen; ``items`` are their renderers, in order."""

    SIZE = (1600, 1000)

    def __init__(self, app, kit, layers=()) -> None:
        from sitroom.widgets.map.canvas import MapCanvas

        self.app = app
        self.canvas = MapCanvas()
        self.canvas.resize(*self.SIZE)
        self.items = [self.canvas.add_layer(layer) for layer in layers]
        self.canvas.set_home(*kit.bounds)
        self.canvas.show()
        app.processEvents()
        self.forced = 0

    def view(self, centre: tuple[float, float] | None, width_m: float) -> None:
        """The whole kit (``centre`` None) or ``width_m`` across ``centre``; the first paint is not timed."""
        if centre is None:
            self.canvas.fit_home()
        else:
            self.canvas.center_on(centre[0], centre[1], width_m=width_m)
        self.paint()
        self.app.processEvents()

    def paint(self) -> None:
        """Let Qt paint what changed (as the event loop does after a frame tick); force it if it did not."""
        before = self.canvas.paints
        self.app.processEvents()
        if self.canvas.paints == before:
            self.canvas.viewport().repaint()
            self.forced += 1

    def close(self) -> None:
        self.canvas.close_layers()
        self.canvas.close()
        self.canvas.deleteLater()
        self.app.processEvents()
