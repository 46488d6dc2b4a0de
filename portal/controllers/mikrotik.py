"""MikroTik RouterOS hotspot with the portal as its external login page.

The router's ``login.html`` (README, "MikroTik hotspot") sends the phone to the splash URL with
its variables ``mac``, ``ip``, ``link-login-only``, ``link-orig``, ``chap-id``,
``chap-challenge`` and ``error``. The phone is logged in by sending it to ``link-login-only``
with ``username``, ``password`` and ``dst`` (the portal's online page):

- click-through (no ``username`` configured) uses the hotspot's trial user ``T-<MAC>``, exactly
  as RouterOS's own login page does with a plain link, so no password is involved;
- a configured user logs in with the CHAP answer ``MD5(chap-id + password + chap-challenge)``,
  which is good for this one challenge only, so it may travel in a URL.

The login is a redirect (GET), because the visitor has already tapped "Accept" once and the
sign-in window may have no JavaScript to submit a second form; RouterOS accepts the login
fields in the query string (its stock trial link relies on it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from urllib.parse import urlencode

from ..venues.venue import VenueConfig
from . import params
from .base import FAILED, BadParameter, Grant, Redirect, Visit
from .kind import GRANT_HOSTS, ControllerKind, Setting, need_grant_hosts, need_secret

_OCTAL = re.compile(r"\\([0-7]{3})")
_CHAP = re.compile(r"^(?:\\[0-7]{3}){1,64}$")


def chap_bytes(value: str) -> bytes:
    """A ``chap-id`` / ``chap-challenge`` value as bytes: RouterOS writes each byte as an
    octal escape (``\\273``) for its JavaScript; any other character stands for itself."""
    out = bytearray()
    position = 0
    for match in _OCTAL.finditer(value):
        out += value[position : match.start()].encode("latin-1")
        out.append(int(match.group(1), 8) & 0xFF)
        position = match.end()
    out += value[position:].encode("latin-1")
    return bytes(out)


def chap_password(chap_id: str, password: str, challenge: str) -> str:
    """The hotspot's HTTP CHAP answer: hex MD5 of chap-id, password and challenge."""
    data = chap_bytes(chap_id) + password.encode() + chap_bytes(challenge)
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class MikrotikController:
    """RouterOS hotspot login for one venue."""

    kind = "mikrotik"

    def __init__(self, venue: VenueConfig) -> None:
        self.hosts = venue.grant_hosts
        self.username = venue.username
        self._password = venue.secret("password") or ""

    def read(self, query: Mapping[str, str], raw_query: str) -> Visit:
        """Check the hotspot's login-page variables."""
        login = params.grant_url(
            params.required(query, "link-login-only"), "link-login-only", self.hosts
        )
        sent_mac = params.required(query, "mac")
        values = [("link-login-only", login), ("mac", params.text(sent_mac, "mac", 17))]
        for name in ("chap-id", "chap-challenge"):
            if query.get(name):
                values.append((name, params.text(query[name], name, 256, _CHAP)))
        if self.username and not query.get("chap-id"):
            raise BadParameter("chap-id", "missing: turn on HTTP CHAP in the hotspot profile")
        error = params.text(query.get("error", ""), "error", 300)
        return Visit(
            mac=params.mac(sent_mac, "mac"),
            ip=params.ip(query["ip"], "ip") if query.get("ip") else None,
            destination=params.destination(query.get("link-orig")),
            values=tuple(values),
            outcome=FAILED if error else None,
            reason=error,
        )

    def grant(self, visit: Visit, seconds: int, landing: str) -> Grant:
        """Send the phone to the router's login with the trial user or the CHAP answer.

        The session length is the hotspot's (trial uptime or user profile): RouterOS takes
        none from the login request.
        """
        fields = {"dst": landing, "popup": "false"}
        if self.username:
            fields["username"] = self.username
            fields["password"] = chap_password(
                visit.value("chap-id"), self._password, visit.value("chap-challenge")
            )
        else:
            fields["username"] = f"T-{visit.mac.upper()}"
        login = visit.value("link-login-only")
        joiner = "&" if "?" in login else "?"
        return Redirect(f"{login}{joiner}{urlencode(fields)}")

    def grant_origins(self, visit: Visit) -> tuple[str, ...]:
        """The router's login origin."""
        return (params.origin(visit.value("link-login-only")),)


def _check(venue: VenueConfig, present: Collection[str]) -> None:
    need_grant_hosts(venue)
    if venue.username:
        need_secret(venue, "password", "a MikroTik user needs its password")


KIND: ControllerKind = ControllerKind(
    name="mikrotik",
    settings=(*GRANT_HOSTS, Setting("username", "text"), Setting("password_file", "secret_file")),
    build=lambda venue, portal_url: MikrotikController(venue),
    check=_check,
)
