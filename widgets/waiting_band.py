"""The calls waiting for acknowledgement, as chips: most urgent first, flowing in rows, each with its priority
(number and colour), type, how long it has waited and where. A chip is small, so a dozen waiting calls fit
where a table would show four; clicking one selects it, N takes the most urgent."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets

from sitroom.resources import palette
from sitroom.services.incidents.model import Incident
from sitroom.widgets import labels

_GAP = 4
_PAD_X = 6


@dataclass(frozen=True)
class _Chip:
    incident: str
    priority: int
    text: str
    waited_s: float


class WaitingBand(QtWidgets.QWidget):
    selected = QtCore.Signal(object)  # incident id

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitingBand")
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # N and the mouse choose here; Tab goes past it
        self.chips: list[_Chip] = []
        self.current: str | None = None
        self._rects: list[QtCore.QRect] = []
        self._max_height = 10_000

    # ------------------------------------------------------------ contents

    def show_calls(self, calls: list[Incident], now_ms: int) -> None:
        self.chips = [_Chip(i.id, i.priority, self._text(i, now_ms), i.age_s(now_ms)) for i in calls]
        self._layout()
        self.update()

    def _text(self, inc: Incident, now_ms: int) -> str:
        # The dong (the last word of "유성구 봉명동 · 대학로 / 계룡로"): enough to tell two calls apart at a glance.
        where = inc.place.split(" · ")[0].split()[-1] if inc.place else ""
        parts = [f"P{inc.priority}", labels.incident_type(inc.type), labels.duration(inc.age_s(now_ms))]
        return " · ".join(parts + ([where] if where else []))

    @property
    def ids(self) -> list[str]:
        return [c.incident for c in self.chips]

    def set_max_height(self, height: int) -> None:
        self._max_height = max(height, self._row_h())
        self._layout()

    def _row_h(self) -> int:
        return self.fontMetrics().height() + 8

    def _chip_w(self) -> int:
        # Wide enough for the usual chip; a longer text is elided rather than widening every chip.
        return self.fontMetrics().horizontalAdvance("P1 · traffic accident · 10:00 · 신탄진동") // 1 + 2 * _PAD_X

    def _layout(self) -> None:
        row_h, chip_w = self._row_h(), self._chip_w()
        per_row = max(1, (max(self.width(), chip_w) + _GAP) // (chip_w + _GAP))
        rows = math.ceil(len(self.chips) / per_row) if self.chips else 0
        self._rects = [QtCore.QRect((i % per_row) * (chip_w + _GAP), (i // per_row) * (row_h + _GAP), chip_w, row_h)
                       for i in range(len(self.chips))]
        height = min(rows * (row_h + _GAP), self._max_height) if rows else 0
        self.setFixedHeight(height)

    def resizeEvent(self, ev: QtGui.QResizeEvent) -> None:
        super().resizeEvent(ev)
        if ev.size().width() != ev.oldSize().width():
            self._layout()

    def visible_ids(self) -> list[str]:
        """The calls whose chip is wholly on screen."""
        if not self.isVisible():
            return []
        box = self.rect()
        return [c.incident for c, r in zip(self.chips, self._rects, strict=True) if box.contains(r)]

    # ------------------------------------------------------------ drawing and clicks

    def paintEvent(self, ev: QtGui.QPaintEvent) -> None:
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        fm = self.fontMetrics()
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        hidden = 0
        for chip, r in zip(self.chips, self._rects, strict=True):
            if not self.rect().contains(r):
                hidden += 1
                continue
            colour = QtGui.QColor(palette.PRIORITY[chip.priority])
            p.setPen(QtGui.QPen(QtGui.QColor(palette.SELECTION), 3) if chip.incident == self.current
                     else QtCore.Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawRoundedRect(QtCore.QRectF(r).adjusted(1, 1, -1, -1), 4, 4)
            p.setPen(QtGui.QColor(palette.PRIORITY_TEXT[chip.priority]))
            p.setFont(bold if chip.priority <= 2 else self.font())
            text = fm.elidedText(chip.text, QtCore.Qt.TextElideMode.ElideRight, r.width() - 2 * _PAD_X)
            p.drawText(r.adjusted(_PAD_X, 0, -_PAD_X, 0), QtCore.Qt.AlignmentFlag.AlignVCenter, text)
        if hidden:  # more than fit: say how many, over the last visible row's end
            p.setFont(bold)
            p.setPen(QtGui.QColor(palette.UI["bad"]))
            p.drawText(self.rect().adjusted(0, 0, -4, 0), QtCore.Qt.AlignmentFlag.AlignRight
                       | QtCore.Qt.AlignmentFlag.AlignBottom, self.tr("+{0} more").format(hidden))
        p.end()

    def mousePressEvent(self, ev: QtGui.QMouseEvent) -> None:
        for chip, r in zip(self.chips, self._rects, strict=True):
            if r.contains(ev.position().toPoint()):
                self.selected.emit(chip.incident)
                return
        super().mousePressEvent(ev)

    def set_current(self, incident_id: str | None) -> None:
        if incident_id != self.current:
            self.current = incident_id
            self.update()
