"""Stand-ins for venue Wi-Fi controllers, written from the vendors' documentation.

Each is a loopback HTTP server used as a context manager; see ``base.py`` for the surface
they share and each module's docstring for what it follows and what could not be verified
without the vendor's hardware.
"""

from .base import Request, Standin, Visitor
from .meraki import MerakiGrant, MerakiStandin
from .mikrotik import MikrotikGrant, MikrotikStandin
from .unifi import UnifiGrant, UnifiStandin

__all__ = [
    "MerakiGrant",
    "MerakiStandin",
    "MikrotikGrant",
    "MikrotikStandin",
    "Request",
    "Standin",
    "UnifiGrant",
    "UnifiStandin",
    "Visitor",
]
