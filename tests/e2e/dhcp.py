"""What a phone asks the gateway's dnsmasq when it joins: a DHCPDISCOVER and a DNS lookup.

Both are minimal clients on plain sockets, meant to run inside the client namespace
(:meth:`tests.e2e.netns.Namespace.call`). Nothing is leased: the client only reads the offer.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
import time
from dataclasses import dataclass

MAGIC_COOKIE = b"\x63\x82\x53\x63"
DHCPDISCOVER = 1
DHCPOFFER = 2
OPTION_MESSAGE_TYPE = 53
OPTION_PARAMETERS = 55
OPTION_CAPTIVE_PORTAL = 114  # RFC 8910
OPTION_END = 255
OPTION_PAD = 0


@dataclass(frozen=True)
class Offer:
    """A DHCPOFFER: the offered address, the server and the raw options."""

    address: str
    server: str
    options: dict[int, bytes]

    def text(self, option: int) -> str | None:
        value = self.options.get(option)
        return value.decode("ascii", "replace") if value is not None else None


def discover_packet(xid: int, mac: str) -> bytes:
    """A broadcast DHCPDISCOVER from ``mac`` asking for router, DNS and option 114."""
    chaddr = bytes.fromhex(mac.replace(":", "")).ljust(16, b"\0")
    header = struct.pack(
        "!BBBBIHH4s4s4s4s16s64s128s",
        1,  # BOOTREQUEST
        1,  # Ethernet
        6,
        0,
        xid,
        0,
        0x8000,  # broadcast flag: we have no address to be answered at
        b"\0" * 4,
        b"\0" * 4,
        b"\0" * 4,
        b"\0" * 4,
        chaddr,
        b"\0" * 64,
        b"\0" * 128,
    )
    wanted = bytes([1, 3, 6, OPTION_CAPTIVE_PORTAL])
    options = (
        bytes([OPTION_MESSAGE_TYPE, 1, DHCPDISCOVER, OPTION_PARAMETERS, len(wanted)])
        + wanted
        + bytes([OPTION_END])
    )
    return header + MAGIC_COOKIE + options


def parse_options(data: bytes) -> dict[int, bytes]:
    """The options after the magic cookie of a BOOTP message (no overloading)."""
    options: dict[int, bytes] = {}
    i = 240
    while i < len(data):
        code = data[i]
        if code == OPTION_END:
            break
        if code == OPTION_PAD:
            i += 1
            continue
        length = data[i + 1]
        options[code] = options.get(code, b"") + data[i + 2 : i + 2 + length]
        i += 2 + length
    return options


def discover(interface: str, mac: str, timeout: float = 3.0) -> Offer:
    """Broadcast a DHCPDISCOVER on ``interface`` and return the first matching offer.

    Raises :class:`TimeoutError` when none arrives within ``timeout`` seconds.
    """
    xid = int.from_bytes(os.urandom(4), "big")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
        sock.bind(("0.0.0.0", 68))
        sock.sendto(discover_packet(xid, mac), ("255.255.255.255", 67))
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data, _ = sock.recvfrom(4096)
            except TimeoutError:
                break
            if len(data) < 240 or data[0] != 2 or data[236:240] != MAGIC_COOKIE:
                continue
            if struct.unpack("!I", data[4:8])[0] != xid:
                continue
            options = parse_options(data)
            if options.get(OPTION_MESSAGE_TYPE) != bytes([DHCPOFFER]):
                continue
            server = options.get(54, data[20:24])
            return Offer(
                address=str(ipaddress.IPv4Address(data[16:20])),
                server=str(ipaddress.IPv4Address(server)),
                options=options,
            )
    raise TimeoutError(f"no DHCPOFFER on {interface} within {timeout} s")


def _skip_name(data: bytes, i: int) -> int:
    while True:
        length = data[i]
        if length == 0:
            return i + 1
        if length & 0xC0 == 0xC0:  # compression pointer
            return i + 2
        i += 1 + length


def resolve(server: str, name: str, timeout: float = 2.0) -> list[str]:
    """The IPv4 addresses ``server`` gives for ``name`` (one A query over UDP)."""
    query_id = int.from_bytes(os.urandom(2), "big")
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    packet = struct.pack("!HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + question + b"\0\1\0\1"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect((server, 53))
        sock.send(packet)
        while True:
            data = sock.recv(4096)
            if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == query_id:
                break
    _, flags, qdcount, ancount, _, _ = struct.unpack("!HHHHHH", data[:12])
    if flags & 0x000F:
        raise LookupError(f"{server} answered rcode {flags & 0x000F} for {name}")
    i = 12
    for _ in range(qdcount):
        i = _skip_name(data, i) + 4
    addresses = []
    for _ in range(ancount):
        i = _skip_name(data, i)
        rtype, _, _, length = struct.unpack("!HHIH", data[i : i + 10])
        i += 10
        if rtype == 1 and length == 4:
            addresses.append(str(ipaddress.IPv4Address(data[i : i + 4])))
        i += length
    return addresses
