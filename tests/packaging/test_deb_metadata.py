"""The .deb's control file, desktop entry, Depends and the normalisation that makes two builds agree."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import sitroom
from tests.packaging.builder_module import ROOT, load

builder = load()


def _fields(text: str) -> dict[str, str]:
    fields, key = {}, None
    for line in text.splitlines():
        if line.startswith(" "):
            fields[key] += "\n" + line
        else:
            key, _, value = line.partition(": ")
            fields[key] = value
    return fields


def test_the_version_lives_in_pyproject_only() -> None:
    project = builder.read_project()
    assert project["version"] == sitroom.__version__
    assert project["name"] == "sitroom"
    assert project["licence"] == "GPL-3.0-or-later" and (ROOT / "LICENSE").is_file()
    assert "<" in project["maintainer"] and "@" in project["maintainer"]


def test_control_file_has_the_fields_dpkg_wants() -> None:
    project = builder.read_project()
    text = builder.control_text(project, arch="amd64", installed_kib=401_234,
                                depends=["libc6 (>= 2.34)", "libxcb-cursor0", "libegl1"])
    fields = _fields(text)
    for key in ("Package", "Version", "Architecture", "Maintainer", "Installed-Size", "Depends", "Section",
                "Priority", "Description"):
        assert fields.get(key), key
    assert fields["Version"] == sitroom.__version__
    assert fields["Depends"] == "libc6 (>= 2.34), libxcb-cursor0, libegl1"
    assert fields["Installed-Size"] == "401234"
    assert text.endswith("\n") and "\n\n" not in text  # one paragraph
    summary, *long = fields["Description"].split("\n")
    assert summary == project["description"] and len(summary) < 120
    assert long and all(line.startswith(" ") and line.strip() for line in long)  # "." marks an empty line


def test_depends_are_dev_s_runtime_libraries() -> None:
    dev = builder.dev_packages()
    runtime = builder.runtime_packages()
    assert "libxcb-cursor0" in runtime and "libegl1" in runtime and "libxkbcommon-x11-0" in runtime
    for tool in ("xvfb", "xauth", "strace", "python3-gi", "gstreamer1.0-libav", "gir1.2-gst-rtsp-server-1.0",
                 "mosquitto", "binutils"):
        assert tool in dev and tool not in runtime
    assert all(p.startswith("lib") for p in runtime), runtime  # libraries only: no tool of ours is a Depends


def test_desktop_entry_installed_with_its_icon() -> None:
    entry = builder.desktop_entry((ROOT / "packaging" / "sitroom.desktop").read_text(encoding="utf-8"))
    lines = entry.splitlines()
    assert lines[0] == "[Desktop Entry]"
    keys = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    assert keys["Exec"].split()[0] == "sitroom" and keys["TryExec"] == "sitroom"
    assert keys["Icon"] == "sitroom" and keys["Type"] == "Application"
    categories = keys["Categories"].rstrip(";").split(";")
    # A main category of the menu specification, and Geography only with Science or Education beside it.
    assert {"Office", "Science"} & set(categories)
    assert "Geography" not in categories or {"Science", "Education"} & set(categories)
    assert len([line for line in lines if line.startswith("Icon=")]) == 1


def test_normalise_tree_gives_one_time_and_plain_modes(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    exe = tmp_path / "a" / "run"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o700)
    data = tmp_path / "a" / "b" / "data.txt"
    data.write_text("x")
    data.chmod(0o600)
    (tmp_path / "a" / "link").symlink_to("run")
    builder.normalise_tree(tmp_path, 1_700_000_000)
    for p in [tmp_path, *tmp_path.rglob("*")]:
        assert os.lstat(p).st_mtime == 1_700_000_000, p
    assert stat.S_IMODE(exe.stat().st_mode) == 0o755
    assert stat.S_IMODE(data.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o755
    assert os.readlink(tmp_path / "a" / "link") == "run"


def test_source_date_epoch_comes_from_the_environment_or_the_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    assert builder.source_date_epoch() == 1234567890
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert builder.source_date_epoch() > 1_500_000_000


def test_md5sums_list_every_file_but_the_control_ones(tmp_path: Path) -> None:
    (tmp_path / "DEBIAN").mkdir()
    (tmp_path / "DEBIAN" / "control").write_text("x")
    (tmp_path / "opt" / "s").mkdir(parents=True)
    (tmp_path / "opt" / "s" / "b").write_text("b")
    (tmp_path / "opt" / "s" / "a").write_text("a")
    (tmp_path / "opt" / "s" / "l").symlink_to("a")
    lines = builder.md5sums(tmp_path).splitlines()
    assert [line.split("  ")[1] for line in lines] == ["opt/s/a", "opt/s/b"]
    assert lines[0].split()[0] == "0cc175b9c0f1b6a831c399e269772661"


def test_icons_are_drawn_at_every_size(tmp_path: Path) -> None:
    from PySide6 import QtGui

    made = builder.render_icons(ROOT / "resources" / "icons" / "sitroom.svg", tmp_path)
    assert sorted(made) == [16, 24, 32, 48, 64, 128, 256, 512]
    for size, png in made.items():
        image = QtGui.QImage(str(png))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 2).alpha() == 255  # drawn, not blank
    again = builder.render_icons(ROOT / "resources" / "icons" / "sitroom.svg", tmp_path / "again")
    assert all(made[s].read_bytes() == again[s].read_bytes() for s in made)  # the same bytes each build
