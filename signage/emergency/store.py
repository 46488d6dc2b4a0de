"""Emergency overrides stored in SQLite, with an audit log, expiry and cancellation.

An override is a full-screen alert for every screen, a group or one screen, shown until it
expires or is cancelled. The store is the only writer of the `overrides` and `audit` tables;
every change bumps a revision number so that other processes (the CLI, other nodes) notice it
by polling `revision()`. This module does not import Flask.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from bluezone.storage.database import Connection, Database, Row
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect
from signage.emergency.model import AuditEntry, Message, NotFound, Override, OverrideError
from signage.emergency.requests import valid_id

COMPONENT = "overrides"
#: The schema, version by version (`bluezone.storage.migrations`); 1 is the release before
#: migrations, so it holds on a database that release made.
MIGRATIONS = (
    Migration(
        1,
        "overrides, their audit log and revision",
        (
            "CREATE TABLE IF NOT EXISTS overrides ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " created REAL NOT NULL,"
            " starts REAL NOT NULL,"
            " until REAL NOT NULL,"
            " target TEXT NOT NULL,"
            " messages TEXT NOT NULL,"
            " priority INTEGER NOT NULL DEFAULT 0,"
            " source TEXT NOT NULL,"
            " cap_key TEXT,"
            " cancelled REAL,"
            " expiry_logged INTEGER NOT NULL DEFAULT 0"
            ")",
            "CREATE INDEX IF NOT EXISTS overrides_until ON overrides (until)",
            "CREATE INDEX IF NOT EXISTS overrides_cap ON overrides (cap_key)",
            "CREATE TABLE IF NOT EXISTS audit ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " at REAL NOT NULL,"
            " override_id INTEGER NOT NULL,"
            " action TEXT NOT NULL,"
            " actor TEXT NOT NULL,"
            " detail TEXT NOT NULL"
            ")",
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
            "INSERT INTO meta (key, value) VALUES ('revision', 0) ON CONFLICT (key) DO NOTHING",
        ),
    ),
)


class OverrideStore:
    """SQLite-backed store of overrides, audit log and proof of play (one file, WAL mode)."""

    def __init__(self, path: Database | Path) -> None:
        #: The database: a `Database`, or the path of a SQLite file.
        self.path = path
        migrate(Database.of(path, wal=True), COMPONENT, MIGRATIONS)

    def _connect(self) -> AbstractContextManager[Connection]:
        # Not `wal=True` here (the file is in WAL mode from `migrate` on): that would also set
        # synchronous=NORMAL, and an override the API has confirmed must survive a power cut.
        # SQLite's default, FULL, syncs the log at every commit (about 0.2 ms here, before any
        # screen is told; BENCHMARKS.md).
        return connect(self.path)

    @staticmethod
    def _bump(db: Connection) -> None:
        db.execute("UPDATE meta SET value = value + 1 WHERE key = 'revision'")

    @staticmethod
    def _audit(
        db: Connection, override_id: int, action: str, actor: str, detail: Mapping[str, Any]
    ) -> None:
        db.execute(
            "INSERT INTO audit (at, override_id, action, actor, detail) VALUES (?, ?, ?, ?, ?)",
            (time.time(), override_id, action, actor, json.dumps(detail, ensure_ascii=False)),
        )

    @staticmethod
    def _row(row: Row) -> Override:
        messages = {
            lang: Message(m.get("headline", ""), m.get("body", ""), m.get("audio", ""))
            for lang, m in json.loads(row["messages"]).items()
        }
        return Override(
            id=row["id"],
            created=row["created"],
            starts=row["starts"],
            until=row["until"],
            target=row["target"],
            messages=messages,
            priority=row["priority"],
            source=row["source"],
            cap_key=row["cap_key"],
            cancelled=row["cancelled"],
        )

    def revision(self) -> int:
        """A number that changes whenever an override is created, cancelled or expires."""
        with self._connect() as db:
            return int(db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])

    def create(
        self,
        *,
        target: str,
        messages: Mapping[str, Message],
        until: float,
        actor: str,
        source: str,
        starts: float | None = None,
        priority: int = 0,
        cap_key: str | None = None,
    ) -> Override:
        """Store a new override and log its creation by `actor`; return it."""
        now = time.time()
        begin = now if starts is None else starts
        if until <= begin:
            raise OverrideError("the override would end before it starts")
        encoded = json.dumps({k: m.to_json() for k, m in messages.items()}, ensure_ascii=False)
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO overrides (created, starts, until, target, messages, priority,"
                " source, cap_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (now, begin, until, target, encoded, priority, source, cap_key),
            )
            override_id = int(cursor.fetchone()[0])
            detail = {"target": target, "until": until, "source": source, "cap": cap_key}
            self._audit(db, override_id, "create", actor, detail)
            self._bump(db)
            row = db.execute("SELECT * FROM overrides WHERE id = ?", (override_id,)).fetchone()
        return self._row(row)

    def get(self, override_id: int) -> Override:
        """The override with this id, or `NotFound`."""
        if not valid_id(override_id):
            raise NotFound(f"no override has id {override_id}")
        with self._connect() as db:
            row = db.execute("SELECT * FROM overrides WHERE id = ?", (override_id,)).fetchone()
        if row is None:
            raise NotFound(f"no override has id {override_id}")
        return self._row(row)

    def cancel(self, override_id: int, actor: str, reason: str = "") -> Override:
        """Cancel an override now and log it; cancelling an ended one is an `OverrideError`."""
        if not valid_id(override_id):
            raise NotFound(f"no override has id {override_id}")
        now = time.time()
        with self._connect() as db:
            row = db.execute("SELECT * FROM overrides WHERE id = ?", (override_id,)).fetchone()
            if row is None:
                raise NotFound(f"no override has id {override_id}")
            if row["cancelled"] is not None:
                raise OverrideError(f"override {override_id} was already cancelled")
            if row["until"] <= now:
                raise OverrideError(f"override {override_id} has already expired")
            db.execute("UPDATE overrides SET cancelled = ? WHERE id = ?", (now, override_id))
            self._audit(db, override_id, "cancel", actor, {"reason": reason} if reason else {})
            self._bump(db)
            row = db.execute("SELECT * FROM overrides WHERE id = ?", (override_id,)).fetchone()
        return self._row(row)

    def active(self, now: float) -> list[Override]:
        """Overrides shown at `now`, highest priority first, then newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM overrides WHERE cancelled IS NULL AND starts <= ? AND until > ?"
                " ORDER BY priority DESC, created DESC",
                (now, now),
            ).fetchall()
        return [self._row(r) for r in rows]

    def by_cap_key(self, cap_key: str) -> list[Override]:
        """Overrides created from the CAP alert with this `sender,identifier,sent` key."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM overrides WHERE cap_key = ?", (cap_key,)).fetchall()
        return [self._row(r) for r in rows]

    def recent(self, limit: int = 100) -> list[Override]:
        """The newest overrides, active or not."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM overrides ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [self._row(r) for r in rows]

    def expire(self, now: float) -> list[int]:
        """Log the expiry of overrides that ended before `now`, once each; return their ids."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id FROM overrides WHERE until <= ? AND cancelled IS NULL"
                " AND expiry_logged = 0",
                (now,),
            ).fetchall()
            ids = []
            for row in rows:
                # Another node may log the same expiry at the same moment: the update waits for
                # its row lock and then finds the row logged, so only one of them audits it.
                logged = db.execute(
                    "UPDATE overrides SET expiry_logged = 1 WHERE id = ? AND expiry_logged = 0",
                    (row["id"],),
                ).rowcount
                if logged:
                    ids.append(int(row["id"]))
                    self._audit(db, int(row["id"]), "expire", "system", {})
            if ids:
                self._bump(db)
        return ids

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The newest audit entries, newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [
            AuditEntry(r["at"], r["override_id"], r["action"], r["actor"], json.loads(r["detail"]))
            for r in rows
        ]
