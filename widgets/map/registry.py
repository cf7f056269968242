"""Which renderer draws which layer model: one table, looked up along the model's class hierarchy."""

from __future__ import annotations

from layers.base import Layer
from layers.basemap import BasemapLayer
from layers.coverage import CoverageLayer
from layers.incidents import IncidentLayer
from layers.places import PlacesLayer
from layers.routes import RouteLayer
from layers.traffic import TrafficLayer
from layers.vehicles import VehicleLayer
from widgets.map.basemap_item import BasemapItem
from widgets.map.coverage_item import CoverageItem
from widgets.map.incident_item import IncidentItem
from widgets.map.places_item import PlacesItem
from widgets.map.route_item import RouteItem
from widgets.map.traffic_item import TrafficItem
from widgets.map.vehicle_item import VehicleItem

RENDERERS: dict[type[Layer], type] = {
    BasemapLayer: BasemapItem,
    TrafficLayer: TrafficItem,
    PlacesLayer: PlacesItem,
    CoverageLayer: CoverageItem,
    RouteLayer: RouteItem,
    IncidentLayer: IncidentItem,
    VehicleLayer: VehicleItem,
}


def renderer_for(layer: Layer):
    for cls in type(layer).__mro__:
        if cls in RENDERERS:
            return RENDERERS[cls](layer)
    raise KeyError(f"no renderer registered for {type(layer).__name__}")
