"""Every colour SitRoom draws with, in one place (hex strings; widgets turn them into QColors)."""

from __future__ import annotations

from services.store.kit import RoadClass
from services.vocabulary import VehicleStatus, VehicleType

# Control-room dark theme.
UI = {
    "window": "#10151c",
    "panel": "#171e27",
    "base": "#0c1116",
    "alt_base": "#141b23",
    "text": "#d7dee7",
    "muted": "#8593a3",
    "accent": "#3d8bfd",
    "border": "#263240",
    "ok": "#3ecf6e",
    "warn": "#f5b83d",
    "bad": "#ff5a5f",
    "map_bg": "#0b0f14",  # = MAP_STYLE["night"]["bg"], the map before a style is applied
}

STATUS = {
    VehicleStatus.UNKNOWN: "#c8d0da",
    VehicleStatus.AVAILABLE: "#3ecf6e",
    VehicleStatus.BUSY: "#b98cff",  # occupied / committed: violet, never confused with congestion
    VehicleStatus.EN_ROUTE: "#3d8bfd",
    VehicleStatus.ON_SCENE: "#ff5a5f",
    VehicleStatus.OUT_OF_SERVICE: "#7d8896",
}
STALE = "#56606c"  # last-known position, not live
# Vehicle density at low zoom, by vehicles per cell in powers of two (1, 2-3, 4-7, … 64+): brightness, not hue,
# so it reads as "how many" and is never mistaken for a status or for congestion. Stale cells use the
# grey ramp, dimmer, so a city whose feeds are down looks dull, not busy.
DENSITY = ("#1d3147", "#27476a", "#33618f", "#4f80b0", "#7ba3cc", "#aec8e3", "#e3eef9")
DENSITY_STALE = ("#24282d", "#2e3339", "#393f46", "#454c54", "#515962", "#5d6670", "#6a737d")

# Trail colour by vehicle type (faint under the symbols).
TYPE = {
    VehicleType.UNKNOWN: "#c8d0da",
    VehicleType.BUS: "#4fb3ff",
    VehicleType.TAXI: "#ffd24d",
    VehicleType.FIRE: "#ff6b4a",
    VehicleType.AMBULANCE: "#ffffff",
    VehicleType.POLICE: "#6e8bff",
}

# Road width in pixels by class.
ROAD_WIDTH = {
    RoadClass.MOTORWAY: 3.0, RoadClass.TRUNK: 2.6, RoadClass.PRIMARY: 2.0, RoadClass.SECONDARY: 1.6,
    RoadClass.TERTIARY: 1.3, RoadClass.RESIDENTIAL: 1.0, RoadClass.SERVICE: 0.8,
}
# Congestion bands by speed / free-flow speed, slowest first; free-flowing roads are left undrawn so that
# green on the map always means an available vehicle.
CONGESTION = [(0.0, "#c81e32"), (0.4, "#e8671c"), (0.7, "#d9b52b")]
CONGESTION_FREE_FROM = 0.9

# Map styles: night (the control-room default, dim so live symbols stand out) and day (bright rooms,
# printed reports). Live symbols and congestion keep their colours in both.
MAP_STYLE = {
    "night": {
        "bg": "#0b0f14", "district_fill": "#131b24", "district_edge": "#2d3b4b", "dong_edge": "#1d2733",
        "label": "#9fb0c3", "label_gu": "#c7d3e0", "road_label": "#aeb8c4", "halo": "#0b0f14",
        "building": "#18212b", "building_edge": "#26313e",
        "road": {RoadClass.MOTORWAY: "#c9a25b", RoadClass.TRUNK: "#b8925a", RoadClass.PRIMARY: "#8d7a5c",
                 RoadClass.SECONDARY: "#6b6558", RoadClass.TERTIARY: "#555a60", RoadClass.RESIDENTIAL: "#3a424c",
                 RoadClass.SERVICE: "#30373f"},
    },
    "day": {
        "bg": "#e9e6df", "district_fill": "#f4f2ed", "district_edge": "#9a8fb0", "dong_edge": "#cfc8d8",
        "label": "#4a4f57", "label_gu": "#2c2f35", "road_label": "#3b3f45", "halo": "#f7f5f0",
        "building": "#ddd6c9", "building_edge": "#c4bbac",
        "road": {RoadClass.MOTORWAY: "#e07b39", RoadClass.TRUNK: "#e59a4f", RoadClass.PRIMARY: "#f0c15a",
                 RoadClass.SECONDARY: "#f3d98a", RoadClass.TERTIARY: "#ffffff", RoadClass.RESIDENTIAL: "#ffffff",
                 RoadClass.SERVICE: "#f6f6f6"},
    },
}
# Places by kind: the stations in the colour of their vehicles.
PLACE = {"fire": "#ff6b4a", "ems": "#f2f2f2", "police": "#6e8bff", "hospital": "#ff7aa8", "shelter": "#3ecf6e",
         "facility": "#c8a2ff", "school": "#f5b83d", "camera": "#9fb0c3"}
PLACE_OUTLINE = "#0b0f14"
# Incidents: colour by priority (1 most urgent); the route a dispatcher is looking at and its alternative.
# Priority 1 (most urgent) to 5. Always shown with its number too ("P1"), and the ramp also steps in
# lightness, so no one needs to tell red from orange by hue alone. PRIORITY_TEXT: the number on the colour.
PRIORITY = {1: "#e8243c", 2: "#ff9a3c", 3: "#f5d142", 4: "#5aa9ff", 5: "#9aa6b2"}
PRIORITY_TEXT = {1: "#ffffff", 2: "#10151c", 3: "#10151c", 4: "#10151c", 5: "#10151c"}
INCIDENT_OUTLINE = "#ffffff"
ROUTE = "#00e5ff"
ROUTE_ALT = "#7fb8c4"
CLOSURE = "#ff3b3b"
# Coverage: minutes to reach a road from the nearest available unit, upper bound of each band.
COVERAGE = [(2.0, "#1a9850"), (4.0, "#91cf60"), (5.0, "#d9ef8b"), (7.0, "#fc8d59"), (float("inf"), "#d73027")]
# Day roads are pale on a pale ground: drawn over a darker casing.
ROAD_CASING_DAY = "#b9b2a6"
SELECTION = "#00e5ff"
PIN = "#ffd60a"  # a place being decided on (the call being taken): nothing else on the map is this yellow
TRAIL = "#4fb3ff"

# Facilities by their worst state (services/facilities/monitor.py State: normal, silent, warning, alarm): never
# green (available vehicles) or violet (busy ones); a building shaded in it at street zoom. The badge counts
# active alarms.
FACILITY_STATE = {0: "#4aa3a0", 1: "#8c96a3", 2: "#f5b83d", 3: "#ff3b5c"}
FACILITY_OUTLINE = "#0b0f14"
FACILITY_BADGE = "#ff3b5c"
FACILITY_BADGE_TEXT = "#ffffff"
# Alarms by priority (1 emergency … 4 low), the incident ramp's first four steps.
ALARM_PRIORITY = {1: "#e8243c", 2: "#ff9a3c", 3: "#f5d142", 4: "#5aa9ff"}
# Sensor plots: the warning and alarm bands behind the curves, and the curves of one kind's sensors.
PLOT_WARN_BAND = "#f5b83d"
PLOT_ALARM_BAND = "#ff3b5c"
PLOT_SERIES = ("#4fb3ff", "#ffd24d", "#7ee0c3", "#ff8fb1", "#c8a2ff", "#ffab5c", "#9fd356", "#e0e0e0")
