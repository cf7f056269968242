"""Markers from outside equipment (topic ``marker``, e.g. a TAK spot report): points that are not vehicles,
with a label and an end after which they no longer hold (a marker past its ``stale`` time leaves the map, as
it leaves a TAK device's)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sitroom.layers.base import Layer


@dataclass(frozen=True)
class FieldMarker:
    lon: float
    lat: float
    x: float  # the kit's metres
    y: float
    label: str  # a callsign or the remarks' first words; the id when neither is given
    kind: str  # the source's type, e.g. CoT "b-m-p-s-m"
    ts_ms: int
    stale_ms: int | None  # epoch ms after which it no longer holds (None: until replaced)


class FieldMarkerLayer(Layer):
    title = "Field markers"
    stack = 56  # above vehicles, below the call location and incidents

    def __init__(self) -> None:
        super().__init__()
        self.markers: dict[str, FieldMarker] = {}

    def apply(self, marker_id: str, marker: FieldMarker, now_ms: int) -> int:
        """One marker, replacing what it said before; an older report than the one held is ignored."""
        held = self.markers.get(marker_id)
        if held is not None and marker.ts_ms < held.ts_ms:
            return 0
        if marker.stale_ms is not None and marker.stale_ms <= now_ms:
            self.markers.pop(marker_id, None)  # sent already stale: the source withdraws it
        else:
            self.markers[marker_id] = marker
        self.mark_dirty()
        return 1

    def expire(self, now_ms: int) -> None:
        """Drop the markers past their stale time."""
        gone = [k for k, m in self.markers.items() if m.stale_ms is not None and m.stale_ms <= now_ms]
        for k in gone:
            del self.markers[k]
        if gone:
            self.mark_dirty()

    def move(self, x: list[float], y: list[float]) -> None:
        """New kit coordinates for every marker, in the order of ``markers`` (after a kit change)."""
        self.markers = {k: replace(m, x=float(mx), y=float(my))
                        for (k, m), mx, my in zip(self.markers.items(), x, y, strict=True)}
        self.mark_dirty()

    def shown(self, now_ms: int) -> list[FieldMarker]:
        return [m for m in self.markers.values() if m.stale_ms is None or m.stale_ms > now_ms]
