"""Coverage dock: the share of roads the available units reach within the limit, city-wide and by district,
the least covered districts first, the legend of the map's coverage colours, and the time-of-day report as a
bar chart."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.services.vocabulary import VehicleType
from sitroom.widgets.legend import coverage_legend_row
from sitroom.widgets.theme import font


@dataclass(frozen=True)
class DistrictShare:
    name: str
    level: str  # "gu" or "dong"
    share: float  # 0..1 of road length
    uncovered_km: float


class CoveragePanel(QtWidgets.QWidget):
    limit_changed = QtCore.Signal(float)  # minutes
    types_changed = QtCore.Signal(tuple)  # VehicleType codes counted as sources
    report_requested = QtCore.Signal()
    show_on_map = QtCore.Signal(bool)

    VULNERABLE_BELOW = 0.5  # districts under this share are listed in red

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coverage")
        self.city = QtWidgets.QLabel("—")
        self.city.setFont(font("figure", bold=True))
        self.detail = QtWidgets.QLabel()
        self.detail.setWordWrap(True)
        self.limit = QtWidgets.QDoubleSpinBox()
        self.limit.setRange(1.0, 30.0)
        self.limit.setSingleStep(1.0)
        self.limit.setValue(5.0)
        self.limit.setSuffix(self.tr(" min"))
        self.limit.valueChanged.connect(self.limit_changed.emit)
        self.on_map = QtWidgets.QCheckBox(self.tr("Show on map"))
        self.on_map.toggled.connect(self.show_on_map.emit)
        self.level = QtWidgets.QComboBox()
        self.level.addItem(self.tr("Districts (gu)"), "gu")
        self.level.addItem(self.tr("Neighbourhoods (dong)"), "dong")
        self.level.currentIndexChanged.connect(lambda _i: self._fill_table())
        self.types = QtWidgets.QComboBox()
        for title, types in ((self.tr("fire engines"), (VehicleType.FIRE,)),
                             (self.tr("ambulances"), (VehicleType.AMBULANCE,)),
                             (self.tr("police"), (VehicleType.POLICE,)),
                             (self.tr("all emergency units"),
                              (VehicleType.FIRE, VehicleType.AMBULANCE, VehicleType.POLICE))):
            self.types.addItem(title, tuple(int(t) for t in types))
        self.types.currentIndexChanged.connect(lambda _i: self.types_changed.emit(self.types.currentData()))
        report = QtWidgets.QPushButton(self.tr("Time-of-day report"))
        report.clicked.connect(self.report_requested.emit)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel(self.tr("Within")))
        top.addWidget(self.limit)
        top.addWidget(self.types)
        top.addStretch(1)
        # What "Show on map" colours the roads with, here where the switch is as well as in the Layers dock.
        self.legend = coverage_legend_row()
        self.table = QtWidgets.QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("District"), self.tr("Covered"), self.tr("Uncovered km")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(140)
        self.plot.setLabel("bottom", self.tr("hour"))
        self.plot.setLabel("left", "%")
        self.plot.setYRange(0, 100)
        self.plot.hide()
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addLayout(top)
        lay.addWidget(self.city)
        lay.addWidget(self.detail)
        lay.addWidget(self.on_map)  # on its own row, with what it draws under it: the dock is narrow
        lay.addWidget(self.legend)
        lay.addWidget(self.level)
        lay.addWidget(self.table, 1)
        lay.addWidget(report)
        lay.addWidget(self.plot)
        self.districts: list[DistrictShare] = []

    def show_coverage(self, city_share: float, units: int, limit_min: float, districts: list[DistrictShare]) -> None:
        self.city.setText(f"{city_share * 100:.1f}%")
        self.detail.setText(self.tr("of the road network is reached within {0:g} minutes by the {1} available "
                                    "{2}").format(limit_min, units, self.types.currentText()))
        self.districts = districts
        self._fill_table()

    def _fill_table(self) -> None:
        level = self.level.currentData()
        rows = sorted((d for d in self.districts if d.level == level), key=lambda d: d.share)
        self.table.setRowCount(len(rows))
        for r, d in enumerate(rows):
            for c, text in enumerate((d.name, f"{d.share * 100:.0f}%", f"{d.uncovered_km:.1f}")):
                item = QtWidgets.QTableWidgetItem(text)
                if d.share < self.VULNERABLE_BELOW:
                    item.setForeground(QtGui.QColor(palette.UI["bad"]))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def show_report(self, hours: list[tuple[int, float]], observed: int = 24) -> None:
        """Coverage by hour of day under that hour's mean link speeds; ``observed`` hours have history."""
        self.plot.clear()
        self.plot.setTitle(self.tr("{0} within {1:g} min, by hour ({2} of 24 hours observed)").format(
            self.types.currentText(), self.limit.value(), observed))
        if not hours:
            self.plot.hide()
            return
        x = np.array([h for h, _ in hours], dtype=float)
        y = np.array([s * 100 for _, s in hours])
        colours = [pg.mkBrush(palette.UI["bad"] if v < self.VULNERABLE_BELOW * 100 else palette.UI["accent"])
                   for v in y]
        self.plot.addItem(pg.BarGraphItem(x=x, height=y, width=0.8, brushes=colours))
        self.plot.setXRange(-0.5, 23.5)
        self.plot.show()
