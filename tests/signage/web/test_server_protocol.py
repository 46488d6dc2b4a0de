"""The Socket.IO protocol and the HTTP edges, through the Flask and Flask-SocketIO test clients."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from signage import create_app
from signage.emergency.requests import parse_until
from signage.live.background import Background
from signage.live.hub import Hub
from signage.live.playlog import PlayError, parse_batch
from signage.web.api import MAX_BODY
from signage.web.socket import socketio
from tests.signage.serverkit import (
    playlist_yaml,
    screen_auth,
    write_atomically,
)
from tests.signage.web.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
Connect = Callable[[str], SocketIOTestClient]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def connect(app: Flask) -> Iterator[Connect]:
    opened: list[SocketIOTestClient] = []

    def open_screen(screen_id: str) -> SocketIOTestClient:
        database = Path(app.config["DATABASE"])
        socket = socketio.test_client(app, auth=screen_auth(database, screen_id))
        opened.append(socket)
        return socket

    yield open_screen
    for socket in opened:
        if socket.is_connected():
            socket.disconnect()


def hub(app: Flask) -> Hub:
    found: Hub = app.extensions["signage"]
    return found


def tick(app: Flask) -> None:
    """One pass of the background loop, as the server runs it every WATCH_INTERVAL."""
    background: Background = app.extensions["signage.background"]
    background.run_once(time.time())


def ack(socket: SocketIOTestClient, event: str, data: object) -> Any:
    """Emit `event` and return the server's acknowledgement."""
    reply = socket.emit(event, data, callback=True)
    assert reply is not None, f"no acknowledgement for {event}"
    return reply


def events(socket: SocketIOTestClient, name: str) -> list[Any]:
    return [message["args"][0] for message in socket.get_received() if message["name"] == name]


def test_unknown_screen_is_refused(connect: Connect) -> None:
    assert not connect("not-declared").is_connected()


def test_connect_sends_state_then_overrides(connect: Connect) -> None:
    socket = connect("lobby-1")
    received = socket.get_received()
    assert [m["name"] for m in received] == ["state", "overrides"]
    state = received[0]["args"][0]
    assert state["screen"]["id"] == "lobby-1"
    assert state["screen"]["languages"] == ["vi", "en"]
    assert [item["content"][0]["title"] for item in state["items"]] == ["Một", "Hai", "Ba"]
    assert state["epoch"] == 0
    assert abs(state["server_time"] - time.time() * 1000) < 5000
    assert received[1]["args"][0] == []


def test_clock_ack_returns_server_time(connect: Connect) -> None:
    reply = ack(connect("lobby-1"), "clock", {})
    assert abs(reply["now"] - time.time() * 1000) < 1000


@pytest.mark.parametrize(
    ("report", "error"),
    [
        ("text", "heartbeat must be an object"),
        ({"item": 5}, "heartbeat.item must be text"),
        ({"width": -3}, "heartbeat.width must be a positive whole number"),
        ({"height": True}, "heartbeat.height must be a positive whole number"),
        ({"version": ["x"]}, "heartbeat.version must be text"),
    ],
)
def test_malformed_heartbeat_is_answered_with_an_error(
    connect: Connect, report: object, error: str
) -> None:
    reply = ack(connect("lobby-1"), "heartbeat", report)
    assert error in reply["error"]


def test_status_api_reflects_heartbeats(connect: Connect, client: FlaskClient) -> None:
    socket = connect("lobby-2")
    report = {"item": "lobby-abc", "version": "v1", "width": 1080, "height": 1920}
    reply = ack(socket, "heartbeat", report)
    assert "now" in reply
    body = client.get("/api/screens").get_json()
    screens = {s["id"]: s for s in body["screens"]}
    assert set(screens) == {"lobby-1", "lobby-2", "gate-1"}
    assert screens["lobby-2"]["online"] is True
    assert screens["lobby-2"]["current_item"] == "lobby-abc"
    assert screens["lobby-2"]["playlist_version"] == "v1"
    assert screens["lobby-2"]["screen_size"] == {"width": 1080, "height": 1920}
    assert screens["lobby-1"]["online"] is False
    assert screens["lobby-1"]["last_seen"] is None
    assert body["catalog"]["problems"] == []
    socket.disconnect()
    after = {s["id"]: s for s in client.get("/api/screens").get_json()["screens"]}
    assert after["lobby-2"]["online"] is False
    assert after["lobby-2"]["last_seen"] is not None


def test_proof_of_play_is_stored(app: Flask, connect: Connect) -> None:
    socket = connect("gate-1")
    start = time.time() - 60
    records = [
        {"item": "gate-1a", "version": "v", "shown_at": start + 0.5, "duration": 3.0},
        {"item": "gate-1b", "version": "v", "shown_at": start + 3.5, "duration": 0},
    ]
    assert ack(socket, "played", records) == {"stored": 2}
    stored = hub(app).plays.recent("gate-1")
    assert [play.item for _, play in stored] == ["gate-1b", "gate-1a"]


@pytest.mark.parametrize(
    ("batch", "error"),
    [
        ({"item": "x"}, "must be a list"),
        ([{"item": "", "shown_at": 1, "duration": 1}], "record 0: item"),
        ([{"item": "x", "shown_at": -1, "duration": 1}], "record 0: shown_at"),
        ([{"item": "x", "shown_at": "now", "duration": "long"}], "record 0: duration"),
        (["x"], "record 0 must be an object"),
        ([{"item": "x", "shown_at": "now", "duration": 1e308}], "record 0: duration"),
        ([{"item": "x", "shown_at": "now", "duration": 86_401}], "record 0: duration"),
        ([{"item": "x", "shown_at": "now", "duration": float("nan")}], "record 0: duration"),
        ([{"item": "x", "shown_at": "now", "duration": float("inf")}], "record 0: duration"),
        ([{"item": "x", "shown_at": "now", "duration": -0.5}], "record 0: duration"),
        ([{"item": "x", "shown_at": float("nan"), "duration": 1}], "record 0: shown_at"),
        ([{"item": "x", "shown_at": 1e308, "duration": 1}], "record 0: shown_at"),
        ([{"item": "x", "shown_at": "a year ago", "duration": 1}], "record 0: shown_at"),
        ([{"item": "x", "shown_at": "in two days", "duration": 1}], "record 0: shown_at"),
        ([{"item": "x", "shown_at": "now", "duration": 1}] * 501, "at most 500 records"),
    ],
)
def test_malformed_proof_of_play_is_refused(
    app: Flask, connect: Connect, batch: object, error: str
) -> None:
    now = time.time()
    moments = {"now": now, "a year ago": now - 367 * 86400, "in two days": now + 2 * 86400}
    if isinstance(batch, list):
        batch = [
            {**r, "shown_at": moments.get(r["shown_at"], r["shown_at"])}
            if isinstance(r, dict) and isinstance(r.get("shown_at"), str)
            else r
            for r in batch
        ]
    socket = connect("gate-1")
    assert error in ack(socket, "played", batch)["error"]
    assert hub(app).plays.recent("gate-1") == []


def test_a_number_too_large_for_a_float_is_refused() -> None:
    with pytest.raises(PlayError, match="record 0: shown_at"):
        parse_batch([{"item": "x", "shown_at": 10**400, "duration": 1}], time.time())


def test_saved_edit_reaches_only_the_affected_screens(
    app: Flask, connect: Connect, playlists: Path
) -> None:
    lobby, gate = connect("lobby-1"), connect("gate-1")
    lobby.get_received(), gate.get_received()
    write_atomically(playlists / "lobby.yaml", playlist_yaml(["Bốn", "Năm"]))
    tick(app)  # the change is seen
    tick(app)  # and applied once the directory has settled
    states = events(lobby, "state")
    assert [item["content"][0]["title"] for item in states[-1]["items"]] == ["Bốn", "Năm"]
    assert events(gate, "state") == []


def test_invalid_edit_changes_nothing_and_is_reported(
    app: Flask, connect: Connect, client: FlaskClient, playlists: Path
) -> None:
    lobby = connect("lobby-1")
    lobby.get_received()
    write_atomically(playlists / "lobby.yaml", "name: Hỏng\nitems:\n  - text: [\n")
    tick(app)
    tick(app)
    assert events(lobby, "state") == []
    catalog = client.get("/api/screens").get_json()["catalog"]
    assert any(p.startswith("lobby.yaml:") for p in catalog["problems"])
    state = client.get("/screen/lobby-1/state.json").get_json()
    assert [item["content"][0]["title"] for item in state["items"]] == ["Một", "Hai", "Ba"]


def test_player_page_and_unregistered_page(client: FlaskClient) -> None:
    page = client.get("/screen/lobby-1")
    assert page.status_code == 200
    assert b"socket.io.min.js" in page.data and b"player.js" in page.data
    missing = client.get("/screen/kiosk-42")
    assert missing.status_code == 404
    text = missing.get_data(as_text=True)
    assert "kiosk-42" in text
    assert "Màn hình này chưa được đăng ký" in text
    assert "This screen is not registered yet" in text


def test_state_json_and_assets(client: FlaskClient) -> None:
    state = client.get("/screen/gate-1/state.json")
    assert state.status_code == 200
    assert state.get_json()["overrides"] == []
    assert client.get("/screen/nobody/state.json").status_code == 404
    worker = client.get("/screen/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    worker.close()
    vendor = client.get("/static/vendor/socket.io.min.js")
    assert vendor.data.startswith(b"/*!\n * Socket.IO v4")
    vendor.close()
    qr = client.get("/qr.svg?data=http://portal.local/go/bluezone?src=gate-1")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert client.get("/qr.svg").status_code == 400


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({}, 401, "missing header Authorization"),
        ({"Authorization": "Bearer wrong"}, 401, "wrong token"),
        ({"Authorization": "Basic abc"}, 401, "missing header Authorization"),
    ],
)
def test_override_api_needs_the_token(
    client: FlaskClient, headers: dict[str, str], status: int, error: str
) -> None:
    response = client.post("/api/overrides", json={}, headers=headers)
    assert response.status_code == status
    assert error in response.get_json()["error"]


def test_override_api_disabled_without_token(tmp_path: Path, playlists: Path) -> None:
    app = create_app(
        {"PLAYLISTS_DIR": str(playlists), "DATABASE": str(tmp_path / "x.db"), "BACKGROUND": False}
    )
    response = app.test_client().get("/api/overrides", headers=AUTH)
    assert response.status_code == 403
    assert "SIGNAGE_API_TOKEN" in response.get_json()["error"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ([], "must be a JSON object"),
        ({"target": "everyone", "until": "+5m", "messages": {"vi": "x"}}, '"target" must be'),
        ({"target": "group:nope", "until": "+5m", "messages": {"vi": "x"}}, "unknown group"),
        ({"target": "screen:nope", "until": "+5m", "messages": {"vi": "x"}}, "unknown screen"),
        ({"target": "all", "messages": {"vi": "x"}}, '"until" is required'),
        ({"target": "all", "until": "soon", "messages": {"vi": "x"}}, "use a duration"),
        ({"target": "all", "until": "2000-01-01T00:00", "messages": {"vi": "x"}}, "past"),
        ({"target": "all", "until": "+5m", "messages": {}}, '"messages" must be'),
        ({"target": "all", "until": "+5m", "messages": {"Vietnamese": "x"}}, "language tag"),
        ({"target": "all", "until": "+5m", "messages": {"vi": ""}}, "is empty"),
        ({"target": "all", "until": "+5m", "messages": {"vi": "x"}, "colour": 1}, "unknown field"),
        ({"target": "all", "until": "+5m", "messages": {"vi": "x"}, "priority": 1000}, "priority"),
    ],
)
def test_override_api_rejects_bad_requests(client: FlaskClient, body: object, error: str) -> None:
    response = client.post("/api/overrides", json=body, headers=AUTH)
    assert response.status_code == 400
    assert error in response.get_json()["error"]


@pytest.mark.parametrize(
    ("until", "error"),
    [
        ("+99999999999999h", "at most 31 days"),
        ("+" + "9" * 5000 + "m", "at most 31 days"),
        ("+32d", "at most 31 days"),
        ("9999-12-31T23:59:59-12:00", "at most 31 days"),
        ("0001-01-01T00:00:00+14:00", "already past"),
        ("+٣m", "use a duration"),
    ],
)
def test_override_api_bounds_the_end(client: FlaskClient, until: str, error: str) -> None:
    body = {"target": "all", "until": until, "messages": {"vi": "x"}}
    response = client.post("/api/overrides", json=body, headers=AUTH)
    assert response.status_code == 400
    assert error in response.get_json()["error"]
    assert response.get_json()["field"] == "until"
    assert len(response.get_json()["error"]) < 300


def test_override_api_accepts_a_month() -> None:
    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert (parse_until("+31d", now) - now).days == 31


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"target": "all", "until": "+5m", "messages": {"fr": "x"}}, "messages", "'fr' is not"),
        ({"target": "all", "until": "+5m", "messages": {"en-US": "x"}}, "messages", "'en-US'"),
        ({"target": "all", "until": "+5m", "messages": {"vi": 1}}, "messages", "must be text"),
        ({"target": "x" * 5000, "until": "+5m", "messages": {"vi": "x"}}, "target", "target"),
        ({"target": "group:nope", "until": "+5m", "messages": {"vi": "x"}}, "target", "unknown"),
        (
            {"target": "all", "until": "+5m", "messages": {"vi": "x"}, "priority": 1.5},
            "priority",
            "",
        ),
        ({"target": "all", "until": 5, "messages": {"vi": "x"}}, "until", "required"),
    ],
)
def test_override_api_errors_name_the_field(
    client: FlaskClient, body: object, field: str, error: str
) -> None:
    response = client.post("/api/overrides", json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert error in response.get_json()["error"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"[" * 100_000, "nested more than 16 levels"),
        (b'{"target": ' + b"[" * 20 + b"]" * 20 + b"}", "nested more than 16 levels"),
        (b'{"target": "all", "until": "+5m", "messages": {"vi": NaN}}', "not valid JSON"),
        (b'{"priority": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_override_api_refuses_hostile_json(client: FlaskClient, data: bytes, error: str) -> None:
    response = client.post(
        "/api/overrides", data=data, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error in response.get_json()["error"]


def test_override_api_refuses_a_large_body(client: FlaskClient) -> None:
    response = client.post(
        "/api/overrides",
        data=b" " * (MAX_BODY + 1),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert "error" in response.get_json()


@pytest.mark.parametrize("override_id", ["99999999999999999999999", str(2**63), "0"])
def test_override_api_bounds_the_id(client: FlaskClient, override_id: str) -> None:
    response = client.delete(f"/api/overrides/{override_id}", headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["field"] == "id"


def test_the_largest_id_is_simply_not_found(client: FlaskClient) -> None:
    response = client.delete(f"/api/overrides/{2**63 - 1}", headers=AUTH)
    assert response.status_code == 404


def test_override_api_rejects_non_json(client: FlaskClient) -> None:
    response = client.post("/api/overrides", data="hello", headers=AUTH)
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]


def test_unknown_api_route_is_json(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert "error" in response.get_json()
    assert client.put("/api/screens").status_code == 405


def test_override_reaches_its_group_at_once_and_later_connections(
    app: Flask, client: FlaskClient, connect: Connect
) -> None:
    lobby, gate = connect("lobby-1"), connect("gate-1")
    lobby.get_received(), gate.get_received()
    body = {
        "target": "group:lobby",
        "until": "+10m",
        "messages": {
            "vi": {"headline": "Sơ tán", "body": "Đi ra cửa gần nhất."},
            "en": {"headline": "Evacuate", "body": "Leave by the nearest exit."},
        },
    }
    created = client.post("/api/overrides", json=body, headers=AUTH)
    assert created.status_code == 201
    override = created.get_json()
    assert events(lobby, "override")[0]["messages"]["vi"]["headline"] == "Sơ tán"
    assert events(gate, "override") == []
    later = connect("lobby-2")
    assert [o["id"] for o in events(later, "overrides")[0]] == [override["id"]]
    tick(app)  # the background pass must not announce it a second time
    assert events(lobby, "override") == []

    cancelled = client.delete(f"/api/overrides/{override['id']}", headers=AUTH)
    assert cancelled.status_code == 200
    assert events(lobby, "override_end") == [{"id": override["id"]}]
    again = client.delete(f"/api/overrides/{override['id']}", headers=AUTH)
    assert again.status_code == 409
    assert client.delete("/api/overrides/999", headers=AUTH).status_code == 404
    actions = [e["action"] for e in client.get("/api/audit", headers=AUTH).get_json()["entries"]]
    assert actions == ["cancel", "create"]


def test_override_stored_by_another_process_is_pushed(app: Flask, connect: Connect) -> None:
    from signage.emergency.model import Message
    from signage.emergency.store import OverrideStore

    gate = connect("gate-1")
    gate.get_received()
    other = OverrideStore(hub(app).overrides.path)  # as the CLI opens it
    override = other.create(
        target="all",
        messages={"*": Message("Mất điện", "")},
        until=time.time() + 60,
        actor="cli:test",
        source="cli",
    )
    tick(app)
    assert [o["id"] for o in events(gate, "override")] == [override.id]
    other.cancel(override.id, actor="cli:test")
    tick(app)
    assert events(gate, "override_end") == [{"id": override.id}]


def test_schedule_boundary_reaches_screens_without_an_edit(
    app: Flask, connect: Connect, playlists: Path
) -> None:
    """An item that starts at 07:00 appears on the screens at 07:00 (venue time)."""
    text = playlist_yaml(["Cổng"]) + (
        "  - text:\n      vi:\n        title: Buổi sáng\n    duration: 3\n"
        "    schedule:\n      times: ['07:00-11:00']\n"
    )
    write_atomically(playlists / "gate.yaml", text)
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    before = datetime(2026, 12, 1, 6, 59, 59, tzinfo=tz).timestamp()
    background: Background = app.extensions["signage.background"]
    background.run_once(before)
    background.run_once(before)  # the edit is applied (settled), before 07:00
    gate = connect("gate-1")
    gate.get_received()
    background.run_once(before + 0.5)
    assert events(gate, "state") == []
    background.run_once(before + 1.5)  # 07:00:00.5
    titles = [item["content"][0]["title"] for item in events(gate, "state")[-1]["items"]]
    assert titles == ["Cổng", "Buổi sáng"]
