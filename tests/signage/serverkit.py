"""Building blocks for the signage server tests: a small playlist directory, apps, servers,
and a webhook receiver.

The playlist directory is written by the test (two groups, three screens, short slides), so
the tests do not depend on the shipped example content and rotate quickly.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bluezone.storage.database import Database, is_url
from signage.live.enrollment import EnrollmentStore
from tests.conftest import ARTIFACTS, ROOT, free_port, wait_for_port

SCREENS_YAML = """\
venue:
  name: Bến xe thử nghiệm
  timezone: Asia/Ho_Chi_Minh

groups:
  lobby:
    name: Sảnh chờ
    playlist: lobby
  gate:
    name: Cửa ra
    playlist: gate

screens:
  - id: lobby-1
    name: Sảnh chờ 1
    location: Cạnh quầy vé
    groups: [lobby]
    languages: [vi, en]
    orientation: landscape
  - id: lobby-2
    name: Sảnh chờ 2
    location: Cạnh cửa vào
    groups: [lobby]
    languages: [vi, en]
    orientation: portrait
  - id: gate-1
    name: Cửa ra 1
    location: Lối ra bãi xe
    groups: [gate]
    languages: [vi]
    orientation: landscape
"""


def playlist_yaml(titles: list[str], duration: int = 3) -> str:
    """A playlist of text slides with the given Vietnamese titles (English added)."""
    lines = ["name: Thử nghiệm", "", "items:"]
    for title in titles:
        lines += [
            "  - text:",
            "      vi:",
            f"        title: {title}",
            "        body: Hãy cài Bluezone và bật Bluetooth.",
            "      en:",
            f"        title: {title} (en)",
            "        body: Install Bluezone and keep Bluetooth on.",
            f"    duration: {duration}",
        ]
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Save like an editor does: write a hidden temporary file, then rename it over `path`."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def make_playlists(directory: Path) -> Path:
    """Write the test playlist directory and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "media").mkdir(exist_ok=True)
    (directory / "screens.yaml").write_text(SCREENS_YAML, encoding="utf-8")
    (directory / "lobby.yaml").write_text(playlist_yaml(["Một", "Hai", "Ba"]), encoding="utf-8")
    (directory / "gate.yaml").write_text(playlist_yaml(["Cổng"]), encoding="utf-8")
    return directory


def wait_until(condition: Callable[[], Any], timeout: float, step: float = 0.02) -> Any:
    """Poll `condition` until it returns a true value or `timeout` seconds pass; return it."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > end:
            return value
        time.sleep(step)


def enroll(database: Database | Path, screen_id: str) -> str:
    """Give `screen_id` a credential in the signage database, as an approved pairing does, and
    return its token (what a paired player keeps and sends as `auth.token`)."""
    return EnrollmentStore(database).enroll(screen_id, "admin").token


def screen_auth(database: Database | Path, screen_id: str) -> dict[str, object]:
    """The Socket.IO `auth` of an enrolled screen: its id and a fresh credential."""
    return {"screen": screen_id, "token": enroll(database, screen_id), "protocol": 2}


def guest_auth(screen_id: str) -> dict[str, object]:
    """The Socket.IO `auth` of a player that holds no credential (yet): it gets its programme
    but is not believed."""
    return {"screen": screen_id, "protocol": 2}


def keep_token_script(screen_id: str, token: str) -> str:
    """A page script (for `context.add_init_script`) that puts a credential where the player
    keeps it, as if the screen had paired before."""
    key = json.dumps(f"signage:{screen_id}:token")
    return f"localStorage.setItem({key}, JSON.stringify({json.dumps(token)}));"


@dataclass
class Server:
    """A signage server running under gunicorn, as `bluezone-signage serve` starts it."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    log: Path
    playlists: Path
    # A SQLite file, or a PostgreSQL database.
    database: Database | Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def stop_group(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop gunicorn at once (SIGINT is its quick shutdown), then its whole process group.

    Screens hold websockets open for ever, so a graceful stop would wait for its full timeout.
    """
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def running_server(
    workdir: Path,
    playlists: Path,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    name: str = "signage",
) -> Iterator[Server]:
    """Start `bluezone-signage serve` on a free loopback port; stop it however the test ends.

    The server log is copied to test-artifacts/ and printed when the block raises.
    """
    port = port or free_port()
    log = workdir / f"{name}-{port}.log"
    given = (env or {}).get("SIGNAGE_DATABASE", "")
    database = (
        Database.from_url(given) if is_url(given) else Path(given or workdir / f"{name}.sqlite3")
    )
    environment = {
        **os.environ,
        "SIGNAGE_PLAYLISTS_DIR": str(playlists),
        "SIGNAGE_DATABASE": str(database),
        "SIGNAGE_API_TOKEN": "test-token",
        "SIGNAGE_MAX_SCREENS": "200",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    environment.pop("SIGNAGE_CONFIG", None)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "signage.cli", "serve", "--bind", f"127.0.0.1:{port}"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=workdir,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", port, log, playlists, database)
    try:
        wait_for_port(process, "127.0.0.1", port, log)
        yield server
    except BaseException:
        print(f"--- {name} server log ---\n{server.log_text()}")
        raise
    finally:
        stop_group(process)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / log.name).write_bytes(log.read_bytes())


def send_override(server: Server, target: str = "group:lobby") -> dict[str, Any]:
    """Send a five-minute override to ``target`` through the HTTP API of ``server`` (whose
    token `running_server` sets); the override as the API returns it."""
    request = urllib.request.Request(
        server.url + "/api/overrides",
        method="POST",
        data=json.dumps({"target": target, "until": "+5m", "messages": {"vi": "Sơ tán"}}).encode(),
        headers={"Authorization": "Bearer test-token", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        created: dict[str, Any] = json.loads(response.read())
        return created


class Receiver:
    """A loopback HTTP server answering each POST with the next status of `statuses`."""

    def __init__(
        self, statuses: list[int], delay: float = 0.0, hold: threading.Event | None = None
    ) -> None:
        """`delay` seconds before each answer; with `hold`, no answer until it is set."""
        self.statuses = list(statuses)
        self.received: list[dict[str, Any]] = []
        self.delay = delay
        self.hold = hold
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                receiver.received.append(body)
                time.sleep(receiver.delay)
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
