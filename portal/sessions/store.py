"""Sessions and campaign figures in SQLite (one file at the instance path by default) or in
PostgreSQL (shared by several portal nodes).

Client identifiers are never stored as such: a session row holds an HMAC of the client key
with a secret salt. The one exception is a gateway that must re-create its grants after a
reboot (nftables): it keeps the device's MAC address in the row until the session ends.
Expired sessions are deleted when purged; campaign events are stored
only as hourly counts with no client identifier, and purged after the retention period.
The database is opened once per process and thread (gunicorn forks workers) for reading; a
SQLite file is in WAL mode so readers never wait for a writer.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bluezone.storage.database import Connection, Database
from bluezone.storage.migrations import Migration, migrate

from .revision import Revision

COMPONENT = "portal"


def _add_mac(db: Connection) -> None:
    # A database of a release before gateways could restore grants lacks the column; one of
    # the release before migrations has it already (that release added it when it opened).
    if "mac" not in db.columns("sessions"):
        db.execute("ALTER TABLE sessions ADD COLUMN mac TEXT")


#: The schema, version by version (`bluezone.storage.migrations`). 1 is the schema the release
#: before migrations created (so it holds on a database that release made), 2 the column it
#: added to older databases when it opened them.
MIGRATIONS = (
    Migration(
        1,
        "sessions, hourly campaign counts and queued grants",
        (
            "CREATE TABLE IF NOT EXISTS sessions ("
            " client_hash TEXT PRIMARY KEY,"
            " venue TEXT NOT NULL,"
            " granted_at INTEGER NOT NULL,"
            " expires_at INTEGER NOT NULL"
            ")",
            "CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at)",
            "CREATE TABLE IF NOT EXISTS event_counts ("
            " hour TEXT NOT NULL,"
            " kind TEXT NOT NULL,"
            " venue TEXT NOT NULL,"
            " lang TEXT NOT NULL,"
            " os TEXT NOT NULL,"
            " src TEXT NOT NULL,"
            " count INTEGER NOT NULL,"
            " PRIMARY KEY (hour, kind, venue, lang, os, src)"
            ")",
            "CREATE TABLE IF NOT EXISTS queued_grants ("
            " gateway TEXT NOT NULL,"
            " key TEXT NOT NULL,"
            " line TEXT NOT NULL,"
            " venue TEXT NOT NULL,"
            " queued_at INTEGER NOT NULL,"
            " PRIMARY KEY (gateway, key)"
            ")",
        ),
    ),
    Migration(2, "the MAC address a gateway needs to restore a grant", (_add_mac,)),
    Migration(
        3,
        "what the reporter has sent to the signage server, and who may send",
        (
            # Per hour: a revision bumped by every change of its counts, and the revision the
            # signage server confirmed last; hours where they differ are still to be sent.
            "CREATE TABLE IF NOT EXISTS report_hours ("
            " hour TEXT PRIMARY KEY,"
            " changed INTEGER NOT NULL,"
            " confirmed INTEGER NOT NULL"
            ")",
            # Every hour counted before reporting existed is still to be sent.
            "INSERT INTO report_hours (hour, changed, confirmed)"
            " SELECT DISTINCT hour, 1, 0 FROM event_counts",
            # The lease of the one process that reports (gunicorn runs several workers).
            "CREATE TABLE IF NOT EXISTS report_lease ("
            " name TEXT PRIMARY KEY,"
            " holder TEXT NOT NULL,"
            " expires REAL NOT NULL"
            ")",
        ),
    ),
)


@dataclass(frozen=True)
class Session:
    """A granted client: ``expires_at`` is a Unix time in seconds."""

    client_hash: str
    venue: str
    granted_at: int
    expires_at: int
    mac: str | None = None


@dataclass(frozen=True)
class EventKey:
    """What one campaign event counts under (no client identifier, by design)."""

    hour: str
    kind: str
    venue: str
    lang: str
    os: str
    src: str


def _close(opened: list[tuple[int, Connection]], lock: threading.Lock) -> None:
    """Close the connections of ``opened`` that this process opened, and forget them all."""
    with lock:
        mine = [db for pid, db in opened if pid == os.getpid()]
        opened.clear()
    for db in mine:
        db.close()


class Store:
    """The portal's database. Thread- and fork-safe: each thread of each process connects."""

    def __init__(self, path: str | Database, salt: bytes) -> None:
        self._database = Database.of(path, wal=True)
        #: The database: the path of its SQLite file, or its `Database`.
        self.path = path
        self._salt = salt
        self._local = threading.local()
        # Every thread's PostgreSQL connection, with the process that opened it, so that they
        # can be closed with the store (a forked worker must leave its parent's alone).
        self._opened: list[tuple[int, Connection]] = []
        self._opened_lock = threading.Lock()
        weakref.finalize(self, _close, self._opened, self._opened_lock)
        #: Bumped by every change to the sessions table, in any process (see revision.py),
        #: when the database is a file that only this machine's processes open. ``None`` for a
        #: PostgreSQL database: other machines change it, and no counter they bump can be read
        #: without asking the server, which costs what asking for the session itself costs
        #: (one indexed read): so nothing is remembered, every answer comes from the database.
        self.revision: Revision | None = (
            Revision(path if isinstance(path, str) else ":memory:")
            if self._database.engine == "sqlite"
            else None
        )
        migrate(self._database, COMPONENT, MIGRATIONS)

    @property
    def database(self) -> Database:
        """The database itself, for the parts that keep their own tables in it (the
        reporter's outbox)."""
        return self._database

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection to read with: this thread's own, kept open (the probe path is hot), in
        autocommit mode, so that a read is one statement and no transaction around it. A
        PostgreSQL connection the server dropped (a restart, a failover) is replaced before
        use; a read that finds it dropped in the middle is not retried (the next one
        reconnects)."""
        yield self._connect()

    def _connect(self) -> Connection:
        db: Connection | None = getattr(self._local, "db", None)
        if db is not None and db.engine == "postgresql" and (db.raw.closed or db.raw.broken):
            db = None
        if db is None or getattr(self._local, "pid", None) != os.getpid():
            db = self._database.open()
            self._local.db, self._local.pid = db, os.getpid()
            if db.engine == "postgresql":  # sqlite3 closes only in its own thread, and at exit
                with self._opened_lock:
                    self._opened.append((os.getpid(), db))
        return db

    def close(self) -> None:
        """Close the connections this process's threads opened (they reopen at next use).
        Also done when the store is collected."""
        self._local = threading.local()
        _close(self._opened, self._opened_lock)

    @contextmanager
    def _write(self, sessions: bool = True) -> Iterator[Connection]:
        """One write transaction; ``sessions`` says whether it may change the sessions table,
        in which case the revision is bumped once the change is committed."""
        if self._database.engine == "sqlite":
            db = self._connect()
            db.begin(immediate=True)
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            db.commit()
        else:
            with self._database.immediate() as db:
                yield db
        if sessions and self.revision is not None:
            # After the commit: whoever reads the new count must find the new rows.
            self.revision.bump()

    def client_hash(self, client_key: str) -> str:
        """The salted hash under which ``client_key`` is stored."""
        return hmac.new(self._salt, client_key.encode(), hashlib.sha256).hexdigest()[:32]

    def grant(
        self,
        client_key: str,
        venue: str,
        seconds: int,
        now: float | None = None,
        mac: str | None = None,
    ) -> Session:
        """Record (or renew) a session for ``client_key`` lasting ``seconds`` from ``now``.

        ``mac`` is kept only when the gateway needs it to restore the grant after a restart.
        """
        start = int(now if now is not None else time.time())
        session = Session(self.client_hash(client_key), venue, start, start + seconds, mac)
        with self._write() as db:
            db.execute(
                "INSERT INTO sessions (client_hash, venue, granted_at, expires_at, mac) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_hash) DO UPDATE "
                "SET venue = excluded.venue, granted_at = excluded.granted_at, "
                "expires_at = excluded.expires_at, mac = excluded.mac",
                (session.client_hash, venue, session.granted_at, session.expires_at, mac),
            )
        return session

    def revoke(self, client_key: str) -> bool:
        """End the session of ``client_key``; ``True`` if there was one."""
        with self._write() as db:
            cur = db.execute(
                "DELETE FROM sessions WHERE client_hash = ?", (self.client_hash(client_key),)
            )
        return cur.rowcount > 0

    def session(self, client_key: str, now: float | None = None) -> Session | None:
        """The unexpired session of ``client_key``, if any."""
        with self._read() as db:
            row = db.execute(
                "SELECT client_hash, venue, granted_at, expires_at, mac FROM sessions "
                "WHERE client_hash = ? AND expires_at > ?",
                (self.client_hash(client_key), int(now if now is not None else time.time())),
            ).fetchone()
        return Session(*row) if row else None

    def active_sessions(self, now: float | None = None) -> list[Session]:
        """Every unexpired session, soonest to expire first."""
        with self._read() as db:
            rows = db.execute(
                "SELECT client_hash, venue, granted_at, expires_at, mac FROM sessions "
                "WHERE expires_at > ? ORDER BY expires_at",
                (int(now if now is not None else time.time()),),
            ).fetchall()
        return [Session(*row) for row in rows]

    def add_events(self, counts: Iterable[tuple[EventKey, int]]) -> None:
        """Add to the hourly campaign counters in one transaction."""
        rows = [(k.hour, k.kind, k.venue, k.lang, k.os, k.src, n) for k, n in counts]
        if not rows:
            return
        with self._write(sessions=False) as db:
            db.executemany(
                "INSERT INTO event_counts VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (hour, kind, venue, lang, os, src) "
                "DO UPDATE SET count = event_counts.count + excluded.count",
                rows,
            )
            # In the same transaction, so the reporter never misses a change (see outbox.py).
            db.executemany(
                "INSERT INTO report_hours (hour, changed, confirmed) VALUES (?, 1, 0) "
                "ON CONFLICT (hour) DO UPDATE SET changed = report_hours.changed + 1",
                [(hour,) for hour in sorted({row[0] for row in rows})],
            )

    def event_counts(self) -> list[tuple[EventKey, int]]:
        """All stored counters, oldest hour first."""
        with self._read() as db:
            rows = db.execute(
                "SELECT hour, kind, venue, lang, os, src, count "
                "FROM event_counts ORDER BY hour, kind",
            ).fetchall()
        return [(EventKey(*row[:6]), int(row[6])) for row in rows]

    def event_counts_between(
        self, first_hour: str, end_hour: str, venue: str | None = None
    ) -> list[tuple[EventKey, int]]:
        """Counters of the UTC hours from ``first_hour`` up to (not including) ``end_hour``
        (both ``YYYY-MM-DDTHH``), of one venue or of all, oldest hour first."""
        query = (
            "SELECT hour, kind, venue, lang, os, src, count FROM event_counts "
            "WHERE hour >= ? AND hour < ?"
        )
        args: tuple[str, ...] = (first_hour, end_hour)
        if venue is not None:
            query, args = query + " AND venue = ?", (*args, venue)
        with self._read() as db:
            rows = db.execute(query + " ORDER BY hour, kind, src", args).fetchall()
        return [(EventKey(*row[:6]), int(row[6])) for row in rows]

    def queue_grant(
        self, gateway: str, key: str, line: str, venue: str, now: float | None = None
    ) -> None:
        """Leave the grant ``line`` for a controller that collects grants itself (openNDS
        authmon), in the list ``gateway``; ``key`` identifies it when the controller acks it."""
        with self._write(sessions=False) as db:
            db.execute(
                "INSERT INTO queued_grants VALUES (?, ?, ?, ?, ?) ON CONFLICT (gateway, key) "
                "DO UPDATE SET line = excluded.line, queued_at = excluded.queued_at",
                (gateway, key, line, venue, int(now if now is not None else time.time())),
            )

    def queued_grants(self, gateway: str, take: bool = False) -> list[str]:
        """The grant lines waiting in list ``gateway``, oldest first; ``take`` removes them."""
        with self._write(sessions=False) as db:
            rows = db.execute(
                "SELECT line FROM queued_grants WHERE gateway = ? ORDER BY queued_at, key",
                (gateway,),
            ).fetchall()
            if take:
                db.execute("DELETE FROM queued_grants WHERE gateway = ?", (gateway,))
        return [str(row[0]) for row in rows]

    def drop_queued_grants(self, gateway: str, keys: Iterable[str] | None = None) -> int:
        """Remove the entries ``keys`` (all when ``None``) of list ``gateway``; how many."""
        with self._write(sessions=False) as db:
            if keys is None:
                return db.execute(
                    "DELETE FROM queued_grants WHERE gateway = ?", (gateway,)
                ).rowcount
            return sum(
                db.execute(
                    "DELETE FROM queued_grants WHERE gateway = ? AND key = ?", (gateway, key)
                ).rowcount
                for key in keys
            )

    def grant_waiting(self, gateway: str, key: str) -> bool:
        """Whether the queued grant ``key`` has not been collected yet."""
        with self._read() as db:
            row = db.execute(
                "SELECT 1 FROM queued_grants WHERE gateway = ? AND key = ?",
                (gateway, key),
            ).fetchone()
        return row is not None

    def purge(self, retention_days: int, now: float | None = None) -> tuple[int, int]:
        """Delete expired sessions and counters older than ``retention_days``.

        Returns how many sessions and counter rows were removed.
        """
        moment = now if now is not None else time.time()
        cutoff = datetime.fromtimestamp(moment, UTC) - timedelta(days=retention_days)
        with self._write() as db:
            sessions = db.execute(
                "DELETE FROM sessions WHERE expires_at <= ?", (int(moment),)
            ).rowcount
            events = db.execute(
                "DELETE FROM event_counts WHERE hour < ?", (cutoff.strftime("%Y-%m-%dT%H"),)
            ).rowcount
            db.execute("DELETE FROM report_hours WHERE hour < ?", (cutoff.strftime("%Y-%m-%dT%H"),))
            # A queued grant nobody collected within an hour never will be.
            db.execute("DELETE FROM queued_grants WHERE queued_at < ?", (int(moment) - 3600,))
        return sessions, events
