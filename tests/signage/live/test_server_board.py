"""The screens board and acknowledgements through the hub and the Flask-SocketIO test client:
rows, strangers, alerts, `ack` from players, and the `/console` namespace's refusal."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from signage import create_app
from signage.catalog.playlist import (
    ClockContent,
    ImageContent,
    Item,
    Kind,
    QrContent,
    TextBlock,
    TextContent,
    VideoContent,
)
from signage.emergency.model import Message
from signage.live.hub import Changes, Hub, item_label
from signage.web.socket import CONSOLE, push_changes, socketio
from tests.signage.serverkit import make_playlists, playlist_yaml, screen_auth, write_atomically


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "PLAYLISTS_DIR": str(make_playlists(tmp_path / "playlists")),
            "DATABASE": str(tmp_path / "signage.sqlite3"),
            "BACKGROUND": False,
            "ALERT_DELAY": 5,
        }
    )


def hub_of(app: Flask) -> Hub:
    found: Hub = app.extensions["signage"]
    return found


def screen(app: Flask, screen_id: str) -> SocketIOTestClient:
    auth = screen_auth(Path(app.config["DATABASE"]), screen_id)
    socket = socketio.test_client(app, auth=auth)
    assert socket.is_connected()
    return socket


def reply(socket: SocketIOTestClient, event: str, data: object) -> Any:
    """Emit `event` and return the server's acknowledgement."""
    answer = socket.emit(event, data, callback=True)
    assert answer is not None, f"no acknowledgement for {event}"
    return answer


def received(socket: SocketIOTestClient, name: str) -> list[Any]:
    return [m["args"][0] for m in socket.get_received(CONSOLE) if m["name"] == name]


def test_board_lists_declared_screens_with_their_programme(app: Flask) -> None:
    board = hub_of(app).board(time.time())
    rows = {row["id"]: row for row in board["screens"]}
    assert list(rows) == ["lobby-1", "lobby-2", "gate-1"]
    assert rows["lobby-2"]["last_seen"] is None
    assert (rows["lobby-2"]["playlist"], rows["lobby-2"]["orientation"]) == ("lobby", "portrait")
    assert rows["gate-1"]["online"] is False and rows["gate-1"]["registered"] is True


def test_heartbeat_reaches_the_row_and_stale_screens_go_offline(app: Flask) -> None:
    hub = hub_of(app)
    socket = screen(app, "lobby-1")
    report = {"item": "lobby-2", "version": "v1", "width": 1920, "height": 1080}
    assert "now" in reply(socket, "heartbeat", report)
    now = time.time()
    changes = hub.tick(now)
    (row,) = [r for r in changes.screens if r["id"] == "lobby-1"]
    assert row["online"] and row["current_item"] == "lobby-2"
    assert row["screen_size"] == {"width": 1920, "height": 1080}
    assert hub.tick(now + 0.2).screens == []
    # No heartbeat for longer than OFFLINE_AFTER: the next presence pass reports it offline.
    later = hub.tick(now + hub.offline_after + 2)
    assert [(r["id"], r["online"]) for r in later.screens] == [("lobby-1", False)]
    socket.disconnect()


def test_rows_name_the_item_on_screen_and_flag_a_stale_version(app: Flask) -> None:
    hub = hub_of(app)
    socket = screen(app, "lobby-1")
    state = next(m["args"][0] for m in socket.get_received() if m["name"] == "state")
    second = state["items"][1]["id"]
    reply(socket, "heartbeat", {"item": second, "version": state["version"]})
    row = hub.screen_row("lobby-1", time.time())
    assert (row["current_item"], row["current_label"]) == (second, "Hai")
    assert row["playlist_version"] == row["expected_version"] == state["version"]
    reply(socket, "heartbeat", {"item": "gone-item", "version": "older"})
    row = hub.screen_row("lobby-1", time.time())
    assert row["current_label"] is None and row["playlist_version"] != row["expected_version"]
    socket.disconnect()


def test_offline_alert_after_the_delay_goes_to_console_and_webhook(app: Flask) -> None:
    hub = hub_of(app)
    sent: list[dict[str, Any]] = []
    hub.notify = sent.append
    socket = screen(app, "gate-1")
    now = time.time()
    hub.tick(now)
    hub.tick(now + 6)
    socket.disconnect()
    assert hub.tick(now + 7).alerts == []
    (alert,) = hub.tick(now + 13).alerts
    assert (alert["event"], alert["screen"], alert["name"]) == (
        "screen_offline",
        "gate-1",
        "Cửa ra 1",
    )
    assert "offline" in alert["text"]
    assert sent == [alert]
    assert hub.board(now + 14)["alerts"] == [alert]


def test_undeclared_ids_appear_as_strangers(app: Flask) -> None:
    client: FlaskClient = app.test_client()
    assert client.get("/screen/kiosk-9").status_code == 404
    refused = socketio.test_client(app, auth={"screen": "kiosk-10"})
    assert not refused.is_connected()
    rows = {r["id"]: r for r in hub_of(app).board(time.time())["screens"]}
    assert rows["kiosk-9"]["registered"] is False and not rows["kiosk-9"]["gone"]
    assert "kiosk-10" in rows
    now = time.time()
    changes = hub_of(app).tick(now)
    assert {r["id"] for r in changes.screens} >= {"kiosk-9", "kiosk-10"}
    # Ten minutes without asking again: they leave the board.
    later = hub_of(app).tick(now + 601)
    gone = {r["id"] for r in later.screens if r["gone"]}
    assert gone == {"kiosk-9", "kiosk-10"}


def test_players_acknowledge_overrides_they_show(app: Flask) -> None:
    hub = hub_of(app)
    override = hub.overrides.create(
        target="group:lobby",
        messages={"vi": Message("Sơ tán")},
        until=time.time() + 60,
        actor="test",
        source="test",
    )
    lobby, gate = screen(app, "lobby-1"), screen(app, "gate-1")
    assert lobby.emit("ack", {"override": override.id}, callback=True) == {"ok": True}
    assert lobby.emit("ack", {"override": override.id}, callback=True) == {"ok": True}
    refused = reply(gate, "ack", {"override": override.id})
    assert "not active for screen gate-1" in refused["error"]
    assert "ack must be" in reply(lobby, "ack", {"override": "1"})["error"]
    assert set(hub.acks.of(override.id)) == {"lobby-1"}
    lobby.disconnect()
    gate.disconnect()


@pytest.mark.parametrize("authenticated", [None, False])
def test_console_namespace_refuses_without_a_console_session(
    app: Flask, authenticated: bool | None
) -> None:
    if authenticated is not None:
        app.extensions["signage.console.session"] = lambda: None
    socket = socketio.test_client(app, namespace=CONSOLE)
    assert not socket.is_connected(CONSOLE)


def test_console_namespace_gets_the_board_when_signed_in(app: Flask) -> None:
    app.extensions["signage.console.session"] = lambda: lambda now: True
    console = socketio.test_client(app, namespace=CONSOLE)
    assert console.is_connected(CONSOLE)
    (board,) = received(console, "board")
    assert [r["id"] for r in board["screens"]] == ["lobby-1", "lobby-2", "gate-1"]
    lobby = screen(app, "lobby-1")
    app.extensions["signage.background"].run_once(time.time())
    rows = [r for batch in received(console, "screens") for r in batch]
    assert any(r["id"] == "lobby-1" and r["online"] for r in rows)
    lobby.disconnect()
    console.disconnect(namespace=CONSOLE)


@pytest.mark.parametrize(
    ("content", "label"),
    [
        (
            TextContent({"vi": TextBlock("Cài Bluezone"), "en": TextBlock("Install")}),
            "Cài Bluezone",
        ),
        (ImageContent("poster.png", "x", {"vi": "Áp phích"}), "Áp phích"),
        (ImageContent("poster.png", "x"), "poster.png"),
        (VideoContent("clip.mp4", "x"), "clip.mp4"),
        (QrContent(None, "bluezone", {}, {"vi": "Quét mã"}), "Quét mã"),
        (ClockContent(), "clock"),
        (TextContent({"vi": TextBlock("x" * 100)}), "x" * 79 + "…"),
    ],
)
def test_item_labels(content: Any, label: str) -> None:
    kind: Kind = "clock" if isinstance(content, ClockContent) else "text"
    assert item_label(Item("i", kind, 5, content)) == label


def _save_and_apply(app: Flask, hub: Hub, title: str = "Bốn") -> Changes:
    """Save a new lobby playlist (one item, `title`) and tick until the hub applies it; the
    applying tick's changes."""
    write_atomically(Path(app.config["PLAYLISTS_DIR"]) / "lobby.yaml", playlist_yaml([title]))
    for _ in range(5):
        changes = hub.tick(time.time())
        if changes.states:
            return changes
    raise AssertionError("the saved playlist was never applied")


def _counting_payloads(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []
    payload = hub.programme.payload

    def counting(screen_id: str, at: Any) -> Any:
        built.append(screen_id)
        return payload(screen_id, at)

    monkeypatch.setattr(hub.programme, "payload", counting)
    return built


def test_a_save_builds_each_state_as_it_is_sent(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a save the states are built one at a time as they are taken (not all held at
    once before the first is sent), and the board sent after them expects the new versions."""
    hub = hub_of(app)
    sockets = [screen(app, "lobby-1"), screen(app, "lobby-2")]
    built = _counting_payloads(hub, monkeypatch)
    changes = _save_and_apply(app, hub)
    assert built == []
    taken = iter(changes.states)
    first_id, first = next(taken)
    assert (first_id, built) == ("lobby-1", ["lobby-1"])
    assert [item["content"][0]["title"] for item in first["items"]] == ["Bốn"]
    rest = list(taken)
    assert [screen_id for screen_id, _ in rest] == ["lobby-2"] and built == ["lobby-1", "lobby-2"]
    assert changes.board is not None
    rows = {row["id"]: row for row in changes.board()["screens"]}
    assert rows["lobby-1"]["expected_version"] == first["version"]
    assert rows["lobby-2"]["expected_version"] == rest[0][1]["version"]
    assert list(changes.states) == []  # taken once
    for socket in sockets:
        socket.disconnect()


def test_a_board_read_before_the_states_are_sent_expects_the_new_versions(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = hub_of(app)
    sockets = [screen(app, "lobby-1"), screen(app, "lobby-2")]
    built = _counting_payloads(hub, monkeypatch)
    changes = _save_and_apply(app, hub)
    assert changes.board is not None
    rows = {row["id"]: row for row in changes.board()["screens"]}
    states = dict(changes.states)
    assert sorted(states) == ["lobby-1", "lobby-2"] and sorted(built) == ["lobby-1", "lobby-2"]
    for screen_id, state in states.items():
        assert rows[screen_id]["expected_version"] == state["version"]
    for socket in sockets:
        socket.disconnect()


def _save_and_push(app: Flask, hub: Hub, title: str = "Bốn") -> list[str]:
    """Save a new lobby playlist, push the applying tick's changes as the background loop does,
    and return the screens whose rows a whole board was built for."""
    changes = _save_and_apply(app, hub, title)
    assert changes.board is not None
    board = changes.board
    built: list[str] = []

    def counted() -> dict[str, Any]:
        whole = board()
        built.extend(row["id"] for row in whole["screens"])
        return whole

    push_changes(replace(changes, board=counted))
    return built


def test_no_board_is_built_after_a_save_without_a_console(app: Flask) -> None:
    lobby = screen(app, "lobby-1")
    assert _save_and_push(app, hub_of(app)) == []
    assert any(m["name"] == "state" for m in lobby.get_received())
    lobby.disconnect()


def test_a_connected_console_gets_the_whole_board_after_a_save(app: Flask) -> None:
    app.extensions["signage.console.session"] = lambda: lambda now: True
    console = socketio.test_client(app, namespace=CONSOLE)
    received(console, "board")  # the one sent on connection
    lobby = screen(app, "lobby-1")
    assert _save_and_push(app, hub_of(app)) == ["lobby-1", "lobby-2", "gate-1"]
    (board,) = received(console, "board")
    assert [r["id"] for r in board["screens"]] == ["lobby-1", "lobby-2", "gate-1"]
    console.disconnect(namespace=CONSOLE)
    assert _save_and_push(app, hub_of(app), "Năm") == []
    lobby.disconnect()
