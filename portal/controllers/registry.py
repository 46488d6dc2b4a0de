"""The kinds of Wi-Fi controller this portal speaks, and building each venue's controller."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..venues.venue import VenueConfig
from . import coova, meraki, mikrotik, omada_guest, opennds, unifi_guest
from .base import Controller
from .kind import ControllerKind

KINDS: Mapping[str, ControllerKind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            meraki.KIND,
            mikrotik.KIND,
            coova.KIND,
            opennds.KIND,
            unifi_guest.KIND,
            omada_guest.KIND,
        )
    }
)
"""Every kind by the name written in a venue's ``controller:`` setting."""


def create_controller(venue: VenueConfig, portal_url: str) -> Controller:
    """The controller for ``venue`` (its kind was checked when the configuration was read)."""
    return KINDS[venue.controller].build(venue, portal_url)
