"""What each kind of Wi-Fi controller declares: its settings, what it requires, how it is built.

The venue reader (:mod:`portal.venues.settings`) knows no vendor by name. It reads the settings
a kind lists, converting each by its declared type, then asks the kind to check the venue as a
whole and, at start-up, to build its controller. Adding a vendor means one module with a
``KIND``, one row in :data:`portal.controllers.registry.KINDS`, its README section and its
tests.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal

from ..venues.venue import VenueConfig
from .base import Controller

ValueType = Literal[
    "text",  # one line of text
    "optional_text",  # text, or empty for "not set"
    "flag",  # true or false
    "count",  # a whole number from 1 to 10^9
    "level",  # a whole number from 1 to 3
    "seconds",  # a number of seconds
    "tls",  # true, false, or the path of a CA bundle
    "hosts",  # one or more host names, '*.domain' patterns or addresses
    "secret_file",  # ``<secret>_file``: a file only the service can read, holding that secret
]


@dataclass(frozen=True)
class Setting:
    """One key a venue of this kind may have.

    ``option`` settings go to ``VenueConfig.options`` as they are, for the controller's API
    client to check; the others are fields of :class:`~portal.venues.venue.VenueConfig` (secret
    files become its ``secrets``).
    """

    name: str
    type: ValueType
    option: bool = False


class SettingProblem(ValueError):
    """A venue of this kind lacks something or holds a wrong value.

    ``key`` is the setting it is about, relative to the venue (``""`` for the venue as a
    whole); the reader turns it into ``file:line: venues.<id>[.<key>]: message``.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _nothing_more(venue: VenueConfig, present: Collection[str]) -> None:
    """A kind whose settings need nothing beyond their own types."""


@dataclass(frozen=True)
class ControllerKind:
    """A kind of controller: ``name`` as written in ``controller:``, and what it needs.

    ``check(venue, present)`` raises :class:`SettingProblem` for what the settings' types
    cannot tell (``present`` names the keys written in the file); ``build(venue, portal_url)``
    makes the venue's controller once the configuration is known to be good.
    """

    name: str
    settings: tuple[Setting, ...]
    build: Callable[[VenueConfig, str], Controller]
    check: Callable[[VenueConfig, Collection[str]], None] = _nothing_more
    default_grant_hosts: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The names of this kind's settings."""
        return tuple(setting.name for setting in self.settings)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secrets a venue of this kind may have (from ``<secret>_file`` settings)."""
        return tuple(s.name.removesuffix("_file") for s in self.settings if s.type == "secret_file")


GRANT_HOSTS = (Setting("grant_hosts", "hosts"), Setting("check_grant_host", "flag"))
"""The settings of every kind that sends the phone to the controller to be let through."""


def need_secret(venue: VenueConfig, name: str, why: str) -> None:
    """Refuse ``venue`` unless it has secret ``name``; ``why`` says what needs it."""
    if name not in venue.secrets:
        raise SettingProblem(
            "", f"{why}: set {venue.env_prefix}{name.upper()} or {name}_file (see README)"
        )


def need_grant_hosts(venue: VenueConfig) -> None:
    """Refuse ``venue`` unless it names where visitors are sent to be let through."""
    if not venue.grant_hosts:
        raise SettingProblem("grant_hosts", "name the controller address(es) visitors are sent to")


def need_keys(present: Collection[str], names: Collection[str]) -> None:
    """Refuse a venue that does not write every key of ``names``."""
    for name in names:
        if name not in present:
            raise SettingProblem(name, "missing (see README)")
