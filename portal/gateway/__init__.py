"""Enforcement points: what actually lets a granted client through.

The portal talks to every enforcement point through :class:`Gateway`. ``none`` only records
grants (the network enforces elsewhere, or it is a demo); ``nftables`` makes the portal's own
Linux box the gate.
"""

from __future__ import annotations

from ..config import PortalConfig
from .base import Gateway, GatewayError
from .nftables import NftablesGateway
from .none import RecordOnlyGateway

__all__ = ["Gateway", "GatewayError", "create_gateway"]


def create_gateway(config: PortalConfig) -> Gateway:
    """The backend the configuration names (checked by the configuration already)."""
    if config.gateway == "nftables":
        return NftablesGateway.from_config(config)
    return RecordOnlyGateway()
