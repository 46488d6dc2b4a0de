"""Enrollment in the Socket.IO protocol and the hub, through the Flask-SocketIO test client: who
is believed, what the board shows, what a screen not enrolled still gets, and the pairing
events' answers to malformed or repeated requests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient

from signage import services
from signage.emergency.model import Message
from signage.live.background import Background
from signage.web.socket import NOT_ENROLLED, socketio
from tests.signage.serverkit import guest_auth, playlist_yaml, write_atomically

Open = Callable[..., SocketIOTestClient]


@pytest.fixture
def open_screen(app: Flask) -> Iterator[Open]:
    opened: list[SocketIOTestClient] = []

    def connect(screen_id: str, token: str | None = None) -> SocketIOTestClient:
        auth = guest_auth(screen_id) if token is None else {**guest_auth(screen_id), "token": token}
        socket = socketio.test_client(app, auth=auth)
        assert socket.is_connected()
        opened.append(socket)
        return socket

    yield connect
    for socket in opened:
        if socket.is_connected():
            socket.disconnect()


def tick(app: Flask) -> None:
    background: Background = app.extensions["signage.background"]
    background.run_once(time.time())


def call(socket: SocketIOTestClient, event: str, data: object = None) -> Any:
    reply = socket.emit(event, data, callback=True)
    assert reply is not None, f"no acknowledgement for {event}"
    return reply


def received(socket: SocketIOTestClient, name: str) -> list[Any]:
    return [m["args"][0] for m in socket.get_received() if m["name"] == name]


def enroll(app: Flask, screen_id: str) -> str:
    return services.hub(app).trust.store.enroll(screen_id, "admin").token


def row(app: Flask, screen_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        r for r in services.hub(app).board(time.time())["screens"] if r["id"] == screen_id
    )
    return found


def send_override(app: Flask, target: str) -> int:
    hub = services.hub(app)
    override = hub.overrides.create(
        target=target,
        messages={"vi": Message("Sơ tán", "")},
        until=time.time() + 600,
        actor="test",
        source="api",
    )
    hub.note_override(override)
    return override.id


def test_a_screen_not_enrolled_gets_its_programme_then_is_told(
    app: Flask, open_screen: Open
) -> None:
    socket = open_screen("lobby-1")
    names = [m["name"] for m in socket.get_received()]
    assert names == ["state", "overrides", "enrollment"]
    refused = open_screen("lobby-1", "not-a-token")
    assert received(refused, "enrollment") == [{"enrolled": False, "refused": True}]


def test_a_screen_not_enrolled_still_gets_new_states(
    app: Flask, open_screen: Open, playlists: Path
) -> None:
    guest = open_screen("lobby-1")
    guest.get_received()
    write_atomically(playlists / "lobby.yaml", playlist_yaml(["Bốn", "Năm"]))
    tick(app)
    tick(app)
    states = received(guest, "state")
    assert [i["content"][0]["title"] for i in states[-1]["items"]] == ["Bốn", "Năm"]


def test_acknowledgements_count_only_from_enrolled_screens(app: Flask, open_screen: Open) -> None:
    forged = open_screen("lobby-1")
    real = open_screen("lobby-2", enroll(app, "lobby-2"))
    override = send_override(app, "group:lobby")
    assert call(forged, "ack", {"override": override}) == {"error": NOT_ENROLLED}
    assert call(real, "ack", {"override": override}) == {"ok": True}
    assert services.hub(app).board(time.time())["acks"][str(override)].keys() == {"lobby-2"}
    # Revoked: what it acknowledged is forgotten with its credential.
    services.hub(app).trust.store.revoke("lobby-2")
    tick(app)
    assert services.hub(app).board(time.time())["acks"][str(override)] == {}
    assert received(real, "enrollment") == [{"enrolled": False, "refused": True}]


def test_the_board_row_says_enrolled_or_waiting(app: Flask, open_screen: Open) -> None:
    token = enroll(app, "lobby-1")
    open_screen("lobby-1", token)
    guest = open_screen("gate-1")
    pairing = call(guest, "pair")
    tick(app)
    lobby, gate = row(app, "lobby-1"), row(app, "gate-1")
    assert (lobby["enrolled"], lobby["online"], lobby["pairing"]) == (True, True, [])
    assert (gate["enrolled"], gate["online"], gate["connections"]) == (False, False, 0)
    assert [p["code"] for p in gate["pairing"]] == [pairing["code"]]
    assert row(app, "lobby-2")["enrolled"] is False


def test_changed_enrollment_goes_to_the_console(app: Flask, open_screen: Open) -> None:
    """A screen whose enrollment changed is sent to the console as a changed row, once."""
    tick(app)
    guest = open_screen("gate-1")
    call(guest, "pair")
    changes = services.hub(app).tick(time.time())
    assert [r["id"] for r in changes.screens] == ["gate-1"]
    assert changes.screens[0]["pairing"]
    assert services.hub(app).tick(time.time()).screens == []


def test_pairing_over_the_socket(app: Flask, open_screen: Open) -> None:
    guest = open_screen("gate-1")
    guest.get_received()
    pairing = call(guest, "pair")
    assert set(pairing) == {"code", "secret", "expires"}
    services.hub(app).trust.store.approve(pairing["code"], "admin")
    done = wait_for_answer(app, guest, pairing["secret"])
    assert done["state"] == "enrolled"
    assert received(guest, "enrollment") == [{"enrolled": True, "refused": False}]
    assert "now" in call(guest, "heartbeat", {})
    assert call(guest, "pair") == {"error": "this screen is already enrolled"}


def wait_for_answer(app: Flask, socket: SocketIOTestClient, secret: str) -> Any:
    """`pair_status` until it is not refused by the once-a-second limit."""
    deadline = time.monotonic() + 5
    while True:
        reply = call(socket, "pair_status", {"secret": secret})
        if "retry_after" not in reply or time.monotonic() > deadline:
            return reply
        time.sleep(0.1)


@pytest.mark.parametrize(
    "data", [None, "secret", ["secret"], {"secret": 42}, {"secret": ""}, {"secret": "x" * 101}]
)
def test_malformed_pair_status_is_refused(open_screen: Open, data: object) -> None:
    reply = call(open_screen("gate-1"), "pair_status", data)
    assert reply == {"error": "pair_status must be an object {secret}"}


def test_pairing_events_are_limited_per_socket(open_screen: Open) -> None:
    guest = open_screen("gate-1")
    replies = [call(guest, "pair_status", {"secret": "s" * 43}) for _ in range(20)]
    assert replies[0] == {"state": "unknown"}
    assert all(r["error"] == "too many pairing requests" for r in replies[1:])
    assert all(0 < r["retry_after"] <= 1 for r in replies[1:])
