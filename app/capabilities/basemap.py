"""The kit's own map: roads, districts and labels (the basemap) and its places (stations, hospitals, ...)."""

from __future__ import annotations

from app.capabilities.base import Capability
from layers.base import Layer
from layers.basemap import BasemapLayer
from layers.places import PlacesLayer
from services.store.kit import Kit


class BasemapCapability(Capability):
    def kit_layers(self, kit: Kit) -> dict[str, Layer]:
        return {"basemap": BasemapLayer(kit), "places": PlacesLayer(kit)}
