"""Visitors sent by a venue's Wi-Fi controller: their visit checked, carried and granted.

The controller's redirect is checked by the venue's controller module; the checked visit then
travels to the accept step inside the page, signed and bound to the client that was shown the
splash page (the iOS sign-in window keeps no cookies), so a visit copied to another device, made
up or changed is refused. After the grant the phone lands on the online page with a signed
ticket naming the venue and the device, because behind a controller the portal usually cannot
see which device is asking. Free of Flask: views call :class:`VisitDesk`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from ..campaign.content import Campaign
from ..controllers.base import GRANTED, Controller, Grant, Queued, Visit
from ..controllers.reach import check_reachable
from ..sessions.access import Access
from ..sessions.client import Client
from ..sessions.token import TokenProblem
from .venue import VenueConfig

log = logging.getLogger(__name__)

# How long a phone may wait for openNDS's authmon to collect its grant before it is told to
# try again (authmon polls every 5 s by default).
COLLECT_SECONDS = 30
_TICKET_DAYS = 31


@dataclass(frozen=True)
class Venue:
    """A configured venue with its controller and campaign."""

    config: VenueConfig
    controller: Controller
    campaign: Campaign

    @property
    def id(self) -> str:
        """The venue id, as in ``/v/<id>/``."""
        return self.config.id


@dataclass(frozen=True)
class Accepted:
    """A visitor accepted: ``grant`` tells how the controller lets them through."""

    grant: Grant
    landing: str


@dataclass(frozen=True)
class Ticket:
    """What the online page's ``t`` parameter says: which device, and a queued grant."""

    venue: str
    mac: str
    gateway: str = ""
    key: str = ""
    issued: float = 0.0


class VisitDesk:
    """The venue flow over the portal's :class:`~portal.sessions.access.Access`.

    It uses the access flow's store, accept tokens and event log.
    """

    def __init__(self, access: Access, venues: dict[str, Venue], secret_key: str) -> None:
        self.access = access
        self.venues = venues
        self._visits = URLSafeTimedSerializer(secret_key, salt="bluezone-venue-visit")
        self._tickets = URLSafeTimedSerializer(secret_key, salt="bluezone-venue-ticket")
        self._binding_key = hashlib.sha256(b"venue-visit-binding:" + secret_key.encode()).digest()

    def _binding(self, client: Client) -> str:
        digest = hmac.digest(self._binding_key, client.key.encode(), "sha256")[:12]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def seal(self, venue: Venue, visit: Visit, client: Client) -> str:
        """The visit as a signed text for the splash page's form, bound to ``client``."""
        payload = {
            "v": venue.id,
            "b": self._binding(client),
            "m": visit.mac,
            "i": visit.ip,
            "d": visit.destination,
            "x": [list(pair) for pair in visit.values],
        }
        return str(self._visits.dumps(payload))

    def unseal(self, venue: Venue, sealed: str | None, client: Client) -> Visit | TokenProblem:
        """The visit in ``sealed`` if it is genuine, recent, this venue's and ``client``'s."""
        if not sealed:
            return TokenProblem.MISSING
        if len(sealed) > 8192:
            return TokenProblem.FORGED
        try:
            payload = self._visits.loads(sealed, max_age=self.access.config.token_minutes * 60)
        except SignatureExpired:
            return TokenProblem.EXPIRED
        except BadData:
            return TokenProblem.FORGED
        if not isinstance(payload, dict) or payload.get("v") != venue.id:
            return TokenProblem.FORGED
        if not hmac.compare_digest(str(payload.get("b")), self._binding(client)):
            return TokenProblem.OTHER_CLIENT
        return Visit(
            mac=str(payload["m"]),
            ip=payload.get("i"),
            destination=payload.get("d"),
            values=tuple((str(k), str(v)) for k, v in payload.get("x", [])),
        )

    def ticket(self, venue: Venue, mac: str, grant: Grant | None = None) -> str:
        """The signed ``t`` parameter of the online page for device ``mac``."""
        payload: dict[str, Any] = {"v": venue.id, "m": mac}
        if isinstance(grant, Queued):
            payload["g"], payload["k"] = grant.gateway, grant.key
        return str(self._tickets.dumps(payload))

    def read_ticket(self, venue: Venue, text: str | None) -> Ticket | None:
        """The ticket in ``text`` if it is genuine and this venue's, else ``None``."""
        if not text or len(text) > 1024:
            return None
        try:
            payload, issued = self._tickets.loads(
                text, max_age=_TICKET_DAYS * 86400, return_timestamp=True
            )
        except BadData:
            return None
        if not isinstance(payload, dict) or payload.get("v") != venue.id:
            return None
        return Ticket(
            venue.id,
            str(payload["m"]),
            str(payload.get("g", "")),
            str(payload.get("k", "")),
            issued.timestamp(),
        )

    def landing(
        self, venue: Venue, mac: str, lang: str, destination: str | None, grant: Grant | None
    ) -> str:
        """The online page's full URL for device ``mac`` (where the controller sends it)."""
        query = {"t": self.ticket(venue, mac, grant), "lang": lang}
        if destination:
            query["continue"] = destination
        base = self.access.config.portal_url
        return f"{base}/v/{venue.id}/online?{urlencode(query, quote_via=quote)}"

    def accept(
        self,
        venue: Venue,
        client: Client,
        token: str | None,
        sealed: str | None,
        lang: str,
        os: str,
    ) -> Accepted | TokenProblem:
        """Check the accept token and the sealed visit, then grant the controller's way and
        record the session under the device's MAC for the venue's session length.

        Raises :class:`~portal.controllers.errors.ControllerError` when the controller is down
        or refuses; nothing is recorded then.
        """
        problem = self.access.tokens.check(token, client.key)
        if problem is not None:
            return problem
        visit = self.unseal(venue, sealed, client)
        if isinstance(visit, TokenProblem):
            return visit
        seconds = venue.config.session_minutes * 60
        placeholder = self.landing(venue, visit.mac, lang, visit.destination, None)
        grant = venue.controller.grant(visit, seconds, placeholder)
        if isinstance(grant, Queued):
            landing = self.landing(venue, visit.mac, lang, visit.destination, grant)
        else:
            landing = placeholder
            if venue.config.check_grant_host:
                for origin in venue.controller.grant_origins(visit):
                    check_reachable(origin)
        self.record(venue, visit.mac, seconds)
        if isinstance(grant, Queued):
            self.access.store.queue_grant(grant.gateway, grant.key, grant.line, venue.id)
        self.access.events.record("accept", venue.id, lang, os)
        self.access.purge_now_and_then()
        log.info("venue %s: %s grant for %d s", venue.id, venue.controller.kind, seconds)
        return Accepted(grant, landing)

    def record(self, venue: Venue, mac: str, seconds: int) -> None:
        """Record the device's session for ``seconds`` under its MAC, with the venue."""
        self.access.grant_record(Client(ip="", mac=mac), venue.id, seconds)

    def returned(self, venue: Venue, visit: Visit, lang: str) -> str | None:
        """A controller sent the phone back after its login: the online page's URL when it
        granted, ``None`` (and the session recorded at accept ended) when it failed."""
        if visit.outcome == GRANTED:
            # The controller hands back the online page the portal gave it (CoovaChilli's
            # userurl): it already names the device, the language and the destination.
            own = f"{self.access.config.portal_url}/v/{venue.id}/online?"
            if visit.destination and visit.destination.startswith(own):
                return visit.destination
            return self.landing(venue, visit.mac, lang, visit.destination, None)
        log.warning(
            "venue %s: the %s controller did not let a device in: %s",
            venue.id,
            venue.controller.kind,
            visit.reason[:200] or "no reason given",
        )
        self.access.revoke_record(Client(ip="", mac=visit.mac))
        return None

    def state(self, venue: Venue, ticket: Ticket, now: float | None = None) -> str:
        """``online``, ``waiting`` (a queued grant not collected yet), ``timeout`` (not
        collected in time: the session is ended) or ``ended`` (no session any more)."""
        moment = now if now is not None else time.time()
        client = Client(ip="", mac=ticket.mac)
        if ticket.gateway and self.access.store.grant_waiting(ticket.gateway, ticket.key):
            if moment - ticket.issued < COLLECT_SECONDS:
                return "waiting"
            self.access.store.drop_queued_grants(ticket.gateway, [ticket.key])
            self.access.revoke_record(client)
            log.warning("venue %s: openNDS did not collect a grant in time", venue.id)
            return "timeout"
        if self.access.session(client) is None:
            return "ended"
        return "online"

    def captive_status(self, venue: Venue, client: Client, ticket: Ticket | None) -> dict[str, Any]:
        """The RFC 8908 answer for the device named by ``ticket`` (else ``client``)."""
        who = Client(ip="", mac=ticket.mac) if ticket is not None else client
        answer = self.access.captive_status(who)
        base = f"{self.access.config.portal_url}/v/{venue.id}"
        answer["user-portal-url"] = f"{base}/"
        answer["venue-info-url"] = f"{base}/venue"
        if not answer["captive"]:
            # A new session needs the controller's redirect, which only joining again gives.
            answer["can-extend-session"] = False
        return answer

    def authmon(self, venue: Venue, form: dict[str, str]) -> str | None:
        """Answer openNDS's authmon (``auth_get``, ``gatewayhash``, ``payload``); ``None``
        for a request that is not one."""
        action = form.get("auth_get", "")
        gateway = form.get("gatewayhash", "")
        if len(gateway) != 64 or any(c not in "0123456789abcdef" for c in gateway):
            return None
        store = self.access.store
        if action == "clear":
            store.drop_queued_grants(gateway)
            return ""
        if action in ("deauthed", "custom"):
            return "ack"
        if action == "list":
            return _auth_list(store.queued_grants(gateway, take=True))
        if action == "view":
            acks = _payload(form.get("payload", "none"))
            if acks != "none":
                keys = [k for k in acks.replace("*", " ").split() if k]
                store.drop_queued_grants(gateway, keys)
                return "ack"
            return _auth_list(store.queued_grants(gateway))
        return None


def _auth_list(lines: list[str]) -> str:
    return " ".join(["*", *(quote(line, safe="") for line in lines)])


def _payload(text: str) -> str:
    """authmon's payload: base64 in current openNDS, plain text in older releases."""
    try:
        decoded = base64.b64decode(text, validate=True).decode("ascii")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return text.strip()
    return decoded.strip() if decoded.isprintable() else text.strip()
