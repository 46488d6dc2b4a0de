"""Emergency messages from the console: who may send where, validation, delivery, cancel."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bluezone.storage.database import Database
from signage.live.hub import Hub
from signage.web.socket import socketio
from tests.signage.console.conftest import Login
from tests.signage.serverkit import screen_auth


@pytest.fixture
def console_settings(console_settings: dict[str, Any], database: Database) -> dict[str, Any]:
    """These tests run on both engines: the console's database is the engine's."""
    return {**console_settings, "DATABASE": database.url or str(database.path)}


EN = {"Accept-Language": "en"}


def hub_of(app: Flask) -> Hub:
    found: Hub = app.extensions["signage"]
    return found


def form(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "target": ["group:lobby"],
        "headline-vi": "Sơ tán ngay",
        "body-vi": "Ra cửa gần nhất.",
        "headline-en": "Evacuate now",
        "body-en": "",
        "until": "+30m",
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("who", "target", "status", "message"),
    [
        ("viewer", ["group:lobby"], 403, "Not allowed"),
        ("editor", ["group:lobby"], 303, ""),
        ("editor", ["group:gate"], 403, "You may not send a message to Group Cửa ra"),
        ("editor", ["all"], 403, "You may not send a message to All screens"),
        ("editor", ["group:lobby", "group:gate"], 403, "Group Cửa ra"),
        ("admin", ["group:gate"], 303, ""),
        ("admin", ["all"], 303, ""),
    ],
)
def test_who_may_send_where(
    app: Flask,
    client: FlaskClient,
    login: Login,
    who: str,
    target: list[str],
    status: int,
    message: str,
) -> None:
    login(client, who)
    response = client.post("/console/emergency", data=form(target=target), headers=EN)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    stored = hub_of(app).overrides.active(time.time())
    if status == 303:
        assert [o.target for o in stored] == target
        assert all(o.source == "console" for o in stored)
    else:
        assert stored == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target": []}, "Choose the screens"),
        ({"headline-vi": "", "body-vi": "", "headline-en": ""}, "Write the message"),
        ({"until": ""}, "Say until when"),
        ({"until": "2020-01-01T10:00"}, "is already past"),
        ({"until": "tomorrow"}, "use a duration"),
        ({"target": ["group:nowhere"]}, "unknown group &#39;nowhere&#39;"),
    ],
)
def test_bad_drafts_are_explained_next_to_the_field(
    app: Flask, client: FlaskClient, login: Login, changes: dict[str, Any], message: str
) -> None:
    login(client, "admin")
    response = client.post("/console/emergency", data=form(**changes), headers=EN)
    assert response.status_code in (400, 403)
    page = response.get_data(as_text=True)
    assert message in page
    assert "Sơ tán ngay" in page or not changes.get("headline-vi", "x")
    assert hub_of(app).overrides.active(time.time()) == []


def test_sent_message_reaches_screens_and_is_audited_like_the_api(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    auth = screen_auth(Database.of(app.config["DATABASE"]), "lobby-1")
    screen = socketio.test_client(app, auth=auth)
    screen.get_received()
    login(client, "editor")
    assert client.post("/console/emergency", data=form()).status_code == 303
    (override,) = hub_of(app).overrides.active(time.time())
    pushed = [m["args"][0] for m in screen.get_received() if m["name"] == "override"]
    assert [p["id"] for p in pushed] == [override.id]
    assert pushed[0]["messages"]["vi"] == {"headline": "Sơ tán ngay", "body": "Ra cửa gần nhất."}
    (entry,) = hub_of(app).overrides.audit_log()
    assert (entry.action, entry.actor) == ("create", "console:editor")

    assert screen.emit("ack", {"override": override.id}, callback=True) == {"ok": True}
    page = client.get("/console/emergency", headers=EN).get_data(as_text=True)
    assert "1 of 2 screens show it" in page
    assert f'id="override-{override.id}"' in page

    response = client.post(f"/console/emergency/{override.id}/cancel", headers=EN)
    assert response.status_code == 303
    ended = [m["args"][0] for m in screen.get_received() if m["name"] == "override_end"]
    assert ended == [{"id": override.id}]
    assert hub_of(app).overrides.active(time.time()) == []
    audit = client.get("/console/audit", headers=EN).get_data(as_text=True)
    assert "override.send" in audit and "override.cancel" in audit
    screen.disconnect()


def test_editor_cannot_cancel_a_message_for_all_screens(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, "admin")
    client.post("/console/emergency", data=form(target=["all"]))
    (override,) = hub_of(app).overrides.active(time.time())
    client = app.test_client()
    login(client, "editor")
    page = client.get("/console/emergency", headers=EN).get_data(as_text=True)
    assert f"/console/emergency/{override.id}/cancel" not in page
    response = client.post(f"/console/emergency/{override.id}/cancel", headers=EN)
    assert response.status_code == 403
    assert "You may not cancel a message sent to All screens" in response.get_data(as_text=True)
    assert len(hub_of(app).overrides.active(time.time())) == 1


def test_compose_form_offers_only_the_editors_groups(client: FlaskClient, login: Login) -> None:
    login(client, "editor")
    page = client.get("/console/emergency").get_data(as_text=True)
    assert 'value="group:lobby">' in page
    assert 'value="group:gate" disabled>' in page
    assert 'value="all" disabled>' in page
    assert "không phải nhóm của bạn" in page


def test_viewers_see_messages_but_no_form(client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    page = client.get("/console/emergency", headers=EN).get_data(as_text=True)
    assert "On the screens now" in page and 'id="compose"' not in page


def test_preview_page_uses_the_players_rendering(client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    page = client.get("/console/emergency/preview").get_data(as_text=True)
    assert "override-view.js" in page and "player.css" in page and 'id="alert"' in page


def test_compose_offers_every_language_the_screens_show(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    screens = Path(app.config["PLAYLISTS_DIR"], "screens.yaml")
    screens.write_text(
        screens.read_text(encoding="utf-8").replace("languages: [vi]", "languages: [vi, ko]"),
        encoding="utf-8",
    )
    hub_of(app).programme.reload()
    login(client, "admin")
    page = client.get("/console/emergency").get_data(as_text=True)
    assert page.index('id="headline-vi"') < page.index('id="headline-en"')
    assert page.index('id="headline-en"') < page.index('id="headline-ko"')
    response = client.post(
        "/console/emergency", data=form(target=["group:gate"], **{"headline-ko": "대피하세요"})
    )
    assert response.status_code == 303
    (override,) = hub_of(app).overrides.active(time.time())
    assert set(override.messages) == {"vi", "en", "ko"}
