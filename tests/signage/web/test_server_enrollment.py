"""Screen enrollment against the real server (gunicorn) with real Socket.IO clients.

A client that only names a screen (`auth={"screen": id}`, what anyone can do: ids are public)
still gets the programme, but the board does not show it online, its acknowledgements and proof
of play are refused. An enrolled client is believed; once its credential is revoked by another
process (the CLI, or the console of another node sharing the database) it stops being believed
at once, without reconnecting. Pairing: code, approval
by the CLI, the credential collected only by the socket holding the pairing secret.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from signage.accounts.audit import AuditLog
from signage.accounts.operators import OperatorStore
from signage.accounts.passwords import Scrypt
from signage.live.enrollment import EnrollmentStore
from signage.live.playlog import PlayLog
from signage.web.socket import NOT_ENROLLED
from tests.conftest import ROOT
from tests.signage.serverkit import (
    Server,
    guest_auth,
    make_playlists,
    running_server,
    screen_auth,
    wait_until,
)

PASSWORD = "correct horse battery staple"
# Shown a minute before the tests start: within what the server accepts as proof of play.
PLAY = {"item": "lobby-0", "version": "v", "shown_at": time.time() - 60, "duration": 3.0}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("enrollment")
    OperatorStore(tmp_path / "signage.sqlite3", Scrypt(n=1024)).add("admin", "admin", (), PASSWORD)
    env = {
        "SIGNAGE_COOKIE_SECURE": "false",
        "SIGNAGE_PASSWORD_SCRYPT_N": "1024",
        "SIGNAGE_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
    }
    with running_server(tmp_path, make_playlists(tmp_path / "playlists"), env=env) as running:
        yield running


class Screen:
    """A Socket.IO client speaking for one screen; records what the server pushes."""

    def __init__(self, server: Server, auth: dict[str, object]) -> None:
        self.client = socketio.Client(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        for name in ("state", "overrides", "override", "enrollment"):
            self.client.on(name, self._recorder(name))
        self.client.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=10)

    def _recorder(self, name: str) -> Any:
        def record(data: Any) -> None:
            with self.lock:
                self.events.append((name, data))

        return record

    def received(self, name: str) -> list[Any]:
        with self.lock:
            return [data for event, data in self.events if event == name]

    def call(self, event: str, data: object) -> Any:
        return self.client.call(event, data, timeout=10)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


class Board:
    """The console's live board, as a signed-in admin's browser receives it."""

    def __init__(self, server: Server) -> None:
        http = requests.Session()
        page = http.get(f"{server.url}/console/login", timeout=10).text
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match is not None
        signed = http.post(
            f"{server.url}/console/login",
            data={"name": "admin", "password": PASSWORD, "csrf_token": match.group(1)},
            allow_redirects=False,
            timeout=10,
        )
        assert signed.status_code == 303, signed.text
        cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        self.rows: dict[str, dict[str, Any]] = {}
        self.acks: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("board", self._board, namespace="/console")
        self.client.on("screens", self._screens, namespace="/console")
        self.client.on("ack", self._ack, namespace="/console")
        self.client.connect(
            server.url,
            headers={"Cookie": cookie},
            namespaces=["/console"],
            transports=["websocket"],
            wait_timeout=10,
        )

    def _board(self, board: dict[str, Any]) -> None:
        self._screens(board["screens"])

    def _screens(self, rows: list[dict[str, Any]]) -> None:
        with self.lock:
            self.rows.update({row["id"]: row for row in rows})

    def _ack(self, ack: dict[str, Any]) -> None:
        with self.lock:
            self.acks.append(ack)

    def row(self, screen_id: str) -> dict[str, Any]:
        with self.lock:
            return dict(self.rows.get(screen_id, {}))

    def acknowledged(self, screen_id: str) -> bool:
        with self.lock:
            return any(a["screen"] == screen_id for a in self.acks)

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def board(server: Server) -> Iterator[Board]:
    watching = Board(server)
    yield watching
    watching.close()


@pytest.fixture
def screens() -> Iterator[list[Screen]]:
    opened: list[Screen] = []
    yield opened
    for screen in opened:
        screen.close()


def cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    """`bluezone-signage ARGS` in a process of its own, on the server's files."""
    env = {
        **os.environ,
        "SIGNAGE_PLAYLISTS_DIR": str(server.playlists),
        "SIGNAGE_DATABASE": str(server.database),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SIGNAGE_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "signage.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def override_for(server: Server, screen_id: str) -> int:
    response = requests.post(
        f"{server.url}/api/overrides",
        json={"target": f"screen:{screen_id}", "until": "+5m", "messages": {"vi": "Sơ tán ngay"}},
        headers={"Authorization": "Bearer test-token"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    override_id: int = response.json()["id"]
    return override_id


def heartbeat(screen: Screen) -> Any:
    return screen.call("heartbeat", {"item": "lobby-0", "version": "v", "width": 1, "height": 1})


def plays_of(server: Server, screen_id: str) -> int:
    return len(PlayLog(server.database).recent(screen_id))


def test_a_screen_named_without_credential_is_not_believed(
    server: Server, board: Board, screens: list[Screen]
) -> None:
    forged = Screen(server, guest_auth("lobby-2"))
    screens.append(forged)
    # It still plays the public rotation...
    assert wait_until(lambda: forged.received("state"), 30)
    assert forged.received("enrollment") == [{"enrolled": False, "refused": False}]
    # ...but nothing it says counts: not online on the board, no acknowledgement, no plays.
    assert heartbeat(forged) == {"error": NOT_ENROLLED}
    override = override_for(server, "lobby-2")
    assert wait_until(lambda: forged.received("override"), 30)
    assert forged.call("ack", {"override": override}) == {"error": NOT_ENROLLED}
    assert forged.call("played", [PLAY] * 500) == {"error": NOT_ENROLLED}
    assert wait_until(lambda: board.row("lobby-2"), 30)
    row = board.row("lobby-2")
    assert (row["online"], row["enrolled"], row["connections"]) == (False, False, 0)
    assert not board.acknowledged("lobby-2")
    assert plays_of(server, "lobby-2") == 0
    # A made-up token changes nothing, and the screen is told it was refused.
    other = Screen(server, {"screen": "lobby-2", "token": "A" * 43})
    screens.append(other)
    assert wait_until(lambda: other.received("enrollment"), 30) == [
        {"enrolled": False, "refused": True}
    ]
    assert heartbeat(other) == {"error": NOT_ENROLLED}


def test_a_player_from_before_enrollment_is_sent_to_reload(server: Server) -> None:
    """Neither credential nor protocol: an old player, which reloads on this exact refusal."""
    client = socketio.Client(reconnection=False)
    refusals: list[Any] = []
    client.on("connect_error", refusals.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            server.url, auth={"screen": "lobby-1"}, transports=["websocket"], wait_timeout=10
        )
    client.shutdown()
    assert refusals == [
        {"message": "screen not registered", "data": {"screen": "lobby-1", "reload": True}}
    ]
    assert "screen not registered" in (ROOT / "signage/static/player.js").read_text()


def test_a_flood_of_forged_reports_stores_nothing(server: Server, screens: list[Screen]) -> None:
    forged = Screen(server, guest_auth("gate-1"))
    screens.append(forged)
    replies = [forged.call("played", [PLAY] * 500) for _ in range(40)]
    assert all(reply == {"error": NOT_ENROLLED} for reply in replies)
    assert plays_of(server, "gate-1") == 0


def test_an_enrolled_screen_is_believed_until_revoked_by_another_process(
    server: Server, board: Board, screens: list[Screen]
) -> None:
    screen = Screen(server, screen_auth(server.database, "lobby-1"))
    screens.append(screen)
    assert wait_until(lambda: screen.received("state"), 30)
    assert screen.received("enrollment") == []
    assert "now" in heartbeat(screen)
    assert wait_until(lambda: board.row("lobby-1").get("online"), 30)
    assert board.row("lobby-1")["enrolled"] is True
    override = override_for(server, "lobby-1")
    assert wait_until(lambda: screen.received("override"), 30)
    assert screen.call("ack", {"override": override}) == {"ok": True}
    assert wait_until(lambda: board.acknowledged("lobby-1"), 30)
    before = plays_of(server, "lobby-1")
    assert screen.call("played", [PLAY, PLAY]) == {"stored": 2}
    assert plays_of(server, "lobby-1") == before + 2

    revoked = cli(server, "screens", "revoke", "lobby-1")
    assert revoked.returncode == 0, revoked.stderr
    # The open connection is downgraded without reconnecting: told, off the board, refused.
    assert wait_until(lambda: screen.received("enrollment"), 30) == [
        {"enrolled": False, "refused": True}
    ]
    assert screen.client.connected
    assert heartbeat(screen) == {"error": NOT_ENROLLED}
    assert screen.call("ack", {"override": override}) == {"error": NOT_ENROLLED}
    assert screen.call("played", [PLAY]) == {"error": NOT_ENROLLED}
    assert plays_of(server, "lobby-1") == before + 2
    assert wait_until(lambda: board.row("lobby-1").get("enrolled") is False, 30)
    assert board.row("lobby-1")["online"] is False
    actions = [(e.action, e.target) for e in AuditLog(server.database).entries()]
    assert ("screen.revoke", "lobby-1") in actions


def test_pairing_by_code_and_approval_on_the_command_line(
    server: Server, board: Board, screens: list[Screen]
) -> None:
    screen = Screen(server, guest_auth("gate-1"))
    bystander = Screen(server, guest_auth("gate-1"))
    screens.extend([screen, bystander])
    pairing = screen.call("pair", {})
    code, secret = pairing["code"], pairing["secret"]
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    # Asking again at once is refused (one request a second per socket).
    assert "retry_after" in screen.call("pair", {})
    pending = {"state": "pending", "code": code, "expires": pairing["expires"]}
    assert wait_until(lambda: screen.call("pair_status", {"secret": secret}) == pending, 30, 0.3)
    assert wait_until(
        lambda: code in [p["code"] for p in board.row("gate-1").get("pairing", [])], 10
    )
    listed = cli(server, "screens", "pending")
    assert code in listed.stdout and "gate-1" in listed.stdout

    approved = cli(server, "screens", "approve", code.lower())
    assert approved.returncode == 0, approved.stderr
    assert "gate-1" in approved.stdout
    actions = [(e.action, e.target) for e in AuditLog(server.database).entries()]
    assert ("screen.approve", "gate-1") in actions
    # Whoever read the code but does not hold the secret gets nothing.
    assert bystander.call("pair_status", {"secret": code}) == {"state": "unknown"}

    def collect() -> Any:
        reply = screen.call("pair_status", {"secret": secret})
        return reply if reply.get("state") == "enrolled" else None

    collected = wait_until(collect, 30, step=1.1)
    assert collected and len(collected["token"]) >= 43
    # The same socket is believed at once; the bystander is not.
    assert "now" in heartbeat(screen)
    assert heartbeat(bystander) == {"error": NOT_ENROLLED}
    assert wait_until(lambda: board.row("gate-1").get("online"), 30)
    assert EnrollmentStore(server.database).verify("gate-1", collected["token"]) is not None
    enrolled = [e for e in AuditLog(server.database).entries() if e.action == "screen.enroll"]
    assert [(e.target, e.actor[:4], e.address) for e in enrolled] == [
        ("gate-1", "cli:", "127.0.0.1")
    ]
    # Handed out once.
    assert wait_until(
        lambda: screen.call("pair_status", {"secret": secret}).get("state") == "unknown", 5
    )
    listing = cli(server, "screens", "list").stdout
    assert re.search(r"^gate-1\tenrolled\t", listing, re.MULTILINE)
    # A new connection with the kept token is believed from the start.
    again = Screen(server, {"screen": "gate-1", "token": collected["token"]})
    screens.append(again)
    assert "now" in heartbeat(again)


def test_pairing_requests_are_bounded(server: Server, screens: list[Screen]) -> None:
    sockets = [Screen(server, guest_auth("lobby-2")) for _ in range(5)]
    screens.extend(sockets)
    replies = [s.call("pair", {}) for s in sockets]
    # One code per few seconds per screen, however many sockets ask.
    assert sum("code" in r for r in replies) <= 1
    assert all("code" in r or r.get("retry_after", 0) > 0 for r in replies)
    assert sockets[0].call("pair_status", {"secret": "x" * 1000}) == {
        "error": "pair_status must be an object {secret}"
    }


def test_a_revoke_on_one_node_is_honoured_by_another(
    server: Server, screens: list[Screen], tmp_path: Path
) -> None:
    env = {"SIGNAGE_DATABASE": str(server.database)}
    with running_server(tmp_path, server.playlists, env=env, name="second") as second:
        screen = Screen(second, screen_auth(server.database, "lobby-2"))
        screens.append(screen)
        assert wait_until(lambda: screen.received("state"), 30)
        assert "now" in heartbeat(screen)
        # An admin revokes it on the console of the first node.
        http = requests.Session()
        page = http.get(f"{server.url}/console/login", timeout=10).text
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match is not None
        http.post(
            f"{server.url}/console/login",
            data={"name": "admin", "password": PASSWORD, "csrf_token": match.group(1)},
            timeout=10,
        )
        board = http.get(f"{server.url}/console/screens", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', board)
        assert token is not None
        revoked = http.post(
            f"{server.url}/console/screens/lobby-2/revoke",
            data={"csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=10,
        )
        assert revoked.status_code == 303
        assert wait_until(lambda: screen.received("enrollment"), 30) == [
            {"enrolled": False, "refused": True}
        ]
        assert heartbeat(screen) == {"error": NOT_ENROLLED}
        assert screen.call("played", [PLAY]) == {"error": NOT_ENROLLED}
