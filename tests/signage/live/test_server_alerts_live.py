"""Offline alerts from the server as deployed (gunicorn, gevent) to a webhook on loopback."""

from __future__ import annotations

from pathlib import Path

import socketio

from tests.signage.serverkit import (
    Receiver,
    make_playlists,
    running_server,
    screen_auth,
    wait_until,
)


def test_a_screen_that_stays_away_is_reported_to_the_webhook(tmp_path: Path) -> None:
    receiver = Receiver([500, 200, 200])
    env = {
        "SIGNAGE_ALERT_DELAY": "1",
        "SIGNAGE_ALERT_WEBHOOK_URL": receiver.url,
        "SIGNAGE_ALERT_WEBHOOK_ATTEMPTS": "3",
        "SIGNAGE_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
    }
    try:
        with running_server(tmp_path, make_playlists(tmp_path / "playlists"), env=env) as server:
            screen = socketio.Client(reconnection=False)
            screen.connect(
                server.url,
                auth=screen_auth(server.database, "gate-1"),
                transports=["websocket"],
                wait_timeout=10,
            )
            # Steady online for longer than the delay, then gone for good.
            wait_until(lambda: False, 2.5)
            screen.disconnect()
            # The first POST fails (500); the retry 2 s later delivers the alert.
            assert wait_until(lambda: len(receiver.received) >= 2, 10)
            first, retried = receiver.received[:2]
            assert first == retried
            assert (first["event"], first["screen"]) == ("screen_offline", "gate-1")
            assert first["name"] == "Cửa ra 1" and "offline" in first["text"]
            assert "try 1 of 3 failed" in server.log_text()
    finally:
        receiver.close()
