"""Banners over the map: across the top, what the room must not miss (calls waiting, the CAD down, feeds
down, data only last-known), one row each; along the bottom, notes about the map itself (a kit that covers
only part of its area). Over the map, never in a dock someone may have closed or tabbed away."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

_MAX_WIDTH = 900
_MARGIN = 12
_BOTTOM_CLEARANCE = 40  # leaves the scale bar (bottom left, drawn by the canvas) uncovered


class MapBanner(QtWidgets.QLabel):
    """One banner row: hidden while it has nothing to say."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapBanner")
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def show_message(self, text: str, level: str = "bad") -> None:
        """``level``: "bad" (red), "warn" (amber) or "info"; an empty text hides the row."""
        changed = False
        if not text:
            changed = not self.isHidden()
            self.hide()
        else:
            if self.text() != text or self.property("level") != level:
                self.setText(text)
                self.setProperty("level", level)
                self.style().polish(self)
                changed = True
            if self.isHidden():
                self.show()
                changed = True
        stack = self.parentWidget()
        if changed and isinstance(stack, MapBanners):
            stack.relayout()


class MapBanners(QtWidgets.QWidget):
    """Rows of banners centred over the top (or the bottom) of ``parent``, in the order they were made."""

    def __init__(self, parent: QtWidgets.QWidget, *, bottom: bool = False) -> None:
        super().__init__(parent)
        self.bottom = bottom
        self.setObjectName("mapBanners")  # transparent in the theme: only its rows have a background
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.rows: dict[str, MapBanner] = {}
        parent.installEventFilter(self)
        self.hide()

    def row(self, key: str) -> MapBanner:
        if key not in self.rows:
            banner = MapBanner(self)
            self.rows[key] = banner
            self.layout().addWidget(banner)
        return self.rows[key]

    def relayout(self) -> None:
        visible = any(not b.isHidden() for b in self.rows.values())
        if not visible:
            self.hide()
            return
        p = self.parentWidget()
        self.setFixedWidth(max(min(p.width() - 40, _MAX_WIDTH), 200))
        for banner in self.rows.values():
            banner.setFixedWidth(self.width())
        self.adjustSize()
        y = p.height() - self.height() - _BOTTOM_CLEARANCE if self.bottom else _MARGIN
        self.move((p.width() - self.width()) // 2, y)
        self.show()
        self.raise_()

    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:
        # Also while the window is not shown yet: a note set before then is placed by the sizes the map gets.
        if ev.type() == QtCore.QEvent.Type.Resize and any(not b.isHidden() for b in self.rows.values()):
            self.relayout()
        return False
