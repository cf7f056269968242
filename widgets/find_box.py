"""The search box of the toolbar (Ctrl+L / Ctrl+F): candidates under it as one types, ↑/↓ to choose, Enter to
go there. What is searched is the caller's business (a function from text to candidates)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets


class Candidate(Protocol):
    kind: str
    name: str


class FindBox(QtWidgets.QLineEdit):
    chosen = QtCore.Signal(object)  # the candidate picked (Enter or a click)

    def __init__(self, search: Callable[[str], Sequence[Candidate]], describe: Callable[[str], str],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._search, self._describe = search, describe
        self.found: list[Candidate] = []
        self.popup = QtWidgets.QListWidget(self)  # owned by the box: never outlives it (or the application)
        self.popup.setWindowFlags(QtCore.Qt.WindowType.ToolTip)  # floats under the box, takes no focus
        self.popup.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.popup.itemClicked.connect(lambda item: self._choose(self.popup.row(item)))
        self.textEdited.connect(self._refresh)
        self.returnPressed.connect(lambda: self._choose(max(self.popup.currentRow(), 0)))

    def _refresh(self, text: str) -> None:
        self.found = list(self._search(text)) if text.strip() else []
        self.popup.clear()
        for c in self.found:
            self.popup.addItem(f"{c.name}  —  {self._describe(c.kind)}")
        if not self.found:
            self.popup.hide()
            return
        self.popup.setCurrentRow(0)
        width = max(self.width(), 420)
        rows = min(len(self.found), 10)
        self.popup.resize(width, rows * self.popup.sizeHintForRow(0) + 2 * self.popup.frameWidth())
        self.popup.move(self.mapToGlobal(QtCore.QPoint(0, self.height())))
        self.popup.show()

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        step = {QtCore.Qt.Key.Key_Down: 1, QtCore.Qt.Key.Key_Up: -1}.get(ev.key())
        if step is not None and self.popup.isVisible():
            self.popup.setCurrentRow(min(max(self.popup.currentRow() + step, 0), self.popup.count() - 1))
            return
        super().keyPressEvent(ev)

    def _choose(self, row: int) -> None:
        if not 0 <= row < len(self.found):
            return
        candidate = self.found[row]
        self.popup.hide()
        self.clear()
        self.found = []
        self.chosen.emit(candidate)

    def focusOutEvent(self, ev: QtGui.QFocusEvent) -> None:
        self.popup.hide()
        super().focusOutEvent(ev)

    def hideEvent(self, ev: QtGui.QHideEvent) -> None:
        self.popup.hide()
        super().hideEvent(ev)
