"""A UniFi venue: the controller's guest redirect, and the grant through its API.

UniFi sends a guest to ``http://<portal>/guest/s/<site>/?id=<guest MAC>&ap=<AP MAC>&t=<time>
&url=<original URL>&ssid=<SSID>`` (the portal forwards that path to the venue whose ``site``
it names). After the guest accepts, :class:`~portal.controllers.unifi.UnifiController` calls
``authorize-guest`` with the session length; the phone then goes straight to the online page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping

from ..venues.venue import VenueConfig
from . import params
from .base import BadParameter, Grant, Redirect, Visit
from .kind import ControllerKind, Setting, SettingProblem, need_keys, need_secret
from .unifi import UnifiController, UnifiSettings

_DIGITS = re.compile(r"^[0-9]{1,20}$")


def check_ssid(value: str, name: str) -> str:
    """An SSID: printable text of 1 to 32 bytes."""
    params.text(value, name, 32)
    if not 0 < len(value.encode()) <= 32:
        raise BadParameter(name, "not an SSID (1 to 32 bytes)")
    return value


class UnifiGuest:
    """UniFi external portal for one venue, granting through ``client``."""

    kind = "unifi"

    def __init__(self, client: UnifiController) -> None:
        self.client = client

    def read(self, query: Mapping[str, str], raw_query: str) -> Visit:
        """Check the guest redirect's ``id``, ``ap``, ``t``, ``url`` and ``ssid``."""
        values = []
        if query.get("ap"):
            values.append(("ap", params.mac(query["ap"], "ap")))
        if query.get("t"):
            params.text(query["t"], "t", 20, _DIGITS)
        if query.get("ssid"):
            values.append(("ssid", check_ssid(query["ssid"], "ssid")))
        return Visit(
            mac=params.mac(params.required(query, "id"), "id"),
            destination=params.destination(query.get("url")),
            values=tuple(values),
        )

    def grant(self, visit: Visit, seconds: int, landing: str) -> Grant:
        """Authorize the guest for the session length (whole minutes, rounded up)."""
        self.client.authorize(visit.mac, math.ceil(seconds / 60), visit.value("ap") or None)
        return Redirect(landing)

    def grant_origins(self, visit: Visit) -> tuple[str, ...]:
        """None: after the API call the phone only goes to the portal's own online page."""
        return ()


def client_settings(venue: VenueConfig) -> UnifiSettings:
    """The API client settings of ``venue``; ValueError says what is wrong, never the password."""
    return UnifiSettings(
        username=venue.username, password=venue.secret("password") or "", **venue.options
    )


def _check(venue: VenueConfig, present: Collection[str]) -> None:
    need_keys(present, ("url", "username", "unifi_os"))
    need_secret(venue, "password", "the unifi account needs its password")
    try:
        client_settings(venue)
    except ValueError as exc:
        raise SettingProblem("", str(exc)) from None


KIND: ControllerKind = ControllerKind(
    name="unifi",
    settings=(
        Setting("url", "text", option=True),
        Setting("site", "text", option=True),
        Setting("username", "text"),
        Setting("unifi_os", "flag", option=True),
        Setting("verify_tls", "tls", option=True),
        Setting("up_kbps", "count", option=True),
        Setting("down_kbps", "count", option=True),
        Setting("bytes_mb", "count", option=True),
        Setting("timeout", "seconds", option=True),
        Setting("password_file", "secret_file"),
    ),
    build=lambda venue, portal_url: UnifiGuest(UnifiController(client_settings(venue))),
    check=_check,
)
