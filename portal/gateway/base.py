"""What every enforcement point offers the portal: :class:`Gateway`, and its one error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..sessions.client import Client

if TYPE_CHECKING:
    from ..sessions.store import Session


class GatewayError(RuntimeError):
    """The enforcement point could not carry out a grant or revoke."""


class Gateway(Protocol):
    """Grants and revokes network access for one client."""

    name: str
    #: Grants are keyed by MAC address, so sessions must keep it to be restored after a restart.
    needs_mac: bool

    def install(self, sessions: Sequence[Session]) -> int:
        """Set the enforcement point up at start and restore ``sessions``; how many were."""

    def grant(self, client: Client, seconds: int) -> None:
        """Let ``client`` through for ``seconds``; raise :class:`GatewayError` on failure."""

    def revoke(self, client: Client) -> None:
        """Stop letting ``client`` through, open connections included."""

    def status(self) -> dict[str, Any]:
        """What the enforcement point reports about itself, for operators."""
