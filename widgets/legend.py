"""Legends for the colours roads take on the map: traffic (speed against free flow) and coverage (minutes to
reach). Built from resources/palette.py's bands and drawn with the renderers' own pens, so a legend cannot
disagree with the map it explains."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QCoreApplication

from sitroom.resources import palette
from sitroom.services.store.kit import RoadClass
from sitroom.widgets.map.coverage_item import CoverageItem
from sitroom.widgets.map.drawing import cosmetic_pen
from sitroom.widgets.map.traffic_item import TrafficItem


@dataclass(frozen=True)
class Entry:
    colour: str | None  # None: not coloured on the map (the road keeps its plain colour)
    text: str
    pen: QtGui.QPen | None = None  # what the map draws this colour with


def _plain_road() -> QtGui.QPen:
    """An arterial as the night map draws it with no congestion on it."""
    return cosmetic_pen(palette.MAP_STYLE["night"]["road"][RoadClass.PRIMARY], palette.ROAD_WIDTH[RoadClass.PRIMARY])


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f}"


def traffic_entries() -> list[Entry]:
    """One entry per congestion band, slowest first, then the free-flowing roads left plain."""
    lows = [lo for lo, _ in palette.CONGESTION]
    highs = [*lows[1:], palette.CONGESTION_FREE_FROM]
    out = []
    for (lo, colour), hi in zip(palette.CONGESTION, highs, strict=True):
        text = (QCoreApplication.translate("Legend", "under {0}%").format(_pct(hi)) if lo <= 0
                else QCoreApplication.translate("Legend", "{0}–{1}%").format(_pct(lo), _pct(hi)))
        out.append(Entry(colour, text, TrafficItem.pen(colour)))
    free = QCoreApplication.translate("Legend", "{0}% or more: not coloured")
    out.append(Entry(None, free.format(_pct(palette.CONGESTION_FREE_FROM)), _plain_road()))
    return out


def coverage_entries(compact: bool = False) -> list[Entry]:
    """One entry per band of minutes to reach, quickest first; the last also holds the roads not reached.
    ``compact``: bare numbers ("≤ 2", "2–4", "> 7"), for a legend in one row whose caption says the rest."""
    out, lower = [], 0.0
    for upper, colour in palette.COVERAGE:
        if compact:
            text = (f"≤ {upper:g}" if lower <= 0 else f"> {lower:g}" if upper == float("inf")
                    else f"{lower:g}–{upper:g}")
        elif lower <= 0:
            text = QCoreApplication.translate("Legend", "up to {0:g} min").format(upper)
        elif upper == float("inf"):
            text = QCoreApplication.translate("Legend", "over {0:g} min or not reached").format(lower)
        else:
            text = QCoreApplication.translate("Legend", "{0:g}–{1:g} min").format(lower, upper)
        out.append(Entry(colour, text, CoverageItem.pen(colour)))
        lower = upper
    return out


class Swatch(QtWidgets.QWidget):
    """A short stretch of road drawn with the map's pen (colour, width and dashes), on the map's ground."""

    def __init__(self, pen: QtGui.QPen | None, length: float = 2.2, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.pen = pen
        h = self.fontMetrics().height()
        self.setFixedSize(int(h * length), h)  # ``length`` in text lines: long enough for the pen's dashes

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), QtGui.QColor(palette.UI["map_bg"]))
        if self.pen is not None:
            p.setPen(self.pen)
            y = self.height() / 2
            p.drawLine(QtCore.QPointF(2, y), QtCore.QPointF(self.width() - 2, y))
        p.end()


class Legend(QtWidgets.QWidget):
    """A caption, then a swatch and its meaning per entry in ``columns`` columns, then an optional note."""

    def __init__(self, caption: str, entries: list[Entry], columns: int = 1, swatch: float = 2.2,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legend")
        self.entries = entries
        self.caption = QtWidgets.QLabel(caption)
        self.caption.setObjectName("legendNote")
        self.caption.setWordWrap(True)
        grid = QtWidgets.QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        self.swatches: list[Swatch] = []
        self.labels: list[QtWidgets.QLabel] = []
        for i, entry in enumerate(entries):
            row, col = divmod(i, columns)
            sample = Swatch(entry.pen, swatch)
            label = QtWidgets.QLabel(entry.text)
            grid.addWidget(sample, row, 2 * col)
            grid.addWidget(label, row, 2 * col + 1)
            self.swatches.append(sample)
            self.labels.append(label)
        grid.setColumnStretch(2 * columns - 1, 1)
        self.note = QtWidgets.QLabel()
        self.note.setObjectName("legendNote")
        self.note.setWordWrap(True)
        self.note.hide()
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 4)
        box.setSpacing(3)
        box.addWidget(self.caption)
        box.addLayout(grid)
        box.addWidget(self.note)

    def set_note(self, text: str) -> None:
        """A line under the entries (empty: none)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))


def traffic_legend(parent: QtWidgets.QWidget | None = None) -> Legend:
    return Legend(QCoreApplication.translate("Legend", "Speed against free flow"), traffic_entries(), parent=parent)


def coverage_legend(parent: QtWidgets.QWidget | None = None) -> Legend:
    return Legend(QCoreApplication.translate("Legend", "Minutes to reach, dashed"), coverage_entries(), parent=parent)


def coverage_legend_row(parent: QtWidgets.QWidget | None = None) -> Legend:
    """The same in one row, for a panel that has no room for five lines."""
    caption = QCoreApplication.translate("Legend", "On the map, dashed: minutes to reach (the last colour also for "
                                                   "roads not reached)")
    return Legend(caption, coverage_entries(compact=True), columns=len(palette.COVERAGE), swatch=1.6,
                  parent=parent)


def coverage_over_traffic_note() -> str:
    """Said under the traffic legend while coverage is on the same roads."""
    return QCoreApplication.translate("Legend", "Coverage is on: its dashed colours are minutes to reach, not "
                                                "speed.")
