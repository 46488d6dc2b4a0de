"""Stand-in for a TP-Link Omada SDN controller (v5.0.15+) serving an external portal.

Followed: TP-Link FAQ 3231 "API and Code Sample for External Portal Server (Omada Controller
5.0.15 or above)", https://www.tp-link.com/support/faq/3231/ (also
https://support.omadanetworks.com/document/13080/, updated 2024-09-20), with FAQ 2907 for
4.1.5-4.4.6 named where it differs; ``GET /api/info`` and the ``omadacId`` as used by the
MarkGodwin/tplink-omada-api client (``omadaapiconnection.py``).

What the FAQ documents and the stand-in does:

- The EAP's redirect (through the controller) reaches the portal as
  ``PORTAL?clientMac=&apMac=&ssidName=&t=&radioId=&site=&redirectUrl=`` (a gateway:
  ``clientMac, gatewayMac, vid, t, site, redirectUrl``); ``t`` is the time since the epoch
  "in microseconds"; ``radioId`` 0 is 2.4 GHz, 1 is 5 GHz. :meth:`OmadaStandin.redirect_url`
  and :meth:`OmadaStandin.gateway_redirect_url` build those, in that order.
- ``POST /{omadacId}/api/v2/hotspot/login`` with JSON ``{"name", "password"}`` of a hotspot
  *operator* answers ``{"errorCode": 0, "msg": "Hotspot log in successfully.", "result":
  {"token": ...}}`` and sets the session cookie ``TPOMADA_SESSIONID`` (``TPEAP_SESSIONID``
  before 5.11: ``cookie_name``).
- ``POST /{omadacId}/api/v2/hotspot/extPortal/auth`` with the cookie, the header
  ``Csrf-Token: <token>`` and JSON ``{"clientMac", "apMac", "ssidName", "radioId", "site",
  "time", "authType": 4}`` (gateway: ``clientMac, gatewayMac, vid, site, time, authType``)
  answers ``{"errorCode": 0}``. The FAQ's JSON writes every value as a string and its PHP
  sample sends numbers; both are accepted.
- ``time`` is the authorisation length, "Unit here is microsecond" in the v5 FAQ (its PHP
  sample names the variable ``$milliseconds``, and public portals send microseconds,
  milliseconds or, on v4, seconds). ``time_unit`` (``"us"`` by default, ``"ms"``, ``"s"``)
  says how the stand-in reads it; :class:`OmadaGrant` keeps the raw value and the seconds.

Errors (none are documented in the FAQ; where they come from):

- ``-1`` "General error." for a malformed or incomplete auth body: reported by a user of
  4.1.5 in mbentley/docker-omada-controller#63;
- ``-41501`` "Failed to authenticate." when the client is not one the controller sent to
  the portal (not pending): reported on 6.2 in the TP-Link community ("External Portal API
  returning -41501 on client authorization");
- ``-1600`` "Unsupported request path." for a path the controller does not serve (wrong
  ``omadacId``): reported in ghaberek/omada-api#13;
- ``-30109`` for a wrong operator name or password: the code the tplink-omada-client
  library treats as "LoginFailed" on the controller's own login (assumed the same here);
- ``-44108`` "The CSRF token is invalid.": the Omada Open API's general error table;
- no or expired session: HTTP 200 with an HTML login page, which tplink-omada-client
  notes the controller answers instead of JSON ("Omada requests return success and a login
  page"); ``expired_answer="json"`` answers ``{"errorCode": -1200, ...}`` instead.

Not verified without an Omada controller: every error code and message above (and which
of them a given version answers for a given mistake), whether
the controller checks ``site``, ``radioId`` and ``ssidName`` against its configuration
(here: ``sites`` only; ``radioId`` 0, 1 or 2), the MAC format of the redirect (``AA-BB-..``
upper case, hyphens, as seen in public examples; both forms accepted in the auth call), the
v4 variant (no ``omadacId``, token in ``?token=``: not served), and HTTPS (plain HTTP here).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any, Literal

from .base import (
    Request,
    Response,
    Standin,
    add_query,
    html_response,
    is_mac,
    json_response,
    normal_mac,
    not_found,
)

TimeUnit = Literal["us", "ms", "s"]
ExpiredAnswer = Literal["login-page", "json"]
PER_SECOND: dict[str, int] = {"us": 1_000_000, "ms": 1_000, "s": 1}

GENERAL_ERROR = {"errorCode": -1, "msg": "General error."}
UNSUPPORTED_PATH = {"errorCode": -1600, "msg": "Unsupported request path."}
LOGIN_FAILED = {"errorCode": -30109, "msg": "The username or password is incorrect."}
NOT_PENDING = {"errorCode": -41501, "msg": "Failed to authenticate."}
CSRF_INVALID = {"errorCode": -44108, "msg": "The CSRF token is invalid."}
SESSION_TIMED_OUT = {"errorCode": -1200, "msg": "Session timed out. Please log in again."}
LOGIN_PAGE = "<!DOCTYPE html><html><head><title>Omada Controller</title></head><body></body></html>"


@dataclass(frozen=True)
class OmadaGrant:
    """An external-portal authorisation: the client, where it is, and for how long.

    ``time`` is the value the portal sent; ``seconds`` is it read in the stand-in's unit.
    EAP grants carry ``ap_mac``/``ssid``/``radio_id``, gateway grants ``gateway_mac``/``vid``.
    """

    client_mac: str
    site: str
    time: int
    seconds: float
    auth_type: int
    ap_mac: str | None = None
    ssid: str | None = None
    radio_id: int | None = None
    gateway_mac: str | None = None
    vid: int | None = None
    granted_at: float = 0.0


def _whole(value: Any) -> int | None:
    """A JSON number or numeric string as an int (the FAQ shows both), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _mac(value: Any) -> str | None:
    return normal_mac(value) if isinstance(value, str) and is_mac(value) else None


def omada_mac(mac: str) -> str:
    """``mac`` as Omada writes it in redirects: upper case, hyphens."""
    return normal_mac(mac).replace(":", "-").upper()


class OmadaStandin(Standin[OmadaGrant]):
    """An Omada controller's hotspot API for external portals.

    ``operator``/``password``: the hotspot operator account. ``omadac_id``: the controller
    id in every API path (random unless given). ``sites``: site names that exist.
    ``time_unit``: how ``time`` is read. ``cookie_name``: session cookie.
    ``expired_answer``: ``"login-page"`` or ``"json"`` for calls without a valid session.
    """

    def __init__(
        self,
        *,
        operator: str = "operator",
        password: str = "secret",
        omadac_id: str | None = None,
        sites: tuple[str, ...] = ("Default",),
        time_unit: TimeUnit = "us",
        controller_version: str = "5.15.20.20",
        cookie_name: str = "TPOMADA_SESSIONID",
        expired_answer: ExpiredAnswer = "login-page",
    ) -> None:
        super().__init__()
        self.operator = operator
        self.password = password
        self.omadac_id = omadac_id or secrets.token_hex(16)
        self.sites = sites
        self.time_unit = time_unit
        self.controller_version = controller_version
        self.cookie_name = cookie_name
        self.expired_answer = expired_answer
        self._sessions: dict[str, str] = {}  # cookie value -> CSRF token
        self.logins = 0

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT/{omadacId}/api/v2/hotspot``."""
        return f"{self.url}/{self.omadac_id}/api/v2/hotspot"

    def expire_sessions(self) -> None:
        """Make every session cookie and CSRF token handed out so far invalid."""
        with self._lock:
            self._sessions.clear()

    def redirect_url(
        self,
        portal_url: str,
        client_mac: str,
        ap_mac: str = "50:d4:f7:5b:87:78",
        ssid: str = "Free Wi-Fi",
        radio_id: int = 1,
        site: str | None = None,
        redirect_url: str = "http://example.com/",
        t: int | None = None,
        client_ip: str = "192.168.0.100",
    ) -> str:
        """The portal URL an EAP's client lands on (``t`` in microseconds by default).

        ``client_ip`` is not in the URL (Omada does not send it); it names the visitor.
        """
        self.announce(client_mac, client_ip)
        stamp = int(time.time() * 1_000_000) if t is None else t
        return add_query(
            portal_url,
            [
                ("clientMac", omada_mac(client_mac)),
                ("apMac", omada_mac(ap_mac)),
                ("ssidName", ssid),
                ("t", str(stamp)),
                ("radioId", str(radio_id)),
                ("site", site or self.sites[0]),
                ("redirectUrl", redirect_url),
            ],
        )

    def gateway_redirect_url(
        self,
        portal_url: str,
        client_mac: str,
        gateway_mac: str = "50:d4:f7:00:00:01",
        vid: int = 1,
        site: str | None = None,
        redirect_url: str = "http://example.com/",
        t: int | None = None,
        client_ip: str = "192.168.0.100",
    ) -> str:
        """The portal URL a gateway's (wired) client lands on."""
        self.announce(client_mac, client_ip)
        stamp = int(time.time() * 1_000_000) if t is None else t
        return add_query(
            portal_url,
            [
                ("clientMac", omada_mac(client_mac)),
                ("gatewayMac", omada_mac(gateway_mac)),
                ("vid", str(vid)),
                ("t", str(stamp)),
                ("site", site or self.sites[0]),
                ("redirectUrl", redirect_url),
            ],
        )

    # -- HTTP --------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path == "/api/info" and request.method == "GET":
            return json_response(
                HTTPStatus.OK,
                {
                    "errorCode": 0,
                    "msg": "Success.",
                    "result": {
                        "controllerVer": self.controller_version,
                        "apiVer": "3",
                        "configured": True,
                        "type": 1,
                        "supportApp": True,
                        "omadacId": self.omadac_id,
                        "registeredRoot": False,
                        "omadacCategory": "advanced",
                        "mspMode": False,
                    },
                },
            )
        parts = request.path.strip("/").split("/")
        if len(parts) < 2 or parts[1] != "api":
            return not_found()
        if parts[0] != self.omadac_id:
            return json_response(HTTPStatus.OK, UNSUPPORTED_PATH)
        rest = parts[2:]
        if rest == ["v2", "hotspot", "login"] and request.method == "POST":
            return self._login(request)
        if rest == ["v2", "hotspot", "extPortal", "auth"] and request.method == "POST":
            return self._auth(request)
        return json_response(HTTPStatus.OK, UNSUPPORTED_PATH)

    def _login(self, request: Request) -> Response:
        try:
            payload = request.json()
        except ValueError:
            return json_response(HTTPStatus.OK, GENERAL_ERROR)
        if not isinstance(payload, dict):
            return json_response(HTTPStatus.OK, GENERAL_ERROR)
        if payload.get("name") != self.operator or payload.get("password") != self.password:
            return json_response(HTTPStatus.OK, LOGIN_FAILED)
        session, token = secrets.token_hex(16), secrets.token_hex(16)
        with self._lock:
            self._sessions[session] = token
            self.logins += 1
        return json_response(
            HTTPStatus.OK,
            {"errorCode": 0, "msg": "Hotspot log in successfully.", "result": {"token": token}},
            ("Set-Cookie", f"{self.cookie_name}={session}; Path=/; HttpOnly"),
        )

    def _auth(self, request: Request) -> Response:
        with self._lock:
            token = self._sessions.get(request.cookies.get(self.cookie_name, ""))
        if token is None:
            if self.expired_answer == "json":
                return json_response(HTTPStatus.OK, SESSION_TIMED_OUT)
            return html_response(HTTPStatus.OK, LOGIN_PAGE)
        if request.header("csrf-token") != token:
            return json_response(HTTPStatus.OK, CSRF_INVALID)
        try:
            payload = request.json()
        except ValueError:
            return json_response(HTTPStatus.OK, GENERAL_ERROR)
        grant = self._grant(payload) if isinstance(payload, dict) else None
        if grant is None:
            return json_response(HTTPStatus.OK, GENERAL_ERROR)
        if grant.client_mac not in {visitor.mac for visitor in self.visitors()}:
            return json_response(HTTPStatus.OK, NOT_PENDING)
        self.record_grant(grant)
        return json_response(HTTPStatus.OK, {"errorCode": 0})

    def _grant(self, payload: dict[str, Any]) -> OmadaGrant | None:
        """The grant ``payload`` asks for, or ``None`` when it is incomplete or malformed."""
        client_mac = _mac(payload.get("clientMac"))
        auth_type = _whole(payload.get("authType"))
        expiry = _whole(payload.get("time"))
        site = payload.get("site")
        if client_mac is None or auth_type != 4 or expiry is None or expiry <= 0:
            return None
        if not isinstance(site, str) or site not in self.sites:
            return None
        common = OmadaGrant(
            client_mac=client_mac,
            site=site,
            time=expiry,
            seconds=expiry / PER_SECOND[self.time_unit],
            auth_type=auth_type,
            granted_at=time.time(),
        )
        if "gatewayMac" in payload:
            gateway_mac = _mac(payload.get("gatewayMac"))
            vid = _whole(payload.get("vid"))
            if gateway_mac is None or vid is None or not 1 <= vid <= 4094:
                return None
            return replace(common, gateway_mac=gateway_mac, vid=vid)
        ap_mac = _mac(payload.get("apMac"))
        ssid = payload.get("ssidName")
        radio_id = _whole(payload.get("radioId"))
        if ap_mac is None or not isinstance(ssid, str) or not ssid or radio_id not in (0, 1, 2):
            return None
        return replace(common, ap_mac=ap_mac, ssid=ssid, radio_id=radio_id)
