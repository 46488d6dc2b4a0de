"""UniFi Network controllers: let a guest through with the controller's ``authorize-guest`` command.

The portal is the controller's external portal server: the controller sends the guest's browser to
the portal with the guest's MAC (``id``), the access point's MAC (``ap``), the SSID and the
original URL; once the guest accepts, the portal logs in to the controller's API with a local
account and posts ``{"cmd": "authorize-guest", "mac": ..., "minutes": ...}`` (plus optional
``up``/``down`` limits in kbit/s, ``bytes`` quota in MB, ``ap_mac``) to the site's ``cmd/stamgr``.

Two flavours of the same API (from the UniFi controller API community documentation,
ubntwiki.com "UniFi Controller API", and the Art-of-WiFi UniFi API client):

- the classic Network application (self-hosted, port 8443): ``POST /api/login`` sets the
  ``unifises`` session cookie; commands go to ``/api/s/<site>/cmd/stamgr``;
- UniFi OS consoles (UDM, UCG, Cloud Key Gen2+, UniFi OS Server; port 443): ``POST
  /api/auth/login`` sets the ``TOKEN`` cookie and answers with an ``X-CSRF-Token`` header that
  every later POST must carry; commands go to ``/proxy/network/api/s/<site>/cmd/stamgr``.

Answers are ``{"meta": {"rc": "ok" | "error", "msg": ...}, "data": [...]}``; an expired session
is HTTP 401 (``api.err.LoginRequired``): the client logs in again and retries once.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..sessions.client import normalise_mac
from .fields import account_text, check_timeout, check_url, check_verify_tls, positive_int
from .http import ControllerHTTP, Deadline, Response, refused, unavailable
from .session import LoginSession

SITE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_BAD_CSRF = "api.err.InvalidCsrfToken"
MAX_MINUTES = 366 * 24 * 60
"""The longest grant accepted, in minutes (a year): anything longer is a mistake."""


@dataclass(frozen=True, kw_only=True)
class UnifiSettings:
    """How to reach one UniFi controller and what each grant allows.

    ``url`` is the controller's address (``https://10.0.0.2:8443`` for a classic controller,
    ``https://10.0.0.1`` for a UniFi OS console), ``site`` the site's short name (the part after
    ``/manage/site/`` or ``/s/`` in the controller's address bar; ``default`` for the first site),
    ``username``/``password`` a local controller account allowed to authorize guests,
    ``unifi_os`` which flavour of API it speaks, ``verify_tls`` True, False or a CA bundle path,
    ``up_kbps``/``down_kbps``/``bytes_mb`` optional per-guest limits, and ``timeout`` the most
    one visitor's request waits for the controller, in seconds (at most 5).
    """

    url: str
    site: str = "default"
    username: str
    password: str = field(repr=False)
    unifi_os: bool
    verify_tls: bool | str = True
    up_kbps: int | None = None
    down_kbps: int | None = None
    bytes_mb: int | None = None
    timeout: float = 5.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", check_url(self.url))
        if not isinstance(self.site, str) or not SITE.match(self.site):
            raise ValueError(
                f"site must be the site's short name (letters, digits, - and _), not {self.site!r}"
            )
        account_text(self.username, "username")
        account_text(self.password, "password")
        if not isinstance(self.unifi_os, bool):
            raise ValueError("unifi_os must be true (UniFi OS console) or false (classic)")
        check_verify_tls(self.verify_tls)
        for name in ("up_kbps", "down_kbps", "bytes_mb"):
            positive_int(getattr(self, name), name, optional=True)
        object.__setattr__(self, "timeout", check_timeout(self.timeout))


class UnifiController:
    """Grants and revokes guest access on one UniFi controller site; thread-safe.

    One login session is shared by all threads (see :class:`.session.LoginSession`). Every
    method raises :class:`~.errors.ControllerUnavailable` (not reachable, timed out, 5xx) or
    :class:`~.errors.ControllerRefused` (wrong account, unknown site, error in ``meta.rc``), and
    ValueError for a bad argument, before any call.
    """

    def __init__(self, settings: UnifiSettings) -> None:
        self.settings = settings
        self._http = ControllerHTTP(
            settings.url,
            vendor="UniFi",
            verify_tls=settings.verify_tls,
            secrets=(settings.password,),
        )
        prefix = "/proxy/network" if settings.unifi_os else ""
        self._login_path = "/api/auth/login" if settings.unifi_os else "/api/login"
        self._command_path = f"{prefix}/api/s/{settings.site}/cmd/stamgr"
        self._csrf: str | None = None
        self.session = LoginSession(self._http, self._login)

    def __repr__(self) -> str:
        return f"UnifiController({self.settings!r})"

    def authorize(self, mac: str, minutes: int, ap_mac: str | None = None) -> None:
        """Let the device ``mac`` through for ``minutes``, with the configured limits."""
        command: dict[str, Any] = {
            "cmd": "authorize-guest",
            "mac": normalise_mac(mac),
            "minutes": positive_int(minutes, "minutes"),
        }
        if minutes > MAX_MINUTES:
            raise ValueError(f"minutes must be at most {MAX_MINUTES} (a year), not {minutes}")
        limits = {"up": "up_kbps", "down": "down_kbps", "bytes": "bytes_mb"}
        for key, name in limits.items():
            value = getattr(self.settings, name)
            if value is not None:
                command[key] = value
        if ap_mac is not None:
            command["ap_mac"] = normalise_mac(ap_mac)
        self._command(command)

    def unauthorize(self, mac: str) -> None:
        """End the grant of the device ``mac`` now."""
        self._command({"cmd": "unauthorize-guest", "mac": normalise_mac(mac)})

    def _command(self, command: dict[str, Any]) -> None:
        deadline = Deadline(self.settings.timeout)
        response = self.session.call(
            deadline, lambda: self._post(self._command_path, command, deadline), _login_required
        )
        what = f"{command['cmd']} for {command['mac']} on site {self.settings.site!r}"
        if response.status == 404:
            raise refused(self._http, f"{what}: no such API path (is unifi_os right?)")
        meta = _meta(response)
        if response.status != 200 or meta is None or meta.get("rc") != "ok":
            raise refused(self._http, f"{what}: {_problem(response, meta)}")

    def _post(self, path: str, body: dict[str, Any], deadline: Deadline) -> Response:
        # UniFi OS hands the token in a header at login; classic controllers that check it
        # hand it in the csrf_token cookie.
        csrf = self._csrf or self._http.cookie("csrf_token")
        headers = {"X-CSRF-Token": csrf} if csrf else {}
        # Granting or revoking twice leaves the same state: safe to retry after a timeout.
        response = self._http.request(
            "POST", path, deadline, json=body, headers=headers, idempotent=True
        )
        updated = response.headers.get("X-Updated-CSRF-Token")
        if updated:
            self._set_csrf(updated)
        return response

    def _login(self, deadline: Deadline) -> None:
        credentials = {"username": self.settings.username, "password": self.settings.password}
        response = self._http.request(
            "POST", self._login_path, deadline, json=credentials, idempotent=True
        )
        who = f"login as {self.settings.username!r}"
        if response.status == 429:
            raise unavailable(self._http, f"{who}: too many logins, try later")
        if response.status == 404:
            raise refused(self._http, f"{who}: no login at {self._login_path} (is unifi_os right?)")
        meta = _meta(response)
        if _login_required(response) and meta is not None:
            raise refused(self._http, f"{who}: the login itself needs a login (is unifi_os right?)")
        if response.status != 200 or (not self.settings.unifi_os and meta is None):
            raise refused(
                self._http, f"{who}: {_problem(response, meta)}; check username and password"
            )
        if meta is not None and meta.get("rc") != "ok":
            raise refused(self._http, f"{who}: {_problem(response, meta)}")
        if self.settings.unifi_os:
            token = response.headers.get("X-CSRF-Token") or _jwt_csrf(self._http.cookie("TOKEN"))
            if not token:
                raise refused(self._http, f"{who}: no CSRF token (is unifi_os right?)")
            self._set_csrf(token)

    def _set_csrf(self, token: str) -> None:
        self._http.add_secret(token, slot="csrf")
        self._csrf = token


def _login_required(response: Response) -> bool:
    """A 401, or a CSRF token that no longer matches the session cookie.

    The second happens when another thread logged in again between this request reading the
    token and the cookie jar adding the cookie: sending again pairs the new ones.
    """
    if response.status == 401:
        return True
    meta = _meta(response)
    return meta is not None and meta.get("msg") in ("api.err.LoginRequired", _BAD_CSRF)


def _meta(response: Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    meta = body.get("meta") if isinstance(body, dict) else None
    return meta if isinstance(meta, dict) else None


def _problem(response: Response, meta: dict[str, Any] | None) -> str:
    """What went wrong, from the controller's ``meta.msg`` (or UniFi OS ``message``) if any."""
    text = f"HTTP {response.status}"
    try:
        body = response.json()
    except ValueError:
        return f"{text} without a UniFi API answer (is the url right?)"
    detail = (meta or {}).get("msg")
    if detail is None and isinstance(body, dict):
        detail = body.get("message") or body.get("code")
    return f"{text} {detail[:200]}" if isinstance(detail, str) else text


def _jwt_csrf(token: str | None) -> str | None:
    """The ``csrfToken`` claim of the UniFi OS ``TOKEN`` cookie (a JWT), when it has one."""
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    value = claims.get("csrfToken") if isinstance(claims, dict) else None
    return value if isinstance(value, str) and value else None
