"""One venue behind a Wi-Fi controller, as read from the portal configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .secrets import Secret, variable


@dataclass(frozen=True)
class VenueConfig:
    """One venue behind a Wi-Fi controller; see README "Connect your Wi-Fi controller"."""

    id: str
    name: str
    controller: str
    session_minutes: int
    languages: tuple[str, ...]
    default_language: str
    campaign_file: str = ""
    grant_hosts: tuple[str, ...] = ()
    check_grant_host: bool = False
    username: str = ""
    fas_level: int = 0
    options: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, Secret] = field(default_factory=dict, repr=False)

    def secret(self, name: str) -> str | None:
        """The value of secret ``name`` (one of ``SECRET_NAMES``), if it is set."""
        found = self.secrets.get(name)
        return found.reveal() if found is not None else None

    @property
    def env_prefix(self) -> str:
        """The start of this venue's secret variables, e.g. ``PORTAL_VENUE_TUY_HOA_``."""
        return variable(self.id)
