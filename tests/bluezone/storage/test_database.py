"""The engine-neutral surface of `Database`, on both engines: placeholders, rows by name,
wrapped errors, commit and rollback, the write lock, and the schema questions migrations ask."""

from __future__ import annotations

import threading

import pytest

from bluezone.storage.database import Database, IntegrityError, UndefinedTable


def _things(database: Database) -> None:
    with database.transaction() as db:
        db.execute("CREATE TABLE things (name TEXT PRIMARY KEY, n INTEGER NOT NULL)")


def test_placeholders_and_literal_percent_signs_are_engine_neutral(database: Database) -> None:
    _things(database)
    with database.transaction() as db:
        db.execute("INSERT INTO things (name, n) VALUES (?, ?)", ("50% off", 1))
        db.executemany("INSERT INTO things (name, n) VALUES (?, ?)", [("a", 2), ("b", 3)])
        row = db.execute("SELECT name, n FROM things WHERE name LIKE '%off'").fetchone()
    assert (row["name"], row[1]) == ("50% off", 1)
    assert set(row.keys()) == {"name", "n"}


def test_a_duplicate_key_is_an_integrity_error_and_the_block_rolls_back(
    database: Database,
) -> None:
    _things(database)
    with pytest.raises(IntegrityError), database.transaction() as db:
        db.execute("INSERT INTO things (name, n) VALUES (?, ?)", ("a", 1))
        db.execute("INSERT INTO things (name, n) VALUES (?, ?)", ("a", 2))
    with database.transaction() as db:
        assert db.execute("SELECT count(*) FROM things").fetchone()[0] == 0


def test_a_missing_table_is_named_as_such(database: Database) -> None:
    with pytest.raises(UndefinedTable), database.transaction() as db:
        db.execute("SELECT * FROM nowhere")


def test_returning_gives_the_new_id(database: Database) -> None:
    _things(database)
    with database.transaction() as db:
        name = db.execute(
            "INSERT INTO things (name, n) VALUES (?, ?) RETURNING name", ("c", 4)
        ).fetchone()[0]
    assert name == "c"


def test_tables_and_columns(database: Database) -> None:
    _things(database)
    with database.transaction() as db:
        assert "things" in db.tables()
        assert db.columns("things") == {"name", "n"}
        assert db.columns("nowhere") == set()


def test_immediate_blocks_never_interleave(database: Database) -> None:
    """Each block reads the count and writes it back plus one: interleaved blocks would lose
    increments."""
    _things(database)
    with database.transaction() as db:
        db.execute("INSERT INTO things (name, n) VALUES ('count', 0)")
    rounds, workers = 20, 4

    def work() -> None:
        for _ in range(rounds):
            with database.immediate() as db:
                n = db.execute("SELECT n FROM things WHERE name = 'count'").fetchone()[0]
                db.execute("UPDATE things SET n = ? WHERE name = 'count'", (n + 1,))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.transaction() as db:
        assert db.execute("SELECT n FROM things WHERE name = 'count'").fetchone()[0] == (
            rounds * workers
        )


def test_a_url_names_a_postgresql_database_and_anything_else_a_file() -> None:
    assert Database.from_url("postgresql:///x?host=/tmp").engine == "postgresql"
    assert Database.from_url("postgres://u:secret@db/x").engine == "postgresql"
    assert "secret" not in str(Database.from_url("postgres://u:secret@db/x"))
    assert Database.from_url("/var/lib/bluezone/portal.sqlite3").engine == "sqlite"
