"""Two signage nodes (real gunicorn) sharing nothing but a PostgreSQL database, a real Redis
message queue and the playlist folder: accounts, overrides, acknowledgements, CAP files and
silent-screen alerts work across them, and what must happen once in the cluster happens once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import socketio

from bluezone.storage.database import Database
from signage.emergency.store import OverrideStore
from signage.live.acknowledgement import Acknowledgements
from tests.signage.accounts.test_server_sign_in_live import Browser
from tests.signage.emergency.test_server_cap import cap, settle
from tests.signage.serverkit import (
    Receiver,
    Server,
    make_playlists,
    running_server,
    screen_auth,
    send_override,
    wait_until,
)

PASSWORD = "mật khẩu của sở"


def _screen(server: Server, screen_id: str, overrides: list[dict[str, Any]]) -> Any:
    client = socketio.Client(reconnection=False)
    client.on("override", overrides.append)
    client.connect(
        server.url,
        auth=screen_auth(server.database, screen_id),
        transports=["websocket"],
        wait_timeout=10,
    )
    return client


def test_two_nodes_on_one_database(tmp_path: Path, postgresql_url: str, redis_url: str) -> None:
    playlists = make_playlists(tmp_path / "playlists")
    database = Database.from_url(postgresql_url)
    receiver = Receiver([])
    env = {
        "SIGNAGE_DATABASE": postgresql_url,
        "SIGNAGE_MESSAGE_QUEUE": redis_url,
        "SIGNAGE_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "SIGNAGE_COOKIE_SECURE": "false",
        "SIGNAGE_PASSWORD_SCRYPT_N": "1024",
        "SIGNAGE_ALERT_DELAY": "3",
        "SIGNAGE_ALERT_WEBHOOK_URL": receiver.url,
        "SIGNAGE_CAP_DROP_DIR": str(tmp_path / "cap"),
        "SIGNAGE_WATCH_INTERVAL": "0.2",
    }
    # An operator added with the command line, against the database, before any node runs.
    password = tmp_path / "password"
    password.write_text(PASSWORD + "\n", encoding="utf-8")
    added = subprocess.run(
        [sys.executable, "-m", "signage.cli", "operators", "add", "so-y-te", "--role", "admin",
         "--password-file", str(password)],
        env={**env, "SIGNAGE_PLAYLISTS_DIR": str(playlists), "PYTHONPATH": str(Path.cwd())},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    screens: list[Any] = []
    try:
        with ExitStack() as stack:
            nodes = []
            for name in ("node-a", "node-b"):
                workdir = tmp_path / name
                workdir.mkdir()
                nodes.append(
                    stack.enter_context(running_server(workdir, playlists, env=env, name=name))
                )
            a, b = nodes

            # The operator signs in on node B (with the key every node shares).
            url, page = Browser(b).sign_in("so-y-te", PASSWORD)
            assert "/console/login" not in url, page[:2000]

            # An override sent through node A reaches a screen on node B, which acknowledges
            # it there; every node counts the acknowledgement.
            seen: list[dict[str, Any]] = []
            screens.append(_screen(b, "lobby-2", seen))
            override = int(send_override(a)["id"])
            assert wait_until(lambda: any(o.get("id") == override for o in seen), 10), (
                a.log_text() + b.log_text()
            )
            assert screens[0].call("ack", {"override": override}, timeout=10) == {"ok": True}
            assert set(Acknowledgements(database).of(override)) == {"lobby-2"}

            # A CAP file dropped where both nodes look is applied once.
            folder = tmp_path / "cap"
            folder.mkdir()
            (folder / "alert.xml").write_bytes(cap("TWO-NODES"))
            settle(folder, "alert.xml")
            assert wait_until(lambda: (folder / "done" / "alert.xml").exists(), 10)
            created = [e for e in OverrideStore(database).audit_log() if e.action == "create"]
            assert [e.actor.startswith("cap:") for e in created].count(True) == 1

            # A screen moves from node B to node A (its new socket opens before the old one
            # closes, as a reload does) and later goes silent: it is reported once, by one
            # node, and never while it was online on the other node.
            screens.append(_screen(b, "gate-1", []))
            wait_until(lambda: False, 4)  # online for longer than the alert delay
            screens.append(_screen(a, "gate-1", []))
            screens[-2].disconnect()
            wait_until(lambda: False, 4)
            assert receiver.received == [], "online on node A, the screen was reported silent"
            screens[-1].disconnect()
            assert wait_until(lambda: receiver.received, 15), a.log_text() + b.log_text()
            # Both nodes have run many passes since the alert was due.
            wait_until(lambda: False, 3)
            offline = [r for r in receiver.received if r["event"] == "screen_offline"]
            assert [r["screen"] for r in offline] == ["gate-1"], receiver.received
            assert not [r for r in receiver.received if r["screen"] == "lobby-2"]
    finally:
        for client in screens:
            client.disconnect()
            client.shutdown()
        receiver.close()


def test_gunicorn_started_directly_stops_with_one_line_on_an_unreachable_database(
    tmp_path: Path,
) -> None:
    from tests.conftest import free_port

    url = f"postgresql://bz:hunter2@127.0.0.1:{free_port()}/signage"
    for module, env in (
        ("signage.wsgi:app", {"SIGNAGE_DATABASE": url, "SIGNAGE_SECRET_KEY": "k" * 32}),
        ("portal.wsgi:app", {"PORTAL_DATABASE": url, "PORTAL_SECRET_KEY": "k" * 32}),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "gunicorn", "--no-control-socket",
             "--bind", f"127.0.0.1:{free_port()}", module],
            env={**os.environ, **env, "PYTHONPATH": str(Path.cwd())},
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode != 0
        assert ": cannot use postgresql://bz:***@127.0.0.1:" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
