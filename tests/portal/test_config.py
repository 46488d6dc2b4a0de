"""Configuration: defaults, YAML, PORTAL_* variables; clear errors; every key documented."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from portal.config import ConfigError, PortalConfig, load_config
from portal.venues.settings import VENUE_KEYS

README = Path(__file__).parents[2] / "README.md"


def test_defaults() -> None:
    config = load_config(None, environ={})
    assert config == PortalConfig()
    assert config.default_language == "vi"
    assert "portal.bluezone.local" in config.own_hosts


def test_yaml_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(
        "venue_name: Cảng Vũng Rô\nsession_minutes: 60\ntrusted_proxies: [10.0.0.1]\n"
        "portal_url: https://wifi.example.vn/\n"
    )
    config = load_config(path, environ={"PORTAL_SESSION_MINUTES": "90", "PORTAL_ALIASES": "a, b"})
    assert config.venue_name == "Cảng Vũng Rô"
    assert config.session_minutes == 90
    assert config.portal_url == "https://wifi.example.vn"
    assert config.own_hosts == {"wifi.example.vn", "a", "b"}
    assert [str(n) for n in config.trusted_proxies] == ["10.0.0.1/32"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("session_minutes: forty\n", "portal.yaml:1: session_minutes: expected a whole number"),
        ("venue_name: x\nsesion_minutes: 5\n", "portal.yaml:2: sesion_minutes: unknown setting"),
        ("languages: [vi, fr]\n", "portal.yaml:1: languages: unknown language ['fr']"),
        (
            "portal_url: portal.local\n",
            "portal.yaml:1: portal_url: expected an http:// or https://",
        ),
        (
            "portal_url: https://a.vn/login\n",
            "portal.yaml:1: portal_url: must be the portal's base",
        ),
        ("trusted_proxies: [proxy]\n", "portal.yaml:1: trusted_proxies: 'proxy' is not an IP"),
        ("mac_lookup: maybe\n", "portal.yaml:1: mac_lookup: expected true or false"),
        ("session_minutes: 0\n", "portal.yaml:1: session_minutes: must be between 1 and"),
        ("a: [1\n", "portal.yaml:2: not valid YAML"),
        ("- one\n- two\n", "portal.yaml:1: expected 'key: value' lines"),
        ("venue_id: a b\n", "portal.yaml:1: venue_id: use letters"),
        ("gateway: none\ngateway: none\n", "portal.yaml:2: gateway: given twice"),
        ("gateway: iptables\n", "portal.yaml:1: gateway: unknown backend 'iptables'"),
        ("database: mysql://db/portal\n", "portal.yaml:1: database: mysql:// is not a database"),
        (
            "database: postgresql://bz:hunter2@db:54x/portal\n",
            "portal.yaml:1: database: the port '54x' is not a number",
        ),
        (
            "database: postgresql:///portal?hots=/run\n",
            'portal.yaml:1: database: invalid URI query parameter: "hots"',
        ),
        (
            "database: postgresql://bz:hunter2@[::1/portal\n",
            "portal.yaml:1: database: end of string reached",
        ),
    ],
)
def test_bad_values_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value).startswith(f"{path.parent}/{message}") or message in str(caught.value)
    assert str(path) in str(caught.value)


def test_unknown_environment_variable_is_an_error() -> None:
    with pytest.raises(ConfigError, match="PORTAL_SESION_MINUTES: unknown setting"):
        load_config(None, environ={"PORTAL_SESION_MINUTES": "5"})


def test_default_language_must_be_offered() -> None:
    with pytest.raises(ConfigError, match="default_language"):
        load_config(None, environ={"PORTAL_LANGUAGES": "en,ko"})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load_config(tmp_path / "absent.yaml", environ={})


@pytest.mark.parametrize("key", [*(f.name for f in fields(PortalConfig)), *VENUE_KEYS])
def test_every_key_is_documented_in_the_readme(key: str) -> None:
    table_rows = re.findall(r"^\| `([a-z0-9_]+)` \|", README.read_text(), flags=re.MULTILINE)
    assert key in table_rows, f"README.md has no configuration row for {key}"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"PORTAL_GATEWAY": "nftables"}, "gateway nftables needs lan_interface and lan_ipv4"),
        (
            {
                "PORTAL_GATEWAY": "nftables",
                "PORTAL_LAN_INTERFACE": "wlan0",
                "PORTAL_LAN_IPV4": "10.0.0.1",
            },
            "with masquerade needs wan_interface",
        ),
        ({"PORTAL_LAN_INTERFACE": "wlan0; reboot"}, "is not a network interface name"),
        ({"PORTAL_LAN_IPV4": "fd77::1"}, "'fd77::1' is not an IPv4 address"),
        ({"PORTAL_LAN_IPV6": "10.0.0.1"}, "'10.0.0.1' is not an IPv6 address"),
        ({"PORTAL_NFT_TABLE": "blue zone"}, "nft_table: use a letter"),
        ({"PORTAL_WALLED_GARDEN": "ntp.example.vn, bad host!"}, "'bad host!' is not an address"),
        ({"PORTAL_REDIRECT_PORT": "70000"}, "redirect_port: must be between 1 and 65535"),
    ],
)
def test_gateway_settings_are_checked(settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(None, environ=settings)


def test_complete_gateway_settings() -> None:
    config = load_config(
        None,
        environ={
            "PORTAL_GATEWAY": "nftables",
            "PORTAL_LAN_INTERFACE": "wlan0",
            "PORTAL_WAN_INTERFACE": "eth0",
            "PORTAL_LAN_IPV4": "10.77.0.1",
            "PORTAL_LAN_IPV6": "fd77:0::1",
            "PORTAL_WALLED_GARDEN": "pool.ntp.org, 192.0.2.0/24",
        },
    )
    assert (config.lan_ipv6, config.walled_garden) == ("fd77::1", ("pool.ntp.org", "192.0.2.0/24"))


def test_a_database_url_never_shows_its_password(tmp_path: Path) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text("database: postgresql://bz:hunter2@[::1/portal\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert "hunter2" not in str(caught.value) and "bz:***@" in str(caught.value)


def test_nodes_sharing_a_database_must_share_the_secret_key() -> None:
    url = "postgresql://bz@db.example/portal"
    with pytest.raises(ConfigError, match=r"database: .* same secret_key"):
        load_config(environ={"PORTAL_DATABASE": url})
    config = load_config(environ={"PORTAL_DATABASE": url, "PORTAL_SECRET_KEY": "k" * 32})
    assert config.database == url


def test_the_settings_repr_leaves_the_database_url_out() -> None:
    url = "postgresql://bz:hunter2@db.example/portal"
    config = load_config(environ={"PORTAL_DATABASE": url, "PORTAL_SECRET_KEY": "k" * 32})
    assert "hunter2" not in repr(config)
