"""Who is asking: the client's IP address (proxy-aware) and, on the client's link, its MAC.

Sessions are keyed by MAC when the portal can see it (so a device keeps its grant when its
IP changes, and the IPv4 and IPv6 addresses of one device share it), else by IP address.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
"""A network of trusted proxies."""

MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def normalise_mac(text: str) -> str:
    """``text`` as a lower-case colon-separated MAC; ValueError when it is not a device's."""
    mac = text.strip().lower().replace("-", ":")
    if not MAC.match(mac) or mac == "00:00:00:00:00:00" or int(mac[:2], 16) & 1:
        raise ValueError(f"{text!r} is not a device MAC address (like 3c:22:fb:12:34:56)")
    return mac


@dataclass(frozen=True)
class Client:
    """A visitor's device as the portal sees it."""

    ip: str
    mac: str | None = None

    @property
    def key(self) -> str:
        """The identity that grants and tokens are bound to."""
        return f"mac:{self.mac}" if self.mac else f"ip:{self.ip}"


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[IPNetwork]
) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


@functools.lru_cache(maxsize=4096)
def client_ip(
    remote_addr: str | None, forwarded_for: str | None, proxies: Sequence[IPNetwork]
) -> str:
    """The client's address.

    ``X-Forwarded-For`` is believed only when the socket peer is one of ``proxies``, and then
    only as far back as the chain stays inside ``proxies``: the right-most untrusted hop is the
    client. Anyone else sending the header is ignored, so a guest cannot claim another's grant.
    """
    peer = _parse_ip(remote_addr or "")
    if peer is None:
        return remote_addr or ""
    if not forwarded_for or not proxies or not _trusted(peer, proxies):
        return str(peer)
    candidate = peer
    for hop in reversed(forwarded_for.split(",")[-16:]):
        address = _parse_ip(hop)
        if address is None:
            break
        candidate = address
        if not _trusted(address, proxies):
            break
    return str(candidate)


def identify(ip: str, mac_lookup: Callable[[str], str | None] | None) -> Client:
    """The :class:`Client` for ``ip``, with its MAC when ``mac_lookup`` knows it."""
    mac = mac_lookup(ip) if mac_lookup else None
    return Client(ip=ip, mac=mac)
