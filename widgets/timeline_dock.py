"""Timeline dock for replay: play/pause, speed, a scrub slider over the journal, the time, and jump to an incident.

Space plays and pauses. Dragging the slider seeks at most every :data:`SCRUB_EVERY_MS` (each backward seek
rebuilds the models), and once more where it is let go.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.services.journal.player import SPEEDS, JournalPlayer
from sitroom.widgets import labels

REFRESH_MS = 100
SCRUB_EVERY_MS = 150
JUMP_LEAD_MS = 5_000  # a jump lands this long before the incident's first report, to see it come in


class TimelineWidget(QtWidgets.QWidget):
    sig_seeked = QtCore.Signal("qint64")  # position (epoch ms) after a seek the user asked for
    sig_incident = QtCore.Signal(str)  # the user jumped to this incident
    sig_playing = QtCore.Signal(bool)

    def __init__(self, player: JournalPlayer, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.player = player
        span = max(0, player.end_ms - player.start_ms)
        # Slider steps of at least 100 ms, and never more than a million of them (the slider is 32-bit).
        self._unit = max(100, -(-span // 1_000_000))
        style = self.style()
        self._icons = {True: style.standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MediaPause),
                       False: style.standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MediaPlay)}

        self.play_button = QtWidgets.QToolButton()
        self.play_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.play_button.clicked.connect(self.toggle)

        self.speed_combo = QtWidgets.QComboBox()
        for s in SPEEDS:
            self.speed_combo.addItem(f"{s}×", s)
        self.speed_combo.setToolTip(self.tr("Replay speed"))
        self.speed_combo.currentIndexChanged.connect(self._speed_chosen)

        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, -(-span // self._unit))
        self.slider.setPageStep(max(1, 60_000 // self._unit))
        self.slider.setSingleStep(max(1, 1000 // self._unit))
        self.slider.setToolTip(self.tr("Drag to move through the journal"))
        self.slider.valueChanged.connect(self._slider_changed)
        self.slider.sliderReleased.connect(self._slider_released)

        self.time_label = QtWidgets.QLabel()
        self.time_label.setObjectName("timelinePosition")
        self.time_label.setMinimumWidth(170)
        self.range_label = QtWidgets.QLabel(self.tr("{0} – {1}").format(
            self._format(player.start_ms), self._format(player.end_ms)))
        self.range_label.setObjectName("timelineRange")

        self.incident_combo = QtWidgets.QComboBox()
        self.incident_combo.setToolTip(self.tr("Jump to a few seconds before an incident was reported"))
        self.incident_combo.setMinimumContentsLength(24)
        self.incident_combo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self._fill_incidents()
        self.incident_combo.activated.connect(self._incident_chosen)

        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.speed_combo)
        row.addWidget(self.time_label)
        row.addWidget(self.incident_combo)
        row.addStretch(1)
        row.addWidget(self.range_label)
        box = QtWidgets.QVBoxLayout(self)
        box.addLayout(row)
        box.addWidget(self.slider)

        self._updating = False
        self._scrub_target: int | None = None
        self._scrub_timer = QtCore.QTimer(self)
        self._scrub_timer.setSingleShot(True)
        self._scrub_timer.setInterval(SCRUB_EVERY_MS)
        self._scrub_timer.timeout.connect(self._scrub)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        space = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Space), self)
        space.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        space.activated.connect(self.toggle)
        self._was_playing: bool | None = None
        self.refresh()

    # ------------------------------------------------------------ actions

    def toggle(self) -> None:
        self.player.toggle()
        self.refresh()

    def set_speed(self, speed: int) -> None:
        i = self.speed_combo.findData(speed)
        if i >= 0:
            self.speed_combo.setCurrentIndex(i)

    def seek(self, ms: int) -> None:
        self.player.seek(ms)
        self.refresh()
        self.sig_seeked.emit(self.player.position_ms)

    def jump_to(self, incident_id: str) -> bool:
        first = next((e for e in self.player.events() if e.incident == incident_id), None)
        if first is None:
            return False
        self.seek(first.ms - JUMP_LEAD_MS)
        self.sig_incident.emit(incident_id)
        return True

    # ------------------------------------------------------------ view

    def refresh(self) -> None:
        player = self.player
        pos = player.position_ms
        playing = player.playing
        if playing != self._was_playing:
            self._was_playing = playing
            self.play_button.setIcon(self._icons[playing])
            self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))
            self.sig_playing.emit(playing)
        if not self.slider.isSliderDown() and self._scrub_target is None:
            self._updating = True
            at_end = pos >= player.end_ms
            self.slider.setValue(self.slider.maximum() if at_end else (pos - player.start_ms) // self._unit)
            self._updating = False
        self.time_label.setText(self._format(pos) + ("" if playing else "  " + self.tr("(paused)")))

    def _format(self, ms: int) -> str:
        return QtCore.QDateTime.fromMSecsSinceEpoch(int(ms)).toString("yyyy-MM-dd HH:mm:ss")

    def _fill_incidents(self) -> None:
        self.incident_combo.clear()
        self.incident_combo.addItem(self.tr("Jump to incident…"), None)
        firsts: dict[str, object] = {}
        for e in self.player.events():
            firsts.setdefault(e.incident, e)
        for e in firsts.values():
            when = QtCore.QDateTime.fromMSecsSinceEpoch(e.ms).toString("HH:mm:ss")
            self.incident_combo.addItem(f"{when}  {e.incident} · P{e.priority} · {labels.incident_type(e.type)}",
                                        e.incident)
        self.incident_combo.setEnabled(bool(firsts))

    # ------------------------------------------------------------ signals

    def _speed_chosen(self, index: int) -> None:
        self.player.speed = float(self.speed_combo.itemData(index))

    def _slider_changed(self, value: int) -> None:
        if self._updating:
            return
        self._scrub_target = self.player.start_ms + value * self._unit
        self.time_label.setText(self._format(self._scrub_target))
        if self.slider.isSliderDown():
            if not self._scrub_timer.isActive():
                self._scrub_timer.start()
        else:  # a click on the track or a key: one step, seek now
            self._scrub()

    def _slider_released(self) -> None:
        self._scrub_timer.stop()
        self._scrub()

    def _scrub(self) -> None:
        target, self._scrub_target = self._scrub_target, None
        if target is not None:
            self.seek(target)

    def _incident_chosen(self, index: int) -> None:
        incident_id = self.incident_combo.itemData(index)
        self.incident_combo.setCurrentIndex(0)
        if incident_id:
            self.jump_to(str(incident_id))
