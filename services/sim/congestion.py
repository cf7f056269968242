"""Time-of-day congestion for the demo city: one deterministic function the AVL and traffic backends share.

Speeds fall in the morning (07–09) and evening (17–19) peaks and around lunch, most on arterials, and
recover at night. Each link has a fixed character (some always slow) and a slow drift, both derived from
its link id, so two processes compute the same speed for the same link at the same moment.
"""

from __future__ import annotations

import numpy as np

from sitroom.services.store.kit import RoadClass

# Hour-of-day congestion (0 = free flow, 1 = standstill) for arterials; local streets feel half of it.
_HOURLY = np.array([
    0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.15, 0.45, 0.55, 0.35, 0.25, 0.28,
    0.38, 0.40, 0.30, 0.30, 0.38, 0.55, 0.60, 0.40, 0.25, 0.15, 0.08, 0.04,
])
_ARTERIAL = {RoadClass.MOTORWAY, RoadClass.TRUNK, RoadClass.PRIMARY, RoadClass.SECONDARY}


def _link_noise(link: np.ndarray, salt: int) -> np.ndarray:
    """A stable pseudo-random value in [0, 1) per link id (SplitMix64 finaliser)."""
    z = link.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15 * (salt + 1) % 2**64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(2**53)


def congestion(hour_of_day: float, edge_class: np.ndarray, edge_link: np.ndarray) -> np.ndarray:
    """Congestion in [0, 0.9] per edge at a (fractional) local hour."""
    h = hour_of_day % 24.0
    i = int(h)
    base = _HOURLY[i] + (_HOURLY[(i + 1) % 24] - _HOURLY[i]) * (h - i)
    arterial = np.isin(edge_class, [int(c) for c in _ARTERIAL])
    weight = np.where(arterial, 1.0, 0.5)
    character = 0.6 + 0.8 * _link_noise(edge_link, 1)  # some links are always worse
    phase = 2 * np.pi * _link_noise(edge_link, 2)
    drift = 0.08 * np.sin(2 * np.pi * h / 1.5 + phase)  # slow wobble, ~90 min period
    return np.clip(base * weight * character + drift * weight, 0.0, 0.9)


def link_speeds_kmh(hour_of_day: float, edge_class: np.ndarray, edge_link: np.ndarray,
                    edge_speed: np.ndarray) -> np.ndarray:
    """Current mean speed per edge (km/h): free-flow speed reduced by congestion, at least 4 km/h."""
    return np.maximum(edge_speed * (1.0 - congestion(hour_of_day, edge_class, edge_link)), 4.0).astype(np.float32)


def local_hour(epoch_s: float, utc_offset_h: float = 9.0) -> float:
    """Hour of day in the city's time zone (Korea: UTC+9, no daylight saving)."""
    return ((epoch_s / 3600.0) + utc_offset_h) % 24.0
