"""Layers dock: visibility and opacity per layer, what the colours of traffic and coverage mean (under each,
while it is on), and the vehicle filters by type and status."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6 import QtCore, QtWidgets

from sitroom.layers.base import Layer
from sitroom.layers.cameras import CameraLayer
from sitroom.layers.coverage import CoverageLayer
from sitroom.layers.traffic import TrafficLayer
from sitroom.layers.vehicles import VehicleLayer
from sitroom.services.vocabulary import VehicleStatus, VehicleType
from sitroom.widgets import labels
from sitroom.widgets.camera_filter import CameraFilter
from sitroom.widgets.legend import Legend, coverage_legend, coverage_over_traffic_note, traffic_legend


class LayersWidget(QtWidgets.QWidget):
    def __init__(self, layers: list[Layer], vehicles: VehicleLayer,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layers")
        self.vehicles = vehicles
        # The contents scroll: with legends and text at a console's size they may be taller than the dock's
        # share of the screen, and must never make the window taller than the screen.
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        contents = QtWidgets.QWidget()
        scroll.setWidget(contents)
        box = QtWidgets.QVBoxLayout(contents)
        grid = QtWidgets.QGridLayout()
        self.visibility: dict[str, QtWidgets.QCheckBox] = {}
        self.opacity: dict[str, QtWidgets.QSlider] = {}
        self.legends: dict[str, Legend] = {}  # by layer title: the layers whose colours need explaining
        self._traffic: TrafficLayer | None = None
        self._coverage: CoverageLayer | None = None
        row = 0
        for layer in layers:
            check = QtWidgets.QCheckBox(labels.layer_title(layer.title))
            check.setChecked(layer.visible)
            check.toggled.connect(lambda on, lyr=layer: setattr(lyr, "visible", on))
            slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
            slider.setRange(0, 100)
            slider.setValue(int(layer.opacity * 100))
            slider.setToolTip(self.tr("Opacity"))
            slider.valueChanged.connect(lambda v, lyr=layer: setattr(lyr, "opacity", v / 100))
            grid.addWidget(check, row, 0)
            grid.addWidget(slider, row, 1)
            row += 1
            self.visibility[layer.title] = check
            self.opacity[layer.title] = slider
            legend = None
            if isinstance(layer, TrafficLayer):
                legend, self._traffic = traffic_legend(), layer
            elif isinstance(layer, CoverageLayer):
                legend, self._coverage = coverage_legend(), layer
            if legend is not None:
                legend.setContentsMargins(24, 0, 0, 0)  # under the layer's name, not its check box
                grid.addWidget(legend, row, 0, 1, 2)
                row += 1
                self.legends[layer.title] = legend
            self._follow(layer, check)
        box.addLayout(grid)
        self._show_legends()

        self.type_checks = self._group(box, self.tr("Vehicle types"),
                                       [t for t in VehicleType if t != VehicleType.UNKNOWN], vehicles.shown_types,
                                       labels.vehicle_type)
        self.status_checks = self._group(box, self.tr("Vehicle status"), list(VehicleStatus),
                                         vehicles.shown_statuses, labels.vehicle_status)
        cameras = next((lyr for lyr in layers if isinstance(lyr, CameraLayer)), None)
        self.camera_filter = CameraFilter(cameras) if cameras is not None else None
        if self.camera_filter is not None:
            box.addWidget(self.camera_filter)
        box.addStretch(1)
        # Only up and down: as wide as the contents need, plus room for the scroll bar.
        scroll.setMinimumWidth(contents.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())

    def _follow(self, layer: Layer, check: QtWidgets.QCheckBox) -> None:
        """Keep the check box and the legends with the layer when something else turns it on or off (the
        Coverage panel's "Show on map")."""

        def on_style(what: str) -> None:
            if not shiboken6.isValid(self):  # this dock was replaced (a new kit): let go of the layer
                layer.events.style.disconnect(on_style)
                return
            if what == "visible":
                with QtCore.QSignalBlocker(check):
                    check.setChecked(layer.visible)
                self._show_legends()

        layer.events.style.connect(on_style)

    def _show_legends(self) -> None:
        """A legend shows while its layer is on; with coverage over the traffic, the traffic legend says so."""
        for layer in (self._traffic, self._coverage):
            if layer is not None:
                self.legends[layer.title].setVisible(layer.visible)
        if self._traffic is not None:
            both = self._coverage is not None and self._coverage.visible and self._traffic.visible
            self.legends[self._traffic.title].set_note(coverage_over_traffic_note() if both else "")

    def _group(self, box: QtWidgets.QVBoxLayout, title: str, values: list, shown: set[int],
               name: Callable[[int], str]) -> dict:
        group = QtWidgets.QGroupBox(title)
        lay = QtWidgets.QGridLayout(group)
        checks = {}
        for i, v in enumerate(values):
            c = QtWidgets.QCheckBox(name(int(v)))
            c.setChecked(int(v) in shown)
            c.toggled.connect(self._apply_filters)
            lay.addWidget(c, i // 2, i % 2)
            checks[int(v)] = c
        box.addWidget(group)
        return checks

    def _apply_filters(self) -> None:
        types = {v for v, c in self.type_checks.items() if c.isChecked()}
        if self.type_checks and all(c.isChecked() for c in self.type_checks.values()):
            types.add(int(VehicleType.UNKNOWN))
        self.vehicles.set_filters(types=types,
                                  statuses={v for v, c in self.status_checks.items() if c.isChecked()})
