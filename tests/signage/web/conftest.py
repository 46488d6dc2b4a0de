"""An app with its own playlists and database, no background loop, for the socket tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from signage import create_app
from tests.signage.serverkit import make_playlists

TOKEN = "s3cret-token"
"""The bearer token of the override API in these apps."""


@pytest.fixture
def playlists(tmp_path: Path) -> Path:
    return make_playlists(tmp_path / "playlists")


@pytest.fixture
def app(tmp_path: Path, playlists: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "PLAYLISTS_DIR": str(playlists),
            "DATABASE": str(tmp_path / "signage.sqlite3"),
            "API_TOKEN": TOKEN,
            "BACKGROUND": False,
        }
    )
