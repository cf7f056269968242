"""packaging/builder.py loaded by path (``packaging/`` is no Python package: the name belongs to PyPI's)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load():
    if "sitroom_builder" in sys.modules:
        return sys.modules["sitroom_builder"]
    spec = importlib.util.spec_from_file_location("sitroom_builder", ROOT / "packaging" / "builder.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitroom_builder"] = module
    spec.loader.exec_module(module)
    return module
