"""Renderer of the CoverageLayer: every road coloured by the minutes it takes the nearest unit to reach it.

Drawn wide and dashed, over the traffic layer's thin solid lines: with both on, the congestion colours still
show in the gaps and beside the dashes, and neither is taken for the other."""

from __future__ import annotations

import numpy as np

from sitroom.layers.coverage import CoverageLayer
from sitroom.resources import palette
from sitroom.widgets.map.layer_item import BandedPathsItem
from sitroom.widgets.map.registry import renders


@renders(CoverageLayer)
class CoverageItem(BandedPathsItem):
    width, alpha = 4.0, 230
    dashes = (1.0, 1.5)  # 4 px of colour, 6 px of gap: beads on the traffic's thin line

    def __init__(self, layer: CoverageLayer) -> None:
        super().__init__(layer, layer.segments)

    def bands(self) -> list[tuple[np.ndarray, str]]:
        minutes = np.where(np.isnan(self.layer.minutes), np.inf, self.layer.minutes)
        out, lower = [], -np.inf
        for upper, colour in palette.COVERAGE:
            out.append(((minutes > lower) & (minutes <= upper), colour))
            lower = upper
        return out
