"""Fixtures for console tests: an app on a temporary playlist directory and database, one
operator of each role, and signing a test client in.

A view test needs two lines::

    def test_viewers_see_the_playlists(client: FlaskClient, login: Login) -> None:
        login(client, "viewer")
        assert client.get("/console/playlists").status_code == 200

After `login`, every request of that client carries the CSRF token in the `X-CSRF-Token`
header, so POSTs pass the CSRF check; a fresh `app.test_client()` has no token (to test
refusals). The operators, all with the password `PASSWORD`:

| name     | role   | groups    |
|----------|--------|-----------|
| `admin`  | admin  | (all)     |
| `editor` | editor | `lobby`   |
| `viewer` | viewer | (none)    |

The playlist directory is `tests.signage.serverkit.make_playlists` (groups `lobby` and `gate`,
screens `lobby-1`, `lobby-2`, `gate-1`). Override `console_settings` in a test module to
change settings (e.g. `LOGIN_MAX_FAILURES`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage import create_app, services
from signage.accounts.operators import OperatorStore
from signage.console.extension import Console
from tests.signage.serverkit import make_playlists

PASSWORD = "correct horse battery staple"
OPERATORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin": ("admin", ()),
    "editor": ("editor", ("lobby",)),
    "viewer": ("viewer", ()),
}
# The cheapest scrypt cost the settings accept: tests sign in often.
TEST_SCRYPT_N = 1024

Login = Callable[..., str]


@pytest.fixture
def playlists(tmp_path: Path) -> Path:
    """The test playlist directory (`tests.signage.serverkit.make_playlists`)."""
    return make_playlists(tmp_path / "playlists")


@pytest.fixture
def console_settings(tmp_path: Path, playlists: Path) -> dict[str, Any]:
    """The `test_config` given to `create_app`: temporary files, no background loop, cheap
    password hashing. Override it in a module (or update it in a test before `app`)."""
    return {
        "TESTING": True,
        "PLAYLISTS_DIR": str(playlists),
        "DATABASE": str(tmp_path / "signage.sqlite3"),
        "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "BACKGROUND": False,
        "PASSWORD_SCRYPT_N": TEST_SCRYPT_N,
    }


@pytest.fixture
def app(console_settings: dict[str, Any]) -> Flask:
    """The signage app with the console, and the operators `admin`, `editor`, `viewer`."""
    built = create_app(console_settings)
    store = console_of(built).operators
    for name, (role, groups) in OPERATORS.items():
        store.add(name, role, groups, PASSWORD)
    return built


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of `app`, not signed in."""
    return app.test_client()


@pytest.fixture
def operators(app: Flask) -> OperatorStore:
    """The account store of `app` (to add operators or inspect them)."""
    return console_of(app).operators


@pytest.fixture
def login() -> Login:
    """`login(client, name, password=PASSWORD) -> csrf_token`: sign `client` in (asserts it
    worked) and make its later requests carry the CSRF header."""
    return sign_in


def console_of(app: Flask) -> Console:
    """The console services (operators, guard, audit) of `app`."""
    return services.console(app)


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session (made by loading the sign-in page if needed)."""
    with client.session_transaction() as session:
        token = session.get("csrf")
    if not token:
        client.get("/console/login")
        with client.session_transaction() as session:
            token = session.get("csrf")
    assert isinstance(token, str) and token
    return token


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> str:
    """Sign `client` in as `name` through the real form; return the session's new CSRF token,
    which is also sent as `X-CSRF-Token` on every later request of this client."""
    response = client.post(
        "/console/login",
        data={"name": name, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    token = csrf_token(client)
    client.environ_base["HTTP_X_CSRF_TOKEN"] = token
    return token
