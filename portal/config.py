"""Portal configuration: defaults in code, overridden by a YAML file, then by ``PORTAL_*``.

The result is a frozen :class:`PortalConfig`. Every key is documented in README.md (a test
fails when one is not). Bad values raise :class:`ConfigError` naming the file, line and key.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bluezone.storage.database import is_url, url_problem

from .sessions.client import IPNetwork
from .venues.secrets import ENV_PREFIX
from .venues.settings import Defaults, VenueError, read_venues
from .venues.venue import VenueConfig
from .yamlfile import compose_file

LANGUAGES = ("vi", "en", "ko", "zh_Hans", "zh_Hant", "ja", "ru")
GATEWAYS = ("none", "nftables")
_IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
_TABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)


class ConfigError(ValueError):
    """A configuration value is missing, unknown or malformed; the message says where."""


@dataclass(frozen=True)
class PortalConfig:
    """The portal's settings; see README.md "Portal configuration" for each key."""

    venue_name: str = "Wi-Fi công cộng"
    venue_id: str = "default"
    portal_url: str = "http://portal.bluezone.local"
    aliases: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
    session_minutes: int = 240
    token_minutes: int = 15
    languages: tuple[str, ...] = LANGUAGES
    default_language: str = "vi"
    gateway: str = "none"
    trusted_proxies: tuple[IPNetwork, ...] = ()
    mac_lookup: bool = True
    # Out of the repr: a PostgreSQL URL may hold a password.
    database: str = field(default="", repr=False)
    campaign_file: str = ""
    event_retention_days: int = 90
    event_flush_seconds: float = 5.0
    secret_key: str = ""
    log_level: str = "INFO"
    nft_table: str = "bluezone"
    lan_interface: str = ""
    wan_interface: str = ""
    masquerade: bool = True
    lan_ipv4: str = ""
    lan_ipv6: str = ""
    redirect_port: int = 8080
    walled_garden: tuple[str, ...] = ()
    stats_token: str = ""
    stats_token_file: str = ""
    report_url: str = ""
    report_token: str = ""
    report_token_file: str = ""
    report_interval: int = 300
    venues: tuple[VenueConfig, ...] = ()

    @property
    def portal_host(self) -> str:
        """The host name (without port) that visitors use to reach the portal."""
        return urlsplit(self.portal_url).hostname or ""

    @property
    def own_hosts(self) -> frozenset[str]:
        """Host names (lower case, without port or brackets) that mean "the portal itself"."""
        return frozenset({self.portal_host.lower(), *(a.lower() for a in self.aliases)})


_KEYS = {f.name: f for f in fields(PortalConfig)}


def _fail(where: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"{where}: {key}: {message}")


def _as_int(where: str, key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, key, f"expected a whole number, got {value!r}")
    if not low <= value <= high:
        raise _fail(where, key, f"must be between {low} and {high}, got {value}")
    return value


def _as_str(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(where, key, f"expected text, got {value!r}")
    return value


def _as_list(where: str, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, key, f"expected a list of text values, got {value!r}")
    return value


def _convert(where: str, key: str, value: Any) -> Any:
    """Check and convert one raw value for ``key``; raise ConfigError on anything wrong."""
    if key in ("session_minutes",):
        return _as_int(where, key, value, 1, 60 * 24 * 30)
    if key == "token_minutes":
        return _as_int(where, key, value, 1, 24 * 60)
    if key == "event_retention_days":
        return _as_int(where, key, value, 1, 3650)
    if key == "event_flush_seconds":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 3600:
            raise _fail(where, key, f"expected seconds between 0 and 3600, got {value!r}")
        return float(value)
    if key == "redirect_port":
        return _as_int(where, key, value, 1, 65535)
    if key == "report_interval":
        return _as_int(where, key, value, 1, 86400)
    if key in ("mac_lookup", "masquerade"):
        if not isinstance(value, bool):
            raise _fail(where, key, f"expected true or false, got {value!r}")
        return value
    if key == "walled_garden":
        entries = tuple(_as_list(where, key, value))
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                if not _HOSTNAME.match(entry):
                    raise _fail(
                        where, key, f"{entry!r} is not an address, network or host name"
                    ) from None
        return entries
    if key == "aliases":
        return tuple(v.strip("[]").lower() for v in _as_list(where, key, value))
    if key == "languages":
        langs = tuple(_as_list(where, key, value))
        unknown = [lang for lang in langs if lang not in LANGUAGES]
        if unknown or not langs:
            raise _fail(where, key, f"unknown language {unknown}; choose from {list(LANGUAGES)}")
        return langs
    if key == "trusted_proxies":
        nets = []
        for item in _as_list(where, key, value):
            try:
                nets.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise _fail(where, key, f"{item!r} is not an IP address or network") from None
        return tuple(nets)
    text = _as_str(where, key, value)
    if key == "portal_url":
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _fail(where, key, f"expected an http:// or https:// URL, got {text!r}")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise _fail(where, key, "must be the portal's base URL, without a path or query")
        return text.rstrip("/")
    if key == "report_url" and text:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _fail(where, key, f"expected an http:// or https:// URL, got {text!r}")
        if parts.query or parts.fragment:
            raise _fail(where, key, "must be the signage server's base URL, without a query")
        return text.rstrip("/")
    if key in ("lan_interface", "wan_interface") and text and not _IFNAME.match(text):
        raise _fail(where, key, f"{text!r} is not a network interface name")
    if key == "nft_table" and not _TABLE.match(text):
        raise _fail(where, key, "use a letter, then letters, digits or '_' (at most 32)")
    if key in ("lan_ipv4", "lan_ipv6") and text:
        version = 4 if key == "lan_ipv4" else 6
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise _fail(where, key, f"{text!r} is not an IPv{version} address") from None
        if address.version != version:
            raise _fail(where, key, f"{text!r} is not an IPv{version} address")
        return str(address)
    if key == "database" and (problem := url_problem(text)):
        raise _fail(where, key, problem)
    if key == "gateway" and text not in GATEWAYS:
        raise _fail(where, key, f"unknown backend {text!r}; choose from {list(GATEWAYS)}")
    if key == "default_language" and text not in LANGUAGES:
        raise _fail(where, key, f"unknown language {text!r}; choose from {list(LANGUAGES)}")
    if key == "log_level" and text.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise _fail(where, key, f"expected DEBUG, INFO, WARNING or ERROR, got {text!r}")
    if key in ("stats_token", "report_token") and text and len(text) < 16:
        raise _fail(where, key, "use at least 16 characters (e.g. from `openssl rand -hex 24`)")
    if key == "venue_id" and not (text and text.replace("-", "").replace("_", "").isalnum()):
        raise _fail(where, key, "use letters, digits, '-' and '_' only")
    return text


def _read_yaml(path: Path) -> dict[str, tuple[Any, str]]:
    """Read the YAML file into ``{key: (value, "file:line")}``."""
    root = compose_file(path, "configuration file", ConfigError)
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{path}:{root.start_mark.line + 1}: expected 'key: value' lines")
    result: dict[str, tuple[Any, str]] = {}
    for key_node, value_node in root.value:
        where = f"{path}:{key_node.start_mark.line + 1}"
        key = key_node.value
        if key in result:
            raise ConfigError(f"{where}: {key}: given twice")
        # Venues are read from their nodes, so their errors can name their own lines.
        value = value_node if key == "venues" else yaml.safe_load(yaml.serialize(value_node))
        result[key] = (value, where if key != "venues" else str(path))
    return result


def load_config(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> PortalConfig:
    """Build the configuration from defaults, the YAML file ``path``, ``PORTAL_*`` variables
    in ``environ`` and finally ``overrides`` (used by tests), in that order of precedence."""
    environ = os.environ if environ is None else environ
    raw: dict[str, tuple[Any, str]] = {}
    if path:
        raw.update(_read_yaml(Path(path)))
        if "report_token" in raw:
            # A configuration file is often readable by more people than the service's user.
            raise ConfigError(
                f"{raw['report_token'][1]}: report_token: not in the configuration file; set"
                " PORTAL_REPORT_TOKEN or report_token_file (a file of mode 0600)"
            )
    # Venue secrets share their prefix with settings such as PORTAL_VENUE_NAME: a variable is
    # a secret only when it names no setting.
    secrets = {
        name: text
        for name, text in environ.items()
        if name.startswith(ENV_PREFIX) and name.removeprefix("PORTAL_").lower() not in _KEYS
    }
    for name, text in environ.items():
        if not name.startswith("PORTAL_") or name == "PORTAL_CONFIG" or name in secrets:
            continue
        if name == "PORTAL_VENUES":
            raise ConfigError(f"environment: {name}: venues are set in the configuration file")
        key = name.removeprefix("PORTAL_").lower()
        if key not in _KEYS:
            raise ConfigError(f"environment: {name}: unknown setting")
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        if _KEYS[key].type in ("str", "str | None") and not isinstance(value, str):
            value = text
        raw[key] = (value, "environment")
    for key, value in (overrides or {}).items():
        raw[key] = (value, "test configuration")
    values: dict[str, Any] = {}
    for key, (value, where) in raw.items():
        if key not in _KEYS:
            raise ConfigError(f"{where}: {key}: unknown setting (see README, Portal configuration)")
        if key != "venues":
            values[key] = _convert(where, key, value)
    config = PortalConfig(**values)
    if config.default_language not in config.languages:
        raise ConfigError(f"default_language {config.default_language!r} is not in languages")
    if is_url(config.database) and not config.secret_key:
        # Client identifiers are stored as an HMAC keyed from the secret, and accept tokens
        # are signed with it: nodes that each made their own key would not see each
        # other's sessions.
        raise ConfigError(
            "database: a PostgreSQL database is shared by several nodes, which must all have "
            "the same secret_key: set it (PORTAL_SECRET_KEY)"
        )
    venues_node, venues_where = raw.get("venues", (None, "configuration file"))
    defaults = Defaults(
        config.session_minutes,
        config.languages,
        config.default_language,
        config.campaign_file,
        LANGUAGES,
    )
    try:
        config = replace(config, venues=read_venues(venues_node, venues_where, defaults, secrets))
    except VenueError as exc:
        raise ConfigError(str(exc)) from None
    _check_reporting(config)
    if config.gateway == "nftables":
        missing = [k for k in ("lan_interface", "lan_ipv4") if not getattr(config, k)]
        if missing:
            raise ConfigError(f"gateway nftables needs {' and '.join(missing)} (see README)")
        if config.masquerade and not config.wan_interface:
            raise ConfigError("gateway nftables with masquerade needs wan_interface")
        if not config.mac_lookup:
            raise ConfigError("gateway nftables grants by MAC address: mac_lookup must be true")
    return config


def _check_reporting(config: PortalConfig) -> None:
    """Reporting to the signage server needs its address and exactly one source of token."""
    if config.report_token and config.report_token_file:
        raise ConfigError(
            "report_token_file: set report_token (PORTAL_REPORT_TOKEN) or report_token_file,"
            " not both"
        )
    has_token = bool(config.report_token or config.report_token_file)
    if config.report_url and not has_token:
        raise ConfigError(
            "report_url: reporting needs the venue's token: set PORTAL_REPORT_TOKEN or"
            " report_token_file (see README, Venue boxes)"
        )
    if has_token and not config.report_url:
        key = "report_token" if config.report_token else "report_token_file"
        raise ConfigError(f"{key}: a report token is set but report_url is empty")
