"""Where SitRoom keeps what it writes: the XDG base directories on Linux, never the installation's own folder.

=========== ============================================== ==============================================
directory   what                                            default
=========== ============================================== ==============================================
config      settings (sitroom.ini), keys, response plans    ``$XDG_CONFIG_HOME/sitroom`` (~/.config/sitroom)
data        journals, kits built here, audit log, outbox,   ``$XDG_DATA_HOME/sitroom`` (~/.local/share/sitroom)
            the link-speed history
cache       the generated demo city                          ``$XDG_CACHE_HOME/sitroom`` (~/.cache/sitroom)
=========== ============================================== ==============================================

``SITROOM_CONFIG``, ``SITROOM_DATA`` and ``SITROOM_CACHE`` override them (tests, several seats on one
machine). ``SITROOM_CONFIG`` alone keeps a seat in one folder: the data goes there too unless
``SITROOM_DATA`` says otherwise. An installed build's files (``/opt/sitroom``) are only ever read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ENV_CONFIG, ENV_DATA, ENV_CACHE = "SITROOM_CONFIG", "SITROOM_DATA", "SITROOM_CACHE"


def _xdg(env: Mapping[str, str], var: str, fallback: str) -> Path:
    base = env.get(var, "")
    # The spec: a relative path in an XDG variable is invalid and is ignored.
    root = Path(base) if base and os.path.isabs(base) else Path.home() / fallback
    return root / "sitroom"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else _xdg(env, "XDG_CONFIG_HOME", ".config")


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(ENV_DATA):
        return Path(env[ENV_DATA])
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    return _xdg(env, "XDG_DATA_HOME", ".local/share")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env[ENV_CACHE]) if env.get(ENV_CACHE) else _xdg(env, "XDG_CACHE_HOME", ".cache")


def journals_dir(environ: Mapping[str, str] | None = None) -> Path:
    return data_dir(environ) / "journals"


def kits_dir(environ: Mapping[str, str] | None = None) -> Path:
    return data_dir(environ) / "kits"


def state_file(name: str, environ: Mapping[str, str] | None = None) -> Path:
    """A file of the room's state in the data directory (``audit.sqlite``, ``outbox.sqlite``). One that an
    earlier SitRoom kept in the config directory is still used there, so no audit trail or queued command is
    left behind by an upgrade."""
    new, old = data_dir(environ) / name, config_dir(environ) / name
    return old if old.exists() and not new.exists() else new
