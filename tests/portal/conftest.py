"""Fixtures for the portal: an app with its own database, a client, a CLI runner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from portal import create_app

PORTAL_HOST = "portal.test"
SECRET = "test-secret-key-that-is-long-enough"


def make_config(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """A test configuration writing only under ``tmp_path``."""
    return {
        "portal_url": f"http://{PORTAL_HOST}",
        "database": str(tmp_path / "portal.sqlite3"),
        "secret_key": SECRET,
        "event_flush_seconds": 0,
        "mac_lookup": False,
        **overrides,
    }


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests must not pick up a developer's PORTAL_* settings."""
    import os

    for name in list(os.environ):
        if name.startswith("PORTAL_"):
            monkeypatch.delenv(name)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    yield create_app(make_config(tmp_path))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def own(path: str = "/", **headers: str) -> dict[str, Any]:
    """Request arguments for the portal's own host."""
    return {"path": path, "headers": {"Host": PORTAL_HOST, **headers}}


def token_from(html: str) -> str:
    """The accept token in a rendered splash page."""
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "no token in the page"
    return match.group(1)


def accept(client: FlaskClient, environ: dict[str, str] | None = None, lang: str = "vi") -> None:
    """Walk splash and accept as the client with ``environ`` (e.g. REMOTE_ADDR)."""
    base = environ or {}
    page = client.get("/", headers={"Host": PORTAL_HOST}, environ_base=base)
    response = client.post(
        "/accept",
        data={"token": token_from(page.text), "lang": lang},
        headers={"Host": PORTAL_HOST},
        environ_base=base,
    )
    assert response.status_code == 303, response.text
