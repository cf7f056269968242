"""The one error of the offline store: a kit (or a file going into one) that cannot be read or written."""

from __future__ import annotations


class KitError(ValueError):
    """A kit that cannot be opened or written; the message names the file and why."""
