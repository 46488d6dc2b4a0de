"""Stand-in for a MikroTik RouterOS HotSpot whose login page hands over to an external portal.

Followed:

- MikroTik manual "Customizing Hotspot" (RouterOS v3+, wiki.mikrotik.com
  Manual:Customizing_Hotspot; same text in the RouterOS v2.9 reference manual, "Customizing
  HotSpot: HTTP Servlet Pages" and "Possible Error Messages"): ``login`` takes
  ``username``, ``password`` (plain text for PAP, or for HTTP-CHAP the hex MD5 of chap-id,
  password and chap-challenge *in that order*), ``dst`` and ``popup``; the variables
  ``$(mac)``, ``$(ip)``, ``$(link-login-only)``, ``$(link-orig)``, ``$(error)``,
  ``$(chap-id)`` (example ``\\371``) and ``$(chap-challenge)`` (example
  ``\\357\\015\\330...``, 16 octets written as backslash + three octal digits);
  ``$(mac-esc)`` is the MAC percent-escaped for a URL; trial users log in as
  ``T-$(mac-esc)``;
- the default ``errors.txt`` (``invalid-username``, ``chap-missing``, ``wrong-mac-username``,
  ``uptime-limit``): RouterOS's English texts, as in the unmodified copies of the file
  published with customised hotspot page sets;
- MikroTik's ``login.html`` (the default ``hexMD5('$(chap-id)' + password +
  '$(chap-challenge)')``) and the public external-portal ``login.html`` files that
  auto-submit these variables to a portal.

How it behaves:

- ``GET|POST /login`` (``link-login-only``) reads ``username``, ``password``, ``dst``,
  ``popup`` from the query and the urlencoded body. Success: a recorded
  :class:`MikrotikGrant` and ``302`` to ``dst`` (to ``/status`` without ``dst``). Failure:
  ``200`` with the login page carrying the error text in ``<div id="error">`` (where a
  ``login.html`` puts ``$(error)``).
- HTTP-CHAP (``chap=True``, default): :meth:`MikrotikStandin.redirect_url` issues a fresh
  chap-id and 16-octet challenge per visitor; the password must be
  ``md5(chap-id + password + challenge)`` in lower-case hex. A response computed with a
  stale or another visitor's challenge fails as a wrong password. A plain-text password is
  accepted too (RouterOS accepts PAP when ``http-pap`` is also enabled: ``pap=True``).
- Trial (``trial=True``): username ``T-<mac>`` (the decoded ``T-$(mac-esc)``), password
  empty or anything, logs the visitor in for ``trial_uptime`` seconds, once per MAC until
  :meth:`reset_trials`; a second trial answers the ``uptime-limit`` error. A ``T-<mac>`` for
  another MAC answers ``wrong-mac-username``.

The visitor is the one of the latest :meth:`redirect_url` (see ``base.py``), except that a
CHAP response names its visitor by the challenge it was computed from.

:meth:`MikrotikStandin.redirect_url` gives the URL an external-portal ``login.html`` sends
the browser to (a GET form): ``mac``, ``ip``, ``username``, ``link-login``,
``link-login-only``, ``link-orig``, ``error``, ``chap-id``, ``chap-challenge``, in that
order; ``chap-id``/``chap-challenge`` are the octal-escaped text exactly as RouterOS
substitutes it (empty when CHAP is off).

Not verified without RouterOS: the error wording of other versions (errors.txt is
editable), the status page for an empty ``dst`` (``/status`` here), a repeated
login by an already logged-in visitor (here: redirect to ``dst``, no second grant), the
trial-reset rules (``trial-uptime-reset``, 1 day by default in RouterOS, is not modelled:
call :meth:`reset_trials`), and that RouterOS answers an unknown path with 404.
"""

from __future__ import annotations

import hashlib
import html
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus

from .base import (
    Request,
    Response,
    Standin,
    Visitor,
    add_query,
    html_response,
    is_mac,
    normal_mac,
    not_found,
    redirect,
)

ERRORS = {
    "invalid-username": "invalid username or password",
    "chap-missing": "web browser did not send challenge response (try again, enable JavaScript)",
    "wrong-mac-username": "invalid username ({username}): this MAC address is not yours",
    "uptime-limit": "user {username} has reached uptime limit",
}


def octal_escape(data: bytes) -> str:
    """``data`` as RouterOS writes ``$(chap-id)``/``$(chap-challenge)``: ``\\ooo`` per octet."""
    return "".join(f"\\{octet:03o}" for octet in data)


def octal_unescape(text: str) -> bytes:
    """The octets of a ``\\ooo``-escaped string; other characters stand for themselves."""
    out = bytearray()
    index = 0
    while index < len(text):
        digits = text[index + 1 : index + 4]
        if text[index] == "\\" and len(digits) == 3 and all(c in "01234567" for c in digits):
            out.append(int(digits, 8) & 0xFF)
            index += 4
        else:
            out.extend(text[index].encode("latin-1"))
            index += 1
    return bytes(out)


def chap_response(chap_id: bytes, password: str, challenge: bytes) -> str:
    """What ``login.html`` posts as password: hex MD5 of chap-id + password + challenge."""
    return hashlib.md5(chap_id + password.encode("latin-1") + challenge).hexdigest()


@dataclass(frozen=True)
class MikrotikGrant:
    """A HotSpot login: who, how, and for how long (``None``: no session timeout)."""

    username: str
    mac: str
    ip: str
    method: str  # "chap", "pap" or "trial"
    session_timeout: int | None
    dst: str
    granted_at: float


@dataclass(frozen=True)
class _Challenge:
    chap_id: bytes
    challenge: bytes


class MikrotikStandin(Standin[MikrotikGrant]):
    """A HotSpot server: ``/login`` with PAP, HTTP-CHAP and trial users.

    ``users``: username -> password of local HotSpot users. ``chap``/``pap``: login methods
    enabled in the server profile. ``trial``/``trial_uptime``: trial users and their
    uptime limit in seconds (RouterOS default 30 min). ``session_timeout``: the user
    profile's session timeout in seconds (``None``: unlimited). ``hotspot_address``: not
    used on loopback; the links point to this stand-in.
    """

    def __init__(
        self,
        *,
        users: dict[str, str] | None = None,
        chap: bool = True,
        pap: bool = False,
        trial: bool = False,
        trial_uptime: int = 1800,
        session_timeout: int | None = None,
    ) -> None:
        super().__init__()
        self.users = dict(users or {})
        self.chap = chap
        self.pap = pap
        self.trial = trial
        self.trial_uptime = trial_uptime
        self.session_timeout = session_timeout
        self._challenges: dict[str, _Challenge] = {}
        self._trials_used: set[str] = set()
        self._active: set[str] = set()

    @property
    def link_login_only(self) -> str:
        return f"{self.url}/login"

    def challenge_for(self, mac: str) -> tuple[str, str]:
        """The ``$(chap-id)``, ``$(chap-challenge)`` text last issued to ``mac``."""
        with self._lock:
            issued = self._challenges[normal_mac(mac)]
        return octal_escape(issued.chap_id), octal_escape(issued.challenge)

    def reset_trials(self) -> None:
        with self._lock:
            self._trials_used.clear()

    def logout(self, mac: str) -> None:
        with self._lock:
            self._active.discard(normal_mac(mac))

    def redirect_url(
        self,
        portal_url: str,
        mac: str,
        ip: str = "10.5.50.2",
        link_orig: str = "http://example.com/",
        error: str = "",
        challenge: tuple[bytes, bytes] | None = None,
    ) -> str:
        """The external portal URL an auto-submitting ``login.html`` opens for this visitor.

        ``challenge``: the (chap-id, chap-challenge) octets to issue instead of random ones,
        for tests with a known vector.
        """
        visitor = self.announce(mac, ip)
        chap_id = chap_challenge = ""
        if self.chap:
            chosen = challenge or (secrets.token_bytes(1), secrets.token_bytes(16))
            issued = _Challenge(*chosen)
            with self._lock:
                self._challenges[visitor.mac] = issued
            chap_id, chap_challenge = octal_escape(issued.chap_id), octal_escape(issued.challenge)
        link_login = add_query(self.link_login_only, [("dst", link_orig)])
        return add_query(
            portal_url,
            [
                ("mac", mac.upper()),
                ("ip", ip),
                ("username", ""),
                ("link-login", link_login),
                ("link-login-only", self.link_login_only),
                ("link-orig", link_orig),
                ("error", error),
                ("chap-id", chap_id),
                ("chap-challenge", chap_challenge),
            ],
        )

    # -- HTTP --------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path == "/status":
            return html_response(HTTPStatus.OK, "<html><body>status</body></html>")
        if request.path != "/login" or request.method not in ("GET", "POST"):
            return not_found()
        form = request.form()
        username = form.get("username", "")
        password = form.get("password", "")
        dst = form.get("dst", "")
        if "username" not in form:
            return self._page("")
        if username.startswith("T-") and self.trial:
            return self._trial(request, username, dst)
        visitor, method = self._authenticate(request, username, password)
        if visitor is None:
            if method == "chap-missing":
                return self._page(ERRORS["chap-missing"])
            return self._page(ERRORS["invalid-username"])
        return self._grant(visitor, username, method, self.session_timeout, dst)

    def _authenticate(
        self, request: Request, username: str, password: str
    ) -> tuple[Visitor | None, str]:
        """The visitor logging in and the method that proved it, or ``None`` and why not."""
        expected = self.users.get(username)
        if expected is None:
            return None, "invalid"
        if self.chap and _looks_like_md5(password):
            with self._lock:
                issued = dict(self._challenges)
            for mac, challenge in issued.items():
                if chap_response(challenge.chap_id, expected, challenge.challenge) == password:
                    match = next((v for v in self.visitors() if v.mac == mac), None)
                    return match, "chap"
        if self.pap and password == expected:
            return self.visitor(request), "pap"
        if self.chap and not self.pap and not password:
            return None, "chap-missing"
        return None, "invalid"

    def _trial(self, request: Request, username: str, dst: str) -> Response:
        mac_text = urllib.parse.unquote(username[2:])
        visitor = self.visitor(request)
        if visitor is None or not is_mac(mac_text) or normal_mac(mac_text) != visitor.mac:
            return self._page(ERRORS["wrong-mac-username"].format(username=username))
        with self._lock:
            used = visitor.mac in self._trials_used
            self._trials_used.add(visitor.mac)
        if used:
            return self._page(ERRORS["uptime-limit"].format(username=username))
        return self._grant(visitor, username, "trial", self.trial_uptime, dst)

    def _grant(
        self, visitor: Visitor, username: str, method: str, timeout: int | None, dst: str
    ) -> Response:
        with self._lock:
            already = visitor.mac in self._active
            self._active.add(visitor.mac)
            self._challenges.pop(visitor.mac, None)  # a challenge is good for one login
        if not already:
            self.record_grant(
                MikrotikGrant(
                    username=username,
                    mac=visitor.mac,
                    ip=visitor.ip,
                    method=method,
                    session_timeout=timeout,
                    dst=dst,
                    granted_at=time.time(),
                )
            )
        return redirect(dst or f"{self.url}/status")

    def _page(self, error: str) -> Response:
        """RouterOS's login page with ``$(error)`` filled in."""
        return html_response(
            HTTPStatus.OK,
            "<html><head><title>internet hotspot &gt; login</title></head><body>"
            f'<div id="error">{html.escape(error)}</div>'
            f'<form name="login" action="{html.escape(self.link_login_only)}" method="post">'
            '<input name="username"><input name="password" type="password">'
            '<input type="hidden" name="dst"><input type="hidden" name="popup" value="true">'
            "</form></body></html>",
        )


def _looks_like_md5(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)
