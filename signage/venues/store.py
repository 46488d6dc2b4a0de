"""Venue boxes: who may report, what each last said about itself, and the counts it sent.

A venue box (a portal at a venue, with its own database) reports to this server with a token
issued by `VenueStore.add` (`bluezone-signage venues add <venue-id>`): 256 random bits, shown
once; the store keeps only its SHA-256 (a fast hash is enough for a high-entropy secret) and
finds the venue by it. `revoke` ends a token at once for every node: each report looks the
token up in the database.

``venue_counts`` holds the box's hourly counts keyed by (venue, hour, kind, lang, os, src).
A report carries the *absolute* counts of each hour it names, and `record` makes the hour hold
exactly those counts (upsert, and the hour's other keys removed), so a report received twice
changes nothing: each hour counts once however often the box retries.

``state`` moves only by atomic updates whose condition is the old state (``UPDATE ... WHERE
state = 'reporting'``), so that with several nodes on one database exactly one node sees each
change and sends its alert (see `signage.venues.silence`). States: ``never`` (added, no report
yet), ``reporting``, ``silent``, ``revoked``.

Tables ``venues`` and ``venue_counts`` in the signage database, SQLite or PostgreSQL
(`bluezone.storage`). No Flask import.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluezone.storage.database import Connection, Database, IntegrityError
from bluezone.storage.migrations import Migration, migrate
from signage.live.enrollment import TOKEN_BYTES, digest

COMPONENT = "venues"
MIGRATIONS = (
    Migration(
        1,
        "venue boxes and the hourly counts they report",
        (
            "CREATE TABLE IF NOT EXISTS venues ("
            " id TEXT PRIMARY KEY,"
            " token_hash TEXT NOT NULL UNIQUE,"
            " created REAL NOT NULL,"
            " revoked REAL,"
            " last_report REAL,"
            " version TEXT NOT NULL DEFAULT '',"
            " uptime INTEGER,"
            " sessions INTEGER,"
            " gateway TEXT NOT NULL DEFAULT '',"
            " state TEXT NOT NULL"
            ")",
            "CREATE TABLE IF NOT EXISTS venue_counts ("
            " venue TEXT NOT NULL,"
            " hour TEXT NOT NULL,"
            " kind TEXT NOT NULL,"
            " lang TEXT NOT NULL,"
            " os TEXT NOT NULL,"
            " src TEXT NOT NULL,"
            " count INTEGER NOT NULL,"
            " PRIMARY KEY (venue, hour, kind, lang, os, src)"
            ")",
            "CREATE INDEX IF NOT EXISTS venue_counts_hour ON venue_counts (hour)",
        ),
    ),
)

#: A venue id: what the portal's `venue_id` accepts, and no longer than a screen id.
VENUE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Longer than this is not one of our tokens; refused before hashing.
MAX_TOKEN = 100

#: The key of one count: (kind, lang, os, src).
Key = tuple[str, str, str, str]


class VenueError(ValueError):
    """A change of the venue list is refused; the message says why (English, for the CLI)."""


class BadVenueId(VenueError):
    """The id is not a venue id."""


class VenueExists(VenueError):
    """An active venue has this id already."""


class UnknownVenue(VenueError, LookupError):
    """No active venue has this id."""


@dataclass(frozen=True)
class Venue:
    """A venue box as the console lists it (never its token)."""

    id: str
    created: float
    revoked: float | None
    last_report: float | None
    version: str
    uptime: int | None
    sessions: int | None
    gateway: str
    state: str

    def shown_state(self, now: float, silent_after: float) -> str:
        """``revoked``, ``never`` (reported), ``silent`` (nothing for more than
        ``silent_after`` seconds at ``now``) or ``reporting``: computed from the times, so
        the page is right even before the background pass has moved `state`."""
        if self.revoked is not None:
            return "revoked"
        if self.last_report is None:
            return "never"
        return "silent" if now - self.last_report > silent_after else "reporting"


@dataclass(frozen=True)
class Health:
    """What a box says about itself in a report."""

    version: str
    uptime: int
    sessions: int
    gateway: str


@dataclass(frozen=True)
class Recorded:
    """What `record` did: the hours stored, and whether the box was silent until now (the
    node that saw this sends the "back" alert)."""

    hours: tuple[str, ...]
    back: bool


@dataclass(frozen=True)
class CountRow:
    """One stored count of a venue."""

    venue: str
    hour: str
    kind: str
    lang: str
    os: str
    src: str
    count: int


def _venue(row: Any) -> Venue:
    def number(name: str) -> float | None:
        return float(row[name]) if row[name] is not None else None

    def whole(name: str) -> int | None:
        return int(row[name]) if row[name] is not None else None

    return Venue(
        id=str(row["id"]),
        created=float(row["created"]),
        revoked=number("revoked"),
        last_report=number("last_report"),
        version=str(row["version"]),
        uptime=whole("uptime"),
        sessions=whole("sessions"),
        gateway=str(row["gateway"]),
        state=str(row["state"]),
    )


class VenueStore:
    """The venue boxes and their counts in ``path`` (a `Database` or a SQLite file)."""

    def __init__(
        self,
        path: Database | Path,
        *,
        clock: Callable[[], float] = time.time,
        token: Callable[[], str] = lambda: secrets.token_urlsafe(TOKEN_BYTES),
    ) -> None:
        self.database = Database.of(path)
        self.clock = clock
        self._token = token
        migrate(self.database, COMPONENT, MIGRATIONS)

    # ---- the administrator's side ----

    def add(self, venue_id: str) -> str:
        """A new venue box ``venue_id``; its token, returned this once. A revoked venue of the
        same id is replaced (its counts stay). Raises `BadVenueId` or `VenueExists`."""
        if not VENUE_ID.match(venue_id):
            raise BadVenueId(
                f"{venue_id!r} is not a venue id: use 1 to 64 letters, digits, '-' and '_'"
                " (the box's venue_id)"
            )
        token = self._token()
        with self.database.immediate() as db:
            row = db.execute("SELECT revoked FROM venues WHERE id = ?", (venue_id,)).fetchone()
            if row is not None and row["revoked"] is None:
                raise VenueExists(
                    f"venue {venue_id} exists already; revoke it first to issue a new token"
                )
            db.execute("DELETE FROM venues WHERE id = ?", (venue_id,))
            try:
                db.execute(
                    "INSERT INTO venues (id, token_hash, created, state) VALUES (?, ?, ?, 'never')",
                    (venue_id, digest(token), self.clock()),
                )
            except IntegrityError:  # the same token twice: 256 random bits, never
                raise VenueError("could not issue a new token; try again") from None
        return token

    def revoke(self, venue_id: str) -> Venue:
        """End ``venue_id``'s token now; its counts stay. Raises `UnknownVenue`."""
        with self.database.immediate() as db:
            changed = db.execute(
                "UPDATE venues SET revoked = ?, state = 'revoked' WHERE id = ? AND revoked IS NULL",
                (self.clock(), venue_id),
            ).rowcount
            if not changed:
                raise UnknownVenue(f"no active venue has the id {venue_id!r}")
            row = db.execute("SELECT * FROM venues WHERE id = ?", (venue_id,)).fetchone()
        return _venue(row)

    def venues(self) -> list[Venue]:
        """Every venue, revoked ones too, by id."""
        with self.database.transaction() as db:
            rows = db.execute("SELECT * FROM venues ORDER BY id").fetchall()
        return [_venue(row) for row in rows]

    def ids(self) -> set[str]:
        """The ids of every venue ever added (revoked ones too)."""
        with self.database.transaction() as db:
            return {str(row[0]) for row in db.execute("SELECT id FROM venues")}

    # ---- the box's side ----

    def venue_of(self, token: object) -> str | None:
        """The active venue whose token ``token`` is, else None."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
            return None
        with self.database.transaction() as db:
            row = db.execute(
                "SELECT id FROM venues WHERE token_hash = ? AND revoked IS NULL", (digest(token),)
            ).fetchone()
        return str(row[0]) if row else None

    def record(
        self,
        token: str,
        venue_id: str,
        health: Health,
        hours: Mapping[str, Mapping[Key, int]],
    ) -> Recorded | None:
        """Store a report of ``venue_id`` made with ``token``: its health, and for each hour of
        ``hours`` exactly the counts given. None (and nothing stored) when the token is not
        ``venue_id``'s active token, checked in the same transaction as the write, so a report
        racing a revoke is either stored before it or refused."""
        now = self.clock()
        with self.database.immediate() as db:
            row = db.execute(
                "SELECT id FROM venues WHERE token_hash = ? AND revoked IS NULL", (digest(token),)
            ).fetchone()
            if row is None or str(row[0]) != venue_id:
                return None
            back = bool(
                db.execute(
                    "UPDATE venues SET state = 'reporting' WHERE id = ? AND state = 'silent'",
                    (venue_id,),
                ).rowcount
            )
            db.execute(
                "UPDATE venues SET last_report = ?, version = ?, uptime = ?, sessions = ?,"
                " gateway = ?, state = 'reporting' WHERE id = ?",
                (now, health.version, health.uptime, health.sessions, health.gateway, venue_id),
            )
            for hour, counts in sorted(hours.items()):
                _replace_hour(db, venue_id, hour, counts)
        return Recorded(tuple(sorted(hours)), back)

    # ---- silence ----

    def mark_silent(self, before: float) -> list[Venue]:
        """Move every reporting venue whose last report is older than ``before`` to
        ``silent``; the venues this call moved (another node's call moves none of them)."""
        with self.database.immediate() as db:
            rows = db.execute(
                "UPDATE venues SET state = 'silent'"
                " WHERE state = 'reporting' AND revoked IS NULL AND last_report < ?"
                " RETURNING *",
                (before,),
            ).fetchall()
        return [_venue(row) for row in rows]

    # ---- the results ----

    def counts_between(self, first_hour: str, end_hour: str) -> list[CountRow]:
        """Every venue's counts of the UTC hours from ``first_hour`` up to ``end_hour`` (not
        included), both ``YYYY-MM-DDTHH``."""
        with self.database.transaction() as db:
            rows = db.execute(
                "SELECT venue, hour, kind, lang, os, src, count FROM venue_counts"
                " WHERE hour >= ? AND hour < ? ORDER BY venue, hour",
                (first_hour, end_hour),
            ).fetchall()
        return [
            CountRow(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), int(r[6]))
            for r in rows
        ]


def _replace_hour(db: Connection, venue: str, hour: str, counts: Mapping[Key, int]) -> None:
    """Make ``venue``'s ``hour`` hold exactly ``counts``."""
    kept = set(counts)
    stored: Iterable[Any] = db.execute(
        "SELECT kind, lang, os, src FROM venue_counts WHERE venue = ? AND hour = ?",
        (venue, hour),
    ).fetchall()
    for row in stored:
        key = (str(row[0]), str(row[1]), str(row[2]), str(row[3]))
        if key not in kept:
            db.execute(
                "DELETE FROM venue_counts WHERE venue = ? AND hour = ? AND kind = ?"
                " AND lang = ? AND os = ? AND src = ?",
                (venue, hour, *key),
            )
    if counts:
        db.executemany(
            "INSERT INTO venue_counts (venue, hour, kind, lang, os, src, count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (venue, hour, kind, lang, os, src)"
            " DO UPDATE SET count = excluded.count",
            [(venue, hour, *key, count) for key, count in sorted(counts.items())],
        )
