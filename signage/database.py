"""The signage SQLite file: where it is (`database_path`), and one short-lived connection per
unit of work (`immediate` when the work reads and then writes what it read, and must not race
another writer). Both are `bluezone.storage.database.Database` transactions; the stores of
this file each bring their schema up to date with `bluezone.storage.migrations.migrate`."""

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
    back on error), closed afterwards. Rows are `bluezone.storage.database.Row`."""
    return Database.of(path).transaction()


def immediate(path: Database | Path) -> AbstractContextManager[Connection]:
    """Like `connect`, but the transaction starts with ``BEGIN IMMEDIATE``: it takes the
    file's write lock before its first read, so what it reads cannot change before it writes.
    Two such blocks never interleave, whether in threads or in processes sharing the file;
    one waits up to 10 s for the other."""
    return Database.of(path).immediate()


def database_path(app: Flask) -> Path:
    """The signage database file (the `database` setting, or the instance folder's)."""
    return Path(services.settings(app).database or Path(app.instance_path, "signage.sqlite3"))
