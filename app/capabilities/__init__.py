"""The kinds of data the control room knows, each a :class:`~app.capabilities.base.Capability`.

The table below is the one place a new capability is added (docs/extending.md); the core takes whatever
list it is given, so a window, a test or a wall display can run with fewer or more.
"""

from __future__ import annotations

from sitroom.app.capabilities.base import Capability


def default_capabilities() -> list[Capability]:
    from sitroom.app.capabilities.basemap import BasemapCapability
    from sitroom.app.capabilities.cameras import CamerasCapability
    from sitroom.app.capabilities.facilities import FacilitiesCapability
    from sitroom.app.capabilities.field_markers import FieldMarkersCapability
    from sitroom.app.capabilities.incidents import IncidentsCapability
    from sitroom.app.capabilities.traffic import TrafficCapability
    from sitroom.app.capabilities.vehicles import VehiclesCapability

    return [BasemapCapability(), TrafficCapability(), VehiclesCapability(), IncidentsCapability(),
            CamerasCapability(), FacilitiesCapability(), FieldMarkersCapability()]


__all__ = ["Capability", "default_capabilities"]
