"""What the signage nodes sharing one database agree on through it: who does each duty that
must happen once in the cluster, and which screens are online on any node.

A **duty** (sending silent-screen alerts, reading the CAP sources, pruning old records) is held
by one node at a time under a lease: a row naming the holder and the time its lease ends. A
node claims a duty at every background pass; the claim is one atomic upsert that succeeds when
the row is free, expired, or already the claimer's, and renews it. So two nodes never hold one
duty at once, and when the holder dies its duty passes to another node once the lease has run
out (`LEASE_SECONDS`). A node alone (or a SQLite database on one machine) always holds every
duty.

**Sightings**: each node records, every few seconds, which screens are online on it; a screen
is online in the cluster while some node saw it within `offline_after` seconds. The node that
holds the alert duty judges silence from these, so a screen connected to another node is not
reported silent.

No Flask import.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

from bluezone.storage.database import Database
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect

COMPONENT = "cluster"
MIGRATIONS = (
    Migration(
        1,
        "duty leases and the screens each node sees online",
        (
            "CREATE TABLE IF NOT EXISTS duties ("
            " name TEXT PRIMARY KEY,"
            " holder TEXT NOT NULL,"
            " until REAL NOT NULL"
            ")",
            "CREATE TABLE IF NOT EXISTS sightings ("
            " screen TEXT NOT NULL,"
            " node TEXT NOT NULL,"
            " seen REAL NOT NULL,"
            " PRIMARY KEY (screen, node)"
            ")",
            "CREATE INDEX IF NOT EXISTS sightings_seen ON sightings (seen)",
        ),
    ),
)

#: How long a claimed duty stays with its holder without being renewed. Long enough that a
#: busy pass (a large catalog reload) does not lose it, short enough that a dead node's alerts
#: are taken over within half a minute.
LEASE_SECONDS = 20.0

#: The duties of a signage cluster.
ALERTS = "alerts"
CAP = "cap"
PRUNE = "prune"


def node_name() -> str:
    """A name for this process that no other node has: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Cluster:
    """This node's view of the cluster, in the shared database."""

    def __init__(
        self, path: Database | Path, node: str | None = None, lease: float = LEASE_SECONDS
    ) -> None:
        self.path = path
        self.node = node or node_name()
        self.lease = lease
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    def claim(self, duty: str, now: float, lease: float | None = None) -> bool:
        """Take or renew ``duty`` until ``now + lease`` (default: the cluster's); whether this
        node holds it now.

        One statement: the row is written only when it is free, expired or ours, and it is
        ours afterwards exactly when the write happened (``RETURNING`` gives the row only
        then). Under READ COMMITTED a concurrent claim waits for the row lock and re-checks
        the condition against the committed row, so two claimers never both succeed."""
        with connect(self.path) as db:
            row = db.execute(
                "INSERT INTO duties (name, holder, until) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until "
                "WHERE duties.holder = excluded.holder OR duties.until < ? "
                "RETURNING holder",
                (duty, self.node, now + (self.lease if lease is None else lease), now),
            ).fetchone()
        return row is not None

    def release(self, duty: str) -> None:
        """Give ``duty`` up at once (a node stopping), so another takes it at its next pass."""
        with connect(self.path) as db:
            db.execute("DELETE FROM duties WHERE name = ? AND holder = ?", (duty, self.node))

    def holder(self, duty: str, now: float) -> str | None:
        """The node holding ``duty`` at ``now``, if any."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT holder FROM duties WHERE name = ? AND until >= ?", (duty, now)
            ).fetchone()
        return str(row[0]) if row else None

    def saw(self, states: dict[str, bool], now: float) -> None:
        """Record which screens are online on this node at ``now`` (``states``: screen to
        online); this node's sightings of the others end at once."""
        online = [(screen, self.node, now) for screen, up in states.items() if up]
        with connect(self.path) as db:
            if online:
                db.executemany(
                    "INSERT INTO sightings (screen, node, seen) VALUES (?, ?, ?) "
                    "ON CONFLICT (screen, node) DO UPDATE SET seen = excluded.seen",
                    online,
                )
            gone = [(screen, self.node) for screen, up in states.items() if not up]
            if gone:
                db.executemany("DELETE FROM sightings WHERE screen = ? AND node = ?", gone)

    def online(self, since: float) -> dict[str, float]:
        """The screens another node saw online at or after ``since``, each with the latest
        of those sightings."""
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT screen, MAX(seen) FROM sightings WHERE seen >= ? AND node <> ?"
                " GROUP BY screen",
                (since, self.node),
            ).fetchall()
        return {str(row[0]): float(row[1]) for row in rows}

    def forget(self, before: float) -> int:
        """Remove sightings older than ``before`` (of nodes gone, of screens gone); how many."""
        with connect(self.path) as db:
            return db.execute("DELETE FROM sightings WHERE seen < ?", (before,)).rowcount
