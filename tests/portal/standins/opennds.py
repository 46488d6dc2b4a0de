"""Stand-in for an openNDS gateway using a remote Forward Authentication Service (FAS).

Followed: the openNDS sources, github.com/openNDS/openNDS —
``src/http_microhttpd.c`` (the query each ``fas_secure_enabled`` level sends, and the PHP
snippet it runs to encrypt levels 2/3), ``src/client_list.c`` (``client_reset``: token and
``hid``; ``client_list_find_by_token``: ``rhid``), ``src/main.c`` (``gatewayhash``, authmon
start), ``forward_authentication_service/libs/authmon.sh`` and ``post-request.php`` (the
authmon exchange), and the FAS examples ``fas-hid/fas-hid.php`` and
``fas-aes/fas-aes-https.php``.

What openNDS does, and the stand-in with it:

- Each client gets a token of 8 hex digits and ``hid = sha256(token)`` (hex). A FAS proves
  a client is allowed with ``rhid = sha256(hid + faskey)``. (The current source hashes the
  token alone; older descriptions say ``sha256(token + faskey)`` for ``hid``.)
- The FAS query is ``key=value`` pairs joined by ``", "``: ``hid, clientip, clientmac,
  client_type, cpi_query, gatewayname, gatewayurl, version, gatewayaddress, gatewaymac,
  [authdir,] originurl, clientif, themespec`` and a trailing ``", "`` (then custom
  parameters, none here). ``gatewayname``, ``gatewayurl`` and ``originurl`` are
  percent-encoded; ``authdir`` is only in levels 2 and 3.
- Level 1: the browser goes to ``<fas_url>?fas=<base64(query)>``. The FAS sends the client
  to ``http://<gatewayaddress>/<authdir>/?tok=<rhid>&redir=<url>`` (``authdir`` is
  ``opennds_auth`` unless configured); openNDS authenticates the requesting client when
  ``tok`` is its ``rhid`` and redirects (``307``) to ``redir``.
- Levels 2 and 3: the query is encrypted as openNDS's PHP snippet does:
  ``iv = first 16 hex digits of sha256(base64(8 random octets))`` (16 ASCII characters),
  ``fas = base64(openssl_encrypt(query, "aes-256-cbc", faskey, 0, iv))`` — PHP's
  ``openssl_encrypt`` with options 0 already returns base64, so ``fas`` is base64 twice;
  the key is the faskey's characters padded with NUL octets to 32 (PHP's rule). The
  browser goes to ``<fas_url>?fas=<fas>&iv=<iv>``. Neither ``fas`` nor ``iv`` is
  percent-encoded: a ``+`` in ``fas`` reaches the portal as it is (form decoding turns it
  into a space; the portal must read it raw or map the space back).
- Level 2 grants through ``authdir`` like level 1. Level 3 grants through authmon: openNDS
  polls the FAS (``fas_url``) with ``POST`` form fields ``auth_get``, ``gatewayhash``
  (sha256 of the percent-encoded gateway name) and ``payload``; first ``auth_get=clear``
  once, then every ``poll_interval`` seconds ``auth_get=view`` with ``payload=none``. The
  FAS answers ``*`` followed by space-separated, percent-encoded lines ``rhid
  sessionlength(min) uploadrate(kbit/s) downloadrate(kbit/s) uploadquota(kB)
  downloadquota(kB) custom``; openNDS authenticates up to 4 per cycle (``ndsctl auth``) and
  acknowledges with another ``auth_get=view`` whose ``payload`` is ``* rhid1 rhid2 ...``.
  User agent ``openNDS(authmon;NDS:<version>;)``. :class:`OpenNDSStandin` runs that loop in
  a thread (:meth:`start_authmon`, started on entry when ``level=3`` and ``fas_url`` is
  given) and records the FAS's answers in ``authmon_log``.

The ``authdir`` checks follow ``http_microhttpd.c`` (``check_authdir_match``,
``try_to_authenticate``, ``authenticate_client``): only ``/<authdir>/`` matches, the token
is checked against the *requesting* client, no ``tok`` answers 403.

Not verified without openNDS: what openNDS answers a wrong ``tok`` (here: a 307 back to the
FAS with the client's query, as for any pre-authenticated request); the values of
``client_type`` (``cpd_can``), ``cpi_query`` (empty), ``clientif`` and ``themespec``
(empty) for a real phone; the exact percent-encoding of ``gatewayname``, ``gatewayurl``
and ``originurl`` (openNDS's own ``uh_urlencode``; Python's ``quote`` here); HTTPS (the
docs require it for levels 3/4; plain HTTP here).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .base import Request, Response, Standin, Visitor, html_response, not_found

SEPARATOR = ", "
Level = Literal[1, 2, 3]
PAGE_403 = (
    "<html><head><title>Error 403</title></head><body><h1>Error 403 - Forbidden - "
    "Access Denied to this Client!</h1></body></html>"
)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def php_key(faskey: str) -> bytes:
    """The AES-256 key PHP's ``openssl_encrypt`` makes of ``faskey``: NUL-padded to 32."""
    return faskey.encode("utf-8")[:32].ljust(32, b"\0")


def encrypt_query(query: str, faskey: str, iv: str) -> str:
    """``base64(openssl_encrypt(query, "aes-256-cbc", faskey, 0, iv))`` as openNDS sends it."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(query.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(php_key(faskey)), modes.CBC(iv.encode("ascii"))).encryptor()
    inner = base64.b64encode(encryptor.update(data) + encryptor.finalize())
    return base64.b64encode(inner).decode("ascii")


def decrypt_query(fas: str, faskey: str, iv: str) -> str:
    """What a FAS does: ``openssl_decrypt(base64_decode(fas), cipher, key, 0, iv)``."""
    inner = base64.b64decode(fas)
    decryptor = Cipher(algorithms.AES(php_key(faskey)), modes.CBC(iv.encode("ascii"))).decryptor()
    data = decryptor.update(base64.b64decode(inner)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(data) + unpadder.finalize()).decode("utf-8")


def _temporary_redirect(url: str) -> Response:
    """``send_redirect_temp``: 307 with a link page and ``Connection: close``."""
    page = f"<html><head></head><body><a href='{url}'>Click here to continue to<br>{url}</a>"
    return Response(
        HTTPStatus.TEMPORARY_REDIRECT,
        f"{page}</body></html".encode(),
        (("Location", url), ("Connection", "close")),
    )


def parse_query(query: str) -> dict[str, str]:
    """The ``key=value`` pairs of a FAS query (the FAS examples' ``explode(", ")``)."""
    pairs = (item.split("=", 1) for item in query.split(SEPARATOR) if "=" in item)
    return {name: value for name, value in pairs}


@dataclass(frozen=True)
class OpenNDSGrant:
    """An authenticated client as openNDS holds it (``session_minutes`` 0: the default)."""

    mac: str
    ip: str
    token: str
    hid: str
    via: str  # "authdir" or "authmon"
    session_minutes: int
    upload_rate: int = 0
    download_rate: int = 0
    upload_quota: int = 0
    download_quota: int = 0
    custom: str = ""
    redir: str = ""
    granted_at: float = 0.0


@dataclass
class _Client:
    visitor: Visitor
    token: str
    hid: str
    originurl: str
    fas_redirect: str
    authenticated: bool = False


class OpenNDSStandin(Standin[OpenNDSGrant]):
    """An openNDS gateway for FAS levels 1, 2 and 3.

    ``faskey``: the shared key. ``level``: ``fas_secure_enabled``. ``fas_url``: the FAS
    (the portal) for authmon's polls (level 3); ``redirect_url`` takes it too.
    ``gatewayname``, ``gatewaymac``, ``authdir``, ``version``: as in the openNDS config.
    ``session_minutes``: ``sessiontimeout`` for grants through ``authdir``.
    ``poll_interval``: authmon's ``nat_traversal_poll_interval`` (seconds).
    """

    def __init__(
        self,
        *,
        faskey: str = "1234567890",
        level: Level = 1,
        fas_url: str = "",
        gatewayname: str = "openNDS Node",
        gatewaymac: str = "00:11:22:33:44:55",
        authdir: str = "opennds_auth",
        version: str = "10.3.1",
        session_minutes: int = 1440,
        poll_interval: float = 0.2,
        clientif: str = "br-lan",
    ) -> None:
        super().__init__()
        self.faskey = faskey
        self.level = level
        self.fas_url = fas_url
        self.gatewayname = gatewayname
        self.gatewaymac = gatewaymac
        self.authdir = authdir
        self.version = version
        self.session_minutes = session_minutes
        self.poll_interval = poll_interval
        self.clientif = clientif
        self.authmon_log: list[tuple[str, str, str]] = []  # (auth_get, payload, answer)
        self._clients: dict[str, _Client] = {}
        self._authmon: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def gatewayaddress(self) -> str:
        """``host:port`` of the gateway's web server (openNDS's ``gatewayaddress``)."""
        return f"127.0.0.1:{self.port}"

    @property
    def gatewayhash(self) -> str:
        return sha256_hex(urllib.parse.quote(self.gatewayname, safe=""))

    @property
    def user_agent(self) -> str:
        return f"openNDS(authmon;NDS:{self.version};)"

    def rhid(self, mac: str) -> str:
        """``sha256(hid + faskey)`` for the client ``mac`` (what a FAS must answer)."""
        with self._lock:
            client = self._clients[mac.lower()]
        return sha256_hex(client.hid + self.faskey)

    def token(self, mac: str) -> str:
        """The client token openNDS made for ``mac`` (8 hex digits)."""
        with self._lock:
            return self._clients[mac.lower()].token

    def query_for(self, mac: str) -> str:
        """The clear-text FAS query openNDS built for ``mac`` (before base64/encryption)."""
        with self._lock:
            client = self._clients[mac.lower()]
        return self._query(client)

    def redirect_url(
        self,
        fas_url: str | None,
        mac: str,
        ip: str = "192.168.8.100",
        originurl: str = "http://example.com/",
        iv: str | None = None,
    ) -> str:
        """Where openNDS sends a new client: the FAS with ``fas`` (and ``iv``, levels 2/3).

        ``iv`` fixes the initialisation vector (16 characters) for a known vector.
        """
        if fas_url:
            self.fas_url = fas_url
        visitor = self.announce(mac, ip)
        token = secrets.token_hex(4)
        client = _Client(visitor, token, sha256_hex(token), originurl, "")
        query = self._query(client)
        if self.level == 1:
            fas = base64.b64encode(query.encode("utf-8")).decode("ascii")
            suffix = f"fas={fas}"
        else:
            chosen = iv or sha256_hex(base64.b64encode(secrets.token_bytes(8)).decode())[:16]
            suffix = f"fas={encrypt_query(query, self.faskey, chosen)}&iv={chosen}"
        client.fas_redirect = f"{self.fas_url}{'&' if '?' in self.fas_url else '?'}{suffix}"
        with self._lock:
            self._clients[visitor.mac] = client
        return client.fas_redirect

    def _query(self, client: _Client) -> str:
        quote = urllib.parse.quote
        fields = [
            ("hid", client.hid),
            ("clientip", client.visitor.ip),
            ("clientmac", client.visitor.mac),
            ("client_type", "cpd_can"),
            ("cpi_query", ""),
            ("gatewayname", quote(self.gatewayname, safe="")),
            ("gatewayurl", quote(f"http://{self.gatewayaddress}/", safe="")),
            ("version", self.version),
            ("gatewayaddress", self.gatewayaddress),
            ("gatewaymac", self.gatewaymac),
        ]
        if self.level in (2, 3):
            fields.append(("authdir", self.authdir))
        fields += [
            ("originurl", quote(client.originurl, safe="")),
            ("clientif", self.clientif),
            ("themespec", ""),
        ]
        return "".join(f"{name}={value}{SEPARATOR}" for name, value in fields)

    # -- authdir (levels 1 and 2) --------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """``try_to_authenticate`` + ``authenticate_client`` for the requesting client.

        The URL must be exactly ``/<authdir>/``; without ``tok``: 403; a ``tok`` that is not
        this client's ``rhid``: back to the FAS (307); the right one: authenticated, then 307
        to ``redir``, or ``200 <br>OK<br>`` without one. An authenticated client is sent to
        the FAS with ``status=authenticated``.
        """
        if request.path != f"/{self.authdir}/" or request.method != "GET":
            return not_found()
        visitor = self.visitor(request)
        with self._lock:
            client = self._clients.get(visitor.mac) if visitor else None
        tok = request.arg("tok")
        if client is None or tok is None:
            return html_response(HTTPStatus.FORBIDDEN, PAGE_403)
        if client.authenticated:
            glue = "&" if "?" in self.fas_url else "?"
            return _temporary_redirect(f"{self.fas_url}{glue}status=authenticated")
        if self.level == 3 or tok != sha256_hex(client.hid + self.faskey):
            return _temporary_redirect(client.fas_redirect)
        redir = request.arg("redir") or ""
        custom = request.arg("custom") or ""
        self._authenticate(client, "authdir", [self.session_minutes], custom, redir)
        if not redir:
            return html_response(HTTPStatus.OK, "<br>OK<br>")
        return _temporary_redirect(redir)

    def _by_rhid(self, rhid: str) -> _Client | None:
        with self._lock:
            clients = list(self._clients.values())
        return next((c for c in clients if sha256_hex(c.hid + self.faskey) == rhid), None)

    def _authenticate(
        self, client: _Client, via: str, numbers: list[int], custom: str, redir: str = ""
    ) -> None:
        """Authenticate ``client`` once; ``numbers`` are ndsctl's minutes, rates, quotas."""
        minutes, up, down, up_quota, down_quota = (numbers + [0] * 5)[:5]
        with self._lock:
            if client.authenticated:
                return
            client.authenticated = True
        self.record_grant(
            OpenNDSGrant(
                mac=client.visitor.mac,
                ip=client.visitor.ip,
                token=client.token,
                hid=client.hid,
                via=via,
                session_minutes=minutes,
                upload_rate=up,
                download_rate=down,
                upload_quota=up_quota,
                download_quota=down_quota,
                custom=custom,
                redir=redir,
                granted_at=time.time(),
            )
        )

    # -- authmon (level 3) -----------------------------------------------------------------

    def __enter__(self) -> OpenNDSStandin:
        super().__enter__()
        if self.level == 3 and self.fas_url:
            self.start_authmon()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._authmon is not None:
            self._authmon.join(timeout=5)
            self._authmon = None
        super().stop()

    def start_authmon(self, fas_url: str | None = None) -> None:
        """Start polling the FAS as openNDS's authmon does (level 3)."""
        if fas_url:
            self.fas_url = fas_url
        if self._authmon is not None:
            return
        self._stop.clear()
        self._authmon = threading.Thread(target=self._authmon_loop, name="authmon", daemon=True)
        self._authmon.start()

    def _post(self, action: str, payload: str) -> str:
        """``post-request.php``: one form POST to the FAS; ``ERROR: ...`` when it fails."""
        body = urllib.parse.urlencode(
            {"auth_get": action, "gatewayhash": self.gatewayhash, "payload": payload}
        ).encode()
        request = urllib.request.Request(
            self.fas_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": self.user_agent,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                text = str(answer.read().decode("utf-8", "replace")).strip()
        except (urllib.error.URLError, OSError) as error:
            text = f"ERROR: Failed_to_open_stream_to: [{self.fas_url}] {error}"
        with self._lock:
            self.authmon_log.append((action, payload, text))
        return text

    def _authmon_loop(self) -> None:
        self._post("clear", "none")
        while not self._stop.is_set():
            authlist = self._post("view", "none")
            acked = ["*"]
            if authlist.startswith("*"):
                for encoded in authlist[2:].split()[:4]:
                    rhid = self._ndsctl_auth(urllib.parse.unquote(encoded))
                    if rhid:
                        acked.append(rhid)
            self._post("view", " ".join(acked))
            self._stop.wait(self.poll_interval)

    def _ndsctl_auth(self, line: str) -> str | None:
        """``ndsctl auth rhid minutes up down upquota downquota custom``; the rhid when done."""
        fields = line.split(" ")
        rhid = fields[0]
        client = self._by_rhid(rhid)
        numbers = [int(f) if f.isdigit() else 0 for f in (fields[1:6] + ["0"] * 5)[:5]]
        if client is None:
            return None
        custom = urllib.parse.unquote(fields[6]) if len(fields) > 6 else ""
        self._authenticate(client, "authmon", numbers, custom)
        return rhid
