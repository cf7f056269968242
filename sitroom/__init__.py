"""SitRoom: the repository's top-level folders installed under one import name (`sitroom.app`, ...)."""

from importlib.metadata import PackageNotFoundError, version

try:
    # The version lives in pyproject.toml only; an installed build carries it in its metadata.
    __version__ = version("sitroom")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"
