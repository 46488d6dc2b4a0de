"""Building each venue's controller from its settings (the kinds this portal speaks)."""

from __future__ import annotations

from ..venue_config import VenueConfig, api_settings
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
    if venue.controller == "unifi":
        from .unifi import UnifiController
        from .unifi_guest import UnifiGuest

        return UnifiGuest(UnifiController(api_settings(venue)))
    if venue.controller == "omada":
        from .omada import OmadaController
        from .omada_guest import OmadaGuest

        return OmadaGuest(OmadaController(api_settings(venue)))
    from .opennds import OpenNDSController

    return OpenNDSController(venue)
