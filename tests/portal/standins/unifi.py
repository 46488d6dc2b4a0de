"""Stand-in for a UniFi Network controller used with an external portal server.

Two flavours, chosen by ``unifi_os``:

- classic controller (software controller, Cloud Key gen 1): ``POST /api/login`` with JSON
  ``{"username", "password"}`` sets the ``unifises`` session cookie and a ``csrf_token``
  cookie; the API lives under ``/api/s/<site>/...``;
- UniFi OS console (UDM, UDR, UCG, Cloud Key gen 2 with UniFi OS): ``POST /api/auth/login``
  sets the ``TOKEN`` cookie (a JWT whose payload carries ``csrfToken``, which some clients
  read instead of the header) and answers the ``X-CSRF-Token`` header, which every write
  (POST/PUT/DELETE) must send back; the Network application's API lives under
  ``/proxy/network/api/s/<site>/...``.

Guest authorisation is ``POST .../api/s/<site>/cmd/stamgr`` with
``{"cmd": "authorize-guest", "mac", "minutes", ["up", "down", "bytes", "ap_mac"]}`` (``up``
and ``down`` in kbit/s, ``bytes`` in MB) or ``{"cmd": "unauthorize-guest", "mac"}``. Answers
are ``{"meta": {"rc": "ok"}, "data": [...]}`` or ``{"meta": {"rc": "error", "msg":
"api.err.<Name>"}, "data": []}``. The body may be raw JSON or, as older clients send it, an
urlencoded ``json=<JSON>``; both are accepted.

Followed:

- ubntwiki "UniFi Controller API" (community reverse-engineered reference):
  https://ubntwiki.com/products/software/unifi-controller/api — answer envelope,
  ``api.err.LoginRequired``, UniFi OS ``/api/auth/login`` and ``/proxy/network`` prefix;
- Art-of-WiFi UniFi-API-client ``src/Client.php`` (the de-facto client, built from
  Ubiquiti's ``unifi_sh_api``): ``authorize_guest``/``unauthorize_guest`` payloads and
  units, ``unifises`` cookie, HTTP 400 on a failed login;
- Art-of-WiFi/UniFi-API-browser issue #60: failed login answers
  ``400 {"meta":{"rc":"error","msg":"api.err.Invalid"},"data":[]}``;
- UniFi controller user guide, "Authentication > External Portal Server": the redirect to
  ``<portal>/guest/s/<site>/?id=<client mac>&ap=<ap mac>&t=<time>&url=<original>&ssid=<ssid>``.

Answers:

====================================  ======  ==========================================
case                                  status  body
====================================  ======  ==========================================
classic login, wrong credentials      400     ``meta.msg``: ``api.err.Invalid``
UniFi OS login, wrong credentials     403     ``{"code": "AUTHENTICATION_FAILED_INVALID_
                                              CREDENTIALS", "message": ..., "level": ...}``
UniFi OS login, too many failures     429     ``{"code": "AUTHENTICATION_FAILED_LIMIT_
                                              REACHED", "message": ...}``
no / expired session                  401     ``meta.msg``: ``api.err.LoginRequired``
UniFi OS write without X-CSRF-Token   403     ``meta.msg``: ``api.err.InvalidCsrfToken``
unknown site                          400     ``meta.msg``: ``api.err.NoSiteContext``
bad MAC, minutes or limits            400     ``meta.msg``: ``api.err.InvalidPayload``
unknown command                       400     ``meta.msg``: ``api.err.UnknownCommand``
====================================  ======  ==========================================

The UniFi OS login answers (403 ``AUTHENTICATION_FAILED_INVALID_CREDENTIALS``, 429
``AUTHENTICATION_FAILED_LIMIT_REACHED``) are those reported by people who scripted
Cloud Keys and UDMs (public notes and test fixtures of UniFi OS clients); some older
reports say 401, so a client should treat both as "wrong credentials".

Not verified without UniFi hardware (guessed, kept in the table above so a test can check
against it): the number of failures before 429 (``max_failed_logins``); the CSRF refusal
(status and message); ``NoSiteContext`` for an unknown site; ``InvalidPayload`` for a bad
MAC or ``minutes`` (the real controller may accept more forms); whether the classic
controller enforces ``X-CSRF-Token`` (not here unless ``require_csrf=True``); the
percent-encoding of ``url`` in the redirect (fully encoded here); the exact fields of the
guest object ``authorize-guest`` returns (a plausible subset here). Cookies are set
without ``Secure`` because the stand-in speaks plain HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .base import (
    Request,
    Response,
    Standin,
    add_query,
    is_mac,
    json_response,
    normal_mac,
    not_found,
)

UNIFI_OS_PREFIX = "/proxy/network"
WRITE_METHODS = ("POST", "PUT", "DELETE")


@dataclass(frozen=True)
class UnifiGrant:
    """A guest authorisation as the controller stores it (``up``/``down`` kbit/s, ``bytes`` MB)."""

    site: str
    mac: str
    minutes: int
    up: int | None
    down: int | None
    bytes: int | None
    ap_mac: str | None
    start: int
    end: int


def _error(status: int, msg: str) -> Response:
    return json_response(status, {"meta": {"rc": "error", "msg": msg}, "data": []})


def _ok(data: list[Any]) -> Response:
    return json_response(HTTPStatus.OK, {"meta": {"rc": "ok"}, "data": data})


class UnifiStandin(Standin[UnifiGrant]):
    """A UniFi controller: login, sessions, ``cmd/stamgr`` guest (un)authorisation.

    ``username``/``password``: the only valid login. ``sites``: short site names that exist
    (the first is used by :meth:`redirect_url`). ``unifi_os``: UniFi OS console instead of
    a classic controller. ``require_csrf``: refuse writes without the matching
    ``X-CSRF-Token`` header (default: only on UniFi OS). ``max_failed_logins``: UniFi OS
    answers 429 once this many logins have failed (``None``: never).
    """

    def __init__(
        self,
        *,
        username: str = "admin",
        password: str = "secret",
        sites: tuple[str, ...] = ("default",),
        unifi_os: bool = False,
        require_csrf: bool | None = None,
        max_failed_logins: int | None = None,
    ) -> None:
        super().__init__()
        self.username = username
        self.password = password
        self.sites = sites
        self.unifi_os = unifi_os
        self.require_csrf = unifi_os if require_csrf is None else require_csrf
        self._sessions: dict[str, str] = {}  # session cookie value -> its CSRF token
        self._authorized: dict[tuple[str, str], UnifiGrant] = {}
        self.logins = 0
        self.max_failed_logins = max_failed_logins
        self.failed_logins = 0

    @property
    def cookie_name(self) -> str:
        return "TOKEN" if self.unifi_os else "unifises"

    @property
    def api_prefix(self) -> str:
        """Where the Network API starts: ``""`` (classic) or ``"/proxy/network"``."""
        return UNIFI_OS_PREFIX if self.unifi_os else ""

    def expire_sessions(self) -> None:
        """Make every session cookie handed out so far invalid (as a controller restart does)."""
        with self._lock:
            self._sessions.clear()

    def authorized(self, mac: str, site: str | None = None) -> UnifiGrant | None:
        """The current authorisation of ``mac`` (``None`` when never or no longer authorised)."""
        with self._lock:
            return self._authorized.get((site or self.sites[0], normal_mac(mac)))

    def redirect_url(
        self,
        portal_url: str,
        mac: str,
        ap: str = "80:2a:a8:00:00:01",
        ssid: str = "Free Wi-Fi",
        url: str = "http://example.com/",
        t: int | None = None,
        ip: str = "192.168.1.100",
        site: str | None = None,
    ) -> str:
        """Where the AP's redirector sends a pending guest: ``<portal>/guest/s/<site>/?...``.

        ``portal_url`` is the "Custom portal" address entered in the controller; ``t`` is the
        redirect time in Unix seconds (now by default); ``ip`` is not in the URL (UniFi does
        not send it) and only names the visitor for the request log.
        """
        self.announce(mac, ip)
        stamp = int(time.time()) if t is None else t
        base = f"{portal_url.rstrip('/')}/guest/s/{site or self.sites[0]}/"
        return add_query(
            base,
            [
                ("id", mac.lower()),
                ("ap", ap.lower()),
                ("t", str(stamp)),
                ("url", url),
                ("ssid", ssid),
            ],
            safe={"id": ":", "ap": ":"},
        )

    # -- HTTP --------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path
        login_path = "/api/auth/login" if self.unifi_os else "/api/login"
        if path == login_path and request.method == "POST":
            return self._login(request)
        if path in ("/api/logout", "/api/auth/logout", "/logout"):
            return self._logout(request)
        prefix = f"{self.api_prefix}/api/"
        if not path.startswith(prefix):
            return not_found()
        session = request.cookies.get(self.cookie_name, "")
        with self._lock:
            csrf = self._sessions.get(session)
        if csrf is None:
            return _error(HTTPStatus.UNAUTHORIZED, "api.err.LoginRequired")
        if (
            self.require_csrf
            and request.method in WRITE_METHODS
            and request.header("x-csrf-token") != csrf
        ):
            return _error(HTTPStatus.FORBIDDEN, "api.err.InvalidCsrfToken")
        parts = path[len(prefix) :].strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "s":
            if parts[1] not in self.sites:
                return _error(HTTPStatus.BAD_REQUEST, "api.err.NoSiteContext")
            rest = parts[2:]
            if rest == ["cmd", "stamgr"] and request.method == "POST":
                return self._stamgr(parts[1], request)
            if rest == ["self"] and request.method == "GET":
                return _ok([{"site_name": parts[1], "name": self.username}])
        if parts == ["self", "sites"] and request.method == "GET":
            return _ok([{"name": site, "desc": site} for site in self.sites])
        return not_found()

    def _login(self, request: Request) -> Response:
        try:
            payload = request.json()
        except ValueError:
            payload = None
        good = (
            isinstance(payload, dict)
            and payload.get("username") == self.username
            and payload.get("password") == self.password
        )
        limited = (
            self.unifi_os
            and self.max_failed_logins is not None
            and self.failed_logins >= self.max_failed_logins
        )
        if limited:
            return json_response(
                HTTPStatus.TOO_MANY_REQUESTS,
                {
                    "code": "AUTHENTICATION_FAILED_LIMIT_REACHED",
                    "message": "You've reached the login attempt limit",
                },
            )
        if not good:
            with self._lock:
                self.failed_logins += 1
            if self.unifi_os:
                return json_response(
                    HTTPStatus.FORBIDDEN,
                    {
                        "code": "AUTHENTICATION_FAILED_INVALID_CREDENTIALS",
                        "message": "Invalid username or password",
                        "level": "debug",
                    },
                )
            return _error(HTTPStatus.BAD_REQUEST, "api.err.Invalid")
        csrf = secrets.token_urlsafe(16)
        session = _jwt({"userId": "stand-in", "csrfToken": csrf, "iat": int(time.time())})
        with self._lock:
            self._sessions[session] = csrf
            self.logins += 1
        if self.unifi_os:
            return json_response(
                HTTPStatus.OK,
                {"username": self.username, "isOwner": False, "id": "stand-in"},
                ("Set-Cookie", f"TOKEN={session}; Path=/; HttpOnly; SameSite=None"),
                ("X-CSRF-Token", csrf),
            )
        return json_response(
            HTTPStatus.OK,
            {"meta": {"rc": "ok"}, "data": []},
            ("Set-Cookie", f"unifises={session}; Path=/; HttpOnly"),
            ("Set-Cookie", f"csrf_token={csrf}; Path=/"),
        )

    def _logout(self, request: Request) -> Response:
        with self._lock:
            self._sessions.pop(request.cookies.get(self.cookie_name, ""), None)
        return _ok([])

    def _stamgr(self, site: str, request: Request) -> Response:
        payload = _command(request)
        if payload is None:
            return _error(HTTPStatus.BAD_REQUEST, "api.err.InvalidPayload")
        command = payload.get("cmd")
        mac = payload.get("mac")
        if command not in ("authorize-guest", "unauthorize-guest"):
            return _error(HTTPStatus.BAD_REQUEST, "api.err.UnknownCommand")
        if not isinstance(mac, str) or not is_mac(mac) or "-" in mac:
            return _error(HTTPStatus.BAD_REQUEST, "api.err.InvalidPayload")
        mac = normal_mac(mac)
        if command == "unauthorize-guest":
            with self._lock:
                self._authorized.pop((site, mac), None)
            return _ok([])
        minutes = payload.get("minutes")
        if not isinstance(minutes, int) or not _count(minutes, minimum=1):
            return _error(HTTPStatus.BAD_REQUEST, "api.err.InvalidPayload")
        limits: dict[str, int | None] = {}
        for name in ("up", "down", "bytes"):
            value = payload.get(name)
            if value is not None and not _count(value, minimum=0):
                return _error(HTTPStatus.BAD_REQUEST, "api.err.InvalidPayload")
            limits[name] = value
        ap_mac = payload.get("ap_mac")
        if ap_mac is not None and (not isinstance(ap_mac, str) or not is_mac(ap_mac)):
            return _error(HTTPStatus.BAD_REQUEST, "api.err.InvalidPayload")
        start = int(time.time())
        grant = UnifiGrant(
            site=site,
            mac=mac,
            minutes=minutes,
            up=limits["up"],
            down=limits["down"],
            bytes=limits["bytes"],
            ap_mac=normal_mac(ap_mac) if ap_mac else None,
            start=start,
            end=start + minutes * 60,
        )
        with self._lock:
            self._authorized[(site, mac)] = grant
        self.record_grant(grant)
        guest: dict[str, Any] = {
            "_id": secrets.token_hex(12),
            "mac": mac,
            "site_id": site,
            "authorized_by": "api",
            "start": grant.start,
            "end": grant.end,
            "expired": False,
        }
        if grant.ap_mac:
            guest["ap_mac"] = grant.ap_mac
        if any(value is not None for value in limits.values()):
            guest["qos_overwrite"] = True
            guest.update(
                {
                    key: value
                    for key, value in (
                        ("qos_rate_max_up", grant.up),
                        ("qos_rate_max_down", grant.down),
                        ("qos_usage_quota", grant.bytes),
                    )
                    if value is not None
                }
            )
        return _ok([guest])


def _jwt(claims: dict[str, Any]) -> str:
    """A UniFi OS style ``TOKEN``: header.payload.signature, base64url without padding."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(claims).encode())
    signature = hmac.new(_JWT_KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(signature)}"


_JWT_KEY = secrets.token_bytes(32)


def _command(request: Request) -> dict[str, Any] | None:
    """The stamgr command: raw JSON, or the ``json=`` form field older clients send."""
    text = request.body.decode("utf-8", "replace")
    if request.header("content-type") and "urlencoded" in (request.header("content-type") or ""):
        text = urllib.parse.parse_qs(text).get("json", [""])[0]
    try:
        payload = json.loads(text)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _count(value: Any, *, minimum: int) -> bool:
    """A whole number (JSON integer, not a boolean) of at least ``minimum``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum
