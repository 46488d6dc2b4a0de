"""Numbered schema migrations, applied when a store opens its database.

Each store declares its schema as a sequence of `Migration` (versions 1, 2, ... in order)
under a component name that is unique within its database. `migrate` brings the component to
its latest version and records every version applied in the ``schema_migrations`` table
(component, version, applied_at), so that each migration runs once per database, ever.

Version 1 of each component is the schema of the release before migrations existed, written
so that it also holds on a database that release made (``CREATE ... IF NOT EXISTS``, inserts
that do nothing on conflict): such a database has the tables but no record, and is adopted by
running version 1 over it. Later migrations must likewise hold on what that release may have
left (see the portal's ``mac`` column).

Concurrent starts: each migration runs in its own `Database.immediate` transaction, which takes
the database's write lock before anything is read (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the
transaction-scoped advisory lock ``pg_advisory_xact_lock(LOCK_KEY)``, so nodes starting at once
on one server wait for each other), then re-reads which versions are applied
and skips the migration if another process got there first. A migration that fails is rolled
back whole (SQLite and PostgreSQL both roll back DDL), leaving the previous version.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bluezone.storage.database import Connection, Database, DatabaseError, UndefinedTable

#: A step of a migration: one SQL statement, or a function given the connection, for changes
#: that depend on what is there (a column a previous release may already have added).
Step = str | Callable[[Connection], None]

#: The record of applied versions; ``{real}`` is a float of 64 bits (PostgreSQL's REAL has 32).
_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " component TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " applied_at {real} NOT NULL,"
    " PRIMARY KEY (component, version))"
)
_REAL = {"sqlite": "REAL", "postgresql": "DOUBLE PRECISION"}


@dataclass(frozen=True)
class Migration:
    """Version ``version`` of a component's schema: ``title`` says what it changes, ``steps``
    run in order in one transaction. Statements go one at a time (no scripts: a script would
    commit on its own).

    ``postgresql``: the steps on PostgreSQL, when its DDL must differ (ids that number
    themselves, ``BIGINT`` where SQLite's INTEGER holds 64 bits); ``steps`` otherwise. The
    SQLite steps of a released version never change, so that its databases upgrade as
    before."""

    version: int
    title: str
    steps: tuple[Step, ...]
    postgresql: tuple[Step, ...] | None = None

    def steps_for(self, database: Database) -> tuple[Step, ...]:
        """The steps to run on ``database``'s engine."""
        if database.engine == "postgresql" and self.postgresql is not None:
            return self.postgresql
        return self.steps


class MigrationError(RuntimeError):
    """The schema cannot be brought to this release's version."""


class NewerDatabase(MigrationError):
    """The database holds versions this release does not know: a newer release made it."""


def migrate(database: Database, component: str, migrations: Sequence[Migration]) -> list[int]:
    """Apply the migrations of ``component`` that ``database`` lacks, oldest first; the
    versions this call applied (none when another process did, or all were there).

    Raises `NewerDatabase` when a version beyond the last of ``migrations`` is recorded, and
    `MigrationError` (from the original error) when a migration fails, after rolling it back.
    """
    _check(component, migrations)
    latest = migrations[-1].version if migrations else 0
    # Looked at without the lock first: on most starts nothing is pending, and then no
    # process needs to wait for another's write lock.
    with database.transaction() as db:
        applied = _applied(db, component)
    _refuse_newer(database, component, applied, latest)
    done: list[int] = []
    for migration in migrations:
        if migration.version in applied:
            continue
        with database.immediate() as db:
            db.execute(_TABLE.format(real=_REAL[database.engine]))
            applied = _applied(db, component)
            _refuse_newer(database, component, applied, latest)
            if migration.version in applied:  # another process applied it meanwhile
                continue
            try:
                for step in migration.steps_for(database):
                    if isinstance(step, str):
                        db.execute(step)
                    else:
                        step(db)
            except DatabaseError as exc:
                raise MigrationError(
                    f"{database}: {component} migration {migration.version}"
                    f" ({migration.title}) failed: {exc}"
                ) from exc
            db.execute(
                "INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)",
                (component, migration.version, time.time()),
            )
        done.append(migration.version)
    return done


def applied_versions(database: Database, component: str) -> list[int]:
    """The versions of ``component`` recorded in ``database``, in order."""
    with database.transaction() as db:
        return sorted(_applied(db, component))


def _check(component: str, migrations: Sequence[Migration]) -> None:
    numbers = [m.version for m in migrations]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"{component}: migrations must be numbered 1, 2, ... in order: {numbers}")


def _applied(db: Connection, component: str) -> set[int]:
    try:
        rows = db.execute(
            "SELECT version FROM schema_migrations WHERE component = ?", (component,)
        ).fetchall()
    except UndefinedTable:  # a new database, or one from before migrations
        return set()
    return {int(row[0]) for row in rows}


def _refuse_newer(database: Database, component: str, applied: set[int], latest: int) -> None:
    newer = sorted(v for v in applied if v > latest)
    if newer:
        raise NewerDatabase(
            f"{database}: this database was made by a newer release ({component} schema"
            f" version {newer[-1]}, this release knows up to {latest}); run that release or"
            " a later one"
        )
