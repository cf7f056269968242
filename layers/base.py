"""Qt-free layer models: numpy state plus plain-Python events (views subscribe, models never import Qt)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Event:
    """A list of callbacks; ``emit`` calls each with the same keyword arguments."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> None:
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable[..., Any]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, **kwargs: Any) -> None:
        for callback in list(self._callbacks):
            callback(**kwargs)


class LayerEvents:
    def __init__(self) -> None:
        self.data = Event()  # the layer's content changed
        self.style = Event()  # visibility, opacity or filters changed


class Layer:
    """Common state of every map layer: name, visibility, opacity, and a dirty flag for the frame timer."""

    title = "layer"

    def __init__(self) -> None:
        self.events = LayerEvents()
        self._visible = True
        self._opacity = 1.0
        # Set by data changes, cleared by the renderer when it has taken a snapshot (data rate != paint rate).
        self.dirty = True

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        if value != self._visible:
            self._visible = bool(value)
            self.dirty = True
            self.events.style.emit(what="visible")

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        value = min(1.0, max(0.0, float(value)))
        if value != self._opacity:
            self._opacity = value
            self.dirty = True
            self.events.style.emit(what="opacity")

    def mark_dirty(self) -> None:
        # Deliberately no event: updates arrive far faster than frames; the frame timer polls ``dirty``.
        self.dirty = True
