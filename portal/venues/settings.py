"""Venue settings: one portal as the external splash page of several venues' Wi-Fi controllers.

The ``venues`` key of the portal configuration maps a venue id to its settings. They are read
from the YAML nodes, so every error names ``file:line: venues.<id>.<key>``. A secret written in
the YAML file is refused; secrets come from :mod:`portal.venues.secrets`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import yaml

from ..controllers.kind import ControllerKind, Setting, SettingProblem
from ..controllers.registry import KINDS
from . import secrets
from .secrets import SECRET_NAMES, Secret, variable
from .venue import VenueConfig

VENUE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_HOST = re.compile(
    r"^(\*\.)?(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)

# Settings every venue may have; their defaults are the portal-wide values of the same name.
COMMON_KEYS = (
    "name",
    "controller",
    "session_minutes",
    "languages",
    "default_language",
    "campaign_file",
)
CONTROLLERS = tuple(KINDS)
# Every key a venue entry can have, for the README check.
VENUE_KEYS = tuple(
    dict.fromkeys([*COMMON_KEYS, *(k for kind in KINDS.values() for k in kind.keys)])
)


class VenueError(ValueError):
    """A venue setting or secret is missing or wrong; the message says where, never the secret."""


@dataclass(frozen=True)
class Defaults:
    """The portal-wide values a venue inherits."""

    session_minutes: int
    languages: tuple[str, ...]
    default_language: str
    campaign_file: str
    all_languages: tuple[str, ...]


class _Reader:
    def __init__(self, where: str) -> None:
        self.where = where

    def error(self, node: yaml.Node, key: str, message: str) -> VenueError:
        if self.where.endswith(".yaml") or self.where.endswith(".yml") or "/" in self.where:
            return VenueError(f"{self.where}:{node.start_mark.line + 1}: {key}: {message}")
        return VenueError(f"{self.where}: {key}: {message}")

    def scalar(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, key, "expected a single value")
        return yaml.safe_load(yaml.serialize(node))

    def text(self, node: yaml.Node, key: str, pattern: re.Pattern[str] | None = None) -> str:
        value = self.scalar(node, key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(node, key, f"expected text, got {value!r}")
        value = value.strip()
        if len(value) > 200:
            raise self.error(node, key, "at most 200 characters")
        if pattern is not None and not pattern.match(value):
            raise self.error(node, key, f"{value!r} is not allowed here")
        return value

    def whole(self, node: yaml.Node, key: str, low: int, high: int) -> int:
        value = self.scalar(node, key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(node, key, f"expected a whole number, got {value!r}")
        if not low <= value <= high:
            raise self.error(node, key, f"must be between {low} and {high}, got {value}")
        return value

    def flag(self, node: yaml.Node, key: str) -> bool:
        value = self.scalar(node, key)
        if not isinstance(value, bool):
            raise self.error(node, key, f"expected true or false, got {value!r}")
        return value

    def texts(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode):
            return tuple(v.strip() for v in self.text(node, key).split(",") if v.strip())
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.error(node, key, "expected a list of one or more values")
        return tuple(self.text(item, key) for item in node.value)


def _grant_host(reader: _Reader, node: yaml.Node, key: str, host: str) -> str:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    if not _HOST.match(host):
        raise reader.error(node, key, f"{host!r} is not a host name, '*.domain' or an address")
    return host.lower()


def _secrets(
    reader: _Reader,
    venue_id: str,
    files: Mapping[str, tuple[yaml.Node, str]],
    environ: Mapping[str, str],
) -> dict[str, Secret]:
    found: dict[str, Secret] = {}
    for name in SECRET_NAMES:
        try:
            from_env = secrets.from_environment(environ, venue_id, name)
        except ValueError as exc:
            raise VenueError(str(exc)) from None
        if name not in files:
            if from_env is not None:
                found[name] = from_env
            continue
        node, path_text = files[name]
        key = f"venues.{venue_id}.{name}_file"
        if from_env is not None:
            raise reader.error(node, key, f"{variable(venue_id, name)} is set too: use one")
        try:
            found[name] = secrets.from_file(path_text)
        except ValueError as exc:
            raise reader.error(node, key, str(exc)) from None
    return found


def _check_kind(
    reader: _Reader,
    node: yaml.Node,
    raw: Mapping[str, tuple[yaml.Node, yaml.Node]],
    kind: ControllerKind,
    venue: VenueConfig,
) -> None:
    where = f"venues.{venue.id}"
    try:
        kind.check(venue, frozenset(raw))
    except SettingProblem as problem:
        at = raw[problem.key][1] if problem.key in raw else node
        key = f"{where}.{problem.key}" if problem.key else where
        raise reader.error(at, key, problem.message) from None
    extra = [n for n in venue.secrets if n not in kind.secrets]
    if extra:
        raise VenueError(
            f"environment: {venue.env_prefix}{extra[0].upper()}: "
            f"a {venue.controller} venue has no such secret"
        )


def _value(reader: _Reader, node: yaml.Node, key: str, setting: Setting) -> Any:
    """The value of one kind-specific setting, converted by its declared type."""
    if setting.type == "flag":
        return reader.flag(node, key)
    if setting.type == "count":
        return reader.whole(node, key, 1, 10**9)
    if setting.type == "level":
        return reader.whole(node, key, 1, 3)
    if setting.type == "seconds":
        value = reader.scalar(node, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise reader.error(node, key, f"expected seconds, got {value!r}")
        return float(value)
    if setting.type == "tls":
        value = reader.scalar(node, key)
        return value if isinstance(value, bool) else reader.text(node, key)
    if setting.type == "optional_text":
        value = reader.scalar(node, key)
        return "" if value in (None, "") else reader.text(node, key)
    if setting.type == "hosts":
        return tuple(_grant_host(reader, node, key, host) for host in reader.texts(node, key))
    return reader.text(node, key)


def _venue(
    reader: _Reader,
    venue_id: str,
    node: yaml.Node,
    defaults: Defaults,
    environ: Mapping[str, str],
) -> VenueConfig:
    where = f"venues.{venue_id}"
    if not isinstance(node, yaml.MappingNode):
        raise reader.error(node, where, "expected 'key: value' settings")
    raw: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        name = str(key_node.value)
        if name in raw:
            raise reader.error(key_node, f"{where}.{name}", "given twice")
        raw[name] = (key_node, value_node)
    if "controller" not in raw:
        raise reader.error(node, f"{where}.controller", f"missing; choose from {list(CONTROLLERS)}")
    controller = reader.text(raw["controller"][1], f"{where}.controller")
    if controller not in CONTROLLERS:
        raise reader.error(
            raw["controller"][1],
            f"{where}.controller",
            f"unknown controller {controller!r}; choose from {list(CONTROLLERS)}",
        )
    kind = KINDS[controller]
    allowed = (*COMMON_KEYS, *kind.keys)
    declared = {setting.name: setting for setting in kind.settings}
    values: dict[str, Any] = {}
    options: dict[str, Any] = {}
    files: dict[str, tuple[yaml.Node, str]] = {}
    for name, (key_node, value_node) in raw.items():
        key = f"{where}.{name}"
        if name in SECRET_NAMES or name == "secret":
            secret_name = name if name in SECRET_NAMES else "password"
            name_of_variable = variable(venue_id, secret_name)
            raise reader.error(
                key_node,
                key,
                "secrets are never written in this file; set the environment variable "
                f"{name_of_variable} or {secret_name}_file (a file only the service can read)",
            )
        if name not in allowed:
            raise reader.error(
                key_node,
                key,
                f"unknown setting for a {controller} venue; expected one of {list(allowed)}",
            )
        setting = declared.get(name)
        if name == "controller":
            values[name] = controller
        elif name == "session_minutes":
            values[name] = reader.whole(value_node, key, 1, 60 * 24 * 30)
        elif name == "languages":
            langs = reader.texts(value_node, key)
            unknown = [lang for lang in langs if lang not in defaults.all_languages]
            if unknown:
                raise reader.error(
                    value_node,
                    key,
                    f"unknown language {unknown}; choose from {list(defaults.all_languages)}",
                )
            values[name] = langs
        elif setting is None:  # name, default_language, campaign_file
            values[name] = reader.text(value_node, key)
        elif setting.type == "secret_file":
            files[name.removesuffix("_file")] = (value_node, reader.text(value_node, key))
        elif setting.option:
            options[name] = _value(reader, value_node, key, setting)
        else:
            values[name] = _value(reader, value_node, key, setting)
    if "name" not in values:
        raise reader.error(node, f"{where}.name", "missing: the name shown to visitors")
    values.setdefault("session_minutes", defaults.session_minutes)
    values.setdefault("languages", defaults.languages)
    values.setdefault("default_language", defaults.default_language)
    values.setdefault("campaign_file", defaults.campaign_file)
    if kind.default_grant_hosts:
        values.setdefault("grant_hosts", kind.default_grant_hosts)
    if values["default_language"] not in values["languages"]:
        raise reader.error(
            node,
            f"{where}.default_language",
            f"{values['default_language']!r} is not in the venue's languages",
        )
    secrets = _secrets(reader, venue_id, files, environ)
    venue = VenueConfig(
        id=venue_id,
        options=MappingProxyType(options),
        secrets=MappingProxyType(secrets),
        **values,
    )
    _check_kind(reader, node, raw, kind, venue)
    return venue


def read_venues(
    node: yaml.Node | Mapping[str, Any] | None,
    where: str,
    defaults: Defaults,
    environ: Mapping[str, str],
) -> tuple[VenueConfig, ...]:
    """The venues in ``node`` (YAML nodes from ``where``, or a plain mapping from tests).

    Raises :class:`VenueError` naming ``where``, the line and the key on anything wrong, and on
    a ``PORTAL_VENUE_*`` variable that belongs to no configured venue (a typo would otherwise
    leave a controller without its secret).
    """
    if not isinstance(node, yaml.Node):
        node = yaml.compose(yaml.safe_dump(dict(node or {})))
    reader = _Reader(where)
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
        node = yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(node, yaml.MappingNode):
        raise reader.error(node, "venues", "expected one entry per venue id")
    try:
        secrets.check_environment(environ, [str(key.value) for key, _ in node.value])
    except ValueError as exc:
        raise VenueError(str(exc)) from None
    venues: list[VenueConfig] = []
    for key_node, value_node in node.value:
        venue_id = str(key_node.value)
        if not VENUE_ID.match(venue_id):
            raise reader.error(
                key_node,
                f"venues.{venue_id}",
                "a venue id is 1-32 lower-case letters, digits and '-'",
            )
        if any(v.id == venue_id for v in venues):
            raise reader.error(key_node, f"venues.{venue_id}", "given twice")
        venues.append(_venue(reader, venue_id, value_node, defaults, environ))
    return tuple(venues)
