"""Facilities on the map: buildings drawn on the basemap at street zoom, each facility in the colour of its worst
state with its building shaded, a badge counting its active alarms, and a click finding it."""

from __future__ import annotations

import dataclasses

import numpy as np
import shapely
from PySide6 import QtGui

from sitroom.layers.basemap import BasemapLayer
from sitroom.layers.facilities import FacilityLayer
from sitroom.resources import palette
from sitroom.services.facilities.monitor import FacilityMonitor, State
from sitroom.services.feeds.protocol import SENSOR_DTYPE
from sitroom.services.sensors.catalog import FacilityInfo
from sitroom.services.store.footprints import Facility, Footprints
from sitroom.widgets.map.canvas import MapCanvas
from sitroom.widgets.map.facility_item import FacilityItem
from tests.kits import grid_kit
from tests.widgets.test_basemap import _count_colour

T0 = 1_700_000_040_000


def kit_with_buildings():
    kit = grid_kit(8)
    xy = kit.roads.node_xy
    blocks = [shapely.box(x + 30, y + 30, x + 170, y + 170) for x, y in xy[[0, 9, 18, 27]]]
    fp = Footprints.of(blocks, ["A", "B", "C", "D"], ["hospital", "yes", "school", "yes"], [5, 2, 3, 1],
                       [np.nan] * 4)
    facilities = (Facility("F-1", "hospital", "A병원", *blocks[0].centroid.coords[0], 0),
                  Facility("F-2", "school", "C학교", *blocks[2].centroid.coords[0], 2),
                  Facility("F-3", "bridge", "D교", float(xy[40, 0]), float(xy[40, 1])))
    return dataclasses.replace(kit, footprints=fp, facilities=facilities)


def canvas_for(qtbot, kit, *layers) -> MapCanvas:
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(700, 500)
    for layer in layers:
        canvas.add_layer(layer)
    canvas.set_home(*kit.bounds)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.fit_home()
    return canvas


def monitor_for(kit) -> FacilityMonitor:
    m = FacilityMonitor()
    m.place([FacilityInfo(f.id, f.kind, f.name, f.x, f.y, footprint=f.footprint) for f in kit.facilities])
    sensors = [{"id": i, "kind": "crack", "warn_hi": 1.0, "alarm_hi": 2.0, "on_delay_s": 0} for i in (1, 2, 3)]
    m.describe({"id": "F-1", "kind": "hospital", "lon": 127.38, "lat": 36.35, "sensors": sensors}, 0, 0, now_ms=T0)
    m.describe({"id": "F-2", "kind": "school", "lon": 127.38, "lat": 36.35,
                "sensors": [{"id": 9, "kind": "crack", "warn_hi": 1.0}]}, 0, 0, now_ms=T0)
    return m


def crack(m: FacilityMonitor, ids: list[int], values: list[float], t: int) -> None:
    rec = np.zeros(len(ids), SENSOR_DTYPE)
    rec["id"], rec["value"], rec["ts"] = ids, values, t
    m.readings_in(rec, t)


def test_buildings_show_on_the_basemap_at_street_zoom_only(qtbot) -> None:
    kit = kit_with_buildings()
    layer = BasemapLayer(kit)
    canvas = canvas_for(qtbot, kit, layer)
    item = canvas.item(layer)
    building = palette.MAP_STYLE["night"]["building"]
    canvas.center_on(*kit.roads.node_xy[:20].mean(axis=0), width_m=30_000)
    img = canvas.grab().toImage()
    assert item.buildings_drawn == 0
    canvas.center_on(*kit.roads.node_xy[9], width_m=700)
    img = canvas.grab().toImage()
    assert item.buildings_drawn >= 1 and _count_colour(img, building, tol=4) > 2000


def test_each_facility_in_the_colour_of_its_worst_state_with_a_badge_of_active_alarms(qtbot) -> None:
    kit = kit_with_buildings()
    monitor = monitor_for(kit)
    layer = FacilityLayer(monitor, kit.footprints)
    canvas = canvas_for(qtbot, kit, layer)
    item: FacilityItem = canvas.item(layer)

    def frame() -> QtGui.QImage:
        item.refresh(_moment())
        return canvas.grab().toImage()

    img = frame()
    assert item.drawn == 3 and item.badges == 0
    assert _count_colour(img, palette.FACILITY_STATE[State.NORMAL]) > 30
    crack(monitor, [1, 2, 9], [1.5, 2.5, 0.5], T0)
    crack(monitor, [1, 2, 9], [1.5, 2.5, 0.5], T0 + 1000)  # judged against the last reading now
    s = monitor.summary()
    assert s.state.tolist()[:2] == [State.ALARM, State.NORMAL] and s.alarms.tolist()[:2] == [3, 0]
    canvas.center_on(*kit.roads.node_xy[9], width_m=1200)  # street zoom: the hospital's building is shaded
    img = frame()
    assert item.badges == 1
    red = _count_colour(img, palette.FACILITY_STATE[State.ALARM], tol=30)
    assert red > 200
    monitor.tick(T0 + 60_000)  # the school's sensor fell silent
    img = frame()
    assert monitor.summary().state[1] == State.SILENT


def test_a_click_finds_the_facility_by_its_building_or_its_symbol() -> None:
    kit = kit_with_buildings()
    layer = FacilityLayer(monitor_for(kit), kit.footprints)
    x, y = kit.roads.node_xy[0]
    assert layer.nearest(x + 160, y + 160, 5.0) == "F-1"  # inside the hospital, far from its symbol
    bx, by = kit.roads.node_xy[40]
    assert layer.nearest(bx + 20, by, 30.0) == "F-3"
    assert layer.nearest(bx + 500, by + 500, 30.0) is None


def _moment():
    from sitroom.layers.base import Moment

    return Moment(0.0, T0)
