"""The domain's words: kinds of vehicle and their statuses, incident types, statuses and priorities.

One place for them, below the wire format and every view: the protocol validates against these, models
store them, the palette colours them and the labels translate them. Numbers of the enums are on the wire
(AVL records carry them); incident words are sent as the strings themselves.
"""

from __future__ import annotations

import enum


class VehicleType(enum.IntEnum):
    UNKNOWN = 0
    BUS = 1
    TAXI = 2
    FIRE = 3
    AMBULANCE = 4
    POLICE = 5


class VehicleStatus(enum.IntEnum):
    UNKNOWN = 0
    AVAILABLE = 1  # bus in service, taxi vacant, unit ready (at station or roaming)
    BUSY = 2  # taxi occupied, unit committed
    EN_ROUTE = 3
    ON_SCENE = 4
    OUT_OF_SERVICE = 5


INCIDENT_TYPES = ("fire", "medical", "traffic", "crime", "disaster")
# The lifecycle, in order: an incident only moves forward (services/incidents/model.py holds the moves).
INCIDENT_STATUSES = ("new", "acknowledged", "dispatched", "en_route", "on_scene", "closed", "cancelled")
OPEN_STATUSES = ("new", "acknowledged", "dispatched", "en_route", "on_scene")
# 1 is the most urgent (life at risk now), 5 the least.
PRIORITIES = (1, 2, 3, 4, 5)

# The priority a call of each type starts at when it is taken; the call-taker changes it when the call says
# more (a fire with people inside is P1).
DEFAULT_PRIORITY: dict[str, int] = {"fire": 2, "medical": 2, "traffic": 3, "crime": 3, "disaster": 1}

# Which units answer which incident, first choice first.
UNIT_TYPES: dict[str, tuple[VehicleType, ...]] = {
    "fire": (VehicleType.FIRE,),
    "medical": (VehicleType.AMBULANCE,),
    "traffic": (VehicleType.AMBULANCE, VehicleType.POLICE),
    "crime": (VehicleType.POLICE,),
    "disaster": (VehicleType.FIRE, VehicleType.AMBULANCE),
}
# The unit types that answer emergencies, and the kit's station kind each returns to.
STATION_KINDS: dict[VehicleType, str] = {VehicleType.FIRE: "fire", VehicleType.AMBULANCE: "ems",
                                         VehicleType.POLICE: "police"}

# How an incident ended: the codes a dispatcher picks from (plus free text), per type when closed, and the
# reasons a call is cancelled. Stored as the code (then ": " and the text), translated on screen.
CLOSE_CODES: dict[str, tuple[str, ...]] = {
    "fire": ("extinguished", "false-alarm", "no-fire-found", "handed-over"),
    "medical": ("transported", "treated-on-scene", "refused-care", "deceased", "no-patient"),
    "traffic": ("cleared", "injured-transported", "no-injuries", "handed-over"),
    "crime": ("arrest", "report-taken", "unfounded", "handed-over"),
    "disaster": ("rescued", "area-secured", "evacuated", "handed-over"),
}
CANCEL_CODES: tuple[str, ...] = ("duplicate", "caller-cancelled", "prank", "wrong-address")
