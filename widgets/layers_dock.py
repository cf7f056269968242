"""Layers dock: visibility and opacity per layer, and the vehicle filters by type and status."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from layers.base import Layer
from layers.cameras import CameraLayer
from layers.vehicles import VehicleLayer
from services.vocabulary import VehicleStatus, VehicleType
from widgets import labels
from widgets.camera_filter import CameraFilter


class LayersWidget(QtWidgets.QWidget):
    def __init__(self, layers: list[Layer], vehicles: VehicleLayer,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layers")
        self.vehicles = vehicles
        box = QtWidgets.QVBoxLayout(self)
        grid = QtWidgets.QGridLayout()
        self.visibility: dict[str, QtWidgets.QCheckBox] = {}
        self.opacity: dict[str, QtWidgets.QSlider] = {}
        for row, layer in enumerate(layers):
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
            self.visibility[layer.title] = check
            self.opacity[layer.title] = slider
        box.addLayout(grid)

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
