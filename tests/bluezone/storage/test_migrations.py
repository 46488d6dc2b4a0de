"""Numbered migrations: applied once, in order, each in its own transaction, by one of any
number of processes starting at once; a newer database is refused. On both engines (the
`database` fixture)."""

from __future__ import annotations

import multiprocessing

import pytest

from bluezone.storage.database import Database
from bluezone.storage.migrations import (
    Migration,
    MigrationError,
    NewerDatabase,
    applied_versions,
    migrate,
)

#: Each migration also counts its own runs, so that a second run would show.
MIGRATIONS = (
    Migration(
        1,
        "things and runs",
        (
            "CREATE TABLE things (name TEXT PRIMARY KEY)",
            "CREATE TABLE runs (version INTEGER NOT NULL)",
            "INSERT INTO runs (version) VALUES (1)",
        ),
    ),
    Migration(
        2,
        "a colour for things",
        ("ALTER TABLE things ADD COLUMN colour TEXT", "INSERT INTO runs (version) VALUES (2)"),
    ),
    Migration(
        3,
        "places",
        ("CREATE TABLE places (name TEXT)", "INSERT INTO runs (version) VALUES (3)"),
    ),
)


def runs(database: Database) -> list[int]:
    with database.transaction() as db:
        return [int(row[0]) for row in db.execute("SELECT version FROM runs ORDER BY version")]


def test_a_new_database_gets_every_migration_once_in_order(database: Database) -> None:
    assert migrate(database, "things", MIGRATIONS) == [1, 2, 3]
    assert applied_versions(database, "things") == [1, 2, 3]
    assert runs(database) == [1, 2, 3]


def test_reopening_applies_nothing(database: Database) -> None:
    migrate(database, "things", MIGRATIONS)
    with database.transaction() as db:
        before = db.execute("SELECT * FROM schema_migrations ORDER BY version").fetchall()
    assert migrate(database, "things", MIGRATIONS) == []
    with database.transaction() as db:
        after = db.execute("SELECT * FROM schema_migrations ORDER BY version").fetchall()
    assert [tuple(row) for row in after] == [tuple(row) for row in before]
    assert runs(database) == [1, 2, 3]


def test_only_the_new_migrations_run_on_a_database_at_an_older_version(database: Database) -> None:
    assert migrate(database, "things", MIGRATIONS[:1]) == [1]
    assert migrate(database, "things", MIGRATIONS) == [2, 3]
    assert runs(database) == [1, 2, 3]


def test_components_sharing_a_database_are_versioned_apart(database: Database) -> None:
    migrate(database, "things", MIGRATIONS[:2])
    other = (Migration(1, "notes", ("CREATE TABLE notes (text TEXT)",)),)
    assert migrate(database, "notes", other) == [1]
    assert applied_versions(database, "things") == [1, 2]
    assert applied_versions(database, "notes") == [1]


def test_a_failing_migration_leaves_the_previous_version(database: Database) -> None:
    migrate(database, "things", MIGRATIONS[:2])
    broken = (
        *MIGRATIONS[:2],
        Migration(
            3,
            "places, badly",
            ("CREATE TABLE places (name TEXT)", "INSERT INTO nowhere VALUES (1)"),
        ),
    )
    with pytest.raises(MigrationError, match=r"things migration 3 \(places, badly\) failed"):
        migrate(database, "things", broken)
    assert applied_versions(database, "things") == [1, 2]
    with database.transaction() as db:
        tables = db.tables()
    assert "places" not in tables  # its first step was rolled back with the second
    # Fixed, it applies.
    assert migrate(database, "things", MIGRATIONS) == [3]


def test_a_database_of_a_newer_release_is_refused(database: Database) -> None:
    migrate(database, "things", MIGRATIONS)
    with pytest.raises(NewerDatabase, match="this database was made by a newer release"):
        migrate(database, "things", MIGRATIONS[:2])
    assert runs(database) == [1, 2, 3]


def test_migrations_must_be_numbered_from_one_without_gaps(database: Database) -> None:
    with pytest.raises(ValueError, match="numbered 1, 2"):
        migrate(database, "things", (MIGRATIONS[0], MIGRATIONS[2]))


def _start(place: str, wal: bool, ready: multiprocessing.synchronize.Barrier) -> list[int]:
    ready.wait()
    return migrate(Database.from_url(place, wal=wal), "things", MIGRATIONS)


@pytest.mark.parametrize("wal", [False, True], ids=["rollback journal", "write-ahead log"])
def test_processes_starting_at_once_apply_each_migration_once(
    database: Database, wal: bool
) -> None:
    # (``wal`` is a SQLite mode; PostgreSQL runs the same race twice.)
    place = database.url or str(database.path)
    processes = 4
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        ready = manager.Barrier(processes)
        with context.Pool(processes) as pool:
            # Any error in a process is raised here by `get`.
            applied = pool.starmap(_start, [(place, wal, ready)] * processes)
    assert sorted(v for versions in applied for v in versions) == [1, 2, 3]
    assert runs(database) == [1, 2, 3]
    assert applied_versions(database, "things") == [1, 2, 3]
