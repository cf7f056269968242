"""Settings, journals, kits and caches go to the XDG base directories, never next to the code."""

from __future__ import annotations

from pathlib import Path

from sitroom.services import dirs

ROOT = Path(__file__).resolve().parents[2]


def test_xdg_defaults(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "home"))
    assert dirs.config_dir({}) == tmp_path / "home" / ".config" / "sitroom"
    assert dirs.data_dir({}) == tmp_path / "home" / ".local" / "share" / "sitroom"
    assert dirs.cache_dir({}) == tmp_path / "home" / ".cache" / "sitroom"
    env = {"XDG_CONFIG_HOME": "/x/c", "XDG_DATA_HOME": "/x/d", "XDG_CACHE_HOME": "/x/k"}
    assert dirs.config_dir(env) == Path("/x/c/sitroom")
    assert dirs.journals_dir(env) == Path("/x/d/sitroom/journals")
    assert dirs.kits_dir(env) == Path("/x/d/sitroom/kits")
    assert dirs.cache_dir(env) == Path("/x/k/sitroom")
    # A relative XDG path is invalid by the specification and ignored.
    assert dirs.data_dir({"XDG_DATA_HOME": "rel"}) == tmp_path / "home" / ".local" / "share" / "sitroom"


def test_sitroom_overrides() -> None:
    assert dirs.config_dir({"SITROOM_CONFIG": "/seat"}) == Path("/seat")
    assert dirs.data_dir({"SITROOM_CONFIG": "/seat"}) == Path("/seat")  # one seat, one folder
    assert dirs.data_dir({"SITROOM_CONFIG": "/seat", "SITROOM_DATA": "/d"}) == Path("/d")
    assert dirs.cache_dir({"SITROOM_CACHE": "/c", "XDG_CACHE_HOME": "/x"}) == Path("/c")


def test_state_files_of_an_earlier_version_stay_where_they_are(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "c"), "XDG_DATA_HOME": str(tmp_path / "d")}
    assert dirs.state_file("audit.sqlite", env) == tmp_path / "d" / "sitroom" / "audit.sqlite"
    old = tmp_path / "c" / "sitroom" / "audit.sqlite"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"")
    assert dirs.state_file("audit.sqlite", env) == old


def test_the_code_keeps_nothing_beside_itself() -> None:
    """No default path of the app is built from a module's own location (``__file__``) except to read."""
    offenders = []
    for folder in ("app", "services", "widgets", "layers"):
        for path in (ROOT / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if "__file__" in line and "read" not in line and "_GENERATORS" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == [], offenders


def test_import_dialog_builds_kits_in_the_data_directory(monkeypatch, tmp_path: Path) -> None:
    from sitroom.widgets.import_dialog import default_kits_dir

    monkeypatch.delenv("SITROOM_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_kits_dir() == tmp_path / "sitroom" / "kits"
