"""Opening a database and running transactions on it, on SQLite or PostgreSQL.

A `Database` names one database (a SQLite file, or a PostgreSQL server's database given by a
``postgresql://`` URL: `Database.from_url`) and is the one place that knows its engine: how to
connect, how to begin a transaction, how to take the write lock. The stores and the migrations
go through it and see only `Connection`, `Cursor`, `Row` and the errors below, never
``sqlite3`` or ``psycopg``.

Store SQL is written once, with ``?`` placeholders, and `Connection.execute` translates them
for the engine (``%s`` for psycopg; a literal ``%`` is doubled). What else differs between the
engines is kept out of the stores: ``INSERT ... ON CONFLICT ... DO UPDATE``/``DO NOTHING`` and
``RETURNING`` are accepted by both; DDL that cannot be shared (ids that number themselves) is
given per engine in the migration (`bluezone.storage.migrations.Migration`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

#: Seconds a connection waits for another writer's lock before giving up.
TIMEOUT = 10.0

#: The key of the PostgreSQL advisory lock that `Database.immediate` takes: one per database,
#: as SQLite's write lock is one per file, so that immediate blocks of any component (and
#: migrations of several nodes starting at once) never interleave.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"bluezone.storage").digest()[:8], "big", signed=True)

Engine = Literal["sqlite", "postgresql"]
Params = Sequence[Any] | Mapping[str, Any]


class DatabaseError(Exception):
    """An error of the database engine, whichever it is (the original is the ``__cause__``)."""


class IntegrityError(DatabaseError):
    """A constraint was violated: a duplicate key, a missing reference, a NULL."""


class UndefinedTable(DatabaseError):
    """A statement named a table that does not exist."""


class Row(Protocol):
    """A result row: indexed by position or by column name, as :class:`sqlite3.Row`."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    """What a statement returns: its rows, and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection:
    """A connection of either engine, as the stores use it: ``execute`` and ``executemany``
    with ``?`` placeholders; engine errors come out as `IntegrityError`, `UndefinedTable` or
    `DatabaseError`."""

    def __init__(self, raw: Any, engine: Engine) -> None:
        self.raw = raw
        self.engine: Engine = engine

    def sql(self, query: str) -> str:
        """``query`` (written with ``?`` placeholders) as this engine wants it."""
        return sql(self.engine, query)

    def execute(self, query: str, params: Params = ()) -> Cursor:
        """Run one statement; its cursor."""
        with _translated(self.engine):
            cursor: Cursor = self.raw.execute(self.sql(query), params)
            return cursor

    def executemany(self, query: str, params: Sequence[Params]) -> None:
        """Run one statement for each of ``params``."""
        with _translated(self.engine):
            if self.engine == "sqlite":
                self.raw.executemany(query, params)
            else:
                with self.raw.cursor() as cursor:
                    cursor.executemany(self.sql(query), params)

    def begin(self, immediate: bool = False) -> None:
        """Begin a transaction on a connection of `Database.open` (autocommit until then);
        ``immediate``: take the write lock first, as `Database.immediate` does. End it with
        `commit` or `rollback`."""
        if self.engine == "sqlite":
            self.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            return
        self.execute("BEGIN")
        if immediate:
            self.execute("SELECT pg_advisory_xact_lock(?)", (LOCK_KEY,))

    def commit(self) -> None:
        """Commit the transaction `begin` began."""
        self.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back the transaction `begin` began."""
        self.execute("ROLLBACK")

    def tables(self) -> set[str]:
        """The names of the tables in the database (PostgreSQL: in the current schema)."""
        if self.engine == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        return {str(row[0]) for row in self.execute(query)}

    def columns(self, table: str) -> set[str]:
        """The names of the columns of ``table`` (none when there is no such table): for
        migrations whose change depends on what an older release left."""
        if self.engine == "sqlite":
            # PRAGMA takes no parameters; the name is quoted as an identifier.
            quoted = '"' + table.replace('"', '""') + '"'
            return {str(row[1]) for row in self.execute(f"PRAGMA table_info({quoted})")}
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        )
        return {str(row[0]) for row in rows}

    def close(self) -> None:
        """Close the connection (of `Database.open`)."""
        self.raw.close()


@functools.lru_cache(maxsize=1024)
def sql(engine: Engine, query: str) -> str:
    """``query``, written with ``?`` placeholders and SQLite's function names, as ``engine``
    wants it. The one place where placeholders are translated (no store SQL holds a ``?``
    inside a string literal), and where the one function the stores use under two names is
    renamed: ``instr(text, part)`` is PostgreSQL's ``strpos`` (same arguments, same result).
    Remembered: the stores' statements are few and the probe path runs one per request."""
    if engine == "sqlite":
        return query
    return _INSTR.sub("strpos(", query.replace("%", "%%").replace("?", "%s"))


_INSTR = re.compile(r"\binstr\(", re.IGNORECASE)


@contextmanager
def _translated(engine: Engine) -> Iterator[None]:
    """Raise the engine's errors as this layer's."""
    if engine == "sqlite":
        try:
            yield
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise UndefinedTable(str(exc)) from exc
            raise DatabaseError(str(exc)) from exc
        except sqlite3.Error as exc:
            raise DatabaseError(str(exc)) from exc
        return
    import psycopg

    try:
        yield
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc
    except psycopg.errors.UndefinedTable as exc:
        raise UndefinedTable(str(exc)) from exc
    except psycopg.Error as exc:
        raise DatabaseError(str(exc)) from exc


class Database:
    """One database: a SQLite file (``Database(path, wal=...)``) or a PostgreSQL database
    (``Database.from_url("postgresql://...")``). Cheap to make: PostgreSQL connections come
    from one pool per URL and process, opened at first use (so after a fork, in the worker).

    ``wal`` (SQLite): use write-ahead logging, so that readers never wait for a writer (set on
    every connection: the mode is kept in the file, but a connection that opens it first must
    not turn it back)."""

    def __init__(self, path: Path | str, wal: bool = False, *, url: str | None = None) -> None:
        self.path = Path(path)
        self.wal = wal
        self.url = url
        self.engine: Engine = "postgresql" if url is not None else "sqlite"

    @classmethod
    def from_url(cls, url_or_path: str | Path, wal: bool = False) -> Database:
        """The database ``url_or_path`` names: a ``postgresql://`` (or ``postgres://``) URL, or
        else the path of a SQLite file (``wal`` applies to it)."""
        text = str(url_or_path)
        if is_url(text):
            return cls(text, url=text)
        return cls(Path(text), wal)

    @classmethod
    def of(cls, where: Database | Path | str, wal: bool = False) -> Database:
        """``where`` if it is a `Database`, else the one its URL or path names (`from_url`,
        with ``wal``): so that a store opens whatever database it is given, file path or
        not. A SQLite `Database` opened without ``wal`` is given again with it when ``wal``
        is asked for: a store that wants write-ahead logging gets it on a shared file too."""
        if not isinstance(where, Database):
            return cls.from_url(where, wal)
        if wal and where.engine == "sqlite" and not where.wal:
            return cls(where.path, wal=True)
        return where

    def __repr__(self) -> str:
        return f"Database({str(self)!r})"

    def __str__(self) -> str:
        return _redacted(self.url) if self.url else str(self.path)

    def sql(self, query: str) -> str:
        """``query`` (written with ``?`` placeholders) as this engine wants it."""
        return sql(self.engine, query)

    def check(self, timeout: int = 5) -> None:
        """Make sure the database can be reached: a PostgreSQL server answers and lets us in
        (one connection, given up after ``timeout`` seconds), a SQLite file's folder can be
        made. Raises `DatabaseError` with a message that never holds the URL's password."""
        if self.url is None:
            try:
                if str(self.path) != ":memory:":
                    self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create {self.path.parent}: {exc.strerror}") from None
            return
        import psycopg

        try:
            psycopg.connect(self.url, connect_timeout=timeout).close()
        except psycopg.Error as exc:
            raise DatabaseError(scrubbed(" ".join(str(exc).split()), self.url)) from None

    def open(self) -> Connection:
        """A connection in autocommit mode (no implicit transactions), for who keeps one open
        and says ``BEGIN`` itself. The caller closes it. SQLite: creates the file's folder if
        missing. PostgreSQL: a connection of its own, outside the pool."""
        if self.url is not None:
            import psycopg

            with _translated(self.engine):
                raw = psycopg.connect(self.url, autocommit=True, row_factory=_pg_rows)
            return Connection(raw, self.engine)
        return Connection(self._open_sqlite(), self.engine)

    def transaction(self) -> AbstractContextManager[Connection]:
        """A connection whose block is one transaction (committed on success, rolled back on
        error), given back afterwards (to the pool, or kept idle for the next transaction of
        this process: `IDLE_CONNECTIONS`). SQLite: the transaction begins at the first write,
        as Python's sqlite3 does by default; use `immediate` to lock before reading.
        PostgreSQL: READ COMMITTED, from the first statement."""
        return self._transaction(lock=False)

    def immediate(self) -> AbstractContextManager[Connection]:
        """Like `transaction`, but the write lock is taken before the first statement, so what
        the block reads cannot change before it writes. Two such blocks never interleave,
        whether in threads, in processes or (PostgreSQL) on several machines sharing the
        database; one waits for the other (SQLite: up to `TIMEOUT` seconds, ``BEGIN
        IMMEDIATE``; PostgreSQL: ``pg_advisory_xact_lock(LOCK_KEY)``, released at the end of
        the transaction)."""
        return self._transaction(lock=True)

    @contextmanager
    def _transaction(self, lock: bool) -> Iterator[Connection]:
        if self.url is not None:
            with _pool(self.url).connection() as raw:
                # The pool commits when the block ends normally and rolls back otherwise.
                db = Connection(raw, self.engine)
                if lock:
                    db.execute("SELECT pg_advisory_xact_lock(?)", (LOCK_KEY,))
                yield db
            return
        sqlite = self._take_sqlite()
        sqlite.row_factory = sqlite3.Row
        db = Connection(sqlite, self.engine)
        done = False
        try:
            if not lock:
                sqlite.isolation_level = "DEFERRED"  # implicit BEGIN before the first write
                with _translated(self.engine), sqlite:
                    yield db
                done = True
                return
            sqlite.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                sqlite.execute("ROLLBACK")
                raise
            with _translated(self.engine):
                sqlite.execute("COMMIT")
            done = True
        finally:
            self._give_back(sqlite, reuse=done)

    def _take_sqlite(self) -> sqlite3.Connection:
        """A connection to the file: an idle one this process opened before (`_give_back`),
        or a new one. Opening costs more than most transactions (the connection, the pragmas
        and, at its first statement, reading the schema): an override's write took 1.7 ms with
        a new connection, 0.3 ms with a kept one (BENCHMARKS.md)."""
        key = self._idle_key()
        if key is not None:
            with _idle_lock:
                idle = _idle.get(key)
                sqlite = idle.pop() if idle else None
            if sqlite is not None:
                return sqlite
        return self._open_sqlite()

    def _give_back(self, sqlite: sqlite3.Connection, reuse: bool) -> None:
        """Keep ``sqlite`` for the next transaction when it ended cleanly (no transaction left
        open, the file still the same, at most IDLE_CONNECTIONS kept for it), else close it."""
        key = self._idle_key() if reuse else None
        if key is not None and not sqlite.in_transaction:
            sqlite.isolation_level = None
            if _keep_idle(key, sqlite):
                return
        sqlite.close()

    def _idle_key(self) -> tuple[int, str, int, int, bool] | None:
        """Which idle connections this database may use: this process's (a connection must not
        cross a fork), to this very file (replaced or deleted, it is another one), opened with
        this journal mode. None for an in-memory database (each connection is its own)."""
        if str(self.path) == ":memory:":
            return None
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return (os.getpid(), str(self.path), found.st_dev, found.st_ino, self.wal)

    def _open_sqlite(self) -> sqlite3.Connection:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # Not tied to the thread that opens it: idle connections serve whichever thread (or,
        # under gevent, greenlet) comes next, one at a time.
        db = sqlite3.connect(
            self.path, timeout=TIMEOUT, isolation_level=None, check_same_thread=False
        )
        if self.wal:
            _use_wal(db)
            # With WAL, NORMAL loses no committed data on a crash of the process, only (maybe)
            # the last transactions on a power cut, and saves an fsync per commit.
            db.execute("PRAGMA synchronous=NORMAL")
        return db


class _PgRow(tuple[Any, ...]):
    """A psycopg row that is also indexed by column name, as :class:`sqlite3.Row`."""

    _names: tuple[str, ...]

    def __new__(cls, names: tuple[str, ...], values: Sequence[Any]) -> _PgRow:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _pg_rows(cursor: Any) -> Callable[[Sequence[Any]], _PgRow]:
    names = tuple(column.name for column in cursor.description or ())

    def make(values: Sequence[Any]) -> _PgRow:
        return _PgRow(names, values)

    return make


_pools: dict[tuple[str, int], ConnectionPool[psycopg.Connection[Any]]] = {}
_pools_lock = threading.Lock()


#: SQLite connections kept open per file between transactions (`Database`), and files for
#: which some are kept (the least recently used file's are closed past that).
IDLE_CONNECTIONS = 8
IDLE_FILES = 16
_idle: dict[tuple[int, str, int, int, bool], list[sqlite3.Connection]] = {}
_idle_lock = threading.Lock()
# Idle connections a forked process inherited from its parent: never used (a connection must
# not cross a fork) and never closed (closing the parent's connections from the child could
# upset the parent's locks on the file); a few, once.
_inherited: list[sqlite3.Connection] = []


def _keep_idle(key: tuple[int, str, int, int, bool], sqlite: sqlite3.Connection) -> bool:
    """Keep ``sqlite`` idle under ``key`` if there is room; False if not (the caller closes
    it). Closes the connections of the least recently used file when a file too many has
    some."""
    evicted: list[sqlite3.Connection] = []
    with _idle_lock:
        idle = _idle.pop(key, [])
        _idle[key] = idle  # now the most recently used
        kept = len(idle) < IDLE_CONNECTIONS
        if kept:
            idle.append(sqlite)
        while len(_idle) > IDLE_FILES:
            evicted += _idle.pop(next(iter(_idle)))
    for old in evicted:
        old.close()
    return kept


def close_idle() -> None:
    """Close this process's idle SQLite connections (new ones open at next use)."""
    with _idle_lock:
        closing = [sqlite for idle in _idle.values() for sqlite in idle]
        _idle.clear()
    for sqlite in closing:
        sqlite.close()


def _forget_idle_after_fork() -> None:
    global _idle_lock
    # Another thread of the parent may have held the lock at the fork: the child's copy would
    # stay taken for good.
    _idle_lock = threading.Lock()
    _inherited.extend(sqlite for idle in _idle.values() for sqlite in idle)
    _idle.clear()


os.register_at_fork(after_in_child=_forget_idle_after_fork)


def _pool(url: str) -> ConnectionPool[psycopg.Connection[Any]]:
    """The pool of ``url`` in this process, opened at first use: one per process, because a
    forked worker must not share its parent's sockets."""
    key = (url, os.getpid())
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            from psycopg_pool import ConnectionPool

            pool = ConnectionPool(
                url,
                min_size=1,
                max_size=8,
                kwargs={"row_factory": _pg_rows},
                timeout=TIMEOUT,
                open=True,
                name="bluezone",
            )
            _pools[key] = pool
        return pool


def close_pools() -> None:
    """Close this process's PostgreSQL pools (they reopen at next use)."""
    with _pools_lock:
        mine = [key for key in _pools if key[1] == os.getpid()]
        for key in mine:
            _pools.pop(key).close()


def is_url(text: str | Path) -> bool:
    """Whether the database setting ``text`` is a PostgreSQL URL (rather than a file path)."""
    return str(text).startswith(("postgresql://", "postgres://"))


def url_problem(text: str) -> str | None:
    """What is wrong with the database setting ``text``, in words that never hold its password;
    ``None`` when it is a well-formed ``postgresql://`` URL or, having no ``scheme://`` at all,
    the path of a SQLite file. Only the form is checked here; `Database.check` reaches it."""
    scheme, sep, _ = text.partition("://")
    if not sep or "/" in scheme or "\\" in scheme:
        return None
    if scheme not in ("postgresql", "postgres"):
        return f"{scheme}:// is not a database this program can use (postgresql:// or a file path)"
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(text)
    except ProgrammingError as exc:
        return scrubbed(str(exc).strip(), text)
    for port in str(params.get("port", "")).split(","):
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            return f"the port {scrubbed(port, text)!r} is not a number from 1 to 65535"
    return None


def scrubbed(message: str, url: str) -> str:
    """``message`` with ``url`` (and its password, wherever it appears) replaced by the URL
    without its password: for errors of the database driver, which may quote the URL."""
    from urllib.parse import unquote, urlsplit

    message = message.replace(url, _redacted(url))
    try:
        password = urlsplit(url).password
    except ValueError:
        password = url.partition("://")[2].partition("@")[0].partition(":")[2] or None
    for secret in {password, unquote(password or "")} - {None, ""}:
        message = message.replace(str(secret), "***")
    return message


def _redacted(url: str) -> str:
    """``url`` without a password, for messages."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, user = head.partition("//")
    return f"{scheme}//{user.split(':', 1)[0]}:***@{tail}"


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
