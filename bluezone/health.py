"""Whether a service can do its work: the answer behind each service's ``GET /healthz``.

A load balancer or a monitor asks every node every few seconds, so the check must be cheap
(one ``SELECT 1``, not a read of every session) and must tell the truth: a node whose
database cannot be reached is not healthy, even though it still answers HTTP. The
check never raises: whatever goes wrong becomes the `Health` it returns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bluezone.storage.database import Database

log = logging.getLogger(__name__)

#: Longest error text given back, so that a health answer stays small.
DETAIL_LIMIT = 200


@dataclass(frozen=True)
class Health:
    """The outcome of one check: ``ok``, else ``detail`` says what failed (for the operator)."""

    ok: bool
    detail: str = ""

    @property
    def status(self) -> int:
        """The HTTP status to answer: 200 when healthy, 503 (try another node) otherwise."""
        return 200 if self.ok else 503

    def to_json(self) -> dict[str, str]:
        """``{"status": "ok"}`` or ``{"status": "unavailable", "database": <what failed>}``."""
        if self.ok:
            return {"status": "ok"}
        return {"status": "unavailable", "database": self.detail}


def database_health(database: Database) -> Health:
    """Run ``SELECT 1`` on ``database`` in a transaction of its own.

    Any failure (a missing or unreadable SQLite file, PostgreSQL down or refusing the role, a
    pool that cannot hand out a connection) is reported, never raised: the caller answers the
    monitor either way.
    """
    try:
        with database.transaction() as db:
            db.execute("SELECT 1").fetchone()
    except Exception as error:  # any failure to reach the database means "unhealthy"
        log.warning("health check: database %s unreachable: %s", database, error)
        detail = f"{type(error).__name__}: {error}".strip()
        return Health(False, detail[:DETAIL_LIMIT])
    return Health(True)
