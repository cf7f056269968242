"""Pins on the map: a place being decided on (the location of a call being taken), with a label."""

from __future__ import annotations

from sitroom.layers.base import Layer


class PinLayer(Layer):
    title = "Call location"
    stack = 58  # above vehicles and markers, below incidents

    def __init__(self) -> None:
        super().__init__()
        self.pins: dict[str, tuple[float, float, str]] = {}  # key -> (x, y, label)

    def put(self, key: str, x: float, y: float, label: str = "") -> None:
        self.pins[key] = (x, y, label)
        self.mark_dirty()

    def remove(self, key: str) -> None:
        if self.pins.pop(key, None) is not None:
            self.mark_dirty()
