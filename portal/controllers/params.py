"""Checks for the values controllers send: MAC and IP addresses, bounded text, grant URLs.

Every value a phone brings from a controller's redirect can be forged by whoever holds the
phone, so a grant URL is accepted only when it is plain http(s) on one of the venue's
configured grant hosts: the portal never redirects a visitor to, or logs anyone in at, an
address an attacker chose.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from ..sessions.client import normalise_mac
from ..web.destination import clean_destination
from .base import BadParameter

MAX_URL = 2048
_BARE_MAC = re.compile(r"^[0-9A-Fa-f]{12}$")


def required(query: Mapping[str, str], name: str) -> str:
    """The parameter ``name``; BadParameter when it is missing or empty."""
    value = query.get(name, "")
    if not value:
        raise BadParameter(name, "missing")
    return value


def mac(value: str, name: str) -> str:
    """A device MAC in any of the controllers' spellings, written ``aa:bb:cc:dd:ee:ff``."""
    if _BARE_MAC.match(value):
        value = ":".join(value[i : i + 2] for i in range(0, 12, 2))
    try:
        return normalise_mac(value)
    except ValueError:
        raise BadParameter(name, "not a device MAC address") from None


def ip(value: str, name: str, version: int | None = None) -> str:
    """An IP address (of ``version`` when given), written canonically."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise BadParameter(name, "not an IP address") from None
    if version is not None and address.version != version:
        raise BadParameter(name, f"not an IPv{version} address")
    return str(address)


def text(value: str, name: str, limit: int, pattern: re.Pattern[str] | None = None) -> str:
    """Printable text of at most ``limit`` characters (matching ``pattern`` when given)."""
    if len(value) > limit:
        raise BadParameter(name, f"longer than {limit} characters")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise BadParameter(name, "contains control characters")
    if pattern is not None and not pattern.match(value):
        raise BadParameter(name, "not in the expected format")
    return value


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """Whether ``host`` is one of ``patterns`` (exact names or addresses, or ``*.domain``)."""
    host = host.lower().strip("[]").rstrip(".")
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def grant_url(value: str, name: str, hosts: Iterable[str]) -> str:
    """An http(s) URL on one of the grant ``hosts``; BadParameter for anything else."""
    if len(value) > MAX_URL:
        raise BadParameter(name, f"longer than {MAX_URL} characters")
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in value) or any(c in value for c in "<>\"'`\\"):
        raise BadParameter(name, "not a plain URL")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise BadParameter(name, "not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadParameter(name, "not an http or https URL")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise BadParameter(name, "a grant URL has no user name, password or fragment")
    if not host_allowed(parts.hostname, hosts):
        raise BadParameter(name, f"{parts.hostname} is not one of this venue's grant hosts")
    return value


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a checked URL, for the page's form-action policy."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def destination(value: str | None) -> str | None:
    """The visitor's original URL when it is safe to show as a link, else ``None``."""
    return clean_destination(value)
