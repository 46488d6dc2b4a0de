"""TP-Link Omada controllers: let a guest through with the external portal API.

Source: TP-Link FAQ 3231 "API and Code Sample for External Portal Server (Omada Controller
5.0.15 or above)", updated 2024-09-20 (support.omadanetworks.com document 13080). The flow:

1. the controller sends the guest's browser to the portal with ``clientMac``, ``apMac``,
   ``ssidName``, ``radioId`` (0 = 2.4 GHz, 1 = 5 GHz), ``site``, ``t`` and ``redirectUrl`` (from
   an access point), or ``clientMac``, ``gatewayMac``, ``vid`` and ``site`` (from a gateway);
2. the portal logs in as a *hotspot operator* (created in the controller's Hotspot Manager, not
   a controller administrator): ``POST /<controller id>/api/v2/hotspot/login`` with
   ``{"name", "password"}``; the answer ``{"errorCode": 0, "result": {"token": ...}}`` carries
   the CSRF token, and the session cookie (``TPOMADA_SESSIONID``, ``TPEAP_SESSIONID`` before
   5.11) is set;
3. the portal posts the grant to ``/<controller id>/api/v2/hotspot/extPortal/auth`` with the
   header ``Csrf-Token`` and the cookie: ``{"clientMac", "apMac", "ssidName", "radioId",
   "site", "time", "authType": 4}`` (access point) or ``{"clientMac", "gatewayMac", "vid",
   "site", "time", "authType": 4}`` (gateway); ``{"errorCode": 0}`` means granted.

``time`` is the length of the grant; FAQ 3231 says its "unit here is microsecond" (so does the
4.x FAQ 2907), while its PHP sample passes milliseconds and some controller versions are reported
to behave differently: :attr:`OmadaSettings.time_unit` defaults to ``microseconds`` as
documented and can be changed without code. The controller id is the hexadecimal part of the
controller's web address; left empty it is read from ``GET /api/info`` (``result.omadacId``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from ..sessions.client import normalise_mac
from .fields import account_text, check_timeout, check_url, check_verify_tls, positive_int
from .http import ControllerHTTP, Deadline, Response, refused, unavailable
from .session import LoginSession

TIME_UNITS = {"microseconds": 1_000_000, "milliseconds": 1_000, "seconds": 1}
"""The units ``extPortal/auth`` may expect ``time`` in, as multiples of a second."""
CONTROLLER_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
SITE = re.compile(r"^[^\x00-\x1f/?#]{1,64}$")
SESSION_CODES = frozenset({-1200, -44108, -44109})
"""Codes for a session that timed out, an invalid CSRF token and an invalid session id."""
UNSUPPORTED_PATH = -1600
"""The code for a path the controller does not serve: usually a wrong controller id."""
MAX_SECONDS = 366 * 24 * 3600
"""The longest grant accepted, in seconds (a year): anything longer is a mistake."""


@dataclass(frozen=True, kw_only=True)
class OmadaSettings:
    """How to reach one Omada controller (software, OC hardware or cloud-based).

    ``url`` is the controller's address with its HTTPS management port, without the id
    (``https://10.0.0.3:8043`` for the software controller, ``https://10.0.0.3`` for an OC200 or
    OC300); ``controller_id`` is that id ('' = ask the controller); ``username``/``password``
    the hotspot operator's account; ``verify_tls`` True, False or a CA bundle path;
    ``time_unit`` the unit of ``time`` in ``extPortal/auth`` (``microseconds``, ``milliseconds``
    or ``seconds``); ``timeout`` the most one visitor's request waits for the controller, in
    seconds (at most 5).
    """

    url: str
    controller_id: str = ""
    username: str
    password: str = field(repr=False)
    verify_tls: bool | str = True
    time_unit: str = "microseconds"
    timeout: float = 5.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", check_url(self.url))
        if not isinstance(self.controller_id, str) or (
            self.controller_id and not CONTROLLER_ID.match(self.controller_id)
        ):
            raise ValueError(
                "controller_id must be the letters and digits after the controller's address "
                "in its web page address, or empty to ask the controller"
            )
        account_text(self.username, "username")
        account_text(self.password, "password")
        check_verify_tls(self.verify_tls)
        if self.time_unit not in TIME_UNITS:
            raise ValueError(f"time_unit must be one of {', '.join(TIME_UNITS)}")
        object.__setattr__(self, "timeout", check_timeout(self.timeout))


class OmadaController:
    """Grants guest access through one Omada controller; thread-safe.

    Raises :class:`~.errors.ControllerUnavailable` (not reachable, timed out, 5xx, HTTP 429)
    or :class:`~.errors.ControllerRefused` (wrong operator account: ``-30109``; client not sent
    by the controller: ``-41501``; any other non-zero ``errorCode``), and
    ValueError for a bad argument, before any call.
    """

    def __init__(self, settings: OmadaSettings) -> None:
        self.settings = settings
        self._http = ControllerHTTP(
            settings.url,
            vendor="Omada",
            verify_tls=settings.verify_tls,
            secrets=(settings.password,),
        )
        self._id_lock = threading.Lock()
        self._controller_id = settings.controller_id
        self._token: str | None = None
        self.session = LoginSession(self._http, self._login)

    def __repr__(self) -> str:
        return f"OmadaController({self.settings!r})"

    def authorize(
        self,
        client_mac: str,
        ap_mac: str | None,
        ssid: str | None,
        radio_id: int | None,
        site: str,
        seconds: int,
        *,
        gateway_mac: str | None = None,
        vid: int | None = None,
    ) -> None:
        """Let ``client_mac`` through for ``seconds``.

        For a guest behind an access point give ``ap_mac``, ``ssid`` and ``radio_id`` from the
        controller's redirect; for a guest on a gateway's wired network give ``gateway_mac``
        and ``vid`` instead (and None for the three others). ``site`` is the redirect's
        ``site`` as sent.
        """
        grant: dict[str, Any] = {"clientMac": _omada_mac(client_mac, "client_mac")}
        if gateway_mac is None:
            if ap_mac is None or ssid is None or radio_id is None or vid is not None:
                raise ValueError("give ap_mac, ssid and radio_id, or gateway_mac and vid")
            if not isinstance(ssid, str) or not 0 < len(ssid.encode("utf-8")) <= 32:
                raise ValueError(f"ssid must be 1 to 32 bytes of text, not {ssid!r}")
            if isinstance(radio_id, bool) or not isinstance(radio_id, int):
                raise ValueError(f"radio_id must be a number, not {radio_id!r}")
            if not 0 <= radio_id <= 3:
                raise ValueError(
                    f"radio_id must be 0 (2.4 GHz), 1 (5 GHz) or up to 3, not {radio_id}"
                )
            grant.update(apMac=_omada_mac(ap_mac, "ap_mac"), ssidName=ssid, radioId=radio_id)
        else:
            if ap_mac is not None or ssid is not None or radio_id is not None:
                raise ValueError("give ap_mac, ssid and radio_id, or gateway_mac and vid")
            if isinstance(vid, bool) or not isinstance(vid, int) or not 1 <= vid <= 4094:
                raise ValueError(f"vid must be a VLAN id from 1 to 4094, not {vid!r}")
            grant.update(gatewayMac=_omada_mac(gateway_mac, "gateway_mac"), vid=vid)
        if not isinstance(site, str) or not SITE.match(site):
            raise ValueError(f"site must be the site sent by the controller, not {site!r}")
        positive_int(seconds, "seconds")
        if seconds > MAX_SECONDS:
            raise ValueError(f"seconds must be at most {MAX_SECONDS} (a year), not {seconds}")
        grant.update(site=site, time=seconds * TIME_UNITS[self.settings.time_unit], authType=4)
        deadline = Deadline(self.settings.timeout)
        response = self.session.call(
            deadline, lambda: self._post("extPortal/auth", grant, deadline), _session_expired
        )
        self._result(response, f"grant for {grant['clientMac']} on site {site!r}")

    def _post(self, call: str, body: dict[str, Any], deadline: Deadline) -> Response:
        headers = {"Csrf-Token": self._token} if self._token else {}
        # The grant is a state (client allowed until now + time), not an increment: a retry
        # after a timeout cannot grant twice.
        return self._http.request(
            "POST",
            f"/{self._controller_id}/api/v2/hotspot/{call}",
            deadline,
            json=body,
            headers=headers,
            idempotent=True,
        )

    def _login(self, deadline: Deadline) -> None:
        if not self._controller_id:
            self._discover(deadline)
        credentials = {"name": self.settings.username, "password": self.settings.password}
        response = self._post("login", credentials, deadline)
        who = f"hotspot operator login as {self.settings.username!r}"
        result = self._result(response, who, hint="; check the operator's name and password")
        token = result.get("token") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token:
            raise refused(self._http, f"{who}: no token in the answer")
        self._http.add_secret(token, slot="token")
        self._token = token

    def _discover(self, deadline: Deadline) -> None:
        with self._id_lock:
            if self._controller_id:
                return
            response = self._http.request("GET", "/api/info", deadline)
            result = self._result(response, "controller id from /api/info")
            found = result.get("omadacId") if isinstance(result, dict) else None
            if not isinstance(found, str) or not CONTROLLER_ID.match(found):
                raise refused(self._http, "no controller id in /api/info: set controller_id")
            self._controller_id = found

    def _result(self, response: Response, what: str, hint: str = "") -> Any:
        """The ``result`` of a successful answer; the right ControllerError otherwise."""
        if response.status == 429:
            raise unavailable(self._http, f"{what}: rate limited, try later")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("errorCode"), int):
            hint = " (is the url or controller_id right?)" if response.status != 401 else hint
            raise refused(self._http, f"{what}: HTTP {response.status}, no Omada answer{hint}")
        code = body["errorCode"]
        if code == UNSUPPORTED_PATH:
            hint = " (is controller_id right?)"
        if code != 0:
            message = body.get("msg")
            detail = f" {message[:200]}" if isinstance(message, str) else ""
            raise refused(self._http, f"{what}: errorCode {code}{detail}{hint}")
        return body.get("result")


def _session_expired(response: Response) -> bool:
    """A redirect or refusal, a session error code, or the login page instead of JSON.

    Without a valid session the controller may answer its web login page with status 200
    (as the tplink-omada-client library notes), so an answer that is not JSON counts too.
    """
    if response.status in (302, 401, 403):
        return True
    try:
        body = response.json()
    except ValueError:
        return True
    return isinstance(body, dict) and body.get("errorCode") in SESSION_CODES


def _omada_mac(text: str, name: str) -> str:
    """``text`` as Omada writes MACs (``AA-BB-CC-DD-EE-FF``); ValueError naming ``name``."""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be a MAC address, not {text!r}")
    try:
        return normalise_mac(text).upper().replace(":", "-")
    except ValueError as error:
        raise ValueError(f"{name}: {error}") from None
