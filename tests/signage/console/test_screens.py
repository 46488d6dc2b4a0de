"""The screens board, registering screens and their groups, and the console socket."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.catalog.loader import load_catalog
from signage.live.hub import Hub
from signage.web.socket import CONSOLE, socketio
from tests.signage.console.conftest import Login

EN = {"Accept-Language": "en"}


def hub_of(app: Flask) -> Hub:
    found: Hub = app.extensions["signage"]
    return found


def reload(app: Flask) -> None:
    """Apply the playlist directory as the watcher would."""
    hub_of(app).programme.reload()


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        (None, "/console/screens", 303),
        ("viewer", "/console/screens", 200),
        ("viewer", "/console/screens/register?id=kiosk-9", 403),
        ("editor", "/console/screens/register?id=kiosk-9", 403),
        ("admin", "/console/screens/register?id=kiosk-9", 200),
        ("editor", "/console/screens/lobby-1/groups", 403),
        ("admin", "/console/screens/lobby-1/groups", 200),
    ],
)
def test_who_sees_what(
    client: FlaskClient, login: Login, who: str | None, path: str, status: int
) -> None:
    if who:
        login(client, who)
    assert client.get(path, headers=EN).status_code == status


def test_board_lists_screens_and_strangers(client: FlaskClient, login: Login) -> None:
    client.get("/screen/kiosk-9")
    login(client, "admin")
    page = client.get("/console/screens", headers=EN).get_data(as_text=True)
    for text in ("Sảnh chờ 1", "Cạnh quầy vé", "Cửa ra 1", "kiosk-9", "Waiting to be registered"):
        assert text in page
    assert "/console/screens/register?id=kiosk-9" in page
    assert 'id="screen-lobby-1" data-screen="lobby-1" data-online="false"' in page


def test_board_in_vietnamese_by_default(client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    page = client.get("/console/screens").get_data(as_text=True)
    assert "Đang chờ đăng ký" in page and "Lần cuối liên lạc" in page
    assert "Register…" not in page


def test_admin_registers_a_stranger(app: Flask, client: FlaskClient, login: Login) -> None:
    playlists = Path(app.config["PLAYLISTS_DIR"])
    before = (playlists / "screens.yaml").read_text(encoding="utf-8")
    client.get("/screen/kiosk-9")
    login(client, "admin")
    response = client.post(
        "/console/screens/register",
        data={
            "id": "kiosk-9",
            "name": "Quầy vé 9",
            "location": "Cạnh cửa số 2",
            "groups": ["gate"],
            "languages": ["en"],
            "orientation": "portrait",
        },
        headers=EN,
    )
    assert response.status_code == 303
    after = (playlists / "screens.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)
    catalog = load_catalog(playlists).catalog
    assert catalog is not None
    screen = catalog.screens["kiosk-9"]
    assert (screen.groups, screen.languages, screen.orientation) == (
        ("gate",),
        ("vi", "en"),
        "portrait",
    )
    page = client.get("/console/screens", headers=EN).get_data(as_text=True)
    assert "Screen kiosk-9 is registered" in page
    audit = client.get("/console/audit", headers=EN).get_data(as_text=True)
    assert "screen.register" in audit and "kiosk-9" in audit
    reload(app)
    assert client.get("/screen/kiosk-9").status_code == 200


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"id": "Kiosk 9", "name": "Quầy", "groups": ["gate"]}, "lowercase letters a-z"),
        ({"id": "lobby-1", "name": "Quầy", "groups": ["gate"]}, "already registered"),
        ({"id": "kiosk-9", "name": "", "groups": ["gate"]}, "Give the screen a name"),
        ({"id": "kiosk-9", "name": "Quầy"}, "Choose at least one group"),
        ({"id": "kiosk-9", "name": "Quầy", "groups": ["nowhere"]}, "unknown group"),
    ],
)
def test_registration_errors_are_shown_and_nothing_is_written(
    app: Flask, client: FlaskClient, login: Login, form: dict[str, object], message: str
) -> None:
    playlists = Path(app.config["PLAYLISTS_DIR"])
    before = (playlists / "screens.yaml").read_text(encoding="utf-8")
    login(client, "admin")
    response = client.post("/console/screens/register", data=form, headers=EN)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert (playlists / "screens.yaml").read_text(encoding="utf-8") == before


def test_admin_sets_groups_with_a_main_group(app: Flask, client: FlaskClient, login: Login) -> None:
    login(client, "admin")
    response = client.post(
        "/console/screens/lobby-1/groups", data={"groups": ["lobby", "gate"], "main": "gate"}
    )
    assert response.status_code == 303
    catalog = load_catalog(Path(app.config["PLAYLISTS_DIR"])).catalog
    assert catalog is not None and catalog.screens["lobby-1"].groups == ("gate", "lobby")


def test_changes_are_audited(app: Flask, client: FlaskClient, login: Login) -> None:
    login(client, "admin")
    client.post("/console/screens/gate-1/groups", data={"groups": ["gate", "lobby"]})
    page = client.get("/console/audit", headers=EN).get_data(as_text=True)
    assert "screen.groups" in page and "gate-1" in page


def test_console_socket_needs_a_signed_in_session(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    anonymous = socketio.test_client(app, namespace=CONSOLE, flask_test_client=client)
    assert not anonymous.is_connected(CONSOLE)
    login(client, "viewer")
    signed_in = socketio.test_client(app, namespace=CONSOLE, flask_test_client=client)
    assert signed_in.is_connected(CONSOLE)
    (board,) = [m["args"][0] for m in signed_in.get_received(CONSOLE) if m["name"] == "board"]
    assert [r["id"] for r in board["screens"]] == ["lobby-1", "lobby-2", "gate-1"]
    signed_in.disconnect(namespace=CONSOLE)
    client.post("/console/logout")
    after = socketio.test_client(app, namespace=CONSOLE, flask_test_client=client)
    assert not after.is_connected(CONSOLE)
