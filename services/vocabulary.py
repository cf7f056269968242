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

# ---------------------------------------------------------------- facilities, their sensors and alarms

# Public facilities the city's digital twin watches.
FACILITY_KINDS = ("hospital", "tunnel", "bridge", "underground_mall", "public_building", "school")

# Sensor kinds and the unit each reports in (the metadata must say the same unit, or the sensor is a fault).
SENSOR_UNITS: dict[str, str] = {
    "crack": "mm",  # crack width
    "tilt": "°",
    "displacement": "mm",
    "deflection": "mm",  # sagging of a span
    "pm10": "µg/m³",
    "pm25": "µg/m³",
    "pressure": "Pa",  # differential pressure (negative-pressure rooms, tunnel ventilation)
    "temperature": "°C",
    "humidity": "%",
    "co": "ppm",
    "smoke": "%/m",  # obscuration
    "leak": "",  # water on the floor: 0 dry, 1 wet
}
SENSOR_KINDS = tuple(SENSOR_UNITS)
# What a real sensor of each kind can report: (lowest, highest, fastest change per second). A reading outside
# the range, or one step faster than this, is the instrument's fault, shown as such and never an alarm.
SENSOR_PHYSICAL: dict[str, tuple[float, float, float]] = {
    "crack": (-5.0, 50.0, 0.5),
    "tilt": (-30.0, 30.0, 0.5),
    "displacement": (-500.0, 500.0, 20.0),
    "deflection": (-1000.0, 1000.0, 50.0),  # a lorry on a span moves it tens of mm within a second
    "pm10": (0.0, 2000.0, 500.0),
    "pm25": (0.0, 1000.0, 300.0),
    "pressure": (-500.0, 500.0, 200.0),  # a door opening
    "temperature": (-50.0, 150.0, 20.0),  # a fire heats a room fast, not faster than this
    "humidity": (-1.0, 101.0, 20.0),
    "co": (0.0, 2000.0, 500.0),
    "smoke": (0.0, 100.0, 100.0),
    "leak": (0.0, 1.0, 1.0),
}
# Kinds whose value sits still for hours when all is well: never called flat-lined.
STEADY_SENSORS = frozenset({"smoke", "leak"})

# Alarms a device raises itself (not from a limit on a reading), as events.
DEVICE_ALARMS = ("smoke", "leak", "pressure_loss", "tamper")
# Alarm priorities as ISA-18.2 / IEC 62682 use them: 1 emergency, 2 high, 3 medium, 4 low.
ALARM_PRIORITIES = (1, 2, 3, 4)
# The incident an alarm of each condition or device alarm becomes (one key from the alarm list).
ALARM_INCIDENT_TYPE: dict[str, str] = {
    "smoke": "fire", "temperature": "fire", "co": "fire",
    "leak": "disaster", "pressure_loss": "disaster", "pressure": "disaster",
    "crack": "disaster", "tilt": "disaster", "displacement": "disaster", "deflection": "disaster",
    "pm10": "disaster", "pm25": "disaster", "humidity": "disaster",
    "tamper": "crime",
}
