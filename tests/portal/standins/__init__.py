"""Stand-ins for venue Wi-Fi controllers, written from the vendors' documentation and sources.

Each is a loopback HTTP server used as a context manager; ``base.py`` describes the surface
they share (``url``, ``grants``, ``requests``, ``down``, ``delay``, ``redirect_url``) and each
module's docstring what it follows and what could not be verified without the vendor's
hardware.
"""

from .base import Request, Standin, Visitor
from .chilli import ChilliGrant, ChilliStandin
from .meraki import MerakiGrant, MerakiStandin
from .mikrotik import MikrotikGrant, MikrotikStandin
from .omada import OmadaGrant, OmadaStandin
from .opennds import OpenNDSGrant, OpenNDSStandin
from .unifi import UnifiGrant, UnifiStandin

__all__ = [
    "ChilliGrant",
    "ChilliStandin",
    "MerakiGrant",
    "MerakiStandin",
    "MikrotikGrant",
    "MikrotikStandin",
    "OmadaGrant",
    "OmadaStandin",
    "OpenNDSGrant",
    "OpenNDSStandin",
    "Request",
    "Standin",
    "UnifiGrant",
    "UnifiStandin",
    "Visitor",
]
