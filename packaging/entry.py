"""The frozen app's entry point: the `sitroom` command line (PyInstaller's script; not used in a venv)."""

from sitroom.app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
