"""Opening a database and running transactions on it.

A `Database` names one database (today a SQLite file) and is the one place that knows its
engine: how to connect, how to begin a transaction, how to take the write lock. The stores and
the migrations go through it, so another engine (PostgreSQL) is another implementation of the
same three context managers rather than edits in every store. Store SQL is written with ``?``
placeholders and ``INSERT ... ON CONFLICT ... DO UPDATE``/``DO NOTHING``, which SQLite and
PostgreSQL both accept once ``?`` is translated (`Database.sql`, identity for SQLite).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: Seconds a connection waits for another writer's lock before giving up.
TIMEOUT = 10.0


@dataclass(frozen=True)
class Database:
    """A SQLite database file. ``wal``: use write-ahead logging, so that readers never wait
    for a writer (set on every connection: the mode is kept in the file, but a connection that
    opens it first must not turn it back)."""

    path: Path
    wal: bool = False

    @staticmethod
    def sql(query: str) -> str:
        """``query`` (written with ``?`` placeholders) as this engine wants it."""
        return query

    def open(self) -> sqlite3.Connection:
        """A connection in autocommit mode (no implicit transactions), for who keeps one open
        and says ``BEGIN`` itself. Creates the file's folder if missing. The caller closes it."""
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=TIMEOUT, isolation_level=None)
        if self.wal:
            _use_wal(db)
            # With WAL, NORMAL loses no committed data on a crash of the process, only (maybe)
            # the last transactions on a power cut, and saves an fsync per commit.
            db.execute("PRAGMA synchronous=NORMAL")
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection whose block is one transaction (committed on success,
        rolled back on error), closed afterwards. Rows are :class:`sqlite3.Row`. The
        transaction begins at the first write, as Python's sqlite3 does by default; say
        ``BEGIN IMMEDIATE`` first, or use `immediate`, to lock before reading."""
        db = self.open()
        db.isolation_level = "DEFERRED"  # implicit BEGIN before the first write, as before
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    @contextmanager
    def immediate(self) -> Iterator[sqlite3.Connection]:
        """Like `transaction`, but the write lock is taken before the first statement, so what
        the block reads cannot change before it writes. Two such blocks never interleave,
        whether in threads or in processes sharing the database; one waits up to `TIMEOUT`
        seconds for the other. (SQLite: ``BEGIN IMMEDIATE``; a server engine would take a
        transaction-scoped advisory lock, ``pg_advisory_xact_lock``, in its place.)"""
        db = self.open()
        db.row_factory = sqlite3.Row
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch ``db``'s file to write-ahead logging (a no-op when it is already).

    Switching needs the file to itself, and SQLite does not wait for that through the busy
    timeout: it answers "database is locked" at once when another process holds a lock, as
    when several start on a new file together. So it is retried here, for as long as a
    connection would wait for a lock."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                db.close()
                raise
        time.sleep(0.01)
