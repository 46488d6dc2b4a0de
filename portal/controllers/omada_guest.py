"""A TP-Link Omada venue: the controller's external-portal redirect, and the grant by its API.

Omada sends a guest to the portal with ``clientMac``, ``site``, ``redirectUrl``, ``t`` and, for a
guest behind an access point, ``apMac``, ``ssidName`` and ``radioId`` (behind a gateway:
``gatewayMac`` and ``vid``). After the guest accepts,
:class:`~portal.controllers.omada.OmadaController` calls ``extPortal/auth`` with them, as they
came, and the session length; the phone then goes straight to the online page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from . import params
from .base import BadParameter, Grant, Redirect, Visit
from .omada import OmadaController
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
