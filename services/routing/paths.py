"""Fastest routes on the kit's road graph under given travel times: a one-call front to :class:`RoutingEngine`.

A route starts and ends part-way along the edges its end points snap to: the start pays the rest of its
edge, the end the part of its edge up to the point, so short trips and trips along one road are exact.
Callers that route repeatedly, or need closures and alternatives, keep a RoutingEngine instead.
"""

from __future__ import annotations

import numpy as np

from sitroom.services.routing.engine import MAX_SNAP_M, Route, RouteError, RoutingEngine
from sitroom.services.store.kit import RoadGraph
from sitroom.services.store.snap import EdgeSnapper

__all__ = ["Route", "RouteError", "fastest_route"]


def fastest_route(roads: RoadGraph, seconds: np.ndarray, snapper: EdgeSnapper, start_xy: tuple[float, float],
                  end_xy: tuple[float, float], max_snap_m: float = MAX_SNAP_M) -> Route:
    """The quickest drive from one point to another, each snapped to the nearest road within ``max_snap_m``.
    Edges with infinite ``seconds`` are impassable."""
    return RoutingEngine(roads, seconds, snapper=snapper).route(start_xy, end_xy, max_snap_m)
