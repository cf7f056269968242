"""Shared test set-up: Qt offscreen, settings and caches in throw-away directories."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _private_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITROOM_CONFIG", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Generated kits go to a throw-away cache, never the user's."""
    os.environ["SITROOM_CACHE"] = str(tmp_path_factory.mktemp("cache"))
