"""The supervisor's figures (services/figures): five pyqtgraph plots, each exportable as CSV and PNG, and a
one-page shift report as PDF (Qt's QPdfWriter) for the period shown."""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.services.figures.compute import HIST_MINUTES, Figures
from sitroom.widgets import labels

_TYPE_COLOURS = ("#ff5a5f", "#3d8bfd", "#f5b83d", "#b07cff", "#3ecf6e", "#c8d0da")


def _hhmm(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%H:%M")


class FigurePlot(QtWidgets.QWidget):
    """One plot with its title, a line of figures under it, and its export buttons."""

    def __init__(self, key: str, title: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.title = title
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(160)
        self.plot.setTitle(title)
        self.plot.showGrid(x=False, y=True, alpha=0.2)
        self.summary = QtWidgets.QLabel()
        self.summary.setWordWrap(True)
        self.rows: list[list] = []
        self.header: list[str] = []
        csv_button = QtWidgets.QToolButton()
        csv_button.setText(self.tr("CSV…"))
        csv_button.clicked.connect(self._ask_csv)
        png_button = QtWidgets.QToolButton()
        png_button.setText(self.tr("PNG…"))
        png_button.clicked.connect(self._ask_png)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(csv_button)
        bar.addWidget(png_button)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 6)
        box.addWidget(self.plot, 1)
        box.addLayout(bar)

    def set_table(self, header: list[str], rows: list[list]) -> None:
        self.header, self.rows = header, rows

    def write_csv(self, path: Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(self.header)
            w.writerows(self.rows)

    def image(self, width: int = 900, height: int = 300) -> QtGui.QImage:
        img = QtGui.QImage(width, height, QtGui.QImage.Format.Format_RGB32)
        img.fill(QtGui.QColor(palette.UI["map_bg"]))
        painter = QtGui.QPainter(img)
        self.plot.render(painter, QtCore.QRectF(0, 0, width, height))
        painter.end()
        return img

    def write_png(self, path: Path) -> None:
        self.image().save(str(path))

    def _ask_csv(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, self.tr("Export CSV"), f"{self.key}.csv", "CSV (*.csv)")
        if path:
            self.write_csv(Path(path))

    def _ask_png(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, self.tr("Export PNG"), f"{self.key}.png", "PNG (*.png)")
        if path:
            self.write_png(Path(path))


class FiguresPanel(QtWidgets.QWidget):
    """The five plots of the figures, filled by :meth:`show_figures`."""

    report_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figures")
        self.period = QtWidgets.QComboBox()
        for hours, text in ((1, self.tr("Last hour")), (8, self.tr("Last 8 hours")), (12, self.tr("Last 12 hours")),
                            (24, self.tr("Last 24 hours")), (0, self.tr("Since the start"))):
            self.period.addItem(text, hours)
        self.period.setCurrentIndex(4)
        report = QtWidgets.QPushButton(self.tr("Shift report (PDF)…"))
        report.clicked.connect(self.report_requested.emit)
        self.headline = QtWidgets.QLabel()
        self.headline.setWordWrap(True)
        self.plots = {
            "incidents": FigurePlot("incidents", self.tr("Incidents reported, by type")),
            "status": FigurePlot("status", self.tr("Incidents by status")),
            "response": FigurePlot("response", self.tr("Call to on scene (minutes)")),
            "coverage": FigurePlot("coverage", self.tr("5-minute coverage by hour of day")),
            "alarms": FigurePlot("alarms", self.tr("Alarms: time to acknowledge (minutes)")),
            "feeds": FigurePlot("feeds", self.tr("Feed uptime")),
        }
        inner = QtWidgets.QWidget()
        grid = QtWidgets.QVBoxLayout(inner)
        for p in self.plots.values():
            grid.addWidget(p)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.period)
        bar.addStretch(1)
        bar.addWidget(report)
        box = QtWidgets.QVBoxLayout(self)
        box.addLayout(bar)
        box.addWidget(self.headline)
        box.addWidget(scroll, 1)
        self.figures: Figures | None = None

    def hours(self) -> int:
        return int(self.period.currentData())

    def show_figures(self, f: Figures) -> None:
        self.figures = f
        r = f.response
        self.headline.setText(self.tr("{0} – {1}: {2} incidents · on scene within 5 min {3}, within 7 min {4} "
                                      "({5} arrivals)").format(_hhmm(f.from_ms), _hhmm(f.to_ms), f.incidents,
                                                               pct(r.within_5), pct(r.within_7), r.n))
        x = (f.bins - f.from_ms) / 3_600_000.0
        p = self.plots["incidents"]
        p.plot.clear()
        p.plot.addLegend(offset=(5, 5))
        for (t, counts), colour in zip(f.reported_by_type.items(), _TYPE_COLOURS, strict=False):
            p.plot.plot(x, counts, pen=pg.mkPen(colour, width=2), name=labels.incident_type(t))
        p.plot.setLabel("bottom", self.tr("hours from {0}").format(_hhmm(f.from_ms)))
        p.set_table(["bin_start", *f.reported_by_type], [[_iso(b), *(int(c[i]) for c in f.reported_by_type.values())]
                                                         for i, b in enumerate(f.bins.tolist())])
        p.summary.setText(self.tr("{0} incidents reported").format(f.incidents))
        p = self.plots["status"]
        p.plot.clear()
        p.plot.addLegend(offset=(5, 5))
        for (s, counts), colour in zip(f.status_counts.items(), (*_TYPE_COLOURS, "#8593a3"), strict=False):
            p.plot.plot(x, counts, pen=pg.mkPen(colour, width=2), name=labels.incident_status(s))
        p.set_table(["bin_end", *f.status_counts], [[_iso(min(b + f.bin_ms, f.to_ms)),
                                                     *(int(c[i]) for c in f.status_counts.values())]
                                                    for i, b in enumerate(f.bins.tolist())])
        p = self.plots["response"]
        p.plot.clear()
        p.plot.addItem(pg.BarGraphItem(x=np.arange(HIST_MINUTES) + 0.5, height=r.histogram, width=0.85,
                                       brush=palette.UI["accent"]))
        for limit, colour in ((5, palette.UI["ok"]), (7, palette.UI["warn"])):
            p.plot.addItem(pg.InfiniteLine(limit, pen=pg.mkPen(colour, width=2)))
        med = r.median("call_to_scene_s")
        p.summary.setText(self.tr("within 5 min {0} · within 7 min {1} · median {2} · call to dispatch {3} · "
                                  "dispatch to scene {4}").format(
            pct(r.within_5), pct(r.within_7), "—" if math.isnan(med) else labels.duration(med),
            _dur(r.median("call_to_dispatch_s")), _dur(r.median("dispatch_to_scene_s"))))
        p.set_table(["minute", "arrivals"], [[m, int(n)] for m, n in enumerate(r.histogram.tolist())])
        p = self.plots["coverage"]
        p.plot.clear()
        cov = np.nan_to_num(f.coverage_by_hour * 100, nan=0.0)
        p.plot.addItem(pg.BarGraphItem(x=np.arange(24), height=cov, width=0.8, brush=palette.UI["ok"]))
        p.plot.setYRange(0, 100)
        p.summary.setText(self.tr("{0} samples; hours without one are empty").format(f.coverage_samples))
        p.set_table(["hour", "coverage_share"], [[h, "" if math.isnan(v) else round(float(v), 4)]
                                                 for h, v in enumerate(f.coverage_by_hour.tolist())])
        p = self.plots["alarms"]
        p.plot.clear()
        a = f.alarms
        if len(a.ack_s):
            hist = np.bincount(np.clip((a.ack_s // 60).astype(int), 0, 30), minlength=31)
            p.plot.addItem(pg.BarGraphItem(x=np.arange(31) + 0.5, height=hist, width=0.85, brush=palette.UI["warn"]))
        p.summary.setText(self.tr("{0} alarms raised (P1 {1}, P2 {2}, P3 {3}, P4 {4}); {5} acknowledged, median "
                                  "{6}").format(a.raised, *(a.by_priority[k] for k in (1, 2, 3, 4)), a.acked,
                                                _dur(a.median_ack_s)))
        p.set_table(["ack_seconds"], [[round(float(v), 1)] for v in a.ack_s.tolist()])
        p = self.plots["feeds"]
        p.plot.clear()
        names = list(f.feed_uptime)
        p.plot.addItem(pg.BarGraphItem(x=np.arange(len(names)), height=[f.feed_uptime[n] * 100 for n in names],
                                       width=0.7, brush=palette.UI["accent"]))
        p.plot.getAxis("bottom").setTicks([list(enumerate(names))])
        p.plot.setYRange(0, 100)
        p.summary.setText(", ".join(f"{n} {f.feed_uptime[n]:.1%}" for n in names))
        p.set_table(["feed", "uptime_share"], [[n, round(f.feed_uptime[n], 4)] for n in names])

    def write_report(self, path: Path, title: str) -> None:
        """One A4 page: the period, the headline figures and the plots."""
        writer = QtGui.QPdfWriter(str(path))
        writer.setPageSize(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4))
        writer.setResolution(150)
        writer.setTitle(title)
        painter = QtGui.QPainter(writer)
        w = writer.width()
        y = 0
        font = QtGui.QFont()
        font.setPointSizeF(16)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QtCore.QRectF(0, y, w, 60), title)
        y += 70
        font.setPointSizeF(9)
        font.setBold(False)
        painter.setFont(font)
        lines = [self.headline.text()] + [f"{p.title}: {p.summary.text()}" for p in self.plots.values()
                                          if p.summary.text()]
        for line in lines:
            rect = painter.boundingRect(QtCore.QRectF(0, y, w, 400), QtCore.Qt.TextFlag.TextWordWrap, line)
            painter.drawText(rect, QtCore.Qt.TextFlag.TextWordWrap, line)
            y += int(rect.height()) + 6
        y += 10
        keys = ("incidents", "response", "coverage", "alarms", "feeds", "status")
        col_w = (w - 20) // 2
        img_h = int(col_w * 0.42)
        for i, key in enumerate(keys):
            img = self.plots[key].image(900, int(900 * 0.42))
            x = 0 if i % 2 == 0 else col_w + 20
            painter.drawImage(QtCore.QRectF(x, y + (i // 2) * (img_h + 16), col_w, img_h), img)
        painter.end()


def pct(v: float | None) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0%}"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).isoformat(timespec="seconds")


def _dur(seconds: float) -> str:
    return "—" if seconds is None or math.isnan(seconds) else labels.duration(seconds)
