"""Stand-in for Cisco Meraki's click-through splash page (External Captive Portal, "EXCAP").

Followed:

- Cisco Meraki developer docs, "Captive Portal with Click-through API logic"
  https://developer.cisco.com/meraki/captive-portal-api/click-through-api (also at
  https://create.meraki.io/guides/captive-portal-api/);
- Meraki documentation "Configuring a Custom-Hosted Splash Page"
  https://documentation.meraki.com/MR/Splash_Page/Configuring_a_Custom-Hosted_Splash_Page

What Meraki does, as documented:

1. The AP redirects a new client to the custom splash URL with ``base_grant_url``,
   ``user_continue_url``, ``node_id``, ``node_mac``, ``gateway_id``, ``client_ip``,
   ``client_mac`` appended. In the documented sample the two URLs are percent-encoded and
   the MAC addresses are not (their colons stay as they are); :meth:`MerakiStandin.redirect_url`
   builds exactly that, in that order.
2. The portal sends the browser (a GET) to ``base_grant_url``, optionally with
   ``continue_url`` and ``duration`` (seconds) in the query.
3. Meraki grants the client and redirects it to ``continue_url``.

The stand-in serves ``GET /splash/grant`` (the path of the documented
``https://n143.network-auth.com/splash/grant``), records a :class:`MerakiGrant` for the
current visitor (see ``base.py``) and answers ``302`` to ``continue_url``.

Not verified without Meraki hardware (the documentation is silent; guessed here):

- the status code of the redirect after a grant (302 here);
- what happens without ``continue_url``: here the client goes to its ``user_continue_url``
  (the Dashboard option "the URL they were trying to fetch");
- what happens without ``duration``: here the grant lasts ``default_duration`` seconds (the
  Dashboard's "splash frequency", 1 hour unless set), and a ``duration`` that is not a
  positive whole number is answered ``400`` with a plain message;
- a grant from a client the AP never redirected: here ``400``;
- the walled-garden and HTTPS behaviour of the real ``network-auth.com`` host (this one is
  plain HTTP on loopback).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from http import HTTPStatus

from .base import Request, Response, Standin, add_query, html_response, not_found, redirect

GRANT_PATH = "/splash/grant"


@dataclass(frozen=True)
class MerakiGrant:
    """A click-through grant as Meraki holds it: client, AP, length and where it went."""

    client_mac: str
    client_ip: str
    node_mac: str
    duration: int
    continue_url: str
    granted_at: float


class MerakiStandin(Standin[MerakiGrant]):
    """Meraki's splash grant host.

    ``node_mac``/``node_id``/``gateway_id``: the AP's identifiers put into the redirect.
    ``default_duration``: seconds granted when the portal sends no ``duration``.
    """

    def __init__(
        self,
        *,
        node_mac: str = "00:18:0a:13:dd:b0",
        node_id: str = "1301936",
        gateway_id: str = "1301936",
        default_duration: int = 3600,
    ) -> None:
        super().__init__()
        self.node_mac = node_mac
        self.node_id = node_id
        self.gateway_id = gateway_id
        self.default_duration = default_duration
        self._continue: dict[str, str] = {}

    @property
    def base_grant_url(self) -> str:
        return f"{self.url}{GRANT_PATH}"

    def redirect_url(
        self,
        portal_url: str,
        client_mac: str,
        client_ip: str,
        continue_url: str = "http://example.com/",
    ) -> str:
        """The splash URL the AP sends ``client_mac`` to, parameters as Meraki appends them."""
        visitor = self.announce(client_mac, client_ip)
        self._continue[visitor.mac] = continue_url
        return add_query(
            portal_url,
            [
                ("base_grant_url", self.base_grant_url),
                ("user_continue_url", continue_url),
                ("node_id", self.node_id),
                ("node_mac", self.node_mac),
                ("gateway_id", self.gateway_id),
                ("client_ip", client_ip),
                ("client_mac", client_mac),
            ],
            safe={"node_mac": ":", "client_mac": ":"},
        )

    def handle(self, request: Request) -> Response:
        if request.path.rstrip("/") != GRANT_PATH or request.method not in ("GET", "HEAD"):
            return not_found()
        visitor = self.visitor(request)
        if visitor is None:
            return html_response(HTTPStatus.BAD_REQUEST, "unknown client")
        duration_text = request.arg("duration")
        if duration_text is None or duration_text == "":
            duration = self.default_duration
        elif duration_text.isdigit() and int(duration_text) > 0:
            duration = int(duration_text)
        else:
            return html_response(HTTPStatus.BAD_REQUEST, "invalid duration")
        continue_url = request.arg("continue_url") or self._continue.get(visitor.mac, "")
        self.record_grant(
            MerakiGrant(
                client_mac=visitor.mac,
                client_ip=visitor.ip,
                node_mac=self.node_mac,
                duration=duration,
                continue_url=continue_url,
                granted_at=time.time(),
            )
        )
        if not continue_url:
            return html_response(HTTPStatus.OK, "<html><body>You are connected.</body></html>")
        return redirect(continue_url)
