"""Operator passwords: scrypt hashes in a self-describing text form, checked in constant time.

Why scrypt from the standard library: it is memory-hard (each guess needs `128 * r * n` bytes
of fast memory, which makes graphics cards and custom chips little better than the server's own
CPU), it is in every Python through OpenSSL, and it needs no compiled dependency on the old
machines a venue runs. The default cost is one of OWASP's equivalent scrypt settings
(Password Storage Cheat Sheet): n = 2**15, r = 8, p = 3, i.e. 32 MiB and about 0.2 s per
guess on a small server; the memory stays low enough that a burst of sign-ins cannot exhaust a
small machine. The cost `n` is a setting (`PASSWORD_SCRYPT_N`); a hash made with other
parameters still verifies and is replaced at the next successful sign-in (`needs_rehash`).

Stored form: ``scrypt$<n>$<r>$<p>$<salt, base64>$<key, base64>``. This module does not import
Flask.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

SCHEME = "scrypt"
KEY_BYTES = 32
SALT_BYTES = 16
MAX_PASSWORD = 1024
MIN_PASSWORD = 10


class PasswordError(ValueError):
    """A new password is not acceptable; the message says why."""


@dataclass(frozen=True)
class Scrypt:
    """scrypt parameters: `n` (a power of two, at least 1024), `r` and `p`."""

    n: int = 2**15
    r: int = 8
    p: int = 3

    def __post_init__(self) -> None:
        if self.n < 1024 or self.n & (self.n - 1):
            raise ValueError(f"scrypt n must be a power of two of at least 1024, not {self.n}")

    @property
    def memory(self) -> int:
        """Bytes of memory one hash needs."""
        return 128 * self.r * self.n

    def derive(self, password: str, salt: bytes) -> bytes:
        return hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=self.n,
            r=self.r,
            p=self.p,
            maxmem=self.memory * 2,
            dklen=KEY_BYTES,
        )


def check_new_password(password: str) -> None:
    """Raise `PasswordError` unless `password` is long enough and not absurdly long."""
    if len(password) < MIN_PASSWORD:
        raise PasswordError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise PasswordError(f"the password must have at most {MAX_PASSWORD} characters")


def hash_password(password: str, params: Scrypt) -> str:
    """The stored form of `password` with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = params.derive(password, salt)
    encoded = [base64.b64encode(part).decode("ascii") for part in (salt, key)]
    return "$".join([SCHEME, str(params.n), str(params.r), str(params.p), *encoded])


def _parse(stored: str) -> tuple[Scrypt, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        params = Scrypt(int(parts[1]), int(parts[2]), int(parts[3]))
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return None
    return params, salt, key


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored hash; comparison in constant time.

    A malformed stored value never matches. Passwords longer than `MAX_PASSWORD` never match
    (and are not hashed, so a huge input costs nothing).
    """
    parsed = _parse(stored)
    if parsed is None or len(password) > MAX_PASSWORD:
        return False
    params, salt, key = parsed
    return hmac.compare_digest(params.derive(password, salt), key)


def needs_rehash(stored: str, params: Scrypt) -> bool:
    """True when `stored` was made with other parameters than `params` (or is unreadable)."""
    parsed = _parse(stored)
    return parsed is None or parsed[0] != params
