"""Stand-in for CoovaChilli's UAM interface (the ``uamip:uamport`` side of an external portal).

Followed: the CoovaChilli sources, github.com/coova/coova-chilli ``src/redir.c``
(``bstring_buildurl``, ``redir_md_param``, ``redir_urlencode``, ``redir_getreq``,
``redir_radius``, ``is_local_user``, ``redir_reply``, ``redir_json_reply``), and the
ChilliSpot ``hotspotlogin.cgi`` that computes the answers on the portal side.

What chilli does, and the stand-in with it:

- A new client is redirected to the configured ``uamserver`` with, in this order:
  ``res=notyet``, ``uamip``, ``uamport``, ``challenge`` (16 random octets, lower-case hex),
  ``called`` (the NAS MAC, ``AA-BB-CC-DD-EE-FF``), ``mac`` (the client's, same form),
  ``ip``, ``ssid`` (when configured), ``nasid``, ``sessionid``, ``userurl``; values are
  percent-encoded by ``redir_urlencode`` (only ``A-Za-z0-9-_.!~*`` left alone, ``%xx`` in
  *lower*-case hex). With a ``uamsecret`` chilli appends ``&md=`` + the upper-case hex MD5 of
  the whole URL so far (``uamserver`` included) followed by the secret.
- ``GET /logon`` (or ``/login``) with ``username`` and either ``response`` (CHAP: hex of
  MD5(ident + password + chap_challenge), ``ident`` from the query, 0 when absent) or
  ``password`` (PAP: hex of the password XOR chap_challenge, repeated every 16 octets),
  and ``userurl``. ``chap_challenge`` is MD5(challenge octets + uamsecret) with a secret,
  the challenge itself without. Users are checked as chilli's ``localusers`` file does.
- Success: ``302`` to ``uamserver?res=success&uamip=&uamport=&called=&uid=<user>
  [&timeleft=<session timeout>]&mac=&ip=[&ssid=]&nasid=&sessionid=&userurl=&md=``. Reject:
  ``302`` to ``uamserver?res=failed&reason=reject&uamip=&uamport=&challenge=&called=&mac=&ip=
  [&ssid=]&nasid=&sessionid=&userurl=&md=``. Already logged in: ``res=already``. Logoff
  (``/logoff``): ``res=logoff`` with a challenge.
- ``GET /json/status`` (and ``/json/logon`` etc.): the JSON chilli answers instead of the
  redirect, ``{"version": "1.0", "clientState": 0|1, "nasid", "challenge", ...}``, wrapped in
  ``callback(...)`` when a ``callback`` parameter is given.

The client is the one of the latest :meth:`ChilliStandin.redirect_url` (chilli knows it by
its IP address; see ``base.py``).

The JSON ``redir``, ``session`` and ``accounting`` members are those of ``src/session.c``
(``session_redir_json_fmt``, ``session_json_fmt``); traffic counters stay 0 here.

Not verified without a running chilli: the order of ``logoutURL`` and ``ipAddress`` in
``redir`` (added after the ``session.c`` read here); the format of ``sessionid`` (16 hex
digits here); what chilli answers a ``/logon`` without ``username`` or without any password
field (it drops the request; here the connection is closed without an answer). RADIUS is
not modelled (``users`` stand for a RADIUS server or ``localusers``). A fork of chilli
hashes the PAP challenge with SHA-256; coova's does not, and neither does this stand-in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .base import (
    DROP,
    Request,
    Response,
    Standin,
    Visitor,
    json_response,
    not_found,
    redirect,
)

SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*")


def chilli_urlencode(text: str) -> str:
    """``redir_urlencode``: octets outside ``A-Za-z0-9-_.!~*`` as ``%xx`` (lower-case hex)."""
    return "".join(chr(b) if b in SAFE else f"%{b:02x}" for b in text.encode("utf-8"))


def chilli_mac(mac: str) -> str:
    """A MAC as chilli prints it: ``%.2X-%.2X-...``."""
    return mac.replace(":", "-").upper()


def md_param(url: str, uamsecret: str) -> str:
    """``redir_md_param``: upper-case hex MD5 of ``url`` followed by the secret."""
    return hashlib.md5(url.encode("utf-8") + uamsecret.encode("utf-8")).hexdigest().upper()


def chap_challenge(challenge: bytes, uamsecret: str) -> bytes:
    """The challenge RADIUS sees: MD5(challenge + uamsecret), or the challenge itself."""
    if uamsecret:
        return hashlib.md5(challenge + uamsecret.encode("utf-8")).digest()
    return challenge


def chap_response(challenge: bytes, password: str, uamsecret: str, ident: int = 0) -> str:
    """What a portal sends as ``response``: hex MD5(ident + password + chap_challenge)."""
    return hashlib.md5(
        bytes([ident]) + password.encode("utf-8") + chap_challenge(challenge, uamsecret)
    ).hexdigest()


def pap_decode(hexpassword: str, challenge: bytes, uamsecret: str) -> bytes:
    """The password a ``password=`` hex string stands for (XOR with the chap_challenge)."""
    key = chap_challenge(challenge, uamsecret)
    data = bytes.fromhex(hexpassword)
    plain = bytes(octet ^ key[index % 16] for index, octet in enumerate(data))
    return plain.split(b"\0", 1)[0]


def pap_encode(password: str, challenge: bytes, uamsecret: str) -> str:
    """What ``hotspotlogin.cgi`` sends as ``password``: the password padded to 16 octets
    with NULs, XOR the chap_challenge, as hex."""
    key = chap_challenge(challenge, uamsecret)
    data = password.encode("utf-8")
    data = data.ljust(max(16, -(-len(data) // 16) * 16), b"\0")
    return bytes(octet ^ key[index % 16] for index, octet in enumerate(data)).hex()


@dataclass(frozen=True)
class ChilliGrant:
    """A UAM login as chilli holds the session."""

    username: str
    mac: str
    ip: str
    method: str  # "chap" or "pap"
    session_timeout: int  # seconds, 0: none
    sessionid: str
    userurl: str
    granted_at: float


@dataclass
class _Client:
    visitor: Visitor
    challenge: bytes
    sessionid: str
    userurl: str
    authenticated: bool = False
    username: str = ""
    start: float = 0.0


class ChilliStandin(Standin[ChilliGrant]):
    """CoovaChilli's UAM server: redirect parameters, ``/logon``, ``/logoff``, ``/json/``.

    ``uamsecret``: shared with the portal ("" for none). ``users``: username -> password
    (what RADIUS would accept). ``nasid``, ``called`` (NAS MAC), ``ssid``: sent in every
    redirect. ``session_timeout``: seconds granted (RADIUS Session-Timeout, 0: none).
    """

    def __init__(
        self,
        *,
        uamsecret: str = "",
        users: dict[str, str] | None = None,
        nasid: str = "nas01",
        called: str = "00-11-22-33-44-55",
        ssid: str | None = None,
        session_timeout: int = 0,
    ) -> None:
        super().__init__()
        self.uamsecret = uamsecret
        self.users = dict(users or {})
        self.nasid = nasid
        self.called = called
        self.ssid = ssid
        self.session_timeout = session_timeout
        self.uamserver = ""
        self._clients: dict[str, _Client] = {}

    @property
    def uamip(self) -> str:
        return "127.0.0.1"

    @property
    def uamport(self) -> int:
        return self.port

    def challenge_for(self, mac: str) -> bytes:
        """The challenge octets currently issued to ``mac``."""
        with self._lock:
            return self._clients[chilli_mac(mac)].challenge

    def redirect_url(
        self,
        portal_url: str,
        mac: str,
        ip: str = "10.1.0.2",
        userurl: str = "http://example.com/",
        challenge: bytes | None = None,
    ) -> str:
        """Where chilli sends a new client: ``portal_url`` (the ``uamserver``) with
        ``res=notyet`` and the rest; ``challenge`` fixes the octets for a known vector."""
        visitor = self.announce(mac, ip)
        client = _Client(
            visitor=visitor,
            challenge=challenge if challenge is not None else secrets.token_bytes(16),
            sessionid=secrets.token_hex(8),
            userurl=userurl,
        )
        with self._lock:
            self.uamserver = portal_url
            self._clients[chilli_mac(visitor.mac)] = client
        return self._build(client, "notyet", challenge=True)

    def _build(self, client: _Client, res: str, *, challenge: bool = False, uid: str = "") -> str:
        """``bstring_buildurl`` for the fields the stand-in has, ``md`` appended."""
        url = self.uamserver + ("&" if "?" in self.uamserver else "?")
        url += f"res={res}&uamip={self.uamip}&uamport={self.uamport}"
        if challenge:
            url += f"&challenge={client.challenge.hex()}"
        url += f"&called={chilli_urlencode(self.called)}"
        if uid:
            url += f"&uid={chilli_urlencode(uid)}"
        if res == "success" and self.session_timeout:
            url += f"&timeleft={self.session_timeout}"
        url += f"&mac={chilli_urlencode(chilli_mac(client.visitor.mac))}&ip={client.visitor.ip}"
        if self.ssid:
            url += f"&ssid={chilli_urlencode(self.ssid)}"
        url += f"&nasid={chilli_urlencode(self.nasid)}"
        url += f"&sessionid={chilli_urlencode(client.sessionid)}"
        url += f"&userurl={chilli_urlencode(client.userurl)}"
        if self.uamsecret:
            url += f"&md={md_param(url, self.uamsecret)}"
        return url

    # -- HTTP --------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path.strip("/")
        as_json = path.startswith("json/")
        if as_json:
            path = path[len("json/") :]
        visitor = self.visitor(request)
        with self._lock:
            client = self._clients.get(chilli_mac(visitor.mac)) if visitor else None
        if client is None or path not in ("logon", "login", "logoff", "logout", "status"):
            return not_found()
        if path in ("logon", "login"):
            return self._logon(request, client, as_json)
        if path in ("logoff", "logout"):
            with self._lock:
                client.authenticated = False
                client.challenge = secrets.token_bytes(16)
            if as_json:
                return self._json(request, client)
            return redirect(self._build(client, "logoff", challenge=True))
        if as_json:
            return self._json(request, client)
        res = "already" if client.authenticated else "notyet"
        return redirect(self._build(client, res, challenge=not client.authenticated))

    def _logon(self, request: Request, client: _Client, as_json: bool) -> Response:
        username = request.arg("username")
        response = request.arg("response")
        password = request.arg("password")
        if not username or (response is None and password is None):
            return DROP  # chilli drops the request: see the module docstring
        if request.arg("userurl"):
            client.userurl = request.arg("userurl") or client.userurl
        if client.authenticated:
            return self._reply(request, client, "already", as_json)
        expected = self.users.get(username)
        method = "chap" if response is not None else "pap"
        good = False
        if expected is not None:
            try:
                if response is not None:
                    ident = int(request.arg("ident") or 0) & 0xFF
                    good = response.lower() == chap_response(
                        client.challenge, expected, self.uamsecret, ident
                    )
                elif password is not None:
                    plain = pap_decode(password, client.challenge, self.uamsecret)
                    good = plain == expected.encode("utf-8")
            except ValueError:
                good = False
        if not good:
            reply = self._reply(request, client, "failed&reason=reject", as_json)
            with self._lock:
                client.sessionid = secrets.token_hex(8)
            return reply
        with self._lock:
            client.authenticated = True
            client.username = username
            client.start = time.time()
        self.record_grant(
            ChilliGrant(
                username=username,
                mac=client.visitor.mac,
                ip=client.visitor.ip,
                method=method,
                session_timeout=self.session_timeout,
                sessionid=client.sessionid,
                userurl=client.userurl,
                granted_at=client.start,
            )
        )
        return self._reply(request, client, "success", as_json)

    def _reply(self, request: Request, client: _Client, res: str, as_json: bool) -> Response:
        if as_json:
            return self._json(request, client)
        if res == "success":
            return redirect(self._build(client, res, uid=client.username))
        return redirect(self._build(client, res, challenge=res.startswith("failed")))

    def _json(self, request: Request, client: _Client) -> Response:
        """``redir_json_reply`` for the stand-in's states."""
        body: dict[str, Any] = {"version": "1.0", "clientState": int(client.authenticated)}
        if self.nasid:
            body["nasid"] = self.nasid
        if not client.authenticated:
            body["challenge"] = client.challenge.hex()
            body["location"] = {"name": ""}
        body["redir"] = {
            "originalURL": client.userurl,
            "redirectionURL": "",
            "logoutURL": f"http://{self.uamip}:{self.uamport}/logoff",
            "ipAddress": client.visitor.ip,
            "macAddress": chilli_mac(client.visitor.mac),
        }
        if client.authenticated:
            body["session"] = {
                "sessionId": client.sessionid,
                "userName": client.username,
                "startTime": int(client.start),
                "sessionTimeout": self.session_timeout,
                "idleTimeout": 0,
            }
            body["accounting"] = {
                "sessionTime": int(time.time() - client.start),
                "idleTime": 0,
                "inputOctets": 0,
                "outputOctets": 0,
                "inputGigawords": 0,
                "outputGigawords": 0,
            }
        text = json.dumps(body, separators=(",", ":"))
        callback = request.arg("callback")
        if callback:
            return Response(
                HTTPStatus.OK,
                f"{callback}({text})".encode(),
                (("Content-Type", "text/javascript"),),
            )
        return json_response(HTTPStatus.OK, body)
