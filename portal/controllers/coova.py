"""CoovaChilli UAM with the portal as its ``uamserver``.

Chilli sends the phone to the splash URL with ``res``, ``uamip``, ``uamport``, ``challenge``,
``called``, ``mac``, ``ip``, ``nasid``, ``sessionid``, ``userurl`` and, when a ``uamsecret`` is
set, ``md``: the upper-case hex MD5 of the whole URL up to ``&md=`` followed by the secret.
The phone is logged in by sending it to ``http://uamip:uamport/logon`` with ``username`` and
the CHAP ``response`` = MD5(0x00 + password + MD5(challenge + uamsecret)) (without a
uamsecret the challenge itself); Chilli asks its RADIUS server and sends the phone back to the
splash URL with ``res=success`` (or ``already``) or ``res=failed`` and a ``reply``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Mapping
from urllib.parse import urlencode

from ..venues.venue import VenueConfig
from . import params
from .base import FAILED, GRANTED, BadParameter, Grant, Redirect, Visit
from .kind import (
    GRANT_HOSTS,
    ControllerKind,
    Setting,
    SettingProblem,
    need_grant_hosts,
    need_secret,
)

_CHALLENGE = re.compile(r"^[0-9a-fA-F]{32}$")
_MD = re.compile(r"^[0-9a-fA-F]{32}$")
_NEW = ("notyet", "logoff", "timeout")
_RESULTS = {"success": GRANTED, "already": GRANTED, "failed": FAILED, "reject": FAILED}


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


def chap_response(challenge_hex: str, password: str, uamsecret: str | None) -> str:
    """The ``response`` Chilli expects at ``/logon`` for ``password``, as hex."""
    challenge = bytes.fromhex(challenge_hex)
    if uamsecret:
        challenge = _md5(challenge + uamsecret.encode())
    return _md5(b"\0" + password.encode() + challenge).hex()


def checksum(url_before_md: str, uamsecret: str) -> str:
    """The ``md`` Chilli appends to a redirect URL, upper-case hex."""
    return _md5(url_before_md.encode() + uamsecret.encode()).hex().upper()


class CoovaController:
    """CoovaChilli UAM login for one venue; ``splash_urls`` are the addresses Chilli may
    have been given as ``uamserver`` (for checking ``md``)."""

    kind = "coova"

    def __init__(self, venue: VenueConfig, splash_urls: tuple[str, ...]) -> None:
        self.hosts = venue.grant_hosts
        self.username = venue.username
        self._password = venue.secret("password") or ""
        self._uamsecret = venue.secret("uamsecret")
        self.splash_urls = splash_urls

    def _check_md(self, query: Mapping[str, str], raw_query: str) -> None:
        if not self._uamsecret:
            return
        md = params.text(params.required(query, "md"), "md", 32, _MD)
        before, found, after = raw_query.rpartition("&md=")
        sent, _, portal_own = after.partition("&")
        # Only the portal's own language choice may follow the checksum (its switcher adds it).
        if (
            not found
            or sent != md
            or any(not pair.startswith("lang=") for pair in portal_own.split("&") if pair)
        ):
            raise BadParameter("md", "must be the last of CoovaChilli's parameters")
        for base in self.splash_urls:
            expected = checksum(f"{base}?{before}", self._uamsecret)
            if hmac.compare_digest(expected, md.upper()):
                return
        raise BadParameter("md", "checksum does not match this venue's uamsecret")

    def read(self, query: Mapping[str, str], raw_query: str) -> Visit:
        """Check Chilli's redirect, its ``md`` first when a uamsecret is set."""
        self._check_md(query, raw_query)
        res = params.required(query, "res")
        if res not in _NEW and res not in _RESULTS:
            raise BadParameter("res", "not a result CoovaChilli sends")
        uamip = params.ip(params.required(query, "uamip"), "uamip", 4)
        if not params.host_allowed(uamip, self.hosts):
            raise BadParameter("uamip", f"{uamip} is not one of this venue's grant hosts")
        port = params.required(query, "uamport")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise BadParameter("uamport", "not a port number")
        values = [("uamip", uamip), ("uamport", str(int(port)))]
        outcome = _RESULTS.get(res)
        if outcome is None:
            challenge = params.required(query, "challenge")
            values.append(("challenge", params.text(challenge, "challenge", 32, _CHALLENGE)))
        return Visit(
            mac=params.mac(params.required(query, "mac"), "mac"),
            ip=params.ip(query["ip"], "ip") if query.get("ip") else None,
            destination=params.destination(query.get("userurl")),
            values=tuple(values),
            outcome=outcome,
            reason=params.text(query.get("reply", ""), "reply", 300) if outcome else "",
        )

    def grant(self, visit: Visit, seconds: int, landing: str) -> Grant:
        """Send the phone to Chilli's ``/logon`` with the CHAP response.

        The session length is the RADIUS server's (``Session-Timeout``); Chilli takes none
        from the login request.
        """
        response = chap_response(visit.value("challenge"), self._password, self._uamsecret)
        query = urlencode({"username": self.username, "response": response, "userurl": landing})
        return Redirect(f"http://{visit.value('uamip')}:{visit.value('uamport')}/logon?{query}")

    def grant_origins(self, visit: Visit) -> tuple[str, ...]:
        """Chilli's UAM origin."""
        return (f"http://{visit.value('uamip')}:{visit.value('uamport')}",)


def _check(venue: VenueConfig, present: Collection[str]) -> None:
    need_grant_hosts(venue)
    if "username" not in present:
        raise SettingProblem("username", "name the RADIUS user for visitors")
    need_secret(venue, "password", "the RADIUS user needs its password")


def _build(venue: VenueConfig, portal_url: str) -> CoovaController:
    splash = f"{portal_url}/v/{venue.id}"
    return CoovaController(venue, (f"{splash}/", splash))


KIND: ControllerKind = ControllerKind(
    name="coova",
    settings=(
        *GRANT_HOSTS,
        Setting("username", "text"),
        Setting("password_file", "secret_file"),
        Setting("uamsecret_file", "secret_file"),
    ),
    build=_build,
    check=_check,
)
