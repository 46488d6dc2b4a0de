"""The nftables backend: the rendered table, and real grants in a namespace the test makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.gateway.nftables import Garden, NftablesGateway, resolve_garden
from portal.sessions.store import Store

from ...conftest import require_root, require_tool

BIN = Path(sys.executable).parent


def _gateway(**changes: Any) -> NftablesGateway:
    settings: dict[str, Any] = {
        "table": "bluezone",
        "lan": "lan0",
        "lan_ipv4": "10.77.0.1",
        "lan_ipv6": "fd77::1",
        "redirect_port": 8080,
        "wan": "wan0",
        "masquerade": True,
        **changes,
    }
    return NftablesGateway(**settings)


def test_ruleset_redirects_both_families_and_masquerades() -> None:
    text = _gateway().ruleset()
    assert "dnat ip to 10.77.0.1:8080" in text
    assert "dnat ip6 to [fd77::1]:8080" in text
    assert 'oifname "wan0" masquerade' in text
    assert 'iifname "lan0" tcp dport 443 reject with tcp reset' in text
    assert "$" not in text


def test_ruleset_without_ipv6_or_masquerade() -> None:
    text = _gateway(lan_ipv6="", masquerade=False).ruleset()
    assert "dnat ip6" not in text
    assert "masquerade" not in text
    assert 'iifname "lan0" drop' in text  # captive IPv6 is dropped, never forwarded


def test_walled_garden_resolves_names_and_splits_families() -> None:
    names = {"ocsp.example.vn": ["203.0.113.7", "2001:db8::7"], "gone.example.vn": []}
    garden = resolve_garden(
        ["192.0.2.0/24", "ocsp.example.vn", "gone.example.vn", "2001:db8:1::1"],
        resolve=lambda name: names[name],
    )
    assert garden == Garden(
        ("192.0.2.0/24", "203.0.113.7/32"), ("2001:db8:1::1/128", "2001:db8::7/128")
    )
    text = _gateway(garden=garden).ruleset()
    assert "elements = { 192.0.2.0/24, 203.0.113.7/32 }" in text


@pytest.fixture
def namespace(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    require_root()
    require_tool("nft")
    require_tool("ip")
    name = f"bzt-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(
            ["ip", "-n", name, "link", "add", "lan0", "type", "veth", "peer", "name", "wan0"],
            check=True,
        )
        config = tmp_path / "portal.yaml"
        config.write_text(
            "gateway: nftables\nlan_interface: lan0\nwan_interface: wan0\n"
            "lan_ipv4: 10.77.0.1\nlan_ipv6: fd77::1\n"
            f"database: {tmp_path / 'portal.sqlite3'}\n"
            "secret_key: namespace-test-secret-0123456789ab\n"
        )
        yield name, config
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def _in(namespace: str, config: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_CONFIG"] = str(config)
    return subprocess.run(
        ["ip", "netns", "exec", namespace, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def _cli(namespace: str, config: Path, *argv: str) -> Any:
    done = _in(namespace, config, str(BIN / "bluezone-portal"), "gateway", *argv, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _start(namespace: str, config: Path) -> None:
    done = _in(
        namespace, config, sys.executable, "-c", "from portal import create_app; create_app()"
    )
    assert done.returncode == 0, done.stderr


def test_start_restores_unexpired_sessions_only(namespace: tuple[str, Path]) -> None:
    name, config = namespace
    from portal import create_app

    database = str(config.parent / "portal.sqlite3")
    app = create_app({"database": database, "secret_key": "namespace-test-secret-0123456789ab"})
    store: Store = app.extensions["bluezone.access"].store
    now = time.time()
    store.grant("mac:3c:22:fb:00:00:01", "v", 600, now=now, mac="3c:22:fb:00:00:01")
    store.grant("mac:3c:22:fb:00:00:02", "v", 60, now=now - 120, mac="3c:22:fb:00:00:02")
    _start(name, config)
    clients = _cli(name, config, "clients")
    assert [c["mac"] for c in clients] == ["3c:22:fb:00:00:01"]
    assert 590 <= clients[0]["expires_in"] <= 600
    # Starting again (a restart) keeps the table and the grant.
    _start(name, config)
    assert [c["mac"] for c in _cli(name, config, "clients")] == ["3c:22:fb:00:00:01"]


def test_grant_extend_revoke_from_the_command_line(namespace: tuple[str, Path]) -> None:
    name, config = namespace
    _start(name, config)
    granted = _cli(name, config, "grant", "3C-22-FB-AA-BB-CC", "--seconds", "100")
    # Seconds left are counted from the clock when the answer is written: a second may pass.
    assert 99 <= granted.pop("expires_in") <= 100
    assert granted == {"mac": "3c:22:fb:aa:bb:cc", "granted": True}
    extended = _cli(name, config, "extend", "3c:22:fb:aa:bb:cc", "--seconds", "50")
    assert 148 <= extended["expires_in"] <= 150
    kernel = _cli(name, config, "clients")
    assert kernel[0]["mac"] == "3c:22:fb:aa:bb:cc" and 145 <= kernel[0]["expires_in"] <= 150
    status = _cli(name, config, "status")
    assert (status["granted"], status["sessions"], status["nft"]) == (1, 1, "libnftables")
    assert _cli(name, config, "revoke", "3c:22:fb:aa:bb:cc")["had_session"] is True
    assert _cli(name, config, "clients") == []


@pytest.mark.parametrize("mac", ["ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "3c:22:fb", "x; reboot"])
def test_bad_macs_are_refused_clearly(namespace: tuple[str, Path], mac: str) -> None:
    name, config = namespace
    _start(name, config)
    done = _in(name, config, str(BIN / "bluezone-portal"), "gateway", "grant", mac)
    assert done.returncode == 1
    assert "is not a device MAC address" in done.stderr


def test_the_nft_command_serves_when_the_library_is_missing(namespace: tuple[str, Path]) -> None:
    name, config = namespace
    script = (
        "from portal.gateway.libnft import Nft\n"
        "from portal.gateway.nftables import NftablesGateway\n"
        "g = NftablesGateway('bluezone', 'lan0', '10.77.0.1', '', 8080,\n"
        "                    nft=Nft(use_library=False))\n"
        "g.install([])\n"
        "g.grant_mac('3c:22:fb:00:00:09', 30)\n"
        "[(mac, left)] = g.granted()\n"
        "print(g.nft.backend, mac, 25 <= left <= 30)\n"
    )
    done = _in(name, config, sys.executable, "-c", script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "nft 3c:22:fb:00:00:09 True"


def test_a_misspelt_interface_is_refused(namespace: tuple[str, Path]) -> None:
    name, config = namespace
    config.write_text(config.read_text().replace("lan_interface: lan0", "lan_interface: wlan9"))
    done = _in(name, config, str(BIN / "bluezone-portal"), "serve", "--bind", "127.0.0.1:1")
    assert done.returncode != 0
    assert "lan_interface: there is no network interface 'wlan9' here" in done.stdout + done.stderr
    listing = _in(name, config, "nft", "list", "ruleset")
    assert "bluezone" not in listing.stdout
