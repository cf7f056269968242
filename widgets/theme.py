"""The dark control-room theme: a Qt palette and a style sheet built from resources/palette.py."""

from __future__ import annotations

from importlib.resources import files

import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from resources import palette


def apply_dark_theme(app: QtWidgets.QApplication) -> None:
    app.setStyle("Fusion")
    c = palette.UI
    pal = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    for r, key in ((role.Window, "window"), (role.Base, "base"), (role.AlternateBase, "alt_base"),
                   (role.Button, "panel"), (role.ToolTipBase, "panel")):
        pal.setColor(r, QtGui.QColor(c[key]))
    for r in (role.WindowText, role.Text, role.ButtonText, role.ToolTipText):
        pal.setColor(r, QtGui.QColor(c["text"]))
    pal.setColor(role.Highlight, QtGui.QColor(c["accent"]))
    pal.setColor(role.HighlightedText, QtGui.QColor("#ffffff"))
    pal.setColor(role.PlaceholderText, QtGui.QColor(c["muted"]))
    app.setPalette(pal)
    qss = files("resources").joinpath("styles/dark.qss").read_text(encoding="utf-8")
    for key, value in c.items():
        qss = qss.replace("@" + key, value)
    app.setStyleSheet(qss)
    pg.setConfigOptions(background=c["map_bg"], foreground=c["text"], antialias=False)
