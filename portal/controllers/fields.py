"""Checks of the settings and arguments that every controller client shares.

Each raises ValueError with a message naming the field and saying what is expected, never
echoing a value that could be a secret.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

MAX_DEADLINE = 5.0
"""The most any visitor's request may wait for a controller, in seconds, retries included."""


def check_timeout(seconds: object, field: str = "timeout") -> float:
    """``seconds`` as a float in (0, :data:`MAX_DEADLINE`]; ValueError naming ``field`` else."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError(f"{field} must be a number of seconds, not {type(seconds).__name__}")
    if not 0 < seconds <= MAX_DEADLINE:
        raise ValueError(
            f"{field} must be more than 0 and at most {MAX_DEADLINE:g} seconds, not {seconds}"
        )
    return float(seconds)


def check_url(url: object, field: str = "url") -> str:
    """``url`` without a trailing slash when it is a controller base URL; ValueError otherwise.

    It must be ``http`` or ``https`` with a host, and carry no user name or password (they
    would end up in messages), no query and no fragment. A path (``https://host/unifi``) is kept.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{field} must be the controller's address, like https://10.0.0.2:8443")
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{field} must start with https:// or http:// and name a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{field} must not contain a user name or password: use the settings")
    if parts.query or parts.fragment:
        raise ValueError(f"{field} must not contain a query (?...) or a fragment (#...)")
    try:
        parts.port  # noqa: B018  (urlsplit checks the port only when asked)
    except ValueError:
        raise ValueError(f"{field} has an invalid port") from None
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def check_verify_tls(value: object, field: str = "verify_tls") -> bool | str:
    """``value`` when it is ``True``, ``False`` or the path of an existing file; ValueError else.

    Whether the file holds PEM certificates is checked when the client loads it.
    """
    if isinstance(value, bool):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be true, false or the path of a CA bundle file")
    if not Path(value).is_file():
        raise ValueError(f"{field}: CA bundle file {value} does not exist")
    return value


def positive_int(value: object, name: str, *, optional: bool = False) -> int | None:
    """``value`` if it is a positive int (or None and ``optional``); ValueError naming ``name``."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a whole number above 0, not {value!r}")
    return value


def account_text(value: object, name: str) -> str:
    """``value`` when it is a non-empty one-line string; ValueError naming ``name`` otherwise."""
    if not isinstance(value, str) or not value or any(ord(c) < 32 for c in value):
        raise ValueError(f"{name} must be non-empty text on one line")
    return value
