"""The dark control-room theme: a Qt palette, the type scale and a style sheet built from resources/palette.py."""

from __future__ import annotations

import contextlib
import re

import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from sitroom import resources
from sitroom.resources import palette

_STYLES = resources.path("styles")


def font(size: str, *, bold: bool = False) -> QtGui.QFont:
    """A font of the type scale (``palette.FONT_PT``): in points, so it follows the screen's DPI and scale."""
    f = QtGui.QFont()
    f.setPointSizeF(palette.FONT_PT[size])
    f.setBold(bold)
    return f


def style_sheet() -> str:
    """dark.qss with its @names filled: UI colours, ``@pt_<size>`` from the type scale, ``@styles`` its folder."""
    values = {**palette.UI, **{f"pt_{k}": f"{v:g}pt" for k, v in palette.FONT_PT.items()},
              "styles": _STYLES.as_posix()}
    qss = re.sub(r"/\*.*?\*/", "", resources.read_text(resources.STYLE), flags=re.DOTALL)
    # Whole names only ("@highlight" must not eat the start of "@highlight_text"); an unknown one is an error.
    def fill(m: re.Match) -> str:
        if m.group(1) not in values:
            raise resources.ResourceError(f"{resources.path(resources.STYLE)} is damaged: @{m.group(1)} is no "
                                          "colour or size of the theme; reinstall SitRoom")
        return values[m.group(1)]

    return re.sub(r"@([a-z_]+)", fill, qss)


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
    pal.setColor(role.Highlight, QtGui.QColor(c["highlight"]))
    pal.setColor(role.HighlightedText, QtGui.QColor(c["highlight_text"]))
    pal.setColor(role.PlaceholderText, QtGui.QColor(c["muted"]))
    app.setPalette(pal)
    # Body text by the type scale, in points: Qt scales it with the desktop's DPI and scale factor.
    app.setFont(font("body"))
    # Missing or damaged (make_app has said so): the palette alone still gives a usable dark window.
    with contextlib.suppress(resources.ResourceError):
        app.setStyleSheet(style_sheet())
    pg.setConfigOptions(background=c["map_bg"], foreground=c["text"], antialias=False)
