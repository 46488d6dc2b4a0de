"""Building each venue's controller from its settings (the kinds this portal speaks)."""

from __future__ import annotations

from ..venue_config import VenueConfig
from .base import Controller


def create_controller(venue: VenueConfig, portal_url: str) -> Controller:
    """The controller module for ``venue.controller`` (checked by the configuration)."""
    if venue.controller == "meraki":
        from .meraki import MerakiController

        return MerakiController(venue)
    if venue.controller == "mikrotik":
        from .mikrotik import MikrotikController

        return MikrotikController(venue)
    if venue.controller == "coova":
        from .coova import CoovaController

        splash = f"{portal_url}/v/{venue.id}"
        return CoovaController(venue, (f"{splash}/", splash))
    from .opennds import OpenNDSController

    return OpenNDSController(venue)
