"""Import data…: build an offline kit from the room's own files, with progress and cancel.

The build runs as ``sitroom kit build`` in a child process: the window stays responsive, Cancel really
stops the work, and the command line and the dialog can never build different kits from the same input.
A build writes atomically, so a cancelled or failed one leaves nothing behind.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6 import QtCore, QtWidgets

import sitroom
from sitroom.services import dirs

_PROGRESS = re.compile(r"^\[\s*(\d+)%\] (.*)$")
_KILL_AFTER_MS = 3000
OSM_FILTER = "OpenStreetMap (*.osm.pbf *.pbf *.osm)"
GIS_FILTER = "GIS (*.shp *.gpkg *.geojson *.json)"
POINTS_FILTER = "Points (*.csv *.shp *.gpkg *.geojson *.json)"


def default_kits_dir() -> Path:
    """``$XDG_DATA_HOME/sitroom/kits`` (``services/dirs.py``)."""
    return dirs.kits_dir()


class _FileList(QtWidgets.QWidget):
    """A list of files with Add… and Remove."""

    def __init__(self, caption: str, file_filter: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption, self.file_filter = caption, file_filter
        self.list = QtWidgets.QListWidget()
        self.list.setMaximumHeight(70)
        add = QtWidgets.QPushButton(self.tr("Add…"))
        remove = QtWidgets.QPushButton(self.tr("Remove"))
        add.clicked.connect(self._add)
        remove.clicked.connect(lambda: [self.list.takeItem(self.list.row(i)) for i in self.list.selectedItems()])
        buttons = QtWidgets.QVBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)

    def _add(self) -> None:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(self, self.caption, "", self.file_filter)
        for p in paths:
            self.add(Path(p))

    def add(self, path: Path) -> None:
        self.list.addItem(str(path))

    def paths(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]


class ImportDialog(QtWidgets.QDialog):
    kit_built = QtCore.Signal(object)  # Path of the new kit (when "open it" is ticked)

    CLIPS = ("none", "bbox", "area", "polygon")

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Import data"))
        self.setObjectName("importDialog")
        self.resize(640, 560)
        self.process: QtCore.QProcess | None = None
        # Owned by the dialog, so it cannot fire after the dialog (and its process) are gone.
        self._kill_timer = QtCore.QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.setInterval(_KILL_AFTER_MS)
        self._kill_timer.timeout.connect(lambda: self.running() and self.process.kill())
        self.cancelled = False
        self.last_error = ""

        self.osm = QtWidgets.QLineEdit()
        self.osm.setPlaceholderText(self.tr("e.g. south-korea-latest.osm.pbf"))
        osm_browse = QtWidgets.QPushButton(self.tr("Browse…"))
        osm_browse.clicked.connect(lambda: self._browse(self.osm, self.tr("OpenStreetMap extract"), OSM_FILTER))
        self.roads = _FileList(self.tr("Road files"), GIS_FILTER)
        self.layers = _FileList(self.tr("Point layers"), POINTS_FILTER)
        self.clip_kind = QtWidgets.QComboBox()
        for title in (self.tr("Whole extract"), self.tr("Box W,S,E,N"), self.tr("Korean area (시도 [시군구])"),
                      self.tr("Polygon file")):
            self.clip_kind.addItem(title)
        self.clip_value = QtWidgets.QLineEdit()
        self.clip_value.setEnabled(False)
        clip_browse = QtWidgets.QPushButton(self.tr("Browse…"))
        clip_browse.clicked.connect(lambda: self._browse(self.clip_value, self.tr("Clip polygon"), GIS_FILTER))
        clip_browse.setEnabled(False)
        self.clip_kind.currentIndexChanged.connect(
            lambda i: (self.clip_value.setEnabled(i > 0), clip_browse.setEnabled(i == 3)))
        self.source_crs = QtWidgets.QLineEdit()
        self.source_crs.setPlaceholderText(self.tr("only for files without a .prj, e.g. EPSG:5186"))
        self.name = QtWidgets.QLineEdit()
        self.name.setPlaceholderText(self.tr("default: the area or the file name"))
        self.out = QtWidgets.QLineEdit(str(default_kits_dir() / "new-kit"))
        out_browse = QtWidgets.QPushButton(self.tr("Browse…"))
        out_browse.clicked.connect(self._browse_out)
        self.name.textEdited.connect(self._name_to_out)
        self.open_after = QtWidgets.QCheckBox(self.tr("Open the kit when it is built"))
        self.open_after.setChecked(True)

        form = QtWidgets.QFormLayout()
        form.addRow(self.tr("OSM extract"), _row(self.osm, osm_browse))
        form.addRow(self.tr("Road files"), self.roads)
        form.addRow(self.tr("Point layers"), self.layers)
        form.addRow(self.tr("Clip to"), _row(self.clip_kind, self.clip_value, clip_browse))
        form.addRow(self.tr("Source CRS"), self.source_crs)
        form.addRow(self.tr("Kit name"), self.name)
        form.addRow(self.tr("Write to"), _row(self.out, out_browse))
        form.addRow("", self.open_after)

        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.log = QtWidgets.QPlainTextEdit()
        self.log.setReadOnly(True)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        self.build_button = QtWidgets.QPushButton(self.tr("Build kit"))
        self.build_button.setDefault(True)
        self.build_button.clicked.connect(self.start)
        self.cancel_button = QtWidgets.QPushButton(self.tr("Close"))
        self.cancel_button.clicked.connect(self.cancel_or_close)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.build_button)
        buttons.addWidget(self.cancel_button)

        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.progress)
        lay.addWidget(self.log, 1)
        lay.addWidget(self.status)
        lay.addLayout(buttons)

    # ------------------------------------------------------------ inputs

    def _browse(self, edit: QtWidgets.QLineEdit, caption: str, file_filter: str) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, caption, "", file_filter)
        if path:
            edit.setText(path)

    def _browse_out(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self, self.tr("Folder for the kit"))
        if path:
            self.out.setText(str(Path(path) / (self.name.text().strip() or "new-kit")))

    def _name_to_out(self, name: str) -> None:
        slug = re.sub(r"[^\w.-]+", "-", name.strip()).strip("-") or "new-kit"
        self.out.setText(str(Path(self.out.text()).parent / slug))

    def arguments(self) -> list[str]:
        """The ``sitroom kit build`` arguments for what the form says; raises ValueError naming what is missing."""
        args = ["kit", "build"]
        if self.osm.text().strip():
            args += ["--osm", self.osm.text().strip()]
        for p in self.roads.paths():
            args += ["--roads", p]
        if len(args) == 2:
            raise ValueError(self.tr("Choose an OSM extract or at least one road file."))
        for p in self.layers.paths():
            args += ["--layer", p]
        kind, value = self.CLIPS[self.clip_kind.currentIndex()], self.clip_value.text().strip()
        if kind != "none":
            if not value:
                raise ValueError(self.tr("Say what to clip to, or choose the whole extract."))
            args += [{"bbox": "--bbox", "area": "--area", "polygon": "--clip"}[kind], value]
        if self.source_crs.text().strip():
            args += ["--source-crs", self.source_crs.text().strip()]
        if self.name.text().strip():
            args += ["--name", self.name.text().strip()]
        if not self.out.text().strip():
            raise ValueError(self.tr("Choose where to write the kit."))
        return [*args, "--out", self.out.text().strip()]

    # ------------------------------------------------------------ the build

    def start(self) -> bool:
        try:
            args = self.arguments()
        except ValueError as exc:
            self._say(str(exc), error=True)
            return False
        self.log.clear()
        self.progress.setValue(0)
        self.cancelled = False
        self.last_error = ""
        self.process = QtCore.QProcess(self)
        program, *arguments = sitroom.command(*args)  # this installation's sitroom: venv or installed build
        self.process.setProgram(program)
        self.process.setArguments(arguments)
        self.process.readyReadStandardError.connect(self._read_progress)
        self.process.readyReadStandardOutput.connect(self._read_output)
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._process_error)
        self.build_button.setEnabled(False)
        self.cancel_button.setText(self.tr("Cancel"))
        self._say(self.tr("Building…"))
        self.process.start()
        return True

    def running(self) -> bool:
        return self.process is not None and self.process.state() != QtCore.QProcess.ProcessState.NotRunning

    def cancel_or_close(self) -> None:
        if not self.running():
            self.close()
            return
        self.cancelled = True
        self._say(self.tr("Cancelling…"))
        self.process.terminate()  # the build cleans up its temporary directory on SIGTERM
        self._kill_timer.start()

    def _read_progress(self) -> None:
        text = bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        for line in text.splitlines():
            m = _PROGRESS.match(line)
            if m:
                self.progress.setValue(int(m.group(1)))
                self.log.appendPlainText(m.group(2))
            elif line.strip():
                self.log.appendPlainText(line)
                if line.startswith("sitroom"):
                    self.last_error = line.split(": ", 1)[-1]

    def _read_output(self) -> None:
        self.log.appendPlainText(bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace").rstrip())

    def _process_error(self, error: QtCore.QProcess.ProcessError) -> None:
        if error == QtCore.QProcess.ProcessError.FailedToStart:
            self._done(self.tr("Could not start the build: {0}").format(self.process.errorString()), error=True)

    def _finished(self, code: int, status: QtCore.QProcess.ExitStatus) -> None:
        if self.cancelled:
            self._done(self.tr("Cancelled; nothing was written."), error=True)
        elif code == 0 and status == QtCore.QProcess.ExitStatus.NormalExit:
            self.progress.setValue(100)
            out = Path(self.out.text().strip())
            self._done(self.tr("Built {0}.").format(out))
            if self.open_after.isChecked():
                self.kit_built.emit(out)
        else:
            self._done(self.tr("The build failed: {0}").format(self.last_error or self.tr("see the log")), error=True)

    def _done(self, message: str, error: bool = False) -> None:
        self._kill_timer.stop()
        self.build_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Close"))
        self._say(message, error)

    def _say(self, message: str, error: bool = False) -> None:
        self.status.setText(message)
        self.status.setProperty("state", "bad" if error else "ok")
        self.status.style().polish(self.status)

    def closeEvent(self, ev) -> None:
        if self.running():
            self.cancelled = True
            self.process.terminate()
            if not self.process.waitForFinished(_KILL_AFTER_MS):
                self.process.kill()
                self.process.waitForFinished(_KILL_AFTER_MS)
        super().closeEvent(ev)


def _row(*widgets: QtWidgets.QWidget) -> QtWidgets.QWidget:
    w = QtWidgets.QWidget()
    lay = QtWidgets.QHBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    for i, x in enumerate(widgets):
        lay.addWidget(x, 1 if i == len(widgets) - 2 or len(widgets) == 1 else 0)
    return w
