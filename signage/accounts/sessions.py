"""Console sessions kept on the server, so that signing out really ends one.

The console's session cookie is signed but kept by the browser: on its own, a copy of it taken
before signing out would go on working until it expires. So each sign-in also opens a record
here, named by a random token that the cookie carries, and a request is signed in only while
its record exists. Signing out ends the record of that one session; `end_all` ends every
session of an operator ("sign out everywhere"), and `OperatorStore` does the same in the
transaction that removes an account or sets its password, so that nothing opened before
survives (not even when an account of the same name is made again).

Only the SHA-256 of a token is stored: a copy of the database does not give sessions away. A
record unused for `lifetime` seconds is no longer valid, as the cookie itself is no longer
accepted then (its expiry is renewed by each request, and so is the record's, at most every
`TOUCH_EVERY` seconds to spare the disk). State lives in the signage SQLite file; this module
does not import Flask.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from bluezone.storage.database import Connection, Database
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect

COMPONENT = "console_sessions"
#: The schema, version by version (`bluezone.storage.migrations`); 1 is the release before
#: migrations, so it holds on a database that release made.
MIGRATIONS = (
    Migration(
        1,
        "console sessions",
        (
            "CREATE TABLE IF NOT EXISTS console_sessions ("
            " id TEXT PRIMARY KEY,"
            " operator TEXT NOT NULL,"
            " started REAL NOT NULL,"
            " seen REAL NOT NULL"
            ")",
            "CREATE INDEX IF NOT EXISTS console_sessions_operator ON console_sessions (operator)",
        ),
    ),
)
TOUCH_EVERY = 300.0


def digest(token: str) -> str:
    """How a session token is stored: its SHA-256, in hexadecimal."""
    return hashlib.sha256(token.encode()).hexdigest()


def end_all_in(db: Connection, operator: str) -> int:
    """End every session of `operator` inside the caller's transaction on `db`; how many."""
    return db.execute("DELETE FROM console_sessions WHERE operator = ?", (operator,)).rowcount


class SessionStore:
    """The open console sessions in the SQLite file at `path`; a session not used for
    `lifetime` seconds is over."""

    def __init__(self, path: Database | Path, lifetime: float) -> None:
        #: The database: a `Database`, or the path of a SQLite file.
        self.path = path
        self.lifetime = lifetime
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    def start(self, operator: str, now: float) -> str:
        """Open a session for `operator` (a stored account name); the token to put in the
        cookie. Sessions over for everyone are cleared away at the same time."""
        token = secrets.token_urlsafe(32)
        with connect(self.path) as db:
            db.execute("DELETE FROM console_sessions WHERE seen <= ?", (now - self.lifetime,))
            db.execute(
                "INSERT INTO console_sessions (id, operator, started, seen) VALUES (?, ?, ?, ?)",
                (digest(token), operator, now, now),
            )
        return token

    def operator_of(self, token: str, now: float) -> str | None:
        """The operator whose open session `token` names at `now`, or None."""
        key = digest(token)
        with connect(self.path) as db:
            row = db.execute(
                "SELECT operator, seen FROM console_sessions WHERE id = ?", (key,)
            ).fetchone()
            if row is None or float(row["seen"]) <= now - self.lifetime:
                return None
            if now - float(row["seen"]) >= TOUCH_EVERY:
                db.execute("UPDATE console_sessions SET seen = ? WHERE id = ?", (now, key))
        return str(row["operator"])

    def end(self, token: str) -> bool:
        """End the session `token` names; True when it was open."""
        with connect(self.path) as db:
            ended = db.execute("DELETE FROM console_sessions WHERE id = ?", (digest(token),))
            return ended.rowcount > 0

    def end_all(self, operator: str) -> int:
        """End every session of `operator` ("sign out everywhere"); how many were open."""
        with connect(self.path) as db:
            return end_all_in(db, operator.strip().lower())

    def count(self, operator: str, now: float) -> int:
        """How many sessions of `operator` are open at `now`."""
        with connect(self.path) as db:
            found: int = db.execute(
                "SELECT COUNT(*) FROM console_sessions WHERE operator = ? AND seen > ?",
                (operator.strip().lower(), now - self.lifetime),
            ).fetchone()[0]
        return found
