"""The record of printed materials made from the console: what, for which venue, in which
languages, how many copies, when and by whom.

Every PDF the console hands out is one record, so the funnel can count "printed materials
made" next to the scans of their codes. Kept in the signage database in its own table. No
Flask import.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from bluezone.storage.database import Connection, Database
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect

COMPONENT = "printed"
MIGRATIONS = (
    Migration(
        1,
        "printed materials made",
        (
            "CREATE TABLE IF NOT EXISTS printed ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " material TEXT NOT NULL,"
            " venue TEXT NOT NULL,"
            " languages TEXT NOT NULL,"
            " copies INTEGER NOT NULL,"
            " made_at REAL NOT NULL,"
            " operator TEXT NOT NULL"
            ")",
            "CREATE INDEX IF NOT EXISTS printed_made ON printed (made_at)",
        ),
    ),
)

#: The most copies one record may claim: a print run for a province, not an overflow.
MAX_COPIES = 100_000


@dataclass(frozen=True)
class Printed:
    """`copies` sheets of `material` for `venue` in `languages`, made at `made_at` (Unix s)
    by the operator `operator`."""

    material: str
    venue: str
    languages: tuple[str, ...]
    copies: int
    made_at: float
    operator: str


class PrintLog:
    """The `printed` table of the signage database."""

    def __init__(self, path: Database | Path) -> None:
        self.path = path
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    def _connect(self) -> AbstractContextManager[Connection]:
        return connect(self.path)

    def record(
        self,
        material: str,
        venue: str,
        languages: Sequence[str],
        copies: int,
        operator: str,
        now: float | None = None,
    ) -> Printed:
        """Store one made material; `copies` must be 1 to `MAX_COPIES` (`ValueError`)."""
        if isinstance(copies, bool) or not 1 <= copies <= MAX_COPIES:
            raise ValueError(f"copies must be a whole number from 1 to {MAX_COPIES}")
        made = Printed(
            material, venue, tuple(languages), copies, time.time() if now is None else now, operator
        )
        with self._connect() as db:
            db.execute(
                "INSERT INTO printed (material, venue, languages, copies, made_at, operator)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (material, venue, ",".join(languages), copies, made.made_at, operator),
            )
        return made

    def between(self, start: float, end: float) -> list[Printed]:
        """The records made from `start` up to (not including) `end` (Unix s), oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM printed WHERE made_at >= ? AND made_at < ? ORDER BY made_at, id",
                (start, end),
            ).fetchall()
        return [
            Printed(
                r["material"],
                r["venue"],
                tuple(filter(None, str(r["languages"]).split(","))),
                int(r["copies"]),
                float(r["made_at"]),
                r["operator"],
            )
            for r in rows
        ]
