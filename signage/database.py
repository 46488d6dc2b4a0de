"""The signage SQLite file: where it is (`database_path`), and one short-lived connection per
unit of work (`immediate` when the work reads and then writes what it read, and must not race
another writer)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from signage import services

if TYPE_CHECKING:
    from flask import Flask


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to ``path`` whose block is one transaction (committed on success, rolled
    back on error), closed afterwards. Rows are :class:`sqlite3.Row`."""
    db = sqlite3.connect(path, timeout=10)
    db.row_factory = sqlite3.Row
    try:
        with db:
            yield db
    finally:
        db.close()


@contextmanager
def immediate(path: Path) -> Iterator[sqlite3.Connection]:
    """Like `connect`, but the transaction starts with ``BEGIN IMMEDIATE``: it takes the
    file's write lock before its first read, so what it reads cannot change before it writes.
    Two such blocks never interleave, whether in threads or in processes sharing the file;
    one waits up to 10 s for the other."""
    db = sqlite3.connect(path, timeout=10, isolation_level=None)
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


def database_path(app: Flask) -> Path:
    """The signage database file (the `database` setting, or the instance folder's)."""
    return Path(services.settings(app).database or Path(app.instance_path, "signage.sqlite3"))
