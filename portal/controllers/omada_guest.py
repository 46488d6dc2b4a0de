"""A TP-Link Omada venue: the controller's external-portal redirect, and the grant by its API.

Omada sends a guest to the portal with ``clientMac``, ``site``, ``redirectUrl``, ``t`` and, for a
guest behind an access point, ``apMac``, ``ssidName`` and ``radioId`` (behind a gateway:
``gatewayMac`` and ``vid``). After the guest accepts,
:class:`~portal.controllers.omada.OmadaController` calls ``extPortal/auth`` with them, as they
came, and the session length; the phone then goes straight to the online page.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from ..venues.venue import VenueConfig
from . import params
from .base import BadParameter, Grant, Redirect, Visit
from .kind import ControllerKind, Setting, SettingProblem, need_keys, need_secret
from .omada import OmadaController, OmadaSettings
from .unifi_guest import check_ssid

_SITE = re.compile(r"^[^\x00-\x1f/?#]{1,64}$")
_DIGITS = re.compile(r"^[0-9]{1,20}$")


class OmadaGuest:
    """Omada external portal for one venue, granting through ``client``."""

    kind = "omada"

    def __init__(self, client: OmadaController) -> None:
        self.client = client

    def read(self, query: Mapping[str, str], raw_query: str) -> Visit:
        """Check the redirect: the client, the site, and the AP trio or the gateway pair."""
        values = [("site", params.text(params.required(query, "site"), "site", 64, _SITE))]
        if query.get("gatewayMac"):
            vid = params.text(params.required(query, "vid"), "vid", 4, _DIGITS)
            if not 1 <= int(vid) <= 4094:
                raise BadParameter("vid", "not a VLAN id")
            values += [("gatewayMac", params.mac(query["gatewayMac"], "gatewayMac")), ("vid", vid)]
        else:
            radio = params.required(query, "radioId")
            if radio not in ("0", "1", "2", "3"):
                raise BadParameter("radioId", "not a radio id (0 to 3)")
            values += [
                ("apMac", params.mac(params.required(query, "apMac"), "apMac")),
                ("ssidName", check_ssid(params.required(query, "ssidName"), "ssidName")),
                ("radioId", radio),
            ]
        if query.get("t"):
            params.text(query["t"], "t", 20, _DIGITS)
        return Visit(
            mac=params.mac(params.required(query, "clientMac"), "clientMac"),
            destination=params.destination(query.get("redirectUrl")),
            values=tuple(values),
        )

    def grant(self, visit: Visit, seconds: int, landing: str) -> Grant:
        """Authorize the client for ``seconds`` at the site it came from."""
        if visit.value("gatewayMac"):
            self.client.authorize(
                visit.mac,
                None,
                None,
                None,
                visit.value("site"),
                seconds,
                gateway_mac=visit.value("gatewayMac"),
                vid=int(visit.value("vid")),
            )
        else:
            self.client.authorize(
                visit.mac,
                visit.value("apMac"),
                visit.value("ssidName"),
                int(visit.value("radioId")),
                visit.value("site"),
                seconds,
            )
        return Redirect(landing)

    def grant_origins(self, visit: Visit) -> tuple[str, ...]:
        """None: after the API call the phone only goes to the portal's own online page."""
        return ()


def client_settings(venue: VenueConfig) -> OmadaSettings:
    """The API client settings of ``venue``; ValueError says what is wrong, never the password."""
    return OmadaSettings(
        username=venue.username, password=venue.secret("password") or "", **venue.options
    )


def _check(venue: VenueConfig, present: Collection[str]) -> None:
    need_keys(present, ("url", "username"))
    need_secret(venue, "password", "the omada account needs its password")
    try:
        client_settings(venue)
    except ValueError as exc:
        raise SettingProblem("", str(exc)) from None


KIND: ControllerKind = ControllerKind(
    name="omada",
    settings=(
        Setting("url", "text", option=True),
        Setting("controller_id", "optional_text", option=True),
        Setting("username", "text"),
        Setting("verify_tls", "tls", option=True),
        Setting("time_unit", "text", option=True),
        Setting("timeout", "seconds", option=True),
        Setting("password_file", "secret_file"),
    ),
    build=lambda venue, portal_url: OmadaGuest(OmadaController(client_settings(venue))),
    check=_check,
)
