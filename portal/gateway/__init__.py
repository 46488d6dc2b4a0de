"""Enforcement points: what actually lets a granted client through.

The portal talks to every enforcement point through :class:`Gateway`. ``none`` only records
grants (the network enforces elsewhere, or it is a demo); later backends drive nftables on a
Linux gateway or a venue's Wi-Fi controller.
"""

from __future__ import annotations

from typing import Protocol

from ..client import Client


class GatewayError(RuntimeError):
    """The enforcement point could not carry out a grant or revoke."""


class Gateway(Protocol):
    """Grants and revokes network access for one client."""

    name: str

    def grant(self, client: Client, seconds: int) -> None:
        """Let ``client`` through for ``seconds``; raise :class:`GatewayError` on failure."""

    def revoke(self, client: Client) -> None:
        """Stop letting ``client`` through; raise :class:`GatewayError` on failure."""


def create_gateway(name: str) -> Gateway:
    """The backend called ``name`` in the configuration."""
    if name == "none":
        from .none import RecordOnlyGateway

        return RecordOnlyGateway()
    raise GatewayError(f"gateway: unknown backend {name!r}; available: ['none']")
