"""The console's audit log: who did what, to what, and when, in the signage SQLite file.

Entries are never changed or deleted by the console. `actor` is an operator name, or
``cli:<user>`` for the command line, or ``-`` when nobody is signed in (a failed sign-in).
(Overrides keep their own history in the `audit` table of `signage.emergency.store`; this one is
`console_audit`.) This module does not import Flask.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bluezone.storage.database import Database
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect

COMPONENT = "console_audit"
#: The schema, version by version (`bluezone.storage.migrations`); 1 is the release before
#: migrations, so it holds on a database that release made.
MIGRATIONS = (
    Migration(
        1,
        "console audit log",
        (
            "CREATE TABLE IF NOT EXISTS console_audit ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " at REAL NOT NULL,"
            " actor TEXT NOT NULL,"
            " action TEXT NOT NULL,"
            " target TEXT NOT NULL,"
            " detail TEXT NOT NULL,"
            " address TEXT NOT NULL"
            ")",
            "CREATE INDEX IF NOT EXISTS console_audit_at ON console_audit (at)",
        ),
    ),
)
MAX_FIELD = 2000


@dataclass(frozen=True)
class Entry:
    """One audit entry; `at` in Unix seconds, `address` the client's (empty from the CLI)."""

    id: int
    at: float
    actor: str
    action: str
    target: str
    detail: str
    address: str


@dataclass(frozen=True)
class Query:
    """Filters for `AuditLog.entries`: each empty field matches everything.

    `actor` and `action` match exactly (`action` also matches as a prefix ending in ``.``, so
    ``operator.`` finds every operator change); `text` is a substring of target or detail.
    """

    actor: str = ""
    action: str = ""
    text: str = ""
    since: float | None = None
    until: float | None = None


class AuditLog:
    """Append-only audit entries in the SQLite file at `path`."""

    def __init__(self, path: Database | Path) -> None:
        #: The database: a `Database`, or the path of a SQLite file.
        self.path = path
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    def record(
        self,
        actor: str,
        action: str,
        target: str,
        detail: str = "",
        address: str = "",
        at: float | None = None,
    ) -> Entry:
        """Store one entry (long fields are cut at `MAX_FIELD` characters) and return it."""
        values = [v[:MAX_FIELD] for v in (actor, action, target, detail, address)]
        when = time.time() if at is None else at
        with connect(self.path) as db:
            cursor = db.execute(
                "INSERT INTO console_audit (at, actor, action, target, detail, address)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (when, *values),
            )
            new_id = int(cursor.fetchone()[0])
        return Entry(new_id, when, *values)

    def entries(self, query: Query = Query(), limit: int = 100, offset: int = 0) -> list[Entry]:
        """Entries matching `query`, newest first."""
        clauses, params = self._where(query)
        sql = "SELECT id, at, actor, action, target, detail, address FROM console_audit"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY at DESC, id DESC LIMIT ? OFFSET ?"
        with connect(self.path) as db:
            rows = db.execute(sql, (*params, limit, offset)).fetchall()
        return [Entry(int(r[0]), float(r[1]), *(str(v) for v in tuple(r)[2:])) for r in rows]

    def actions(self) -> list[str]:
        """Every action name recorded so far, sorted (for the filter's choices)."""
        with connect(self.path) as db:
            rows = db.execute("SELECT DISTINCT action FROM console_audit ORDER BY action")
            return [str(r[0]) for r in rows]

    @staticmethod
    def _where(query: Query) -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if query.actor:
            clauses.append("actor = ?")
            params.append(query.actor)
        if query.action:
            if query.action.endswith("."):
                clauses.append("substr(action, 1, ?) = ?")
                params += [len(query.action), query.action]
            else:
                clauses.append("action = ?")
                params.append(query.action)
        if query.text:
            clauses.append("(instr(lower(target), ?) > 0 OR instr(lower(detail), ?) > 0)")
            params += [query.text.lower()] * 2
        if query.since is not None:
            clauses.append("at >= ?")
            params.append(query.since)
        if query.until is not None:
            clauses.append("at < ?")
            params.append(query.until)
        return clauses, params
