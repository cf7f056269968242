"""SitRoom's data files (styles, translations, sounds, response plans, icons; fonts in an installed build), and
a check that says which of them are missing or damaged, so an installation that lost one tells the user what
to reinstall instead of failing with a traceback."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent  # the folder of this package, in a venv and in an installed build alike

# Each data file the app reads, what it is for, and whether the app can start without it.
STYLE = "styles/dark.qss"
CHECK_MARK = "styles/check.svg"
TRANSLATION_KO = "i18n/sitroom_ko.qm"
CALL_ALERT = "sounds/call_alert.wav"
FACILITY_ALARM = "sounds/facility_alarm.wav"
RESPONSE_PLANS = "plans/response_plans.toml"
ICON = "icons/sitroom.svg"
FONTS = "fonts"  # an installed build's Hangul fonts (packaging/build); a venv uses the system's

_FILES = {
    STYLE: ("the window's style sheet", False),
    CHECK_MARK: ("the style's check mark", False),
    TRANSLATION_KO: ("the Korean translation", False),
    CALL_ALERT: ("the sound of a new call", False),
    FACILITY_ALARM: ("the sound of a facility alarm", False),
    RESPONSE_PLANS: ("the default response plans", True),
    ICON: ("the application icon", False),
}
_QM_MAGIC = bytes.fromhex("3cb86418caef9c95cd211cbf60a1bddd")


class ResourceError(OSError):
    """A data file the app cannot do without is missing or damaged."""


@dataclass(frozen=True)
class Problem:
    name: str  # relative to ROOT, e.g. "i18n/sitroom_ko.qm"
    what: str  # what it is for
    why: str  # "missing", "damaged: …"
    needed: bool  # the app cannot start without it

    def __str__(self) -> str:
        return f"{self.what} ({ROOT / self.name}) is {self.why}"


def frozen_build() -> bool:
    """An installed build (PyInstaller), which carries its own fonts and licences."""
    import sys

    return bool(getattr(sys, "frozen", False))


def path(name: str) -> Path:
    """The file ``name`` (e.g. ``styles/dark.qss``), whether or not it exists."""
    return ROOT / name


def _damage(name: str, data: bytes) -> str | None:
    """Why the content of ``name`` cannot be what it should be, or None."""
    if not data:
        return "empty"
    if name.endswith(".qm") and not data.startswith(_QM_MAGIC):
        return "not a Qt translation"
    if name.endswith(".wav") and not (data[:4] == b"RIFF" and data[8:12] == b"WAVE"):
        return "not a WAV sound"
    if name.endswith((".qss", ".svg", ".toml")):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        if name.endswith(".svg") and "<svg" not in text:
            return "not an SVG picture"
        if name.endswith(".toml"):
            try:
                tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                return f"not valid TOML ({exc})"
    if name.endswith((".otf", ".ttf")) and data[:4] not in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
        return "not a font"
    return None


def check(names: list[str] | None = None) -> list[Problem]:
    """The data files that are missing or damaged (every known one, or ``names``)."""
    problems = []
    for name in names if names is not None else list(_FILES):
        what, needed = _FILES.get(name, (name, False))
        try:
            data = (ROOT / name).read_bytes()
        except FileNotFoundError:
            problems.append(Problem(name, what, "missing", needed))
            continue
        except OSError as exc:
            problems.append(Problem(name, what, f"unreadable ({exc.strerror})", needed))
            continue
        why = _damage(name, data)
        if why:
            problems.append(Problem(name, what, f"damaged: {why}", needed))
    return problems


def read_text(name: str) -> str:
    """The text of a data file the app needs, or ResourceError saying which file and what to do."""
    problems = check([name])
    if problems:
        raise ResourceError(f"{problems[0]}; reinstall SitRoom")
    return (ROOT / name).read_text(encoding="utf-8")


def fonts() -> list[Path]:
    """The fonts an installed build carries (none in a venv)."""
    folder = ROOT / FONTS
    return sorted(p for p in folder.glob("*") if p.suffix in (".otf", ".ttf")) if folder.is_dir() else []
