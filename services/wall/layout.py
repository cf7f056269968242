"""A wall's layout file (TOML): its screens, its presets (which views where) and the rules that switch them.

Every mistake is refused with the file's name and the line it is on (``walls/room.toml:14: ...``), before a
window opens. The format is documented in docs/wall.md; resources/walls/ holds examples.

::

    title = "Disaster room"
    start = "normal"              # the preset shown at start, and returned to

    [[screen]]
    name = "left"                 # this file's name for the screen
    output = 0                    # which screen: its index, or the name the system gives it ("HDMI-1")
    grid = [2, 2]                 # columns, rows of cells

    [[preset]]
    name = "normal"
      [[preset.view]]
      name = "city"               # rules and remote commands name views by this
      kind = "map"                # map, cctv, incidents, kpi, alarms, feeds
      screen = "left"
      at = [0, 0]                 # column, row of its top-left cell
      span = [1, 2]               # columns, rows it covers (default 1, 1)

    [[rule]]
    when = "p1-incident"          # p1-incident, alarm-flood or disaster
    map = "city"                  # zoom this map view to the incident
    cameras = "cams"              # fill this camera wall with the cameras that see it
    minutes = 10
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VIEW_KINDS = ("map", "cctv", "incidents", "kpi", "alarms", "feeds")
RULE_CAUSES = ("p1-incident", "alarm-flood", "disaster")
MAP_LAYERS = ("basemap", "traffic", "coverage", "routes", "pins", "cameras", "facilities", "incidents", "vehicles")
MAX_GRID = 8
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


class LayoutError(ValueError):
    """A layout file that cannot be used; ``line`` is 1-based (0 when the mistake has no one place)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class Screen:
    name: str
    output: int | str  # index into the system's screens, or the system's name for one
    columns: int
    rows: int


@dataclass(frozen=True)
class View:
    name: str
    kind: str
    screen: str
    column: int
    row: int
    columns: int = 1
    rows: int = 1
    # map
    center: tuple[float, float] | None = None  # lon, lat
    width_km: float | None = None
    layers: tuple[str, ...] | None = None  # None: every layer
    # cctv
    grid: int = 2
    cameras: tuple[str, ...] = ()
    title: str = ""


@dataclass(frozen=True)
class Preset:
    name: str
    views: tuple[View, ...]

    def view(self, name: str) -> View | None:
        return next((v for v in self.views if v.name == name), None)


@dataclass(frozen=True)
class Rule:
    when: str
    preset: str | None = None  # switch the whole wall to this preset
    map: str | None = None  # p1-incident: the map view to zoom to the incident
    cameras: str | None = None  # p1-incident: the camera wall to fill with the cameras that see it
    minutes: float | None = None  # at most this long (p1-incident: default 10)
    priority: int = 1  # p1-incident: incidents of this priority or more urgent
    width_km: float = 1.5  # p1-incident: the map's width around the incident
    line: int = 0


@dataclass(frozen=True)
class WallLayout:
    path: str
    title: str
    start: str
    screens: tuple[Screen, ...]
    presets: dict[str, Preset]
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def screen(self, name: str) -> Screen:
        return next(s for s in self.screens if s.name == name)

    @property
    def default(self) -> Preset:
        return self.presets[self.start]


# ---------------------------------------------------------------- where each key is (tomllib gives no places)


def _split_key(text: str) -> list[str]:
    parts, buf, quote = [], "", ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
            else:
                buf += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            parts.append(buf.strip())
            buf = ""
        else:
            buf += ch
    parts.append(buf.strip())
    return parts


def locate(text: str) -> dict[tuple, int]:
    """The line of every table and key of a TOML text: ``("preset", 1, "view", 0, "kind") -> 23``. Arrays of
    tables count from 0 within their parent; enough of TOML for layout files (no dotted keys across tables)."""
    lines: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    current: tuple = ()
    depth = 0  # inside a multi-line array or inline table: keys there are not the table's
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if '"' not in raw and "'" not in raw else raw.strip()
        if depth:
            depth += line.count("[") + line.count("{") - line.count("]") - line.count("}")
            depth = max(depth, 0)
            continue
        if line.startswith("[["):
            names = _split_key(line[2:line.index("]]")])
            parent = _resolve(names[:-1], counts)
            key = (*parent, names[-1])
            index = counts.get(key, -1) + 1
            counts[key] = index
            current = (*key, index)
            lines.setdefault(current, n)
            continue
        if line.startswith("["):
            names = _split_key(line[1:line.index("]")])
            current = (*_resolve(names[:-1], counts), names[-1])
            lines.setdefault(current, n)
            continue
        m = re.match(r'\s*("[^"]*"|[A-Za-z0-9_-]+)\s*=\s*(.*)$', line)
        if m:
            key = m.group(1).strip('"')
            lines[(*current, key)] = n
            rest = m.group(2)
            depth = max(rest.count("[") + rest.count("{") - rest.count("]") - rest.count("}"), 0)
    return lines


def _resolve(names: list[str], counts: dict[tuple, int]) -> tuple:
    """A header's parent path with the current index of every array of tables on the way."""
    path: tuple = ()
    for name in names:
        path = (*path, name)
        if path in counts:
            path = (*path, counts[path])
    return path


# ---------------------------------------------------------------- reading


class _Reader:
    def __init__(self, path: str, lines: dict[tuple, int]) -> None:
        self.path, self.lines = path, lines

    def line(self, where: tuple) -> int:
        while where:
            if where in self.lines:
                return self.lines[where]
            where = where[:-1]
        return 0

    def fail(self, where: tuple, message: str) -> LayoutError:
        return LayoutError(self.path, self.line(where), message)

    def keys(self, table: dict, where: tuple, allowed: tuple[str, ...], what: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail((*where, key), f"{what} has no setting {key!r} (it has: {', '.join(allowed)})")

    def get(self, table: dict, where: tuple, key: str, types: type | tuple, what: str, default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail(where, f"{what} needs {key!r}")
            return default
        value = table[key]
        if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
            raise self.fail((*where, key), f"{key} must be {_type_words(types)}, not true/false")
        if not isinstance(value, types):
            raise self.fail((*where, key), f"{key} must be {_type_words(types)}, not {value!r}")
        return value

    def name(self, table: dict, where: tuple, what: str) -> str:
        value = self.get(table, where, "name", str, what)
        if not _NAME_RE.fullmatch(value):
            raise self.fail((*where, "name"), f"name {value!r}: letters, digits, '-' or '_' (at most 40)")
        return value

    def pair(self, table: dict, where: tuple, key: str, what: str, default: tuple | None = None,
             lo: int = 0, hi: int = MAX_GRID) -> tuple[int, int] | None:
        value = table.get(key)
        if value is None:
            if default is None and key not in table:
                raise self.fail(where, f"{what} needs {key!r}")
            return default
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
            raise self.fail((*where, key), f"{key} must be two whole numbers [columns, rows], not {value!r}")
        if not all(lo <= v <= hi for v in value):
            raise self.fail((*where, key), f"{key} {value}: each between {lo} and {hi}")
        return int(value[0]), int(value[1])


def _type_words(types: type | tuple) -> str:
    names = {str: "text in quotes", int: "a whole number", float: "a number", list: "a list [..]", bool: "true/false"}
    ts = types if isinstance(types, tuple) else (types,)
    if int in ts and float in ts:
        ts = tuple(t for t in ts if t is not int)
    return " or ".join(dict.fromkeys(names.get(t, t.__name__) for t in ts))


def parse(text: str, path: str = "<layout>") -> WallLayout:
    """A layout from TOML text; :class:`LayoutError` names the line of the first mistake."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(m.group(1)) if m else 0
        raise LayoutError(path, line, f"not valid TOML: {message}"
                          + (f" (column {m.group(2)})" if m else "")) from None
    r = _Reader(path, locate(text))
    r.keys(doc, (), ("title", "start", "screen", "preset", "rule"), "the layout")
    title = r.get(doc, (), "title", str, "the layout", "SitRoom wall")

    raw_screens = r.get(doc, (), "screen", list, "the layout", None)
    if not raw_screens:
        raise LayoutError(path, 0, "no [[screen]]: a layout needs at least one screen")
    screens: list[Screen] = []
    for i, s in enumerate(raw_screens):
        where = ("screen", i)
        what = f"screen {i + 1}"
        r.keys(s, where, ("name", "output", "grid"), what)
        name = r.name(s, where, what)
        if any(x.name == name for x in screens):
            raise r.fail((*where, "name"), f"two screens are named {name!r}")
        output = r.get(s, where, "output", (int, str), f"screen {name!r}", i)
        if isinstance(output, int) and not 0 <= output < 16:
            raise r.fail((*where, "output"), f"output {output}: a screen's index, 0 to 15")
        cols, rows = r.pair(s, where, "grid", f"screen {name!r}", (1, 1), lo=1)
        screens.append(Screen(name, output, cols, rows))
    screen_names = {s.name: s for s in screens}

    raw_presets = r.get(doc, (), "preset", list, "the layout", None)
    if not raw_presets:
        raise LayoutError(path, 0, "no [[preset]]: a layout needs at least one preset of views")
    presets: dict[str, Preset] = {}
    for i, p in enumerate(raw_presets):
        where = ("preset", i)
        r.keys(p, where, ("name", "view"), f"preset {i + 1}")
        name = r.name(p, where, f"preset {i + 1}")
        if name in presets:
            raise r.fail((*where, "name"), f"two presets are named {name!r}")
        views = [_view(r, v, (*where, "view", j), screen_names) for j, v in
                 enumerate(r.get(p, where, "view", list, f"preset {name!r}", []))]
        if not views:
            raise r.fail(where, f"preset {name!r} has no [[preset.view]]")
        _check_cells(r, where, name, views, screen_names)
        presets[name] = Preset(name, tuple(views))

    start = r.get(doc, (), "start", str, "the layout", next(iter(presets)))
    if start not in presets:
        raise r.fail(("start",), f"start = {start!r}: no such preset (there are: {', '.join(presets)})")

    rules = [_rule(r, rule, ("rule", i), presets) for i, rule in
             enumerate(r.get(doc, (), "rule", list, "the layout", []))]
    return WallLayout(path, title, start, tuple(screens), presets, tuple(rules))


def _view(r: _Reader, v: dict, where: tuple, screens: dict[str, Screen]) -> View:
    allowed = ("name", "kind", "screen", "at", "span", "center", "width_km", "layers", "grid", "cameras", "title")
    r.keys(v, where, allowed, "a view")
    kind = r.get(v, where, "kind", str, "a view")
    if kind not in VIEW_KINDS:
        raise r.fail((*where, "kind"), f"view kind {kind!r}: one of {', '.join(VIEW_KINDS)}")
    name = r.name(v, where, f"a {kind} view") if "name" in v else f"{kind}-{where[-1] + 1}"
    screen = r.get(v, where, "screen", str, f"view {name!r}", next(iter(screens)))
    if screen not in screens:
        raise r.fail((*where, "screen"), f"screen {screen!r}: no such [[screen]] (there are: {', '.join(screens)})")
    col, row = r.pair(v, where, "at", f"view {name!r}", (0, 0))
    cols, rows = r.pair(v, where, "span", f"view {name!r}", (1, 1), lo=1)
    s = screens[screen]
    if col + cols > s.columns or row + rows > s.rows:
        raise r.fail((*where, "at" if "at" in v else "span"),
                     f"view {name!r} at column {col}, row {row} spanning {cols}×{rows} does not fit screen "
                     f"{screen!r}'s {s.columns}×{s.rows} grid")
    kw: dict[str, Any] = {}
    for key, kinds in (("center", ("map",)), ("width_km", ("map",)), ("layers", ("map",)),
                       ("grid", ("cctv",)), ("cameras", ("cctv",))):
        if key in v and kind not in kinds:
            raise r.fail((*where, key), f"{key} is a setting of {' and '.join(kinds)} views, not of {kind}")
    if "center" in v:
        c = v["center"]
        if (not isinstance(c, list) or len(c) != 2 or not all(isinstance(x, int | float) and not isinstance(x, bool)
                                                              for x in c)
                or not (-180 <= c[0] <= 180 and -90 <= c[1] <= 90)):
            raise r.fail((*where, "center"), f"center must be [longitude, latitude] in degrees, not {c!r}")
        kw["center"] = (float(c[0]), float(c[1]))
    if "width_km" in v:
        w = r.get(v, where, "width_km", (int, float), f"view {name!r}")
        if not 0.05 <= w <= 2000:
            raise r.fail((*where, "width_km"), f"width_km {w}: between 0.05 and 2000")
        kw["width_km"] = float(w)
    if "layers" in v:
        layers = r.get(v, where, "layers", list, f"view {name!r}")
        for layer in layers:
            if layer not in MAP_LAYERS:
                raise r.fail((*where, "layers"), f"layer {layer!r}: one of {', '.join(MAP_LAYERS)}")
        kw["layers"] = tuple(layers)
    if "grid" in v:
        grid = r.get(v, where, "grid", int, f"view {name!r}")
        if not 1 <= grid <= 4:
            raise r.fail((*where, "grid"), f"grid {grid}: 1 to 4 (tiles per side)")
        kw["grid"] = grid
    if "cameras" in v:
        cams = r.get(v, where, "cameras", list, f"view {name!r}")
        if not all(isinstance(c, str) for c in cams) or len(cams) > 16:
            raise r.fail((*where, "cameras"), "cameras must be at most 16 camera ids in quotes")
        kw["cameras"] = tuple(cams)
    kw["title"] = r.get(v, where, "title", str, f"view {name!r}", "")
    return View(name, kind, screen, col, row, cols, rows, **kw)


def _check_cells(r: _Reader, where: tuple, preset: str, views: list[View], screens: dict[str, Screen]) -> None:
    taken: dict[tuple[str, int, int], str] = {}
    names: set[str] = set()
    for j, v in enumerate(views):
        if v.name in names:
            raise r.fail((*where, "view", j, "name"), f"preset {preset!r} has two views named {v.name!r}")
        names.add(v.name)
        for c in range(v.column, v.column + v.columns):
            for rw in range(v.row, v.row + v.rows):
                other = taken.get((v.screen, c, rw))
                if other is not None:
                    raise r.fail((*where, "view", j), f"view {v.name!r} overlaps view {other!r} on screen "
                                 f"{v.screen!r} (column {c}, row {rw})")
                taken[v.screen, c, rw] = v.name


def _rule(r: _Reader, rule: dict, where: tuple, presets: dict[str, Preset]) -> Rule:
    r.keys(rule, where, ("when", "preset", "map", "cameras", "minutes", "priority", "width_km"), "a rule")
    when = r.get(rule, where, "when", str, "a rule")
    if when not in RULE_CAUSES:
        raise r.fail((*where, "when"), f"when = {when!r}: one of {', '.join(RULE_CAUSES)}")
    preset = r.get(rule, where, "preset", str, f"rule {when!r}", None)
    if preset is not None and preset not in presets:
        raise r.fail((*where, "preset"), f"preset {preset!r}: no such preset (there are: {', '.join(presets)})")
    map_view = r.get(rule, where, "map", str, f"rule {when!r}", None)
    cameras = r.get(rule, where, "cameras", str, f"rule {when!r}", None)
    if (map_view or cameras) and when != "p1-incident":
        raise r.fail((*where, "map" if map_view else "cameras"),
                     f"map and cameras follow an incident: only a p1-incident rule has them, not {when!r}")
    for key, value, kind in (("map", map_view, "map"), ("cameras", cameras, "cctv")):
        if value is None:
            continue
        found = [p.view(value) for p in presets.values() if p.view(value) is not None]
        if not found:
            raise r.fail((*where, key), f"{key} = {value!r}: no preset has a view of that name")
        if any(v.kind != kind for v in found):
            raise r.fail((*where, key), f"{key} = {value!r} must name a {kind} view, not a {found[0].kind} view")
    if preset is None and map_view is None and cameras is None:
        raise r.fail(where, f"rule {when!r} does nothing: give preset = \"…\""
                     + (", or map/cameras" if when == "p1-incident" else ""))
    minutes = r.get(rule, where, "minutes", (int, float), f"rule {when!r}", 10 if when == "p1-incident" else None)
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise r.fail((*where, "minutes"), f"minutes {minutes}: more than 0, at most a day (1440)")
    priority = r.get(rule, where, "priority", int, f"rule {when!r}", 1)
    if not 1 <= priority <= 5 or ("priority" in rule and when != "p1-incident"):
        raise r.fail((*where, "priority"), "priority (1 to 5) is a setting of p1-incident rules")
    width = r.get(rule, where, "width_km", (int, float), f"rule {when!r}", 1.5)
    if not 0.05 <= width <= 200:
        raise r.fail((*where, "width_km"), f"width_km {width}: between 0.05 and 200")
    return Rule(when, preset, map_view, cameras, None if minutes is None else float(minutes), priority, float(width),
                r.line(where))


def load(path: Path | str) -> WallLayout:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LayoutError(str(path), 0, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LayoutError(str(path), 0, f"cannot read it: {exc}") from None
    return parse(text, str(path))
