"""A facility's panel: a live plot per kind of sensor over 10 minutes, zoomed out to the whole history kept,
drawn from arrays updated in place, with the warning and alarm bands, and each sensor's value, alarm and health."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from sitroom.services.facilities.monitor import FacilityMonitor
from sitroom.services.feeds.protocol import SENSOR_DTYPE
from sitroom.widgets.facility_panel import LIVE_S, FacilityPanel

T0 = 1_700_000_040_000


def monitor() -> FacilityMonitor:
    m = FacilityMonitor()
    sensors = [{"id": 1, "kind": "crack", "warn_hi": 0.3, "alarm_hi": 0.5, "label": "pier 1", "on_delay_s": 0},
               {"id": 2, "kind": "crack", "warn_hi": 0.3, "alarm_hi": 0.5, "label": "pier 2"},
               {"id": 3, "kind": "tilt", "alarm_lo": -1.0, "warn_lo": -0.5, "warn_hi": 0.5, "alarm_hi": 1.0},
               {"id": 4, "kind": "temperature", "warn_hi": 3.0, "alarm_hi": 2.0}]  # limits the wrong way round
    m.describe({"id": "F-1", "kind": "bridge", "name": "갑천교", "lon": 127.39, "lat": 36.35, "sensors": sensors},
               0.0, 0.0, now_ms=T0)
    return m


def shown(qtbot, panel: FacilityPanel) -> FacilityPanel:
    qtbot.addWidget(panel)
    panel.resize(900, 2400)  # every plot on screen
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def refresh(panel: FacilityPanel, now_ms: int) -> None:
    QtWidgets.QApplication.processEvents()  # as the event loop runs between two refreshes (layout, scrolling)
    panel.refresh(now_ms)


def feed(m: FacilityMonitor, seconds: range, crack: float = 0.2) -> None:
    for s in seconds:
        t = T0 + s * 1000
        rec = np.zeros(4, SENSOR_DTYPE)
        rec["id"] = [1, 2, 3, 4]
        rec["value"] = [crack + 0.0001 * s, 0.21, 0.1 * np.sin(s / 60), 20.0]
        rec["ts"] = t
        m.readings_in(rec, t)


def test_a_plot_per_kind_with_its_bands_and_a_row_per_sensor(qtbot) -> None:
    m = monitor()
    feed(m, range(0, 120))
    panel = shown(qtbot, FacilityPanel(lambda: m, "F-1"))
    refresh(panel, T0 + 120_000)
    assert [p.kind for p in panel.plots] == ["crack", "tilt", "temperature"]
    crack = panel.plots[0]
    assert len(crack.curves) == 2 and crack.table.rowCount() == 2
    bands = [i for i in crack.plot.getPlotItem().items if isinstance(i, pg.LinearRegionItem)]
    assert sorted(tuple(round(v, 3) for v in b.getRegion()) for b in bands) == [(0.3, 0.5), (0.5, 50.0)]
    tilt_bands = [i for i in panel.plots[1].plot.getPlotItem().items if isinstance(i, pg.LinearRegionItem)]
    assert len(tilt_bands) == 4  # warning and alarm, high and low
    assert crack.table.item(0, 1).text() == "0.212 mm"
    assert "≥ 0.3 / 0.5" in crack.table.item(0, 2).text()
    assert panel.plots[2].table.item(0, 4).text() == "limits in the wrong order"
    assert "갑천교" in panel.header.text()
    x0, x1 = crack.view.viewRange()[0]
    assert abs(x1) < 0.3 and abs((x1 - x0) - LIVE_S / 60) < 0.5  # the last ten minutes: minutes before now


def test_the_plots_own_their_arrays_and_update_them_in_place(qtbot) -> None:
    m = monitor()
    feed(m, range(0, 30))
    panel = shown(qtbot, FacilityPanel(lambda: m, "F-1"))
    refresh(panel, T0 + 30_000)
    crack = panel.plots[0]
    buffers = (crack.x[0], crack.y[0])
    feed(m, range(30, 90))
    refresh(panel, T0 + 90_000)
    assert crack.x[0] is buffers[0] and crack.y[0] is buffers[1]  # no new arrays per refresh
    curve = crack.curves[0]
    assert np.shares_memory(curve.x, buffers[0]) and np.shares_memory(curve.y, buffers[1])
    assert crack.points >= 2 * 90
    calls = []
    curve.set_data = lambda *a, **k: calls.append(a)
    refresh(panel, T0 + 90_500)  # no new reading since: nothing to do
    assert calls == []
    feed(m, range(90, 91))
    refresh(panel, T0 + 91_000)
    assert len(calls) == 1


def test_zoomed_out_the_whole_history_is_minute_ranges_then_seconds(qtbot) -> None:
    m = monitor()
    feed(m, range(0, 3 * 3600, 10))  # three hours, one reading in ten seconds
    panel = shown(qtbot, FacilityPanel(lambda: m, "F-1"))
    refresh(panel, T0 + 3 * 3600_000)
    live_points = panel.plots[0].points
    panel.whole_button.click()
    refresh(panel, T0 + 3 * 3600_000)
    crack = panel.plots[0]
    x0, x1 = crack.view.viewRange()[0]
    assert x1 - x0 > 2.5  # the whole history kept, in hours before now
    assert crack.points > live_points
    n = crack.points // 2
    assert np.all(np.diff(crack.x[0][:n]) > 0)  # one line forward in time, minutes then seconds
    crack.view.setXRange(x0, x0 + 0.2)
    crack.view.sigRangeChangedManually.emit([True, True])  # the user zoomed: the plot holds still
    feed(m, range(3 * 3600, 3 * 3600 + 5))
    refresh(panel, T0 + (3 * 3600 + 5) * 1000)
    assert abs(crack.view.viewRange()[0][0] - x0) < 0.01
    panel.live_button.click()
    refresh(panel, T0 + (3 * 3600 + 5) * 1000)
    assert crack.view.viewRange()[0][1] - crack.view.viewRange()[0][0] < 11


def test_a_silent_sensor_says_for_how_long(qtbot) -> None:
    m = monitor()
    feed(m, range(0, 10))
    m.tick(T0 + 40_000)
    panel = shown(qtbot, FacilityPanel(lambda: m, "F-1"))
    refresh(panel, T0 + 40_000)
    assert panel.plots[0].table.item(0, 4).text().startswith("silent 0:3")


def test_plots_scrolled_out_of_view_wait_until_they_are_scrolled_to(qtbot) -> None:
    m = monitor()
    feed(m, range(0, 10))
    panel = FacilityPanel(lambda: m, "F-1")
    qtbot.addWidget(panel)
    panel.resize(900, 320)  # room for the first plot only
    panel.show()
    qtbot.waitExposed(panel)
    refresh(panel, T0 + 10_000)
    first, last = panel.plots[0], panel.plots[-1]
    drawn = last.shown_second
    feed(m, range(10, 20))
    refresh(panel, T0 + 20_000)
    assert first.shown_second > drawn and last.shown_second == drawn
    panel.resize(900, 2400)
    refresh(panel, T0 + 20_000)
    assert last.shown_second == first.shown_second


def test_a_short_whole_history_is_told_in_minutes_from_its_first_reading(qtbot) -> None:
    m = monitor()
    feed(m, range(0, 180))  # three minutes kept so far
    panel = shown(qtbot, FacilityPanel(lambda: m, "F-1"))
    panel.whole_button.click()
    refresh(panel, T0 + 180_000)
    crack = panel.plots[0]
    assert crack.plot.getAxis("bottom").labelText == "minutes before now"
    x0, x1 = crack.view.viewRange()[0]
    assert abs(x0 + 3) < 0.2 and abs(x1) < 0.2  # from the first reading, not the empty ring before it
