"""The portal under real gunicorn (the deploy config): serve, accept, restart, still online."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ..conftest import free_port, stop, wait_for_port

BIN = Path(sys.executable).parent


class Portal:
    """A gunicorn process serving the portal, restartable on the same database."""

    def __init__(self, tmp_path: Path, database: str = "", name: str = "gunicorn") -> None:
        self.port = free_port()
        self.log = tmp_path / f"{name}.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
            "PORTAL_PORTAL_URL": f"http://127.0.0.1:{self.port}",
            "PORTAL_DATABASE": database or str(tmp_path / "portal.sqlite3"),
            "PORTAL_SECRET_KEY": "gunicorn-test-secret-key-0123456789",
            "PORTAL_MAC_LOOKUP": "false",
            "PORTAL_EVENT_FLUSH_SECONDS": "0",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "bluezone-portal"), "serve", "--bind", f"127.0.0.1:{self.port}"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.process, "127.0.0.1", self.port, self.log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    server = Portal(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _get(port: int, path: str, host: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def accept(port: int) -> None:
    """Open the splash page of the portal on ``port`` and accept, as a phone on 127.0.0.1."""
    host = f"127.0.0.1:{port}"
    status, headers, page = _get(port, "/", host)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    token = re.search(rb'name="token" value="([^"]+)"', page)
    assert token
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "POST",
        "/accept",
        body=urlencode({"token": token.group(1).decode(), "lang": "en"}),
        headers={"Host": host, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    connection.close()
    assert response.status == 303


def probe(port: int) -> int:
    """The status of an Android connectivity probe to the portal on ``port``."""
    return _get(port, "/generate_204", "connectivitycheck.gstatic.com")[0]


def test_accept_survives_a_restart(portal: Portal) -> None:
    assert probe(portal.port) == 302
    accept(portal.port)
    assert probe(portal.port) == 204
    portal.stop()
    portal.start()
    status, _, body = _get(portal.port, "/hotspot-detect.html", "captive.apple.com")
    assert (status, body) == (
        200,
        b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>",
    )


def test_bad_config_stops_serve_with_a_clear_message(tmp_path: Path) -> None:
    config = tmp_path / "portal.yaml"
    config.write_text("languages: [vi, xx]\n")
    done = subprocess.run(
        [str(BIN / "bluezone-portal"), "serve", "--config", str(config), "--bind", "127.0.0.1:1"],
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
    )
    assert done.returncode == 1
    assert f"{config}:1: languages: unknown language ['xx']" in done.stderr
    assert "Traceback" not in done.stderr
