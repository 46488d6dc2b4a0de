"""The access flow, free of Flask: who a request is from, whether it may pass, and granting.

Views and the interception middleware call :class:`Access`; it owns the store, the gateway,
the tokens and the event log, and knows nothing about HTTP frameworks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..campaign.content import Campaign
from ..campaign.events import EventLog
from ..config import PortalConfig
from ..gateway import Gateway
from ..web.useragent import store_for
from .client import Client, client_ip, identify
from .neighbours import NeighbourTable
from .store import Session, Store
from .token import AcceptTokens, TokenProblem

log = logging.getLogger(__name__)

# The longest a remembered session lookup is used (see Access.session).
FOUND_FOR = 2.0

# Sources of /go links that are the portal's own buttons; any other source is a QR code.
PORTAL_SOURCES = frozenset({"online", "venue"})


@dataclass(frozen=True)
class Granted:
    """The result of a successful accept."""

    session: Session


class Access:
    """Grants, checks and reports network access for visitors."""

    def __init__(
        self,
        config: PortalConfig,
        campaign: Campaign,
        store: Store,
        gateway: Gateway,
        tokens: AcceptTokens,
        events: EventLog,
    ) -> None:
        self.config = config
        self.campaign = campaign
        self.store = store
        self.gateway = gateway
        self.tokens = tokens
        self.events = events
        self._neighbours = NeighbourTable() if config.mac_lookup else None
        self._last_purge = 0.0
        self._found: dict[str, tuple[Session | None, int, float]] = {}  # see session()

    def client(self, environ: Mapping[str, Any]) -> Client:
        """The client behind a WSGI request (cached in the environ for later callers)."""
        cached = environ.get("bluezone.client")
        if isinstance(cached, Client):
            return cached
        ip = client_ip(
            environ.get("REMOTE_ADDR"),
            environ.get("HTTP_X_FORWARDED_FOR"),
            self.config.trusted_proxies,
        )
        client = identify(ip, self._neighbours)
        if isinstance(environ, dict):
            environ["bluezone.client"] = client
        return client

    def session(self, client: Client) -> Session | None:
        """The client's unexpired session, if it has one.

        Answers are remembered per process and used again only while no session has changed
        anywhere since (the database's shared :class:`~portal.sessions.revision.Revision` still
        reads the same) and for at most ``FOUND_FOR`` seconds, which bounds how long a change made
        behind the portal's back (by hand in SQLite) can go unseen. Expiry is checked on every
        use. So a phone revoked or granted by another worker or by the command line is
        answered correctly at once, while repeated probes from one phone skip the database.
        On PostgreSQL (no such revision: other machines change the database) every call asks
        the database, so a change on any node is seen by the very next probe on every node.
        """
        now = time.time()
        if self.store.revision is None:  # a database several machines change: ask it
            return self.store.session(client.key, now=now)
        revision = self.store.revision.current()
        cached = self._found.get(client.key)
        if cached is not None and cached[1] == revision and now - cached[2] < FOUND_FOR:
            found = cached[0]
            return found if found is not None and found.expires_at > now else None
        session = self.store.session(client.key, now=now)
        if len(self._found) >= 50_000:
            self._found.clear()
        self._found[client.key] = (session, revision, now)
        return session

    def accept(
        self, client: Client, token: str | None, lang: str, os: str
    ) -> Granted | TokenProblem:
        """Check the accept token and, if it is good, grant access for the session length.

        Raises :class:`~portal.gateway.GatewayError` when the enforcement point fails; nothing
        is recorded then.
        """
        problem = self.tokens.check(token, client.key)
        if problem is not None:
            return problem
        seconds = self.config.session_minutes * 60
        self.gateway.grant(client, seconds)
        session = self._record(client, seconds)
        self.events.record("accept", self.config.venue_id, lang, os)
        self.purge_now_and_then()
        return Granted(session)

    def _record(self, client: Client, seconds: int) -> Session:
        mac = client.mac if self.gateway.needs_mac else None
        return self.store.grant(client.key, self.config.venue_id, seconds, mac=mac)

    def grant_record(self, client: Client, venue: str, seconds: int) -> Session:
        """Record a session that a venue's own controller enforces (the portal's gateway is
        not involved) for ``seconds``, counted under ``venue``."""
        session = self.store.grant(client.key, venue, seconds)
        self._found.pop(client.key, None)
        return session

    def revoke_record(self, client: Client) -> bool:
        """End a recorded session without asking the gateway; ``True`` if there was one."""
        self._found.pop(client.key, None)
        return self.store.revoke(client.key)

    def grant_device(self, mac: str, seconds: int | None = None) -> Session:
        """Grant the device ``mac`` for ``seconds`` (default: the session length), as an
        operator does from the command line. Raises GatewayError."""
        client = Client(ip="", mac=mac)
        length = seconds or self.config.session_minutes * 60
        self.gateway.grant(client, length)
        return self._record(client, length)

    def revoke_device(self, mac: str) -> bool:
        """End the device's access and its session; ``True`` if it had a session."""
        client = Client(ip="", mac=mac)
        self.gateway.revoke(client)
        return self.store.revoke(client.key)

    def device_session(self, mac: str) -> Session | None:
        """The unexpired session of device ``mac``, if any."""
        return self.store.session(Client(ip="", mac=mac).key)

    def captive_status(self, client: Client) -> dict[str, Any]:
        """The RFC 8908 API answer for ``client``."""
        base = self.config.portal_url
        answer: dict[str, Any] = {
            "captive": True,
            "user-portal-url": f"{base}/",
            "venue-info-url": f"{base}/venue",
        }
        session = self.session(client)
        if session is not None:
            answer["captive"] = False
            answer["seconds-remaining"] = max(0, session.expires_at - int(time.time()))
            # Accepting again on the splash page renews the session.
            answer["can-extend-session"] = True
        else:
            answer["can-extend-session"] = False
        return answer

    def install_target(
        self, user_agent: str | None, chosen: str | None = None, campaign: Campaign | None = None
    ) -> str:
        """Where the smart install link sends this device: the store the visitor ``chosen``
        (``app_store`` or ``google_play``), else the one its user agent implies, else the
        official install page of ``campaign`` (default: the portal's)."""
        campaign = campaign or self.campaign
        store = chosen if chosen in ("app_store", "google_play") else store_for(user_agent)
        if store == "app_store":
            return campaign.app_store_url
        if store == "google_play":
            return campaign.google_play_url
        return campaign.install_url

    def count_install_link(self, src: str, lang: str, os: str) -> None:
        """Count one use of the smart install link from source ``src``."""
        kind = "store_click" if src in PORTAL_SOURCES else "qr_scan"
        self.events.record(kind, self.config.venue_id, lang, os, src)

    def purge_now_and_then(self) -> None:
        """Purge expired sessions and old counters at most once an hour per process."""
        now = time.monotonic()
        if now - self._last_purge < 3600:
            return
        self._last_purge = now
        sessions, events = self.store.purge(self.config.event_retention_days)
        if sessions or events:
            log.info("purged %d expired sessions and %d old counters", sessions, events)
