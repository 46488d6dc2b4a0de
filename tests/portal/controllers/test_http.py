"""The controller HTTP client: deadlines, which calls are retried, TLS choices, redaction."""

from __future__ import annotations

import http.server
import logging
import re
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from portal.controllers.errors import ControllerUnavailable
from portal.controllers.http import _MIN_ATTEMPT, ControllerHTTP, Deadline
from tests.conftest import free_port, require_tool
from tests.portal.standins.unifi import UnifiStandin


@pytest.fixture
def standin() -> Iterator[UnifiStandin]:
    with UnifiStandin() as server:
        yield server


@pytest.mark.parametrize(
    ("method", "idempotent", "mode", "tries"),
    [
        ("GET", None, "503", 3),
        ("GET", None, "close", 3),
        ("DELETE", None, "503", 3),
        ("POST", None, "503", 1),  # may have been applied: never sent twice
        ("POST", None, "close", 1),
        ("POST", True, "503", 3),
        ("POST", True, "close", 3),
        ("GET", False, "503", 1),
    ],
)
def test_only_idempotent_calls_are_retried_once_sent(
    standin: UnifiStandin, method: str, idempotent: bool | None, mode: str, tries: int
) -> None:
    standin.down = True
    standin.down_mode = mode  # type: ignore[assignment]
    client = ControllerHTTP(standin.url, vendor="Test")
    with pytest.raises(ControllerUnavailable, match=f"{tries} tr"):
        client.request(method, "/api/x", Deadline(3), json={"a": 1}, idempotent=idempotent)
    assert len(standin.requests) == tries


def test_a_call_never_connected_is_retried_even_when_not_idempotent() -> None:
    client = ControllerHTTP(f"http://127.0.0.1:{free_port()}", vendor="Test")
    deadline = Deadline(5)
    with pytest.raises(ControllerUnavailable, match=r"connection refused \(3 tries"):
        client.request("POST", "/api/x", deadline, json={})
    assert deadline.remaining() > 0, "the tries ran out, not the deadline"


def test_back_off_grows_between_tries() -> None:
    pauses: list[float] = []
    client = ControllerHTTP(
        f"http://127.0.0.1:{free_port()}", vendor="Test", backoff=0.2, sleep=pauses.append
    )
    with pytest.raises(ControllerUnavailable, match="3 tries"):
        client.request("GET", "/", Deadline(5))
    # 0.2 s, then 0.4 s, each with a jitter of +-50 %
    assert len(pauses) == 2
    assert 0.1 <= pauses[0] <= 0.3
    assert 0.2 <= pauses[1] <= 0.6


def test_read_timeout_of_a_call_that_may_have_been_applied_is_not_retried(
    standin: UnifiStandin,
) -> None:
    standin.delay = 30.0
    client = ControllerHTTP(standin.url, vendor="Test", read_timeout=0.3)
    deadline = Deadline(3)
    with pytest.raises(ControllerUnavailable, match=r"timed out waiting for the answer \(1 try"):
        client.request("POST", "/api/login", deadline, json={})
    # It waited for its read timeout, then gave up well before the deadline (a retry, or
    # waiting for the 30 s answer, would have used all of it).
    assert deadline.elapsed() >= 0.3
    assert deadline.remaining() > 0
    assert len(standin.requests) == 1


@pytest.mark.parametrize("seconds", [0.4, 1.2])
def test_retries_stop_at_the_deadline(standin: UnifiStandin, seconds: float) -> None:
    standin.delay = 30.0
    client = ControllerHTTP(standin.url, vendor="Test", read_timeout=0.3, attempts=50)
    deadline = Deadline(seconds)
    with pytest.raises(ControllerUnavailable, match="timed out") as caught:
        client.request("GET", "/api/self", deadline)
    # Fewer tries than allowed: the deadline is what ended the request, and nothing waited for
    # the 30 s answer. No try starts that could not finish, so a little of it may be left.
    tries = int(re.search(r"\((\d+) tr", str(caught.value)).group(1))  # type: ignore[union-attr]
    assert tries < 50
    assert deadline.remaining() < 0.3 + _MIN_ATTEMPT + 0.1 * 2 ** (tries - 1) * 1.5
    assert deadline.elapsed() < standin.delay


@pytest.mark.parametrize("seconds", [0, -1, 5.5, True, "3"])
def test_deadline_is_bounded(seconds: Any) -> None:
    with pytest.raises(ValueError, match="timeout"):
        Deadline(seconds)


def test_https_to_a_plain_http_port_fails_once_with_a_hint(standin: UnifiStandin) -> None:
    client = ControllerHTTP(f"https://127.0.0.1:{standin.port}", vendor="Test")
    with pytest.raises(ControllerUnavailable, match=r"https/http right\?.*\(1 try"):
        client.request("GET", "/", Deadline(3))


def test_redact_blanks_secrets_and_cookie_values(standin: UnifiStandin) -> None:
    client = ControllerHTTP(standin.url, vendor="Test", secrets=("hunter22",))
    answer = client.request(
        "POST", "/api/login", Deadline(3), json={"username": "admin", "password": "secret"}
    )
    assert answer.status == 200
    session = client.cookie("unifises")
    assert session
    client.add_secret("tok-old-1", slot="token")
    client.add_secret("tok-123456", slot="token")
    client.add_secret("abc")
    text = client.redact(f"pw hunter22 cookie {session} token tok-123456 short abc tok-old-1")
    assert text == "pw *** cookie *** token *** short abc tok-old-1"


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, like a controller's factory one."""
    openssl = require_tool("openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=unifi"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return Certificate(cert, key)


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Flood(http.server.BaseHTTPRequestHandler):
    """A controller gone wrong: an endless answer."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(64):
                self.wfile.write(chunk)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_an_answer_larger_than_a_megabyte_is_cut_off_once() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flood)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        client = ControllerHTTP(f"http://127.0.0.1:{server.server_address[1]}", vendor="Test")
        with pytest.raises(ControllerUnavailable, match=r"larger than 1048576 bytes \(1 try"):
            client.request("GET", "/", Deadline(3))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def tls_server(certificate: Certificate) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert, certificate.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_self_signed_certificate_is_refused_by_default(tls_server: str) -> None:
    client = ControllerHTTP(tls_server, vendor="Test")
    with pytest.raises(ControllerUnavailable, match=r"not trusted.*verify_tls.*\(1 try"):
        client.request("GET", "/", Deadline(3))


def test_ca_bundle_file_trusts_the_controller(tls_server: str, certificate: Certificate) -> None:
    client = ControllerHTTP(tls_server, vendor="Test", verify_tls=str(certificate.cert))
    assert client.request("GET", "/", Deadline(3)).json() == {"ok": True}


def test_verification_off_works_and_warns_once(
    tls_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(2):
        client = ControllerHTTP(tls_server, vendor="Test", verify_tls=False)
        assert client.request("GET", "/", Deadline(3)).status == 200
    warnings = [r for r in caplog.records if "verification is OFF" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING


def test_a_file_that_is_not_a_ca_bundle_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    with pytest.raises(ValueError, match="not a PEM CA bundle"):
        ControllerHTTP("https://127.0.0.1:1", vendor="Test", verify_tls=str(bogus))
