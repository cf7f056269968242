"""Wall layout files: the examples parse; every kind of mistake is refused naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitroom import resources
from sitroom.services.wall.layout import LayoutError, load, locate, parse

WALLS = Path(resources.__file__).parent / "walls"

GOOD = """\
title = "Test"
start = "a"

[[screen]]
name = "left"
grid = [2, 1]

[[screen]]
name = "right"
output = "HDMI-2"

[[preset]]
name = "a"
  [[preset.view]]
  name = "city"
  kind = "map"
  center = [127.38, 36.35]
  width_km = 12
  [[preset.view]]
  name = "cams"
  kind = "cctv"
  at = [1, 0]
  grid = 3
  [[preset.view]]
  kind = "kpi"
  screen = "right"

[[preset]]
name = "b"
  [[preset.view]]
  kind = "alarms"
  span = [2, 1]

[[rule]]
when = "p1-incident"
map = "city"
cameras = "cams"
minutes = 5

[[rule]]
when = "alarm-flood"
preset = "b"
"""


def test_examples_parse() -> None:
    files = sorted(WALLS.glob("*.toml"))
    assert len(files) >= 2
    for f in files:
        layout = load(f)
        assert layout.presets and layout.screens


def test_a_good_layout() -> None:
    layout = parse(GOOD, "good.toml")
    assert [s.name for s in layout.screens] == ["left", "right"]
    assert layout.screens[0].output == 0 and layout.screens[1].output == "HDMI-2"
    assert (layout.screens[0].columns, layout.screens[0].rows) == (2, 1)
    a = layout.presets["a"]
    assert [v.name for v in a.views] == ["city", "cams", "kpi-3"]
    assert a.view("city").center == (127.38, 36.35) and a.view("city").width_km == 12
    assert a.view("cams").grid == 3 and (a.view("cams").column, a.view("cams").row) == (1, 0)
    assert layout.rules[0].minutes == 5 and layout.rules[0].line == 34
    assert layout.rules[1].preset == "b" and layout.rules[1].minutes is None


def test_locate_counts_arrays_of_tables() -> None:
    lines = locate(GOOD)
    assert lines[("screen", 1, "output")] == 10
    assert lines[("preset", 0, "view", 1, "grid")] == 23
    assert lines[("preset", 1, "view", 0)] == 30
    assert lines[("rule", 1, "preset")] == 42


def _error(text: str) -> LayoutError:
    with pytest.raises(LayoutError) as info:
        parse(text, "wall.toml")
    return info.value


@pytest.mark.parametrize(("old", "new", "line", "words"), [
    ('kind = "kpi"', 'kind = "kpis"', 25, "view kind 'kpis': one of map, cctv"),
    ("grid = 3", "grid = 9", 23, "grid 9: 1 to 4"),
    ('at = [1, 0]', 'at = [2, 0]', 22, "does not fit screen 'left'"),
    ('at = [1, 0]', 'at = [0, 0]', 19, "overlaps view 'city'"),
    ('  screen = "right"', '  screen = "middle"', 26, "screen 'middle': no such [[screen]]"),
    ('start = "a"', 'start = "z"', 2, "start = 'z': no such preset"),
    ('map = "city"', 'map = "cams"', 36, "must name a map view, not a cctv view"),
    ('preset = "b"', 'preset = "c"', 42, "preset 'c': no such preset"),
    ('minutes = 5', 'minutes = -5', 38, "minutes -5"),
    ('when = "alarm-flood"', 'when = "flood"', 41, "when = 'flood': one of p1-incident, alarm-flood, disaster"),
    ('width_km = 12', 'width_km = "wide"', 18, "width_km must be a number"),
    ('grid = [2, 1]', 'grid = [2, "x"]', 6, "grid must be two whole numbers"),
    ('  grid = 3', '  grid = 3\n  colour = "red"', 24, "a view has no setting 'colour'"),
    ('center = [127.38, 36.35]', 'center = [36.35, 200]', 17, "center must be [longitude, latitude]"),
    ('name = "right"', 'name = "left"', 9, "two screens are named 'left'"),
    ('  kind = "kpi"', '  kind = "kpi"\n  grid = 2', 26, "grid is a setting of cctv views, not of kpi"),
])
def test_mistakes_name_their_line(old: str, new: str, line: int, words: str) -> None:
    assert old in GOOD
    err = _error(GOOD.replace(old, new, 1))
    assert words in err.message, err
    assert err.line == line, err
    assert str(err).startswith(f"wall.toml:{line}: ")


def test_toml_syntax_errors_carry_the_line() -> None:
    err = _error(GOOD.replace('grid = 3', 'grid = = 3'))
    assert err.line == 23 and "not valid TOML" in err.message


def test_missing_sections() -> None:
    assert "no [[screen]]" in _error('title = "x"\n').message
    assert "no [[preset]]" in _error('[[screen]]\nname = "a"\n').message
    err = _error('[[screen]]\nname = "a"\n[[preset]]\nname = "p"\n')
    assert err.line == 3 and "has no [[preset.view]]" in err.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="no such file"):
        load(tmp_path / "nope.toml")
