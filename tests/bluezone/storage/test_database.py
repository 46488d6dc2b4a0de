"""The engine-neutral surface of `Database`, on both engines: placeholders, rows by name,
wrapped errors, commit and rollback, the write lock, and the schema questions migrations ask."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from pathlib import Path

import pytest

from bluezone.storage.database import (
    IDLE_CONNECTIONS,
    IDLE_FILES,
    Database,
    IntegrityError,
    UndefinedTable,
)


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


# --- SQLite connections kept between transactions ---------------------------------------------


def _open_files(path: Path) -> int:
    """Descriptors of this process open on ``path`` (its WAL and shared memory aside)."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if Path(os.readlink(fd)) == path:
                count += 1
        except OSError:
            pass
    return count


def test_a_transaction_reuses_the_connection_the_one_before_left(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3", wal=True)
    with db.transaction() as c:
        c.execute("CREATE TABLE t (v INTEGER)")
    for value in range(50):
        with db.immediate() as c:
            c.execute("INSERT INTO t (v) VALUES (?)", (value,))
    assert _open_files(db.path) == 1
    with db.transaction() as c:
        assert c.execute("SELECT count(*) FROM t").fetchone()[0] == 50


def test_a_failed_transaction_leaves_nothing_and_its_connection_is_not_kept(
    tmp_path: Path,
) -> None:
    db = Database(tmp_path / "b.sqlite3", wal=True)
    with db.transaction() as c:
        c.execute("CREATE TABLE t (v INTEGER)")
    for block in (db.transaction, db.immediate):
        with pytest.raises(RuntimeError), block() as c:
            c.execute("INSERT INTO t (v) VALUES (1)")
            raise RuntimeError("stop")
    with db.transaction() as c:
        assert c.execute("SELECT count(*) FROM t").fetchone()[0] == 0
        # The kept connection is not inside the failed blocks' transactions.
        c.execute("INSERT INTO t (v) VALUES (2)")
    with db.transaction() as c:
        assert [r[0] for r in c.execute("SELECT v FROM t")] == [2]


def test_a_replaced_file_is_read_afresh(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    db = Database(path)
    with db.transaction() as c:
        c.execute("CREATE TABLE t (v TEXT)")
        c.execute("INSERT INTO t (v) VALUES ('old')")
    replacement = tmp_path / "new.sqlite3"
    other = sqlite3.connect(replacement)
    other.execute("CREATE TABLE t (v TEXT)")
    other.execute("INSERT INTO t (v) VALUES ('new')")
    other.commit()
    other.close()
    os.replace(replacement, path)
    with db.transaction() as c:
        assert c.execute("SELECT v FROM t").fetchone()[0] == "new"


def test_idle_connections_are_bounded_across_files(tmp_path: Path) -> None:
    paths = [tmp_path / f"f{i}.sqlite3" for i in range(IDLE_FILES + 10)]
    for path in paths:
        with Database(path).transaction() as c:
            c.execute("CREATE TABLE t (v INTEGER)")
    assert sum(_open_files(path) for path in paths) == IDLE_FILES
    assert all(_open_files(path) == 0 for path in paths[:10])


def test_threads_each_get_a_connection_of_their_own(tmp_path: Path) -> None:
    db = Database(tmp_path / "d.sqlite3", wal=True)
    with db.transaction() as c:
        c.execute("CREATE TABLE t (v INTEGER)")
    errors: list[BaseException] = []
    inside = threading.Barrier(4)

    def work(value: int) -> None:
        try:
            with db.transaction() as c:
                c.execute("SELECT count(*) FROM t").fetchone()
                inside.wait(10)  # four blocks open at once
            for _ in range(20):
                with db.immediate() as c:
                    c.execute("INSERT INTO t (v) VALUES (?)", (value,))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with db.transaction() as c:
        assert c.execute("SELECT count(*) FROM t").fetchone()[0] == 80
    assert _open_files(db.path) <= IDLE_CONNECTIONS


def test_a_forked_child_opens_its_own_connections(tmp_path: Path) -> None:
    db = Database(tmp_path / "e.sqlite3", wal=True)
    with db.transaction() as c:
        c.execute("CREATE TABLE t (v INTEGER)")
        c.execute("INSERT INTO t (v) VALUES (1)")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            with db.immediate() as c:
                c.execute("INSERT INTO t (v) VALUES (2)")
            code = 0 if not _idle_of_parent_used() else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with db.transaction() as c:
        assert [r[0] for r in c.execute("SELECT v FROM t ORDER BY v")] == [1, 2]


def _idle_of_parent_used() -> bool:
    """In a forked child: whether an inherited idle connection was taken again (it must not:
    they all wait in `_inherited`, none in the pool)."""
    from bluezone.storage import database

    inherited = {id(c) for c in database._inherited}
    return any(id(c) in inherited for idle in database._idle.values() for c in idle)


def test_a_child_forked_while_the_idle_pool_is_busy_can_still_use_it(tmp_path: Path) -> None:
    """A fork while another thread holds the idle pool's lock must not leave the child with a
    lock nobody will release (it would hang at its first transaction)."""
    from bluezone.storage import database

    db = Database(tmp_path / "f.sqlite3", wal=True)
    with db.transaction() as c:
        c.execute("CREATE TABLE t (v INTEGER)")
    with database._idle_lock:  # as another thread taking or giving back a connection
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                signal.alarm(10)  # hanging is the failure; the alarm ends the child
                with db.immediate() as c:
                    c.execute("INSERT INTO t (v) VALUES (1)")
                code = 0
            finally:
                os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with db.transaction() as c:
        assert c.execute("SELECT count(*) FROM t").fetchone()[0] == 1
