"""The signage SQLite file: one short-lived connection per unit of work."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
