"""The signage server as deployed: gunicorn from `bluezone-signage serve`, real Socket.IO clients.

Each test starts its own server on a free loopback port and stops it at the end, printing the
server log when something fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.conftest import ROOT
from tests.signage.serverkit import (
    Server,
    guest_auth,
    make_playlists,
    playlist_yaml,
    running_server,
    wait_until,
    write_atomically,
)


class Screen:
    """A python-socketio client that connects as one screen and records what it receives."""

    def __init__(self, server: Server, screen_id: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.events: list[tuple[float, str, Any]] = []
        self.lock = threading.Lock()
        for name in ("state", "overrides", "override", "override_end"):
            self.client.on(name, self._recorder(name))
        self.client.connect(
            server.url, auth=guest_auth(screen_id), transports=["websocket"], wait_timeout=10
        )

    def _recorder(self, name: str) -> Any:
        def record(data: Any) -> None:
            with self.lock:
                self.events.append((time.monotonic(), name, data))

        return record

    def received(self, name: str) -> list[tuple[float, Any]]:
        with self.lock:
            return [(at, data) for at, event, data in self.events if event == name]

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()
        self.client.shutdown()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    playlists = make_playlists(tmp_path / "playlists")
    with running_server(tmp_path, playlists) as running:
        yield running


@pytest.fixture
def screens(server: Server) -> Iterator[dict[str, Screen]]:
    opened = {s: Screen(server, s) for s in ("lobby-1", "lobby-2", "gate-1")}
    try:
        yield opened
    finally:
        for screen in opened.values():
            screen.close()


def api(server: Server, method: str, path: str, body: object = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        server.url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer test-token", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def titles(state: dict[str, Any]) -> list[str]:
    return [item["content"][0]["title"] for item in state["items"]]


def test_screens_get_their_state_on_connect(screens: dict[str, Screen]) -> None:
    for screen_id, screen in screens.items():
        states = wait_until(lambda s=screen: s.received("state"), 5)  # type: ignore[misc]
        assert states, f"{screen_id} got no state"
        assert states[0][1]["screen"]["id"] == screen_id
    assert titles(screens["lobby-1"].received("state")[0][1]) == ["Một", "Hai", "Ba"]


def test_unknown_screen_cannot_connect(server: Server) -> None:
    client = socketio.Client(reconnection=False)
    refusals: list[Any] = []
    client.on("connect_error", refusals.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            server.url, auth={"screen": "who"}, transports=["websocket"], wait_timeout=10
        )
    client.shutdown()
    assert refusals == [{"message": "screen not registered", "data": {"screen": "who"}}]


def test_saved_file_reaches_screens_within_a_second(
    server: Server, screens: dict[str, Screen]
) -> None:
    for screen in screens.values():
        assert wait_until(lambda s=screen: s.received("state"), 5)  # type: ignore[misc]
    time.sleep(0.3)
    saved = time.monotonic()
    write_atomically(server.playlists / "lobby.yaml", playlist_yaml(["Bốn", "Năm"]))
    for screen_id in ("lobby-1", "lobby-2"):
        screen = screens[screen_id]
        assert wait_until(lambda s=screen: len(s.received("state")) >= 2, 3)  # type: ignore[misc]
        at, state = screen.received("state")[-1]
        assert titles(state) == ["Bốn", "Năm"]
        assert at - saved < 1.0, f"{screen_id} got the edit after {at - saved:.2f} s"
    assert len(screens["gate-1"].received("state")) == 1


def test_invalid_file_is_not_applied_and_is_reported(
    server: Server, screens: dict[str, Screen]
) -> None:
    lobby = screens["lobby-1"]
    assert wait_until(lambda: lobby.received("state"), 5)
    (server.playlists / "lobby.yaml").write_text("name: x\nitems: 5\n", encoding="utf-8")

    def problems() -> list[str]:
        with urllib.request.urlopen(server.url + "/api/screens", timeout=5) as response:
            body = json.loads(response.read())
        found: list[str] = body["catalog"]["problems"]
        return found

    assert wait_until(problems, 3), server.log_text()
    assert any(p.startswith("lobby.yaml:") for p in problems())
    time.sleep(0.5)
    assert len(lobby.received("state")) == 1
    assert "keeping the last good version" in server.log_text()


def test_partial_write_is_never_applied(server: Server, screens: dict[str, Screen]) -> None:
    lobby = screens["lobby-1"]
    assert wait_until(lambda: lobby.received("state"), 5)
    text = playlist_yaml(["Sáu", "Bảy", "Tám"])
    path = server.playlists / "lobby.yaml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text[: len(text) // 2])
        handle.flush()
        time.sleep(0.05)
        handle.write(text[len(text) // 2 :])
    assert wait_until(lambda: len(lobby.received("state")) >= 2, 3)
    assert [titles(state) for _, state in lobby.received("state")][1:] == [["Sáu", "Bảy", "Tám"]]


def test_override_api_pushes_to_the_group_at_once(
    server: Server, screens: dict[str, Screen]
) -> None:
    for screen in screens.values():
        assert wait_until(lambda s=screen: s.received("overrides"), 5)  # type: ignore[misc]
    sent = time.monotonic()
    status, override = api(
        server,
        "POST",
        "/api/overrides",
        {"target": "group:lobby", "until": "+5m", "messages": {"vi": "Sơ tán", "en": "Evacuate"}},
    )
    assert status == 201, override
    for screen_id in ("lobby-1", "lobby-2"):
        screen = screens[screen_id]
        assert wait_until(lambda s=screen: s.received("override"), 2)  # type: ignore[misc]
        at, data = screen.received("override")[0]
        assert data["id"] == override["id"]
        assert at - sent < 0.5
    time.sleep(0.5)
    assert screens["gate-1"].received("override") == []
    status, _ = api(server, "DELETE", f"/api/overrides/{override['id']}")
    assert status == 200
    assert wait_until(lambda: screens["lobby-2"].received("override_end"), 2)


def test_cli_broadcast_and_cancel_reach_screens(
    server: Server, screens: dict[str, Screen], tmp_path: Path
) -> None:
    gate = screens["gate-1"]
    assert wait_until(lambda: gate.received("overrides"), 5)
    env = {
        **os.environ,
        "SIGNAGE_PLAYLISTS_DIR": str(server.playlists),
        "SIGNAGE_DATABASE": str(tmp_path / "signage.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "signage.cli"]
    done = subprocess.run(
        [*command, "broadcast", "--group", "gate", "--until", "+10m", "--lang", "vi", "Mất điện"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("override ")
    assert wait_until(lambda: gate.received("override"), 2), server.log_text()
    override_id = gate.received("override")[0][1]["id"]
    assert gate.received("override")[0][1]["messages"]["vi"]["headline"] == "Mất điện"
    assert screens["lobby-1"].received("override") == []
    cancelled = subprocess.run(
        [*command, "cancel", str(override_id)], env=env, capture_output=True, text=True, timeout=30
    )
    assert cancelled.returncode == 0, cancelled.stderr
    assert wait_until(lambda: gate.received("override_end"), 2)
