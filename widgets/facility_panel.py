"""A facility's panel: its sensors grouped by kind, each kind a live plot over the last 10 minutes (or, zoomed
out, the whole history kept) with its warning and alarm bands, and a table of the sensors: value and unit,
limits, alarm state and health (silent, flat-lined, out of range, too fast, …).

Plots own their arrays: each refresh (once a second at most, only for plots on screen and with a new reading)
copies the history window into them in place, downsampled already (a point a second over ten minutes; zoomed
out, each minute's low and high: a peak decimation), and each curve draws one path built from views of them
(widgets/plot_series.py); nothing is redrawn per reading, and nothing ever sets a whole history per reading.
Time runs along a fixed axis (minutes or hours before now), so scrolling never rebuilds its ticks. A plot the
user zooms or pans holds still until *Live* or *Whole history* is pressed again.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.services.alarms.model import LIMITS, SUPPRESSED
from sitroom.services.facilities.monitor import FacilityMonitor, limit_key
from sitroom.services.sensors.health import FAULT_REASON, Fault
from sitroom.services.sensors.history import ReadingHistory
from sitroom.services.vocabulary import SENSOR_PHYSICAL
from sitroom.widgets import labels
from sitroom.widgets.plot_series import SeriesItem

LIVE_S = 600  # the scrolling window
_PLOT_HEIGHT = 150
_FAULT_NAMES = {**{bit: reason for bit, reason in FAULT_REASON.items()}, Fault.CONFIG: "config",
                Fault.MAINTENANCE: "maintenance"}


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "—"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"


class KindPlot:
    """One kind's sensors of a facility: a plot with a curve per sensor and the kind's bands, and their table."""

    def __init__(self, kind: str, rows: list[int], monitor: FacilityMonitor, parent: QtWidgets.QWidget) -> None:
        self.kind = kind
        self.rows = rows
        info = [monitor.catalog.info[r] for r in rows]
        self.box = QtWidgets.QGroupBox(f"{labels.sensor_kind(kind)} ({info[0].unit})" if info[0].unit
                                       else labels.sensor_kind(kind), parent)
        layout = QtWidgets.QVBoxLayout(self.box)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(_PLOT_HEIGHT)
        self.plot.setMaximumHeight(_PLOT_HEIGHT + 60)
        # No grid: pyqtgraph draws it with the axes, which then repaint with every new reading (most of a
        # plot's cost); the bands and the limits' lines give the scale that matters.
        self.plot.setMenuEnabled(False)
        self.view = self.plot.getViewBox()
        self.view.sigRangeChangedManually.connect(self._zoomed)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)  # "-3 minutes", never "-190 (x0.001)"
        self.follow = True  # scroll with time until the user zooms or pans
        self.shown_second = -1  # the newest second on the plot, so a refresh without new readings costs nothing
        self.whole: bool | None = None
        self._unit = 0.0
        self._y: tuple[float, float] | None = None
        layout.addWidget(self.plot)
        self.table = QtWidgets.QTableWidget(len(rows), 5)
        self.table.setHorizontalHeaderLabels([QtCore.QCoreApplication.translate("FacilityPanel", "Sensor"),
                                              QtCore.QCoreApplication.translate("FacilityPanel", "Value"),
                                              QtCore.QCoreApplication.translate("FacilityPanel", "Limits"),
                                              QtCore.QCoreApplication.translate("FacilityPanel", "Alarm"),
                                              QtCore.QCoreApplication.translate("FacilityPanel", "Health")])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setFixedHeight(30 + 22 * min(len(rows), 8))
        layout.addWidget(self.table)
        capacity = monitor.history.raw_s + 2 * monitor.history.buckets
        self.x = [np.zeros(capacity) for _ in rows]  # this plot's own arrays, written in place
        self.y = [np.zeros(capacity) for _ in rows]
        self.curves = []
        for i, s in enumerate(info):
            colour = palette.PLOT_SERIES[i % len(palette.PLOT_SERIES)]
            curve = SeriesItem(colour)
            self.plot.addItem(curve)
            self.curves.append(curve)
            floor = "" if s.floor is None else f" · {s.floor + 1}F" if s.floor >= 0 else f" · B{-s.floor}"
            name = QtWidgets.QTableWidgetItem(f"■ {s.label or s.id}{floor}")
            name.setForeground(QtGui.QColor(colour))
            name.setToolTip(QtCore.QCoreApplication.translate("FacilityPanel", "sensor {0}").format(s.id))
            self.table.setItem(i, 0, name)
            self.table.setItem(i, 2, QtWidgets.QTableWidgetItem(self._limits_text(s.limits)))
            for c in (1, 3, 4):
                self.table.setItem(i, c, QtWidgets.QTableWidgetItem(""))
        self.limits = self._draw_limits(info)
        self.points = 0  # points handed to the curves in the last update (for tests and the benchmark)
        self.stated_ms = 0  # when the table was last brought up to date

    @staticmethod
    def _limits_text(limits: tuple[float, ...]) -> str:
        lo_a, lo_w, hi_w, hi_a = limits
        parts = []
        if math.isfinite(lo_a) or math.isfinite(lo_w):
            parts.append(f"≤ {_fmt(lo_w)} / {_fmt(lo_a)}")
        if math.isfinite(hi_w) or math.isfinite(hi_a):
            parts.append(f"≥ {_fmt(hi_w)} / {_fmt(hi_a)}")
        return " · ".join(parts) or "—"

    def _draw_limits(self, info: list) -> tuple[float, ...]:
        """Bands of the kind's most common limits (warning amber, alarm red); any sensor's other limits as its own
        dashed lines."""
        common = max({s.limits for s in info}, key=lambda lim: sum(s.limits == lim for s in info))
        lo_a, lo_w, hi_w, hi_a = common
        # The outer bands reach to what the kind can measure (not to infinity: Qt's painter overflows there).
        given = [v for v in common if math.isfinite(v)] or [0.0]
        span = max(max(given) - min(given), 1.0)
        low, high = SENSOR_PHYSICAL.get(self.kind, (min(given) - 100 * span, max(given) + 100 * span, 0.0))[:2]

        def band(a: float, b: float, colour: str, alpha: int) -> None:
            if math.isfinite(a) and math.isfinite(b) and b > a:
                c = QtGui.QColor(colour)
                c.setAlpha(alpha)
                region = pg.LinearRegionItem((a, b), orientation="horizontal", movable=False, brush=c,
                                             pen=pg.mkPen(None))
                region.setZValue(-10)
                self.plot.addItem(region)

        band(hi_w, hi_a if math.isfinite(hi_a) else high, palette.PLOT_WARN_BAND, 40)
        band(hi_a, high, palette.PLOT_ALARM_BAND, 50)
        band(lo_a if math.isfinite(lo_a) else low, lo_w, palette.PLOT_WARN_BAND, 40)
        band(low, lo_a, palette.PLOT_ALARM_BAND, 50)
        for i, s in enumerate(info):
            if s.limits == common:
                continue
            pen = pg.mkPen(palette.PLOT_SERIES[i % len(palette.PLOT_SERIES)], width=1,
                           style=QtCore.Qt.PenStyle.DashLine)
            for v in s.limits:
                if math.isfinite(v):
                    self.plot.addItem(pg.InfiniteLine(v, angle=0, pen=pen))
        return common

    def _zoomed(self, *_args: object) -> None:
        self.follow = False

    def on_screen(self) -> bool:
        return not self.plot.viewport().visibleRegion().isEmpty()  # the view itself is all covered by it

    def update(self, monitor: FacilityMonitor, now_s: float, whole: bool) -> bool:
        """New readings onto the plot (when it follows time and there are any): x in minutes (hours, zoomed
        out) before ``now_s``, in place."""
        h = monitor.history
        newest = int(h.last_sec[self.rows].max()) if self.rows else -1
        if not self.follow or (newest == self.shown_second and whole == self.whole):
            return False
        # Hours when the whole history is long, else minutes.
        first = int(h.first_sec[self.rows].min()) if self.rows else newest
        unit = 3600.0 if whole and now_s - first > 7200 else 60.0
        if whole != self.whole or unit != self._unit:
            self.whole, self._unit = whole, unit
            self.plot.setLabel("bottom", QtCore.QCoreApplication.translate("FacilityPanel", "hours before now")
                               if unit == 3600.0 else
                               QtCore.QCoreApplication.translate("FacilityPanel", "minutes before now"))
        self.shown_second = newest
        lo, hi = math.inf, -math.inf
        self.points = 0
        start_all = 0.0
        for i, row in enumerate(self.rows):
            n = self._fill(h, row, self.x[i], self.y[i], whole)
            x, y = self.x[i][:n], self.y[i][:n]
            x -= now_s
            x /= unit
            self.curves[i].set_data(x, y)
            self.points += n
            if n:
                start_all = min(start_all, float(x[0]))
                shown = y[x >= -LIVE_S / unit] if not whole else y
                if shown.size and np.isfinite(shown).any():
                    lo, hi = min(lo, float(np.nanmin(shown))), max(hi, float(np.nanmax(shown)))
        self.view.setXRange(max(start_all, (first - now_s) / unit) if whole else -LIVE_S / unit, 0.0, padding=0.01)
        _lo_a, lo_w, hi_w, _hi_a = self.limits
        for v in (lo_w, hi_w):  # the warning limits in view: the band says how close the curve is
            if math.isfinite(v):
                lo, hi = min(lo, v), max(hi, v)
        if math.isfinite(lo) and math.isfinite(hi):
            pad = max((hi - lo) * 0.1, 1e-3)
            want = (lo - pad, hi + pad)
            # Only when the data moved out of (or well within) the range: a new range re-lays the axis.
            if self._y is None or want[0] < self._y[0] or want[1] > self._y[1] or \
                    (want[1] - want[0]) < 0.5 * (self._y[1] - self._y[0]):
                self._y = want
                self.view.setYRange(*want, padding=0)
        return True

    @staticmethod
    def _fill(h: ReadingHistory, row: int, x: np.ndarray, y: np.ndarray, whole: bool) -> int:
        """Copy the row's window (or its whole history: minute ranges, then seconds) into ``x`` and ``y``, in place;
        returns how many points."""
        raw_start, raw = h.raw_window(row)
        n = 0
        if whole:
            first, lo, hi = h.overview(row)
            m = len(lo)
            if m:
                t = first + np.arange(m) * h.bucket_s
                keep = int(np.searchsorted(t + h.bucket_s, raw_start, side="right")) if len(raw) else m
                x[0:2 * keep:2] = t[:keep] + 0.25 * h.bucket_s
                x[1:2 * keep:2] = t[:keep] + 0.75 * h.bucket_s
                y[0:2 * keep:2] = lo[:keep]
                y[1:2 * keep:2] = hi[:keep]
                n = 2 * keep
        k = len(raw)
        x[n:n + k] = raw_start + np.arange(k)
        y[n:n + k] = raw
        return n + k

    def show_state(self, monitor: FacilityMonitor, now_ms: int) -> None:
        engine, health = monitor.engine, monitor.health
        for i, row in enumerate(self.rows):
            info = monitor.catalog.info[row]
            value = float(health.last_value[row]) if row < health.rows else math.nan
            self._set(i, 1, f"{_fmt(value)} {info.unit}".strip())
            worst = None
            for j in range(len(LIMITS)):
                a = engine.alarms.get(limit_key(info.id, j))
                if a is not None and (a.active or a.unacknowledged or a.state in SUPPRESSED) and (
                        worst is None or (a.severe, a.active) > (worst.severe, worst.active)):
                    worst = a
            self._set(i, 3, "" if worst is None else f"{labels.alarm_condition(worst.condition)} · "
                                                     f"{labels.alarm_state(worst.state)}",
                      palette.ALARM_PRIORITY.get(worst.priority) if worst is not None and worst.active else None)
            self._set(i, 4, self._health_text(monitor, row, now_ms))

    @staticmethod
    def _health_text(monitor: FacilityMonitor, row: int, now_ms: int) -> str:
        h = monitor.health
        if row >= h.rows:
            return ""
        bits = int(h.faults[row])
        info = monitor.catalog.info[row]
        words = [labels.sensor_fault(info.config_fault if bit == Fault.CONFIG and info.config_fault else name)
                 for bit, name in _FAULT_NAMES.items() if bits & bit]
        if bits & Fault.SILENT and h.last_rx[row] >= 0:
            words[words.index(labels.sensor_fault("silent"))] += f" {labels.duration((now_ms - h.last_rx[row]) / 1000)}"
        if not words and h.fault_ms[row] and now_ms - h.fault_ms[row] < 60_000:  # what happened just now
            seen = int(h.fault_seen[row])
            recent = [labels.sensor_fault(n) for bit, n in _FAULT_NAMES.items() if seen & bit]
            if recent:
                return QtCore.QCoreApplication.translate("FacilityPanel", "ok (a moment ago: {0})").format(
                    ", ".join(recent))
        if h.last_rx[row] < 0:
            return QtCore.QCoreApplication.translate("FacilityPanel", "no reading yet")
        return ", ".join(words) or QtCore.QCoreApplication.translate("FacilityPanel", "ok")

    def _set(self, row: int, col: int, text: str, colour: str | None = None) -> None:
        item = self.table.item(row, col)
        if item.text() != text:
            item.setText(text)
        brush = QtGui.QBrush(QtGui.QColor(colour)) if colour else QtGui.QBrush()
        if item.foreground() != brush:
            item.setForeground(brush)


class FacilityPanel(QtWidgets.QWidget):
    """One facility: its state and alarms, and a plot per kind of sensor."""

    def __init__(self, monitor: Callable[[], FacilityMonitor], facility: str,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"facility-{facility}")
        self._monitor = monitor
        self.facility = facility
        self.whole = False
        self.plots: list[KindPlot] = []
        self._sensors: list[int] = []
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.header = QtWidgets.QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(QtCore.Qt.TextFormat.RichText)
        layout.addWidget(self.header)
        bar = QtWidgets.QHBoxLayout()
        self.live_button = QtWidgets.QPushButton(self.tr("Live: 10 minutes"))
        self.whole_button = QtWidgets.QPushButton(self.tr("Whole history"))
        for b in (self.live_button, self.whole_button):
            b.setCheckable(True)
            b.setAutoExclusive(True)
            bar.addWidget(b)
        self.live_button.setChecked(True)
        self.live_button.clicked.connect(lambda: self.set_whole(False))
        self.whole_button.clicked.connect(lambda: self.set_whole(True))
        bar.addStretch(1)
        layout.addLayout(bar)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        self.body = QtWidgets.QWidget()
        self.body_layout = QtWidgets.QVBoxLayout(self.body)
        self.body_layout.addStretch(1)
        scroll.setWidget(self.body)
        layout.addWidget(scroll, 1)

    @property
    def monitor(self) -> FacilityMonitor:
        return self._monitor()

    def set_whole(self, whole: bool) -> None:
        """Zoom out to the whole history kept, or back to the live 10 minutes (scrolling again)."""
        self.whole = whole
        (self.whole_button if whole else self.live_button).setChecked(True)
        for plot in self.plots:
            plot.follow = True
            plot.shown_second = -1
            plot._y = None

    def _rebuild(self) -> None:
        for plot in self.plots:
            plot.box.setParent(None)
            plot.box.deleteLater()
        monitor = self.monitor
        self._sensors = monitor.sensors_of(self.facility)
        by_kind: dict[str, list[int]] = {}
        for row in self._sensors:
            by_kind.setdefault(monitor.catalog.info[row].kind, []).append(row)
        self.plots = [KindPlot(kind, rows, monitor, self.body) for kind, rows in by_kind.items()]
        for i, plot in enumerate(self.plots):
            self.body_layout.insertWidget(i, plot.box)

    def refresh(self, now_ms: int) -> None:
        monitor = self.monitor
        if monitor.sensors_of(self.facility) != self._sensors or (self.plots and self.plots[0].rows[0] >= len(
                monitor.catalog.info)):
            self._rebuild()
        self._header(monitor)
        now_s = now_ms / 1000.0
        for plot in self.plots:
            if plot.shown_second >= 0 and not plot.on_screen():  # scrolled out of view: nothing to draw or update
                continue
            # The table with new readings, or once a second without (a silent sensor's time goes on).
            if plot.update(monitor, now_s, self.whole) or abs(now_ms - plot.stated_ms) >= 1000:
                plot.stated_ms = now_ms
                plot.show_state(monitor, now_ms)

    def _header(self, monitor: FacilityMonitor) -> None:
        fac = monitor.catalog.facilities.get(self.facility)
        s = monitor.summary()
        try:
            i = s.ids.index(self.facility)
        except ValueError:
            self.header.setText(self.tr("{0}: not known to this kit or its feeds").format(self.facility))
            return
        state = int(s.state[i])
        colour = palette.FACILITY_STATE[state]
        name = fac.name if fac is not None else self.facility
        faulty = sum(1 for r in self._sensors if r < monitor.health.rows and monitor.health.faults[r])
        self.header.setText(
            f"<b>{name}</b> · {labels.facility_kind(s.kind[i])} · "
            f"<span style='color:{colour}'><b>{labels.facility_state(state)}</b></span><br>"
            + self.tr("{0} active alarms · {1} sensors · {2} with a fault").format(int(s.alarms[i]),
                                                                                  len(self._sensors), faulty))
