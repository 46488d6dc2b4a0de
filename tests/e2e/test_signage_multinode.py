"""Two signage processes sharing rooms through a real redis-server started by the test.

Each node has its own database, so the only way an override sent to one node reaches a screen
on the other is the Redis message queue.
"""

from __future__ import annotations

import json
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import socketio

from tests.signage.serverkit import (
    Server,
    guest_auth,
    make_playlists,
    playlist_yaml,
    running_server,
    wait_until,
    write_atomically,
)


def connect(server: Server, screen_id: str, received: list[tuple[str, Any]]) -> Any:
    client = socketio.Client(reconnection=False)
    for name in ("state", "override"):
        client.on(name, lambda data, name=name: received.append((name, data)))
    client.connect(
        server.url, auth=guest_auth(screen_id), transports=["websocket"], wait_timeout=10
    )
    return client


def test_override_and_edit_reach_screens_on_both_nodes(tmp_path: Path, redis_url: str) -> None:
    playlists = make_playlists(tmp_path / "playlists")
    on_first: list[tuple[str, Any]] = []
    on_second: list[tuple[str, Any]] = []
    clients: list[Any] = []
    workdirs = [tmp_path / "node-1", tmp_path / "node-2"]
    for workdir in workdirs:
        workdir.mkdir()
    with ExitStack() as stack:
        first = stack.enter_context(
            running_server(
                workdirs[0],
                playlists,
                env={"SIGNAGE_MESSAGE_QUEUE": redis_url},
                name="node-1",
            )
        )
        second = stack.enter_context(
            running_server(
                workdirs[1],
                playlists,
                env={"SIGNAGE_MESSAGE_QUEUE": redis_url},
                name="node-2",
            )
        )
        try:
            clients.append(connect(first, "lobby-1", on_first))
            clients.append(connect(second, "lobby-2", on_second))
            assert wait_until(lambda: on_first and on_second, 5)

            request = urllib.request.Request(
                first.url + "/api/overrides",
                method="POST",
                data=json.dumps(
                    {"target": "group:lobby", "until": "+5m", "messages": {"vi": "Sơ tán"}}
                ).encode(),
                headers={"Authorization": "Bearer test-token", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 201

            # Through the message queue each node hears the override in its own time, the node
            # it was sent to included: wait for both screens, in no particular order.
            def overridden(events: list[tuple[str, Any]]) -> bool:
                return any(name == "override" for name, _ in events)

            assert wait_until(lambda: overridden(on_first) and overridden(on_second), 10), (
                first.log_text() + second.log_text()
            )

            write_atomically(playlists / "lobby.yaml", playlist_yaml(["Chín"]))

            def edited(events: list[tuple[str, Any]]) -> bool:
                return any(
                    name == "state" and data["items"][0]["content"][0]["title"] == "Chín"
                    for name, data in events
                )

            assert wait_until(lambda: edited(on_first) and edited(on_second), 10)
        finally:
            for client in clients:
                client.disconnect()
                client.shutdown()
