"""The accept token: signed, short-lived and bound to the client that was shown the splash page.

It travels in a hidden form field, so the accept step works with cookies off (the iOS sign-in
window wipes them). A token copied to another device, replayed after it expires, or made up
is refused with the reason, and grants nothing.
"""

from __future__ import annotations

import enum
import hashlib
import hmac

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenProblem(enum.Enum):
    """Why a token was refused."""

    MISSING = "missing"
    FORGED = "forged"
    EXPIRED = "expired"
    OTHER_CLIENT = "other_client"


class AcceptTokens:
    """Issues and checks accept tokens with the portal's secret key."""

    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="portal-accept")
        self._max_age = max_age_seconds
        self._binding_key = hashlib.sha256(b"portal-accept-binding:" + secret_key.encode()).digest()

    def _binding(self, client_key: str) -> str:
        return hmac.new(self._binding_key, client_key.encode(), hashlib.sha256).hexdigest()[:22]

    def issue(self, client_key: str) -> str:
        """A new token for ``client_key``."""
        return str(self._serializer.dumps(self._binding(client_key)))

    def check(self, token: str | None, client_key: str) -> TokenProblem | None:
        """``None`` if ``token`` is valid for ``client_key`` now, else the problem."""
        if not token:
            return TokenProblem.MISSING
        if len(token) > 200:
            return TokenProblem.FORGED
        try:
            bound = self._serializer.loads(token, max_age=self._max_age)
        except SignatureExpired:
            return TokenProblem.EXPIRED
        except BadSignature:
            return TokenProblem.FORGED
        if not isinstance(bound, str) or not hmac.compare_digest(bound, self._binding(client_key)):
            return TokenProblem.OTHER_CLIENT
        return None
