"""Banners over the map: across the top, what the room must not miss (feeds down, data only last-known);
along the bottom, notes about the map itself (a kit that covers only part of its area)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class MapBanner(QtWidgets.QLabel):
    """Hidden while all is well; over the map, never in a dock someone may have closed."""

    def __init__(self, parent: QtWidgets.QWidget, *, bottom: bool = False) -> None:
        super().__init__(parent)
        self.bottom = bottom
        self.setObjectName("mapBanner")
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()
        parent.installEventFilter(self)

    def show_message(self, text: str, level: str = "bad") -> None:
        if not text:
            self.hide()
            return
        if self.text() != text or self.property("level") != level:
            self.setText(text)
            self.setProperty("level", level)
            self.style().polish(self)
        self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        p = self.parentWidget()
        width = min(p.width() - 40, 900)
        self.setFixedWidth(max(width, 200))
        self.adjustSize()
        # The bottom note leaves the scale bar (bottom left, drawn by the canvas) uncovered.
        y = p.height() - self.height() - 40 if self.bottom else 12
        self.move((p.width() - self.width()) // 2, y)

    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:
        if ev.type() == QtCore.QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
