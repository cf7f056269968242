"""Where the generated demo city is cached, and opening it without importing the generator.

Kept apart from ``city.py`` so that starting the app or a backend on an already-built demo kit does not pay
for the generator's imports (scipy.ndimage, scipy.spatial: about 0.4 s).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from services.store.kit import Kit, KitError, load_kit

DEMO_CITY_VERSION = 1  # bump when the generator's output changes on purpose; part of the cache key
_GENERATOR = Path(__file__).with_name("city.py")


def default_cache_dir() -> Path:
    env = os.environ.get("SITROOM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "sitroom"


def demo_kit_path(cache_dir: Path | None = None) -> Path:
    """The cache key holds a digest of the generator's source too, so an edited generator never meets a kit
    cached by an older one."""
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = hashlib.sha256(_GENERATOR.read_bytes()).hexdigest()[:10]
    return base / f"demo-daejeon-v{DEMO_CITY_VERSION}-{digest}"


def open_demo_city(cache_dir: Path | None = None) -> Kit:
    """The demo kit: from the cache when it is there, generated (and cached) otherwise."""
    try:
        return load_kit(demo_kit_path(cache_dir))
    except KitError:
        from services.sim.city import load_demo_city

        return load_demo_city(cache_dir)
