"""The Layers dock's camera filter: which cameras the map shows, by what is known of their streams."""

from __future__ import annotations

from PySide6 import QtWidgets

from sitroom.layers.cameras import STATE_GROUPS, CameraLayer
from sitroom.widgets import labels


class CameraFilter(QtWidgets.QGroupBox):
    def __init__(self, cameras: CameraLayer, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(self.tr("Cameras"), parent)
        self.cameras = cameras
        column = QtWidgets.QVBoxLayout(self)  # one a row: the labels are long, and the Layers dock is narrow
        self.checks: dict[str, QtWidgets.QCheckBox] = {}
        for group in STATE_GROUPS:
            check = QtWidgets.QCheckBox(labels.camera_group(group))
            check.setChecked(group in cameras.shown_groups)
            check.toggled.connect(self._apply)
            column.addWidget(check)
            self.checks[group] = check

    def _apply(self) -> None:
        self.cameras.shown_groups = {g for g, c in self.checks.items() if c.isChecked()}
        self.cameras.mark_dirty()
