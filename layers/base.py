"""Qt-free layer models: numpy state plus plain-Python events (views subscribe, models never import Qt).

Also the two things every map view shares with the control core: :class:`LayerSet`, the ordered list of
the models on the map (the core owns it, each map canvas shows it), and :class:`Moment`, what one frame
knows about time and feed health when renderers take their snapshots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
    """Common state of every map layer: name, visibility, opacity, and a dirty flag for the frame timer.

    ``title`` is the name the Layers dock translates (widgets/labels.py); ``stack`` orders the map, bottom
    (the basemap, 0) to top (incidents, 60): a layer sits above every layer of a lower stack."""

    title = "layer"
    stack = 50

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


@dataclass(frozen=True)
class Moment:
    """One frame's view of time: renderers snapshot their models against it, never against the wall clock
    (in replay, "now" is the journal's position)."""

    now: float  # monotonic seconds (the session's clock)
    now_ms: int  # epoch milliseconds (the session's clock)
    stale_feeds: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int16))  # indices of feeds
    stale_changed: bool = False  # the set of stale feeds differs from the previous frame's
    periodic: bool = False  # the slow tick (2 Hz) on which time-driven layers refresh without new data


class LayerSet:
    """The models on the map, bottom to top, each under a stable key ("vehicles", "basemap", ...).

    A model's place is its class's ``stack`` (ties keep the order they were added in). Replacing a model
    (a new kit brings a new basemap) keeps its place; views listen to ``changed`` and swap its renderer."""

    def __init__(self) -> None:
        self._layers: dict[str, Layer] = {}
        self.changed = Event()  # emit(key=..., old=Layer | None, new=Layer | None)

    def add(self, key: str, layer: Layer) -> Layer:
        if key in self._layers:
            raise KeyError(f"layer {key!r} is already on the map")
        items = list(self._layers.items())
        at = next((i for i, (_, lyr) in enumerate(items) if lyr.stack > layer.stack), len(items))
        self._layers = dict([*items[:at], (key, layer), *items[at:]])
        self.changed.emit(key=key, old=None, new=layer)
        return layer

    def replace(self, key: str, layer: Layer) -> Layer:
        old = self._layers[key]
        if old is not layer:
            self._layers[key] = layer
            self.changed.emit(key=key, old=old, new=layer)
        return layer

    def remove(self, key: str) -> None:
        old = self._layers.pop(key)
        self.changed.emit(key=key, old=old, new=None)

    def __getitem__(self, key: str) -> Layer:
        return self._layers[key]

    def get(self, key: str) -> Layer | None:
        return self._layers.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._layers

    def __iter__(self) -> Iterator[Layer]:
        return iter(list(self._layers.values()))

    def __len__(self) -> int:
        return len(self._layers)

    def keys(self) -> list[str]:
        return list(self._layers)

    def index(self, layer: Layer) -> int:
        """Position from the bottom: the map draws higher positions on top."""
        return next(i for i, lyr in enumerate(self._layers.values()) if lyr is layer)
