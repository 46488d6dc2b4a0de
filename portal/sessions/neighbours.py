"""MAC addresses of clients on the portal's own link, from the kernel's neighbour table.

IPv4 entries come from ``/proc/net/arp``; IPv6 entries from ``ip -json -6 neigh`` (an argument
list, never a shell string). Both are cached for ``ttl`` seconds, so a busy portal reads the
table a few times a second at most, not once per request.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

_ARP = Path("/proc/net/arp")
_INCOMPLETE = "00:00:00:00:00:00"


def _read_arp(path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    try:
        lines = path.read_text().splitlines()[1:]
    except OSError:
        return table
    for line in lines:
        cols = line.split()
        # IP address, HW type, Flags, HW address, Mask, Device; flag 0x0 means incomplete.
        if len(cols) >= 4 and cols[2] != "0x0" and cols[3] != _INCOMPLETE:
            table[cols[0]] = cols[3].lower()
    return table


def _read_ipv6() -> dict[str, str]:
    try:
        done = subprocess.run(
            ["ip", "-json", "-6", "neigh", "show"],
            capture_output=True,
            timeout=1.0,
            check=True,
        )
        entries = json.loads(done.stdout or b"[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}
    table: dict[str, str] = {}
    for entry in entries:
        mac = entry.get("lladdr")
        if mac and "FAILED" not in entry.get("state", []):
            table[str(entry.get("dst", ""))] = str(mac).lower()
    return table


class NeighbourTable:
    """A cached view of the kernel's neighbour tables; call it with an IP address."""

    def __init__(self, ttl: float = 1.0, arp_path: Path = _ARP) -> None:
        self._ttl = ttl
        self._arp_path = arp_path
        self._lock = threading.Lock()
        self._v4: dict[str, str] = {}
        self._v6: dict[str, str] = {}
        self._v4_at = self._v6_at = -1e9

    def __call__(self, ip: str) -> str | None:
        """The MAC address for ``ip``, or ``None`` when it is not a neighbour."""
        now = time.monotonic()
        with self._lock:
            if ":" in ip:
                if now - self._v6_at > self._ttl:
                    self._v6, self._v6_at = _read_ipv6(), now
                return self._v6.get(ip)
            if now - self._v4_at > self._ttl:
                self._v4, self._v4_at = _read_arp(self._arp_path), now
            return self._v4.get(ip)


def addresses_of(mac: str, arp_path: Path = _ARP) -> list[str]:
    """Every IPv4 and IPv6 address the kernel currently associates with ``mac`` (read fresh)."""
    mac = mac.lower()
    found = [ip for ip, entry in _read_arp(arp_path).items() if entry == mac]
    found += [ip for ip, entry in _read_ipv6().items() if entry == mac]
    return found
