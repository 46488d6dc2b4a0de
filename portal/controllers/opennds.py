"""openNDS forwarding authentication (FAS) with the portal as the remote FAS.

openNDS sends the phone to the splash URL with the client's details, protected with the
shared ``faskey``:

- level 1 (hashed): ``fas`` is the base64 of ``clientip=..., clientmac=..., gatewayname=...,
  hid=..., gatewayaddress=..., authdir=..., originurl=...`` (older releases send the same names
  as plain parameters). The phone is let through by sending it to
  ``http://<gatewayaddress>/<authdir>/?tok=<sha256(hid + faskey)>&redir=<online page>``.
- level 3 (encrypted): ``fas`` is that text encrypted with AES-256-CBC (key: the faskey, IV:
  the ``iv`` parameter), base64-encoded twice as PHP's ``openssl_encrypt`` + ``base64_encode``
  produce it. The gateway is told about the grant through its authmon daemon, which polls the
  FAS with ``auth_get`` requests: the portal queues ``<rhid> <minutes> 0 0 0 0`` with
  ``rhid = sha256(hid + faskey)`` in the list of ``gatewayhash = sha256(gatewayname)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Collection, Mapping
from urllib.parse import quote, unquote, urlencode

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ..venues.venue import VenueConfig
from . import params
from .base import BadParameter, Grant, Queued, Redirect, Visit
from .kind import (
    GRANT_HOSTS,
    ControllerKind,
    Setting,
    SettingProblem,
    need_grant_hosts,
    need_secret,
)

_HID = re.compile(r"^[0-9a-fA-F]{16,128}$")
_AUTHDIR = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_GATEWAY_ADDRESS = re.compile(r"^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(:[0-9]{1,5})?$")
_IV = re.compile(r"^[\x21-\x7e]{16}$")
MAX_FAS = 4096


def aes_key(faskey: str) -> bytes:
    """The AES-256 key PHP's openssl functions make of the faskey: its bytes, cut or
    zero-padded to 32."""
    return faskey.encode()[:32].ljust(32, b"\0")


def encrypt_query(text: str, faskey: str, iv: str) -> str:
    """``text`` as openNDS level 3 sends it in ``fas`` (the inverse of :func:`decrypt_query`)."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(aes_key(faskey)), modes.CBC(iv.encode())).encryptor()
    sealed = encryptor.update(data) + encryptor.finalize()
    return base64.b64encode(base64.b64encode(sealed)).decode()


def decrypt_query(fas: str, faskey: str, iv: str) -> str:
    """The plain text of a level 3 ``fas``; BadParameter when the key or data are wrong."""
    try:
        sealed = base64.b64decode(base64.b64decode(fas, validate=True), validate=True)
        decryptor = Cipher(algorithms.AES(aes_key(faskey)), modes.CBC(iv.encode())).decryptor()
        data = decryptor.update(sealed) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(data) + unpadder.finalize()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadParameter("fas", "cannot be decrypted with this venue's faskey") from None


def parse_fields(text: str) -> dict[str, str]:
    """``name=value, name=value`` (openNDS's format) as a mapping; the first of a name wins."""
    found: dict[str, str] = {}
    for item in text.split(", "):
        name, sep, value = item.partition("=")
        if sep and name.strip() and name.strip() not in found:
            found[name.strip()] = value.strip()
    return found


def token(hid: str, faskey: str) -> str:
    """``sha256(hid + faskey)``: the token openNDS expects back for the client ``hid``."""
    return hashlib.sha256((hid + faskey).encode()).hexdigest()


def gateway_hash(gatewayname: str) -> str:
    """The id of a gateway's authorisation list, as openNDS's authmon sends it."""
    return hashlib.sha256(gatewayname.strip().encode()).hexdigest()


class OpenNDSController:
    """openNDS FAS at ``level`` 1 or 3 for one venue."""

    kind = "opennds"

    def __init__(self, venue: VenueConfig) -> None:
        self.level = venue.fas_level
        self.hosts = venue.grant_hosts
        self._faskey = venue.secret("faskey") or ""

    def _fields(self, query: Mapping[str, str]) -> dict[str, str]:
        # openNDS does not percent-encode its base64: a "+" arrives decoded as a space.
        if query.get("fas"):
            query = {**query, "fas": query["fas"].replace(" ", "+")}
        if self.level == 3:
            fas = params.text(params.required(query, "fas"), "fas", MAX_FAS)
            iv = params.text(params.required(query, "iv"), "iv", 16, _IV)
            return parse_fields(decrypt_query(fas, self._faskey, iv))
        if query.get("fas"):
            fas = params.text(query["fas"], "fas", MAX_FAS)
            try:
                text = base64.b64decode(fas, validate=True).decode()
            except (ValueError, binascii.Error, UnicodeDecodeError):
                raise BadParameter("fas", "not base64 text") from None
            return parse_fields(text)
        return dict(query)

    def read(self, query: Mapping[str, str], raw_query: str) -> Visit:
        """Decode (level 3: decrypt) and check openNDS's client details."""
        fields = self._fields(query)
        hid = params.text(params.required(fields, "hid"), "hid", 128, _HID)
        name = params.text(params.required(fields, "gatewayname"), "gatewayname", 256)
        values = [("hid", hid), ("gatewayname", name)]
        if self.level == 1:
            address = params.text(
                params.required(fields, "gatewayaddress"), "gatewayaddress", 260, _GATEWAY_ADDRESS
            )
            host = address.rsplit(":", 1)[0] if address.count(":") == 1 else address
            if not params.host_allowed(host, self.hosts):
                raise BadParameter("gatewayaddress", f"{host} is not a grant host of this venue")
            authdir = params.text(fields.get("authdir") or "opennds_auth", "authdir", 64, _AUTHDIR)
            values += [("gatewayaddress", address), ("authdir", authdir)]
        original = fields.get("originurl") or fields.get("redir") or ""
        return Visit(
            mac=params.mac(params.required(fields, "clientmac"), "clientmac"),
            ip=params.ip(fields["clientip"], "clientip") if fields.get("clientip") else None,
            destination=params.destination(unquote(original)),
            values=tuple(values),
        )

    def grant(self, visit: Visit, seconds: int, landing: str) -> Grant:
        """Level 1: send the phone to the gateway's auth address with its token. Level 3: queue
        the authorisation for authmon, with the session length in minutes."""
        tok = token(visit.value("hid"), self._faskey)
        if self.level == 3:
            minutes = max(1, seconds // 60)
            return Queued(gateway_hash(visit.value("gatewayname")), tok, f"{tok} {minutes} 0 0 0 0")
        query = urlencode({"tok": tok, "redir": landing}, quote_via=quote)
        return Redirect(f"http://{visit.value('gatewayaddress')}/{visit.value('authdir')}/?{query}")

    def grant_origins(self, visit: Visit) -> tuple[str, ...]:
        """The gateway's origin (level 1); level 3 sends the phone nowhere else."""
        if self.level == 3:
            return ()
        return (f"http://{visit.value('gatewayaddress')}",)


def _check(venue: VenueConfig, present: Collection[str]) -> None:
    if venue.fas_level == 1:
        need_grant_hosts(venue)
    if "fas_level" not in present:
        raise SettingProblem("fas_level", "set 1 (hashed) or 3 (encrypted)")
    if venue.fas_level == 2:
        raise SettingProblem("fas_level", "level 2 is not supported: use 1 or 3")
    need_secret(venue, "faskey", "openNDS needs its faskey")


KIND: ControllerKind = ControllerKind(
    name="opennds",
    settings=(Setting("fas_level", "level"), *GRANT_HOSTS, Setting("faskey_file", "secret_file")),
    build=lambda venue, portal_url: OpenNDSController(venue),
    check=_check,
)
