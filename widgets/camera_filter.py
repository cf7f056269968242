"""The Layers dock's camera filter: which cameras the map shows, by what is known of their streams."""

from __future__ import annotations

from PySide6 import QtWidgets

from sitroom.layers.cameras import STATE_GROUPS, CameraLayer
from sitroom.widgets import labels


class CameraFilter(QtWidgets.QGroupBox):
    def __init__(self, cameras: CameraLayer, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(self.tr("Cameras"), parent)
        self.cameras = cameras
        grid = QtWidgets.QGridLayout(self)
        self.checks: dict[str, QtWidgets.QCheckBox] = {}
        for i, group in enumerate(STATE_GROUPS):
            check = QtWidgets.QCheckBox(labels.camera_group(group))
            check.setChecked(group in cameras.shown_groups)
            check.toggled.connect(self._apply)
            grid.addWidget(check, i // 2, i % 2)
            self.checks[group] = check

    def _apply(self) -> None:
        self.cameras.shown_groups = {g for g, c in self.checks.items() if c.isChecked()}
        self.cameras.mark_dirty()
