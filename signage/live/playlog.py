"""Proof of play: which item each screen showed, when and for how long.

Screens queue these records while offline and send them in batches; the log keeps them in the
same SQLite file as the overrides, in its own table, for `PLAY_LOG_DAYS`. No Flask import.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluezone.storage.database import Connection, Database
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect

COMPONENT = "plays"
#: The schema, version by version (`bluezone.storage.migrations`); 1 is the release before
#: migrations, so it holds on a database that release made.
MIGRATIONS = (
    Migration(
        1,
        "proof of play",
        (
            "CREATE TABLE IF NOT EXISTS plays ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " screen TEXT NOT NULL,"
            " item TEXT NOT NULL,"
            " version TEXT NOT NULL,"
            " shown_at REAL NOT NULL,"
            " duration REAL NOT NULL,"
            " received REAL NOT NULL"
            ")",
            "CREATE INDEX IF NOT EXISTS plays_shown ON plays (shown_at)",
        ),
    ),
)

MAX_BATCH = 500

# A slide is on screen at most 600 s by the playlist rules; a screen that sleeps with a slide up
# reports it when it wakes. Beyond a day the figure is not a play, and summing a few such forged
# values (1e308) would overflow the results page.
MAX_DURATION = 24 * 3600.0

# Screens queue records while offline and send them later: a year covers any offline spell.
# Their clock follows the server's within seconds; a day ahead allows one not yet synchronised.
MAX_AGE = 366 * 24 * 3600.0
MAX_AHEAD = 24 * 3600.0

# Item ids and playlist versions are short ids; the cap keeps one record small.
MAX_ID = 200


class PlayError(ValueError):
    """A batch of proof-of-play records is malformed; the message says where."""


@dataclass(frozen=True)
class Play:
    """Item `item` of playlist version `version` shown at `shown_at` (Unix s) for `duration` s."""

    item: str
    version: str
    shown_at: float
    duration: float

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "version": self.version,
            "shown_at": self.shown_at,
            "duration": self.duration,
        }


@dataclass(frozen=True)
class PlayHour:
    """How often `screen` showed `item` in the UTC hour starting at `hour` (Unix s)."""

    screen: str
    item: str
    hour: int
    plays: int
    seconds: float


def parse_batch(raw: object, now: float) -> list[Play]:
    """Validate a list of `{item, version, shown_at, duration}` objects sent by a screen.

    At most `MAX_BATCH` records; `item` a non-empty text and `version` a text, each at most
    `MAX_ID` characters; `shown_at` (Unix s) a finite number from `MAX_AGE` before `now` to
    `MAX_AHEAD` after it; `duration` (s) a finite number from 0 to `MAX_DURATION`. The first
    record that breaks a rule refuses the batch with a `PlayError` naming the record and field.
    """
    if not isinstance(raw, list):
        raise PlayError("proof of play must be a list of records")
    if len(raw) > MAX_BATCH:
        raise PlayError(f"at most {MAX_BATCH} records per batch, got {len(raw)}")
    plays: list[Play] = []
    for index, record in enumerate(raw):
        if not isinstance(record, dict):
            raise PlayError(f"record {index} must be an object")
        item, version = record.get("item"), record.get("version", "")
        if not isinstance(item, str) or not item or len(item) > MAX_ID:
            raise PlayError(f"record {index}: item must be a non-empty id")
        if not isinstance(version, str) or len(version) > MAX_ID:
            raise PlayError(f"record {index}: version must be text")
        shown_at = _number(record.get("shown_at"), index, "shown_at", now - MAX_AGE)
        duration = _number(record.get("duration"), index, "duration", 0.0)
        if not shown_at <= now + MAX_AHEAD:
            raise PlayError(f"record {index}: shown_at is more than a day ahead of the server")
        if not duration <= MAX_DURATION:
            raise PlayError(f"record {index}: duration must be at most {MAX_DURATION:g} s")
        plays.append(Play(item, version, shown_at, duration))
    return plays


def _number(value: object, index: int, name: str, lowest: float) -> float:
    """`value` as a finite float not below `lowest`, else `PlayError` naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlayError(f"record {index}: {name} must be a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or number < lowest:
        if name == "shown_at":
            raise PlayError(f"record {index}: shown_at must be a time within the last year")
        raise PlayError(f"record {index}: {name} must be a non-negative number")
    return number


class PlayLog:
    """The `plays` table of the signage SQLite file."""

    def __init__(self, path: Database | Path) -> None:
        #: The database: a `Database`, or the path of a SQLite file.
        self.path = path
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    def _connect(self) -> AbstractContextManager[Connection]:
        return connect(self.path)

    def record(self, screen_id: str, plays: Iterable[Play]) -> int:
        """Store records from one screen; return how many were stored."""
        now = time.time()
        rows = [(screen_id, p.item, p.version, p.shown_at, p.duration, now) for p in plays]
        with self._connect() as db:
            db.executemany(
                "INSERT INTO plays (screen, item, version, shown_at, duration, received)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def recent(self, screen_id: str | None = None, limit: int = 1000) -> list[tuple[str, Play]]:
        """The newest records as `(screen, play)`, optionally of one screen."""
        query = "SELECT * FROM plays"
        args: tuple[str, ...] = ()
        if screen_id is not None:
            query, args = query + " WHERE screen = ?", (screen_id,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [
            (r["screen"], Play(r["item"], r["version"], r["shown_at"], r["duration"])) for r in rows
        ]

    def hourly(self, start: float, end: float, screen_id: str | None = None) -> list[PlayHour]:
        """Plays shown from `start` up to (not including) `end` (Unix s), counted per screen,
        item and UTC hour, optionally of one screen; ordered by hour, screen and item."""
        query = (
            "SELECT screen, item, CAST(shown_at / 3600 AS INTEGER) AS hour,"
            " COUNT(*) AS plays, SUM(duration) AS seconds"
            " FROM plays WHERE shown_at >= ? AND shown_at < ?"
            # Rows stored before durations were bounded may hold any number; they are left
            # out rather than let one of them overflow every total of the period.
            " AND duration >= 0 AND duration <= ?"
        )
        args: tuple[float | str, ...] = (start, end, MAX_DURATION)
        if screen_id is not None:
            query, args = query + " AND screen = ?", (*args, screen_id)
        query += " GROUP BY screen, item, hour ORDER BY hour, screen, item"
        with self._connect() as db:
            rows = db.execute(query, args).fetchall()
        return [
            PlayHour(r["screen"], r["item"], int(r["hour"]) * 3600, int(r["plays"]), r["seconds"])
            for r in rows
        ]

    def prune(self, before: float) -> int:
        """Delete records shown before `before`; return how many."""
        with self._connect() as db:
            return int(db.execute("DELETE FROM plays WHERE shown_at < ?", (before,)).rowcount)
