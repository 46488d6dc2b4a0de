"""Cisco Meraki click-through splash page.

Meraki sends the phone to the splash URL with ``base_grant_url``, ``user_continue_url``,
``node_mac``, ``client_mac`` and ``client_ip``. The phone is let through by sending it to
``base_grant_url?continue_url=<url>&duration=<seconds>``; Meraki then sends it on to
``continue_url`` (the portal's online page).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from ..venues.venue import VenueConfig
from . import params
from .base import Grant, Redirect, Visit
from .kind import GRANT_HOSTS, ControllerKind

GRANT_HOST_DOMAINS = ("*.network-auth.com",)
"""Meraki's grant URL is always on this domain (``https://n<NN>.network-auth.com/splash/grant``)."""


class MerakiController:
    """Meraki click-through for one venue."""

    kind = "meraki"

    def __init__(self, venue: VenueConfig) -> None:
        self.hosts = venue.grant_hosts

    def read(self, query: Mapping[str, str], raw_query: str) -> Visit:
        """Check Meraki's splash parameters (``base_grant_url`` must be on a grant host)."""
        grant = params.grant_url(
            params.required(query, "base_grant_url"), "base_grant_url", self.hosts
        )
        values = [("base_grant_url", grant)]
        if query.get("node_mac"):
            values.append(("node_mac", params.mac(query["node_mac"], "node_mac")))
        return Visit(
            mac=params.mac(params.required(query, "client_mac"), "client_mac"),
            ip=params.ip(query["client_ip"], "client_ip") if query.get("client_ip") else None,
            destination=params.destination(query.get("user_continue_url")),
            values=tuple(values),
        )

    def grant(self, visit: Visit, seconds: int, landing: str) -> Grant:
        """Send the phone to Meraki's grant URL with the session length and the online page."""
        base = visit.value("base_grant_url")
        joiner = "&" if "?" in base else "?"
        query = urlencode({"continue_url": landing, "duration": seconds})
        return Redirect(f"{base}{joiner}{query}")

    def grant_origins(self, visit: Visit) -> tuple[str, ...]:
        """The grant URL's origin."""
        return (params.origin(visit.value("base_grant_url")),)


KIND: ControllerKind = ControllerKind(
    name="meraki",
    settings=GRANT_HOSTS,
    build=lambda venue, portal_url: MerakiController(venue),
    default_grant_hosts=GRANT_HOST_DOMAINS,
)
