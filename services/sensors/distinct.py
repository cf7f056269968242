"""Whether a batch names each sensor row at most once: the usual case, which lets numpy scatter without ``.at``."""

from __future__ import annotations

import numpy as np


def distinct(rows: np.ndarray, scratch: np.ndarray) -> bool:
    """True when no row appears twice in ``rows``, in O(len(rows)) without sorting: each row's slot of
    ``scratch`` (at least as long as the highest row) keeps the last position naming it, so a row named twice
    finds another position there than its first."""
    if len(rows) < 2:
        return True
    pos = np.arange(len(rows))
    scratch[rows] = pos
    return bool((scratch[rows] == pos).all())
