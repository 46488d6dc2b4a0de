"""Approving pairing codes and revoking credentials on the console's screens page."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.accounts.audit import AuditLog
from signage.live.enrollment import EnrollmentStore
from signage.live.hub import Hub
from signage.web.socket import NOT_ENROLLED, socketio
from tests.signage.console.conftest import Login

EN = {"Accept-Language": "en"}


def hub_of(app: Flask) -> Hub:
    found: Hub = app.extensions["signage"]
    return found


def store_of(app: Flask) -> EnrollmentStore:
    return hub_of(app).trust.store


def audited(app: Flask) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.target) for e in AuditLog(Path(app.config["DATABASE"])).entries()]


def test_the_board_says_who_is_enrolled_and_lists_codes(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    store = store_of(app)
    store.enroll("lobby-1", "admin")
    pairing = store.request("gate-1", "10.1.2.3")
    hub_of(app).reread_enrollment()
    login(client, "admin")
    page = client.get("/console/screens", headers=EN).get_data(as_text=True)
    assert 'data-screen="lobby-1" data-online="false" data-enrolled="true"' in page
    assert 'data-screen="lobby-2" data-online="false" data-enrolled="false"' in page
    assert f"waiting for approval (code {pairing.code})" in page
    assert "not enrolled" in page
    assert f'id="pairing-{pairing.code}" data-code="{pairing.code}" data-screen="gate-1"' in page
    assert "10.1.2.3" in page
    assert "/console/screens/lobby-1/revoke" in page
    # Approved but not collected yet: the screen picks it up at its next poll.
    store.approve(pairing.code, "admin")
    hub_of(app).reread_enrollment()
    approved = client.get("/console/screens", headers=EN).get_data(as_text=True)
    assert "approved, waiting for the screen" in approved
    assert f"waiting for approval (code {pairing.code})" not in approved
    # Viewers see who is enrolled, not the codes nor the buttons.
    viewer = app.test_client()
    login(viewer, "viewer")
    seen = viewer.get("/console/screens", headers=EN).get_data(as_text=True)
    assert 'data-enrolled="true"' in seen
    assert 'id="pairings"' not in seen
    assert 'action="/console/screens/lobby-1/revoke"' not in seen


def test_an_admin_approves_the_code_and_the_screen_collects(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    store = store_of(app)
    pairing = store.request("lobby-2", "10.1.2.3")
    login(client, "admin")
    response = client.post(
        "/console/screens/pairings/approve", data={"code": pairing.code.lower()}, headers=EN
    )
    assert response.status_code == 303
    page = client.get("/console/screens", headers=EN).get_data(as_text=True)
    assert f"The code {pairing.code} is approved" in page
    state = store.poll("lobby-2", pairing.secret)
    assert state.state == "enrolled"
    assert ("admin", "screen.approve", "lobby-2") in audited(app)


def test_an_unknown_code_enrolls_nothing(app: Flask, client: FlaskClient, login: Login) -> None:
    store_of(app).request("lobby-2")
    login(client, "admin")
    response = client.post("/console/screens/pairings/approve", data={"code": "AAAAAA"}, headers=EN)
    assert response.status_code == 303
    page = client.get("/console/screens", headers=EN).get_data(as_text=True)
    assert "No screen is waiting with the code AAAAAA" in page
    assert all(not p.approved for p in store_of(app).pending())


@pytest.mark.parametrize("who", ["viewer", "editor"])
def test_only_admins_approve_and_revoke(
    app: Flask, client: FlaskClient, login: Login, who: str
) -> None:
    store = store_of(app)
    pairing = store.request("lobby-2")
    store.enroll("lobby-1", "admin")
    login(client, who)
    approve = client.post("/console/screens/pairings/approve", data={"code": pairing.code})
    assert approve.status_code == 403
    assert client.post("/console/screens/lobby-1/revoke").status_code == 403
    assert not store.pending()[0].approved
    assert "lobby-1" in store.credentials()


def test_approve_and_revoke_need_the_csrf_token(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    store = store_of(app)
    pairing = store.request("lobby-2")
    store.enroll("lobby-1", "admin")
    login(client, "admin")
    client.environ_base.pop("HTTP_X_CSRF_TOKEN")
    approve = client.post("/console/screens/pairings/approve", data={"code": pairing.code})
    assert approve.status_code == 400
    assert client.post("/console/screens/lobby-1/revoke").status_code == 400
    assert not store.pending()[0].approved
    assert "lobby-1" in store.credentials()


def test_revoking_stops_believing_the_open_connection_at_once(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    token = store_of(app).enroll("lobby-1", "admin").token
    screen = socketio.test_client(app, auth={"screen": "lobby-1", "token": token})
    screen.get_received()
    report = {"item": None, "version": None, "width": 800, "height": 600}
    assert "now" in (screen.emit("heartbeat", report, callback=True) or {})
    login(client, "admin")
    assert client.post("/console/screens/lobby-1/revoke").status_code == 303
    assert screen.emit("heartbeat", report, callback=True) == {"error": NOT_ENROLLED}
    assert not hub_of(app).presence.get("lobby-1").sids
    # The next pass tells the screen, which pairs again.
    app.extensions["signage.background"].run_once(time.time())
    told = [m["args"][0] for m in screen.get_received() if m["name"] == "enrollment"]
    assert told == [{"enrolled": False, "refused": True}]
    assert ("admin", "screen.revoke", "lobby-1") in audited(app)
    screen.disconnect()
