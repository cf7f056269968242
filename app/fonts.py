"""Hangul on every machine: a system without a Korean font (a bare desktop, a disaster room's image) gets the
fonts an installed build carries (a Noto Sans CJK KR subset: packaging/build), registered with Qt at start."""

from __future__ import annotations

from sitroom import resources


def korean_families() -> list[str]:
    from PySide6 import QtGui

    return QtGui.QFontDatabase.families(QtGui.QFontDatabase.WritingSystem.Korean)


def ensure_hangul(*, force: bool = False) -> list[str]:
    """Register the bundled fonts when no font of the system writes Korean (or when ``force``); returns the
    problems met, each a sentence for the user (after a QGuiApplication exists)."""
    from PySide6 import QtGui

    if korean_families() and not force:
        return []
    bundled = resources.fonts()
    if not bundled:
        if resources.frozen_build():
            return [f"the Hangul fonts ({resources.path(resources.FONTS)}) are missing: Korean text shows as boxes"]
        return ["no font on this system writes Hangul: Korean text shows as boxes (Debian: apt-get install "
                "fonts-noto-cjk)"]
    problems = []
    for font in bundled:
        damage = resources.check([f"{resources.FONTS}/{font.name}"])
        if damage or QtGui.QFontDatabase.addApplicationFont(str(font)) < 0:
            why = damage[0].why if damage else "damaged: Qt cannot read it"
            problems.append(f"the Hangul font {font} is {why}")
    return problems
