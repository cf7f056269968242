"""What the dispatcher is deciding on: the recommended route with its ETA, one alternative, and closed roads."""

from __future__ import annotations

import numpy as np

from sitroom.layers.base import Layer


class RouteLayer(Layer):
    title = "Routes"
    stack = 40

    def __init__(self) -> None:
        super().__init__()
        self.route_xy: np.ndarray | None = None  # (k, 2) polyline
        self.alternative_xy: np.ndarray | None = None
        self.label = ""  # e.g. "119 중앙 · 4 min 12 s"
        self.closed_xy = np.zeros((0, 2, 2))  # closed road segments

    def set_route(self, route_xy: np.ndarray | None, alternative_xy: np.ndarray | None = None, label: str = "") -> None:
        self.route_xy, self.alternative_xy, self.label = route_xy, alternative_xy, label
        self.mark_dirty()

    def clear(self) -> None:
        self.set_route(None)

    def set_closed(self, segments_xy: np.ndarray) -> None:
        self.closed_xy = np.asarray(segments_xy, dtype=np.float64).reshape(-1, 2, 2)
        self.mark_dirty()
