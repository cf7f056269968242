"""Where the generated demo city is cached, and opening it: from the cache, or generated once and cached.

Kept apart from ``city.py`` so that starting the app or a backend on an already-built demo kit does not pay
for the generator's imports (scipy.ndimage, scipy.spatial: about 0.4 s).

``python -m sitroom.services.sim.demo_kit [--out DIR] [--seed N]`` builds the kit and prints a summary.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import logging
import sys
import time
from pathlib import Path

from sitroom.services import dirs
from sitroom.services.store.kit import Kit, KitError, load_kit, save_kit

log = logging.getLogger(__name__)

DEMO_CITY_VERSION = 4  # bump when the generator's output changes on purpose; part of the cache key
_GENERATORS = (Path(__file__).with_name("city.py"), Path(__file__).with_name("city_buildings.py"))


def default_cache_dir() -> Path:
    """``$SITROOM_CACHE``, else ``$XDG_CACHE_HOME/sitroom`` (``services/dirs.py``)."""
    return dirs.cache_dir()


def demo_kit_path(cache_dir: Path | None = None) -> Path:
    """The cache key holds a digest of the generator's source too, so an edited generator never meets a kit
    cached by an older one."""
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return base / f"demo-daejeon-v{DEMO_CITY_VERSION}-{_generator_digest()}"


def _generator_digest() -> str:
    # An installed build carries the two sources beside its compiled modules for this (packaging/sitroom.spec);
    # should they be missing, the release's version stands in for them (a release never edits its generator).
    try:
        source = b"".join(p.read_bytes() for p in _GENERATORS)
    except OSError:
        import sitroom

        source = f"sitroom {sitroom.__version__}".encode()
    return hashlib.sha256(source).hexdigest()[:10]


def open_demo_city(cache_dir: Path | None = None) -> Kit:
    """The demo kit from the cache, or generated and saved there (atomic save_kit) first.

    Safe when two processes race: both write the same content and the last rename wins; a process whose
    rename fails because the other's kit landed first opens that one instead. Where the cache cannot be
    written at all, the generated kit is returned uncached (``path`` None).
    """
    path = demo_kit_path(cache_dir)
    try:
        return load_kit(path)
    except KitError:
        pass
    from sitroom.services.sim.city import generate_demo_city

    kit = generate_demo_city()
    error: OSError | None = None
    for attempt in range(3):
        try:
            save_kit(kit, path)
            return dataclasses.replace(kit, path=path)
        except OSError as exc:
            error = exc
        try:
            return load_kit(path)  # another process's (identical) kit landed first
        except KitError:
            time.sleep(0.1 * (attempt + 1))
    log.warning("demo city: cannot cache it in %s (%s); using it uncached", path, error)
    return dataclasses.replace(kit, path=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitroom.services.sim.demo_kit",
                                     description="Build the demo city kit and print a summary.")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help=f"kit directory to write (default: {demo_kit_path()})")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default: %(default)s)")
    args = parser.parse_args(argv)
    out = args.out if args.out is not None else demo_kit_path()
    from sitroom.services.sim.city import generate_demo_city, summary

    t0 = time.perf_counter()
    kit = generate_demo_city(args.seed)
    t1 = time.perf_counter()
    save_kit(kit, out)
    t2 = time.perf_counter()
    load_kit(out)
    t3 = time.perf_counter()
    print(summary(kit))
    print(f"  generated in {t1 - t0:.2f} s, saved in {t2 - t1:.2f} s, loads in {t3 - t2:.2f} s: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
