"""Which screens have shown which override: the acknowledgements players send.

A player sends `ack {override: id}` once it displays an override (see `signage.web.socket.on_ack`);
only an enrolled screen's acknowledgement is believed (see `signage.live.enrollment`), and a revoked
screen's are forgotten. The hub records the time here, and the console lists, for each active
override, the screens that acknowledged it. Kept in the signage database, so that with several
nodes the console of any node counts the screens of every node, and a restart forgets nothing.
No Flask import.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bluezone.storage.database import Database
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect

COMPONENT = "acknowledgements"
MIGRATIONS = (
    Migration(
        1,
        "which screens showed which override",
        (
            "CREATE TABLE IF NOT EXISTS acknowledgements ("
            " override_id INTEGER NOT NULL,"
            " screen TEXT NOT NULL,"
            " at REAL NOT NULL,"
            " PRIMARY KEY (override_id, screen)"
            ")",
        ),
    ),
)


class Acknowledgements:
    """Override id to {screen id: first acknowledgement time}, in the signage database."""

    def __init__(self, path: Database | Path) -> None:
        self.path = path
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    def record(self, override_id: int, screen_id: str, at: float) -> bool:
        """Note that `screen_id` showed `override_id` at `at`; True the first time (on any
        node: the first insert wins, the others change nothing)."""
        with connect(self.path) as db:
            return (
                db.execute(
                    "INSERT INTO acknowledgements (override_id, screen, at) VALUES (?, ?, ?) "
                    "ON CONFLICT (override_id, screen) DO NOTHING",
                    (override_id, screen_id, at),
                ).rowcount
                == 1
            )

    def of(self, override_id: int) -> dict[str, float]:
        """The screens that acknowledged `override_id`, with the time of each."""
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT screen, at FROM acknowledgements WHERE override_id = ?", (override_id,)
            ).fetchall()
        return {str(row[0]): float(row[1]) for row in rows}

    def keep_only(self, override_ids: Iterable[int]) -> None:
        """Forget the acknowledgements of overrides not in `override_ids` (ended ones)."""
        keep = set(override_ids)
        with connect(self.path) as db:
            stored = {int(row[0]) for row in db.execute("SELECT override_id FROM acknowledgements")}
            for override_id in stored - keep:
                db.execute("DELETE FROM acknowledgements WHERE override_id = ?", (override_id,))

    def forget_screen(self, screen_id: str) -> None:
        """Forget what `screen_id` acknowledged (its credential was revoked: unproven)."""
        with connect(self.path) as db:
            db.execute("DELETE FROM acknowledgements WHERE screen = ?", (screen_id,))
