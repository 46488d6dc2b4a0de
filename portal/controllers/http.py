"""The one home of HTTP calls from the portal to venue Wi-Fi controllers.

Every controller client (:mod:`.unifi`, :mod:`.omada`) talks to its controller through
:class:`ControllerHTTP`, which guarantees:

- **Bounded time.** A visitor's request carries one :class:`Deadline` (at most
  :data:`.fields.MAX_DEADLINE` seconds) shared by every call it makes (login, grant, retries).
  Each call also has its own connect and read timeouts, both cut down to what is left of the
  deadline, and the socket timeout is set again before each read, so no request thread is held
  longer than the deadline (plus a few milliseconds of scheduling).
- **Retries that cannot do harm.** A call is retried, with exponential back-off and jitter, after
  a connection error, a timeout or a 5xx answer. A call whose request may have reached the
  controller (read timeout, reset, 5xx) is retried only when the caller says it is idempotent;
  a call that never got connected is always safe to retry.
- **TLS verification on by default.** ``verify_tls`` is ``True`` (system CA store), the path of
  a CA bundle file (the usual answer to a controller's self-signed certificate: export it and
  name it here), or ``False`` (no verification, logged as a warning once per controller URL).
- **No secret in any message.** Errors and log lines name the vendor, the controller's base URL,
  the method and the path without its query; never a body, a header or a cookie. Every text that
  could carry something from the controller also passes through :meth:`ControllerHTTP.redact`,
  which blanks the registered secrets (passwords, tokens) and the session cookies' values.

Why the standard library (``http.client`` + ``http.cookiejar``) and not ``requests``: requests is
not a dependency of the portal (only of some test tools), its ``Session`` is not documented as
thread-safe while gunicorn's gthread workers share one controller session, it has no total
deadline (only per-socket-operation timeouts) and it raises a warning on every unverified
request. ``http.client`` lets this module set the timeout of each phase (connect and TLS
handshake, then each read) and know exactly whether a request was sent, which is what decides
whether a retry is safe; ``CookieJar`` is thread-safe. One connection per call: a grant is one or
two calls, and a fresh connection cannot be a stale keep-alive socket the controller has closed.
"""

from __future__ import annotations

import email.message
import http.client
import http.cookiejar
import ipaddress
import json as jsonlib
import logging
import random
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ControllerRefused, ControllerUnavailable
from .fields import check_timeout, check_url, check_verify_tls

log = logging.getLogger("portal.controllers")

CONNECT_TIMEOUT = 2.0
"""Default limit for one TCP connect plus TLS handshake, in seconds."""
READ_TIMEOUT = 3.0
"""Default limit for one wait for data from the controller, in seconds."""
ATTEMPTS = 3
"""Default number of tries of one call (the first and two retries)."""
BACKOFF = 0.1
"""Default first back-off pause in seconds; it doubles for each retry, with jitter."""
MAX_BODY = 1 << 20
"""The largest answer accepted from a controller, in bytes."""
_MIN_ATTEMPT = 0.05
"""No try is started with less time than this left: it could not succeed."""
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

_warned_unverified: set[str] = set()
_warned_lock = threading.Lock()


class Deadline:
    """The time one visitor's request may still spend talking to a controller."""

    def __init__(self, seconds: float) -> None:
        self.seconds = check_timeout(seconds)
        self._start = time.monotonic()

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.seconds - self.elapsed())

    def elapsed(self) -> float:
        """Seconds since the deadline was set."""
        return time.monotonic() - self._start


@dataclass(frozen=True)
class Response:
    """A controller's answer with a status below 500 (5xx answers become errors)."""

    status: int
    headers: email.message.Message
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return jsonlib.loads(self.body.decode("utf-8"))


class _Failed(Exception):
    """One try failed; ``sent`` says whether the controller may have received the request."""

    def __init__(self, reason: str, *, sent: bool, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent = sent
        self.retry = retry


class _Policy(http.cookiejar.DefaultCookiePolicy):
    """Browsers' rule: plain HTTP to a loopback address counts as secure for cookies.

    A controller reached over ``http://127.0.0.1`` (an SSH tunnel, a local test controller)
    may set ``Secure`` session cookies; the standard policy would then never send them back.
    """

    def return_ok_secure(
        self, cookie: http.cookiejar.Cookie, request: urllib.request.Request
    ) -> bool:
        if cookie.secure and request.type == "http" and _loopback(request.host):
            return True
        return bool(super().return_ok_secure(cookie, request))


def _loopback(host: str) -> bool:
    name = urllib.parse.urlsplit(f"//{host}").hostname or ""
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class ControllerHTTP:
    """HTTP calls to one controller at base URL ``url``, sharing one cookie jar (its session).

    Thread-safe: threads may call :meth:`request` at once. ``vendor`` names the controller in
    messages ("UniFi controller at https://10.0.0.2:8443 ..."). ``secrets`` (passwords) are
    blanked from any text this client produces; more can be added with :meth:`add_secret`.
    """

    def __init__(
        self,
        url: str,
        *,
        vendor: str,
        verify_tls: bool | str = True,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = check_url(url)
        self.vendor = vendor
        parts = urllib.parse.urlsplit(self.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._base_path = parts.path
        self._connect_timeout = check_timeout(connect_timeout, "connect_timeout")
        self._read_timeout = check_timeout(read_timeout, "read_timeout")
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self._secrets: set[str] = set()
        self._slots: dict[str, str] = {}
        self._secrets_lock = threading.Lock()
        for secret in secrets:
            self.add_secret(secret)
        self.cookies = http.cookiejar.CookieJar(policy=_Policy())
        self._ssl = self._ssl_context(check_verify_tls(verify_tls)) if self._https else None

    def __repr__(self) -> str:
        return f"ControllerHTTP({self.vendor} at {self.url})"

    @property
    def name(self) -> str:
        """How messages name this controller."""
        return f"{self.vendor} controller at {self.url}"

    def _ssl_context(self, verify: bool | str) -> ssl.SSLContext:
        if verify is True:
            return ssl.create_default_context()
        if verify is False:
            with _warned_lock:
                if self.url not in _warned_unverified:
                    _warned_unverified.add(self.url)
                    log.warning(
                        "TLS certificate verification is OFF for the %s: anyone on the path "
                        "can read the controller password; set verify_tls to a CA bundle file",
                        self.name,
                    )
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        try:
            return ssl.create_default_context(cafile=verify)
        except (ssl.SSLError, OSError) as error:
            raise ValueError(f"verify_tls: {verify} is not a PEM CA bundle ({error})") from None

    def add_secret(self, secret: str, *, slot: str | None = None) -> None:
        """Blank ``secret`` from every message from now on (ignored when shorter than 4).

        A secret in a ``slot`` (a session token) replaces the one before it in that slot, so a
        controller that hands out a new token with every answer does not grow the set.
        """
        if len(secret) < 4:
            return
        with self._secrets_lock:
            if slot is None:
                self._secrets.add(secret)
            else:
                self._slots[slot] = secret

    def redact(self, text: str) -> str:
        """``text`` with every registered secret and session cookie value replaced by ``***``."""
        with self._secrets_lock:
            secrets = self._secrets | set(self._slots.values())
        secrets.update(c.value for c in self.cookies if c.value and len(c.value) >= 4)
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def cookie(self, name: str) -> str | None:
        """The value of the session cookie ``name``, if the controller set one."""
        for cookie in self.cookies:
            if cookie.name == name:
                return cookie.value
        return None

    def request(
        self,
        method: str,
        path: str,
        deadline: Deadline,
        *,
        json: object = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Response:
        """Send ``method`` ``path`` (below the base URL) with an optional JSON body.

        Returns any answer below 500. Raises :class:`ControllerUnavailable` when the controller
        cannot be reached, times out or keeps answering 5xx until the retries or ``deadline`` run
        out. ``idempotent`` (default: by method) allows retrying a request that may have arrived.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        body = None if json is None else jsonlib.dumps(json).encode("utf-8")
        send_headers = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            send_headers["Content-Type"] = "application/json"
        where = f"{method} {path.split('?', 1)[0]}"
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(method, path, body, send_headers, deadline)
            except _Failed as failure:
                reason = self.redact(failure.reason)
                retryable = failure.retry and (idempotent or not failure.sent)
                pause = self._backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                if (
                    not retryable
                    or attempt >= self._attempts
                    or deadline.remaining() < pause + _MIN_ATTEMPT
                ):
                    message = (
                        f"{self.name} failed: {where}: {reason} "
                        f"({attempt} {'try' if attempt == 1 else 'tries'} "
                        f"in {deadline.elapsed():.2f} s)"
                    )
                    log.warning("%s", message)
                    raise ControllerUnavailable(message) from None
                log.info("%s: %s: %s; retrying in %.2f s", self.name, where, reason, pause)
                self._sleep(pause)

    def _once(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        deadline: Deadline,
    ) -> Response:
        remaining = deadline.remaining()
        if remaining < _MIN_ATTEMPT:
            raise _Failed("no time left", sent=False, retry=False)
        url = self.url + path
        cookie_carrier = urllib.request.Request(url, method=method)
        self.cookies.add_cookie_header(cookie_carrier)
        cookie = cookie_carrier.unredirected_hdrs.get("Cookie")
        if cookie:
            headers = {**headers, "Cookie": cookie}
        connection = self._connection(min(self._connect_timeout, remaining))
        answer: http.client.HTTPResponse | None = None
        try:
            try:
                connection.connect()
            except ssl.SSLCertVerificationError as error:
                raise _Failed(
                    f"its TLS certificate is not trusted ({error.verify_message}); "
                    "set verify_tls to the path of its CA certificate",
                    sent=False,
                    retry=False,
                ) from None
            except ssl.SSLError as error:
                raise _Failed(
                    f"TLS failed ({error.reason}); is the url's https/http right?",
                    sent=False,
                    retry=False,
                ) from None
            except TimeoutError:
                raise _Failed("connect timed out", sent=False) from None
            except OSError as error:
                raise _Failed(_describe(error), sent=False) from None
            sock = connection.sock
            assert sock is not None
            if deadline.remaining() <= 0:
                raise _Failed("connect took the time left", sent=False, retry=False)
            try:
                sock.settimeout(self._read_limit(deadline))
                connection.request(method, self._base_path + path, body, headers)
                sock.settimeout(self._read_limit(deadline))
                answer = connection.getresponse()
                data = bytearray()
                while len(data) <= MAX_BODY:
                    sock.settimeout(self._read_limit(deadline))
                    chunk = answer.read1(65536)
                    if not chunk:
                        break
                    data += chunk
            except TimeoutError:
                raise _Failed("timed out waiting for the answer", sent=True) from None
            except (OSError, http.client.HTTPException) as error:
                raise _Failed(_describe(error), sent=True) from None
            if len(data) > MAX_BODY:
                raise _Failed(f"answer larger than {MAX_BODY} bytes", sent=True, retry=False)
            self.cookies.extract_cookies(answer, cookie_carrier)
            if answer.status >= 500:
                raise _Failed(f"HTTP {answer.status} {answer.reason}", sent=True)
            return Response(answer.status, answer.headers, bytes(data))
        finally:
            if answer is not None:
                answer.close()
            connection.close()

    def _read_limit(self, deadline: Deadline) -> float:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise TimeoutError
        return min(self._read_timeout, remaining)

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self._ssl is not None:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=timeout, context=self._ssl
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)


def _describe(error: BaseException) -> str:
    """A short reason for a network error, without the request that caused it."""
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return "host name not found"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the controller closed the connection without answering"
    if isinstance(error, ConnectionResetError):
        return "connection reset"
    if isinstance(error, http.client.HTTPException):
        return f"not an HTTP answer ({type(error).__name__})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return type(error).__name__


def unavailable(client: ControllerHTTP, what: str) -> ControllerUnavailable:
    """A :class:`ControllerUnavailable` saying ``what`` (redacted), logged as a warning."""
    message = client.redact(f"{client.name}: {what}")
    log.warning("%s", message)
    return ControllerUnavailable(message)


def refused(client: ControllerHTTP, what: str) -> ControllerRefused:
    """A :class:`ControllerRefused` saying ``what`` (redacted), logged as a warning."""
    message = client.redact(f"{client.name} refused: {what}")
    log.warning("%s", message)
    return ControllerRefused(message)
