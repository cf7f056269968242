"""The kit's own map: roads, districts and labels (the basemap) and its places (stations, hospitals, ...)."""

from __future__ import annotations

from sitroom.app.capabilities.base import Capability
from sitroom.layers.base import Layer
from sitroom.layers.basemap import BasemapLayer
from sitroom.layers.places import PlacesLayer
from sitroom.services.store.kit import Kit


class BasemapCapability(Capability):
    def kit_layers(self, kit: Kit) -> dict[str, Layer]:
        return {"basemap": BasemapLayer(kit), "places": PlacesLayer(kit)}
