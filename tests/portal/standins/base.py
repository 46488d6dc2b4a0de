"""What every controller stand-in shares: a loopback HTTP server a test starts and stops.

A stand-in is a context manager::

    with UnifiStandin(username="api", password="s3cret") as unifi:
        ...  # unifi.url, unifi.grants, unifi.requests, unifi.down, unifi.delay

On entry it listens on 127.0.0.1 on a port the kernel picks (so two stand-ins never race
for a port), serving from a daemon thread, one request per connection; on exit it stops
accepting and closes the socket (a request still sleeping through ``delay`` is abandoned:
its daemon thread ends with the process).

Knobs every stand-in has:

- ``down``: while true the controller is unreachable. ``down_mode`` says how:
  ``"503"`` (default) answers ``503 Service Unavailable`` with an HTML body, as a reverse
  proxy in front of a dead controller does; ``"close"`` closes the connection without a
  byte, as a crashed or restarting controller does (the client sees "connection reset" or
  "remote end closed connection").
- ``delay``: seconds to sleep before answering anything (a slow controller); the sleep
  happens before the ``down`` check, so a slow *and* down controller is slow to fail.

Who is asking: a real controller knows which phone a request comes from (its MAC is on
the wire). Here everything comes from 127.0.0.1, so each stand-in attributes a visitor's
request to the client of the latest ``redirect_url()`` call, unless the request carries
the test-only header ``X-Standin-Client-Mac`` naming another client that ``redirect_url()``
announced. That header is not part of any vendor's interface.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeVar

#: Request headers kept in ``Standin.requests`` (lower-case names).
LOGGED_HEADERS = (
    "host",
    "content-type",
    "cookie",
    "x-csrf-token",
    "csrf-token",
    "user-agent",
    "referer",
    "x-standin-client-mac",
)

CLIENT_HEADER = "x-standin-client-mac"

_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}$")


def is_mac(text: str) -> bool:
    """True for six hex octets joined by ``:`` or ``-`` (one separator throughout)."""
    return bool(_MAC.match(text))


def normal_mac(text: str) -> str:
    """``text`` (a MAC in any accepted form) as lower-case, colon-separated."""
    if not is_mac(text):
        raise ValueError(f"not a MAC address: {text!r}")
    return text.replace("-", ":").lower()


def add_query(url: str, pairs: list[tuple[str, str]], safe: Mapping[str, str] | None = None) -> str:
    """``url`` with ``pairs`` appended to its query, each value percent-encoded.

    ``safe`` names, per parameter, characters left as they are (controllers differ: Meraki
    and UniFi leave the colons of a MAC alone).
    """
    safe = safe or {}
    query = "&".join(
        f"{urllib.parse.quote(name, safe='')}={urllib.parse.quote(value, safe=safe.get(name, ''))}"
        for name, value in pairs
    )
    glue = "&" if "?" in url else "?"
    return f"{url}{glue}{query}" if query else url


@dataclass(frozen=True)
class Request:
    """One request as a stand-in received it."""

    method: str
    path: str
    query: Mapping[str, tuple[str, ...]]
    headers: Mapping[str, str]
    body: bytes = b""
    cookies: Mapping[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        """Query parameters, then an urlencoded body over them (first value of each)."""
        merged = {name: values[0] for name, values in self.query.items() if values}
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body = urllib.parse.parse_qs(
                self.body.decode("utf-8", "replace"), keep_blank_values=True
            )
            merged.update({name: values[0] for name, values in body.items() if values})
        return merged

    def json(self) -> Any:
        """The body parsed as JSON; ``ValueError`` when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Response:
    """What a stand-in answers; ``headers`` may repeat a name (``Set-Cookie``)."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


#: Answer nothing and close the connection (what a controller does with a request it drops).
DROP = Response(0)


def json_response(status: int, payload: Any, *headers: tuple[str, str]) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, (("Content-Type", "application/json;charset=UTF-8"), *headers))


def html_response(status: int, text: str, *headers: tuple[str, str]) -> Response:
    return Response(status, text.encode(), (("Content-Type", "text/html; charset=utf-8"), *headers))


def redirect(location: str, status: int = HTTPStatus.FOUND) -> Response:
    return Response(status, b"", (("Location", location), ("Content-Length", "0")))


def not_found() -> Response:
    return html_response(HTTPStatus.NOT_FOUND, "<html><body>404 Not Found</body></html>")


@dataclass(frozen=True)
class Visitor:
    """A phone the controller has redirected to the portal."""

    mac: str
    ip: str


G = TypeVar("G")


class Standin(Generic[G]):
    """Base of every controller stand-in: server lifecycle, request log, grants, knobs.

    Subclasses implement :meth:`handle`, record grants with :meth:`record_grant` and
    announce visitors with :meth:`announce` from their ``redirect_url``.
    """

    def __init__(self) -> None:
        self.down = False
        self.down_mode: Literal["503", "close"] = "503"
        self.delay = 0.0
        self._lock = threading.Lock()
        self._grants: list[G] = []
        self._requests: list[Request] = []
        self._visitors: dict[str, Visitor] = {}
        self._current: Visitor | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: clean shutdown

            def _serve(self) -> None:
                standin._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # -- common surface ----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running: use it in a with block")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, ``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def grants(self) -> list[G]:
        """A snapshot of the grants recorded so far, oldest first."""
        with self._lock:
            return list(self._grants)

    @property
    def requests(self) -> list[Request]:
        """A snapshot of the requests received so far (also while down), oldest first."""
        with self._lock:
            return list(self._requests)

    def wait_for_grants(self, count: int = 1, timeout: float = 5.0) -> list[G]:
        """The grants once there are at least ``count``; ``TimeoutError`` otherwise."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            grants = self.grants
            if len(grants) >= count:
                return grants
            time.sleep(0.02)
        raise TimeoutError(f"{len(self.grants)} grants after {timeout} s, expected {count}")

    # -- for subclasses ----------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def record_grant(self, grant: G) -> None:
        with self._lock:
            self._grants.append(grant)

    def announce(self, mac: str, ip: str) -> Visitor:
        """Remember a visitor the controller sent to the portal; it becomes the current one."""
        visitor = Visitor(normal_mac(mac), ip)
        with self._lock:
            self._visitors[visitor.mac] = visitor
            self._current = visitor
        return visitor

    def visitor(self, request: Request) -> Visitor | None:
        """The visitor a request comes from (see the module docstring)."""
        named = request.header(CLIENT_HEADER)
        with self._lock:
            if named and is_mac(named):
                return self._visitors.get(normal_mac(named))
            return self._current

    def visitors(self) -> list[Visitor]:
        with self._lock:
            return list(self._visitors.values())

    # -- plumbing ----------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        cookies: dict[str, str] = {}
        if "cookie" in headers:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(headers["cookie"])
            except Exception:  # a garbled Cookie header is treated as no cookie
                jar = SimpleCookie()
            cookies = {name: morsel.value for name, morsel in jar.items()}
        query = {
            name: tuple(values)
            for name, values in urllib.parse.parse_qs(split.query, keep_blank_values=True).items()
        }
        request = Request(
            method=handler.command,
            path=urllib.parse.unquote(split.path),
            query=query,
            headers=headers,
            body=body,
            cookies=cookies,
        )
        logged = Request(
            method=request.method,
            path=request.path,
            query=request.query,
            headers={name: headers[name] for name in LOGGED_HEADERS if name in headers},
            body=body,
            cookies=cookies,
        )
        with self._lock:
            self._requests.append(logged)
        if self.delay > 0:
            time.sleep(self.delay)
        if self.down and self.down_mode == "close":
            handler.close_connection = True
            return
        if self.down:
            response = html_response(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "<html><body><h1>503 Service Unavailable</h1></body></html>",
            )
        else:
            try:
                response = self.handle(request)
            except Exception as error:  # a stand-in bug must show in the test, not hang it
                response = html_response(
                    HTTPStatus.INTERNAL_SERVER_ERROR, f"stand-in error: {error!r}"
                )
        if response.status == DROP.status:
            handler.close_connection = True
            return
        try:
            handler.send_response(response.status)
            names = {name.lower() for name, _ in response.headers}
            for name, value in response.headers:
                handler.send_header(name, value)
            if "content-length" not in names:
                handler.send_header("Content-Length", str(len(response.body)))
            handler.end_headers()
            if request.method != "HEAD":
                handler.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True  # the client gave up waiting (a test's timeout)
