"""Client identity: X-Forwarded-For only from configured proxies; MAC from the neighbour table."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from portal.sessions.client import Client, client_ip, identify
from portal.sessions.neighbours import NeighbourTable

PROXIES = (ipaddress.ip_network("10.9.0.0/24"), ipaddress.ip_network("fd00::/64"))


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("192.168.5.20", None, "192.168.5.20"),
        ("192.168.5.20", "1.2.3.4", "192.168.5.20"),  # not a proxy: header ignored
        ("10.9.0.2", "192.168.5.20", "192.168.5.20"),
        ("10.9.0.2", "6.6.6.6, 192.168.5.20", "192.168.5.20"),  # spoofed first hop ignored
        ("10.9.0.2", "192.168.5.20, 10.9.0.3", "192.168.5.20"),  # two proxies
        ("10.9.0.2", "10.9.0.4, 10.9.0.3", "10.9.0.4"),  # all trusted: left-most
        ("10.9.0.2", "garbage", "10.9.0.2"),
        ("10.9.0.2", "", "10.9.0.2"),
        ("fd00::5", "2001:db8::7", "2001:db8::7"),
        ("::ffff:192.168.5.20", None, "192.168.5.20"),
        ("2001:db8::9", "1.2.3.4", "2001:db8::9"),
    ],
)
def test_client_ip(remote: str, forwarded: str | None, expected: str) -> None:
    assert client_ip(remote, forwarded, PROXIES) == expected


def test_without_configured_proxies_the_header_is_never_believed() -> None:
    assert client_ip("10.9.0.2", "192.168.5.20", ()) == "10.9.0.2"


def test_key_prefers_mac() -> None:
    assert Client("10.0.0.5", "aa:bb:cc:dd:ee:ff").key == "mac:aa:bb:cc:dd:ee:ff"
    assert Client("10.0.0.5").key == "ip:10.0.0.5"


def test_neighbour_table_reads_complete_arp_entries(tmp_path: Path) -> None:
    arp = tmp_path / "arp"
    arp.write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.168.7.10     0x1         0x2         AA:BB:CC:00:11:22     *        wlan0\n"
        "192.168.7.11     0x1         0x0         00:00:00:00:00:00     *        wlan0\n"
    )
    table = NeighbourTable(arp_path=arp)
    assert identify("192.168.7.10", table) == Client("192.168.7.10", "aa:bb:cc:00:11:22")
    assert identify("192.168.7.11", table) == Client("192.168.7.11", None)
    assert identify("192.168.7.12", None) == Client("192.168.7.12", None)
