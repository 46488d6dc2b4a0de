"""Controller secrets of venues: from ``PORTAL_VENUE_<ID>_<NAME>`` or a file only the service
may read, never from the YAML file (which is shown in consoles and copied around).

A :class:`Secret` never shows its value in a repr, a log line or an error message.
"""

from __future__ import annotations

import hmac
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

SECRET_NAMES = ("password", "uamsecret", "faskey")
ENV_PREFIX = "PORTAL_VENUE_"


class Secret:
    """A controller secret: compares in constant time, never shows its value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one computation that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(
            self._value.encode(), other._value.encode()
        )

    def __hash__(self) -> int:
        return hash(Secret)


def variable(venue_id: str, name: str = "") -> str:
    """The environment variable of secret ``name`` of venue ``venue_id``
    (``PORTAL_VENUE_TUY_HOA_FASKEY``); without ``name``, the venue's prefix."""
    prefix = f"{ENV_PREFIX}{venue_id.upper().replace('-', '_')}_"
    return f"{prefix}{name.upper()}" if name else prefix


def from_file(path_text: str) -> Secret:
    """The secret in the file ``path_text``; ValueError (naming the file, never its content)
    when it is missing, empty, not a file, or readable by users other than the owner."""
    path = Path(path_text)
    try:
        info = path.stat()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a file")
    if info.st_mode & 0o077:
        raise ValueError(f"{path} may be read by other users: run 'chmod 600 {path}'")
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise ValueError(f"cannot read {path} as text") from None
    if not value:
        raise ValueError(f"{path} is empty")
    return Secret(value)


def from_environment(environ: Mapping[str, str], venue_id: str, name: str) -> Secret | None:
    """Secret ``name`` of venue ``venue_id`` from ``environ``, if set; ValueError when empty."""
    text = environ.get(variable(venue_id, name))
    if text is None:
        return None
    if not text.strip():
        raise ValueError(f"environment: {variable(venue_id, name)}: is empty")
    return Secret(text.strip())


def check_environment(environ: Mapping[str, str], venue_ids: Iterable[str]) -> None:
    """ValueError for a ``PORTAL_VENUE_*`` variable that is no secret of any of ``venue_ids``
    (a typo would otherwise leave a controller without its secret)."""
    prefixes = [variable(venue_id) for venue_id in venue_ids]
    for name in environ:
        if name.startswith(ENV_PREFIX) and not any(
            name.startswith(p) and name.removeprefix(p).lower() in SECRET_NAMES for p in prefixes
        ):
            raise ValueError(f"environment: {name}: no configured venue has this secret")
