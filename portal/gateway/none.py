"""The ``none`` backend: grants are recorded in the portal's sessions and logged, nothing more.

For the demo, and for networks whose access control lives elsewhere (for example a firewall
that reads the portal's RFC 8908 API).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..sessions.client import Client
from ..sessions.store import Session

log = logging.getLogger(__name__)


class RecordOnlyGateway:
    """A gateway that enforces nothing; the session table is the record."""

    name = "none"
    needs_mac = False

    def install(self, sessions: Sequence[Session]) -> int:
        """Nothing to set up: the session table already is the whole state."""
        log.info("gateway 'none': %d sessions recorded, nothing is enforced", len(sessions))
        return len(sessions)

    def grant(self, client: Client, seconds: int) -> None:
        """Log the grant; the portal records the session itself."""
        log.info("grant for %d s (gateway 'none' enforces nothing)", seconds)

    def revoke(self, client: Client) -> None:
        """Log the revoke."""
        log.info("revoke (gateway 'none' enforces nothing)")

    def status(self) -> dict[str, Any]:
        """The backend's name; there is nothing else to report."""
        return {"backend": self.name, "enforcing": False}
