"""The signage database: which it is (`database`: a SQLite file or a PostgreSQL database), and
one short-lived connection per unit of work (`immediate` when the work reads and then writes
what it read, and must not race another writer). Both are `bluezone.storage.database.Database`
transactions; the stores of this database each bring their schema up to date with
`bluezone.storage.migrations.migrate`."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from bluezone.storage.database import Connection, Database
from signage import services

if TYPE_CHECKING:
    from flask import Flask


def connect(path: Database | Path) -> AbstractContextManager[Connection]:
    """A connection to ``path`` whose block is one transaction (committed on success, rolled
    back on error), given back afterwards (`Database.transaction`). Rows are
    `bluezone.storage.database.Row`."""
    return Database.of(path).transaction()


def immediate(path: Database | Path) -> AbstractContextManager[Connection]:
    """Like `connect`, but the transaction starts with ``BEGIN IMMEDIATE``: it takes the
    file's write lock before its first read, so what it reads cannot change before it writes.
    Two such blocks never interleave, whether in threads or in processes sharing the file;
    one waits up to 10 s for the other."""
    return Database.of(path).immediate()


def database(app: Flask) -> Database:
    """The signage database: the `database` setting (a file path or a ``postgresql://``
    URL), or ``signage.sqlite3`` in the instance folder."""
    setting = services.settings(app).database
    return Database.from_url(setting or Path(app.instance_path, "signage.sqlite3"))


def local_folder(app: Flask) -> Path:
    """Where this node keeps what only it needs (media thumbnails, a cache): beside a SQLite
    database file, or the instance folder when the database is a PostgreSQL server's."""
    found = database(app)
    return found.path.parent if found.engine == "sqlite" else Path(app.instance_path)
