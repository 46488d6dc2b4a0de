"""Signing out ends the session on the server: a copy of the cookie taken before no longer signs
in, neither pages nor the console socket. Administrators sign an operator out everywhere;
removing an account or setting its password does it too."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from bluezone.storage.database import Database
from signage.accounts.sessions import TOUCH_EVERY, SessionStore
from signage.cli import main
from signage.web.socket import CONSOLE, SWEEP_EVERY, ConsoleSockets, socketio
from tests.signage.console.conftest import PASSWORD, Login, console_of


@pytest.fixture
def console_settings(console_settings: dict[str, Any], database: Database) -> dict[str, Any]:
    """These tests run on both engines: the console's database is the engine's."""
    return {**console_settings, "DATABASE": database.url or str(database.path)}


COOKIE = "signage_session"
EN = {"Accept-Language": "en"}


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of `client`'s session cookie (and its CSRF header)."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    thief.environ_base.update(client.environ_base)
    return thief


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/console/")
    if response.status_code == 303:
        assert response.headers["Location"].startswith("/console/login")
        return False
    assert response.status_code == 200
    return True


def test_a_cookie_copied_before_sign_out_no_longer_signs_in(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, "editor")
    thief = copy_of(app, client)
    assert signed_in(thief)
    assert client.post("/console/logout").status_code == 303
    assert not signed_in(client)
    assert not signed_in(thief)
    # Nor can it change anything (its CSRF token is still the right one for that cookie).
    response = thief.post(
        "/console/emergency",
        data={"target": "group:lobby", "headline-vi": "Giả", "until": "+1h"},
    )
    assert response.status_code == 303 and "/console/login" in response.headers["Location"]
    assert console_of(app).sessions.count("editor", 0.0) == 0


def test_signing_out_ends_only_this_session(app: Flask, login: Login) -> None:
    office, phone = app.test_client(), app.test_client()
    login(office, "editor")
    login(phone, "editor")
    phone.post("/console/logout")
    assert not signed_in(phone)
    assert signed_in(office)


def test_signing_in_again_ends_the_session_the_browser_had(app: Flask, login: Login) -> None:
    client = app.test_client()
    login(client, "editor")
    before = copy_of(app, client)
    login(client, "viewer")
    assert not signed_in(before)
    assert "viewer" in client.get("/console/").get_data(as_text=True)


def test_admin_signs_an_operator_out_everywhere(app: Flask, login: Login) -> None:
    office, phone, admin = app.test_client(), app.test_client(), app.test_client()
    login(office, "editor")
    login(phone, "editor")
    login(admin, "admin")
    page = admin.get("/console/operators", headers=EN).get_data(as_text=True)
    assert "Signed in on 2 browsers" in page
    assert "/console/operators/editor/signout" in page
    response = admin.post("/console/operators/editor/signout", headers=EN, follow_redirects=True)
    assert "editor is signed out everywhere." in response.get_data(as_text=True)
    assert not signed_in(office) and not signed_in(phone)
    assert signed_in(admin)
    entry = console_of(app).audit.entries()[0]
    assert (entry.actor, entry.action, entry.target, entry.detail) == (
        "admin",
        "operator.signout",
        "editor",
        "2 sessions",
    )
    # The password still works.
    login(office, "editor")


def test_admin_signing_themselves_out_everywhere_goes_to_sign_in(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, "admin")
    response = client.post("/console/operators/admin/signout")
    assert response.status_code == 303 and response.headers["Location"] == "/console/login"
    assert not signed_in(client)


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_only_admins_sign_others_out(app: Flask, login: Login, who: str) -> None:
    victim, client = app.test_client(), app.test_client()
    login(victim, "admin")
    login(client, who)
    assert client.post("/console/operators/admin/signout").status_code == 403
    assert signed_in(victim)


def test_a_new_account_of_a_removed_name_gets_none_of_its_sessions(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, "viewer")
    kept = copy_of(app, client)
    operators = console_of(app).operators
    operators.remove("viewer")
    operators.add("viewer", "admin", (), "someone else's password")
    assert not signed_in(kept)


def test_a_new_password_ends_every_session(app: Flask, client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    console_of(app).operators.set_password("viewer", "a brand new password")
    assert console_of(app).sessions.count("viewer", 0.0) == 0
    assert not signed_in(client)


def test_command_line_signs_out_everywhere(app: Flask, client: FlaskClient, login: Login) -> None:
    login(client, "editor")
    runner: FlaskCliRunner = app.test_cli_runner()
    result = runner.invoke(main, ["operators", "signout", "Editor"])
    assert result.exit_code == 0, result.output
    assert "signed editor out everywhere (1 sessions ended)" in result.output
    assert not signed_in(client)
    entry = console_of(app).audit.entries()[0]
    assert entry.action == "operator.signout" and entry.actor.startswith("cli:")
    result = runner.invoke(main, ["operators", "signout", "ghost"])
    assert result.exit_code != 0 and "no operator is called 'ghost'" in result.output


def test_a_signed_out_session_cannot_open_the_console_socket(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, "viewer")
    thief = copy_of(app, client)
    before = socketio.test_client(app, namespace=CONSOLE, flask_test_client=thief)
    assert before.is_connected(CONSOLE)
    before.disconnect(namespace=CONSOLE)
    client.post("/console/logout")
    after = socketio.test_client(app, namespace=CONSOLE, flask_test_client=thief)
    assert not after.is_connected(CONSOLE)


def test_a_socket_of_an_operator_signed_out_everywhere_is_refused(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, "editor")
    console_of(app).sessions.end_all("editor")
    socket = socketio.test_client(app, namespace=CONSOLE, flask_test_client=client)
    assert not socket.is_connected(CONSOLE)


# -- the store ---------------------------------------------------------------------------


def test_a_session_unused_for_its_lifetime_is_over(database: Database) -> None:
    store = SessionStore(database, lifetime=3600)
    token = store.start("lan", 1000.0)
    assert store.operator_of(token, 1000.0 + 3599) == "lan"
    # Each use renews it (at most every TOUCH_EVERY seconds).
    assert store.operator_of(token, 1000.0 + 3599 + 3599) == "lan"
    assert store.operator_of(token, 1000.0 + 3599 + 3599 + 3600) is None
    assert store.operator_of("not a token", 1000.0) is None


def test_uses_close_together_do_not_write(database: Database) -> None:
    store = SessionStore(database, lifetime=3600)
    token = store.start("lan", 1000.0)
    store.operator_of(token, 1000.0 + TOUCH_EVERY - 1)
    # Not renewed by the use above: still counted from the start.
    assert store.operator_of(token, 1000.0 + 3600) is None


def test_only_a_digest_of_the_token_is_stored(database: Database) -> None:
    store = SessionStore(database, lifetime=3600)
    token = store.start("lan", 1000.0)
    with database.transaction() as db:
        (stored,) = db.execute("SELECT id FROM console_sessions").fetchone()
    assert token not in stored and len(stored) == 64


def test_end_and_end_all(database: Database) -> None:
    store = SessionStore(database, lifetime=3600)
    first, second = store.start("lan", 1.0), store.start("lan", 2.0)
    other = store.start("minh", 3.0)
    assert store.end(first) is True and store.end(first) is False
    assert store.operator_of(second, 4.0) == "lan"
    assert store.end_all(" LAN ") == 1
    assert store.operator_of(second, 4.0) is None
    assert store.operator_of(other, 4.0) == "minh"
    assert store.count("minh", 4.0) == 1


def test_sign_in_page_of_a_copied_cookie_after_sign_out(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    """The sign-in page shown to a copy of a signed-out cookie is the plain form, and
    signing in from it opens a new session of its own."""
    login(client, "editor")
    thief = copy_of(app, client)
    client.post("/console/logout")
    page = thief.get("/console/login")
    assert page.status_code == 200
    thief.environ_base.pop("HTTP_X_CSRF_TOKEN", None)
    login(thief, "editor", PASSWORD)
    assert signed_in(thief) and not signed_in(client)


# -- console sockets already open when their session ends --------------------------------


@pytest.mark.parametrize("how", ["sign-out", "everywhere", "password", "removal"])
def test_an_open_console_socket_is_closed_when_its_session_ends(
    app: Flask, client: FlaskClient, login: Login, how: str
) -> None:
    login(client, "viewer")
    thief = copy_of(app, client)
    stolen = socketio.test_client(app, namespace=CONSOLE, flask_test_client=thief)
    other = app.test_client()
    login(other, "admin")
    kept = socketio.test_client(app, namespace=CONSOLE, flask_test_client=other)
    assert stolen.is_connected(CONSOLE) and kept.is_connected(CONSOLE)
    services = console_of(app)
    if how == "sign-out":
        client.post("/console/logout")
    elif how == "everywhere":
        other.post("/console/operators/viewer/signout")
    elif how == "password":
        services.operators.set_password("viewer", "a brand new password")
    else:
        services.operators.remove("viewer")
    app.extensions["signage.background"].run_once(time.time())
    assert not stolen.is_connected(CONSOLE)
    assert kept.is_connected(CONSOLE)
    kept.disconnect(namespace=CONSOLE)


def test_console_sockets_are_looked_at_every_few_seconds() -> None:
    sockets = ConsoleSockets()
    state = {"open": True}
    sockets.add("a", lambda now: state["open"])
    sockets.add("b", lambda now: True)
    assert sockets.ended(100.0) == []
    state["open"] = False
    assert sockets.ended(100.0 + SWEEP_EVERY - 0.5) == []
    assert sockets.ended(100.0 + SWEEP_EVERY) == ["a"]
    sockets.remove("a")
    assert sockets.ended(100.0 + 2 * SWEEP_EVERY) == []
