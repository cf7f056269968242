"""Every colour SitRoom draws with, and its type scale, in one place (hex strings and point sizes; widgets turn
them into QColors and QFonts)."""

from __future__ import annotations

from sitroom.services.store.kit import RoadClass
from sitroom.services.vocabulary import VehicleStatus, VehicleType

# Control-room dark theme. Every text colour here reads at 4.5:1 or more (WCAG AA) on window, panel and base
# (tests/widgets/test_readability.py computes each pair).
UI = {
    "window": "#10151c",
    "panel": "#171e27",
    "base": "#0c1116",
    "alt_base": "#141b23",
    "text": "#d7dee7",
    "muted": "#8593a3",
    "accent": "#3d8bfd",  # focus rings, sliders, bars: never behind text (white on it is only 3.3:1)
    "highlight": "#2563c9",  # selected rows and menu items, behind highlight_text
    "highlight_text": "#ffffff",
    "border": "#263240",
    "ok": "#3ecf6e",
    "warn": "#f5b83d",
    "bad": "#ff5a5f",
    "map_bg": "#0b0f14",  # = MAP_STYLE["night"]["bg"], the map before a style is applied
}

# Type scale in points, so Qt turns it into pixels with the screen's logical DPI and scale factor: 11 pt is
# 14.7 px on a 1920x1080 screen at scale 1 (96 DPI), twice that at 200%. The theme sets the application font
# and fills the style sheet from it; map renderers build their fonts from it.
FONT_PT = {
    "body": 11.0,  # every widget's text
    "heading": 13.0,  # dock and group titles: a step above the body
    "figure": 20.0,  # the one number a panel is about (the city's coverage)
    "map_label": 10.5,  # street, neighbourhood and place names, priority numbers: 14 px, over a halo
    "map_title": 13.0,  # district names and the route's ETA
}
# A wall is read from across a room: its text is this many times the desk's, its figures larger still.
WALL_SCALE = 1.8
WALL_FIGURE_PT = 40.0

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
# Priority 1 (most urgent) to 5. Always shown with its number too ("P1", and on the map beside the symbol), and
# the urgent three step in lightness (dark red, orange, light yellow; also as seen with a red or green colour
# deficiency), so no one needs to tell red from orange by hue alone. PRIORITY_TEXT: the number on the colour,
# 4.5:1 or more.
PRIORITY = {1: "#d81f37", 2: "#ec7a22", 3: "#f5d142", 4: "#5aa9ff", 5: "#9aa6b2"}
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
FIELD_MARKER = "#f72585"  # a marker from outside equipment (a TAK spot report): magenta, no status's colour
PIN = "#ffd60a"  # a place being decided on (the call being taken): nothing else on the map is this yellow
TRAIL = "#4fb3ff"
# Cameras: the view cone's colour by stream state (layers/cameras.py CamState, by value). Live is teal, not
# green (green means an available vehicle); trouble is amber (frozen), red (lost), magenta (refused).
CAMERA_STATE = {0: "#8fa3b8", 1: "#5b6673", 2: "#9ec5ff", 3: "#2ec4b6", 4: "#f5b83d", 5: "#ff5a5f", 6: "#d65db1",
                7: "#a83c3c"}
CAMERA_CHOSEN = "#00e5ff"  # the cameras chosen for an incident, and their sight lines
CAMERA_FAULT = "#ff5a5f"  # a camera that cannot be judged (no direction)
VIDEO_BG = "#05080b"  # a tile's ground where no picture is

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
