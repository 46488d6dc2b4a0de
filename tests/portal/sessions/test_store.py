"""Sessions and counts: hashed identifiers, expiry, retention, survival across restarts."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask

from bluezone.storage.database import Database
from portal import create_app
from portal.sessions.access import Access
from portal.sessions.revision import Revision
from portal.sessions.store import EventKey, Store

from ..conftest import PORTAL_HOST, accept, make_config


def test_client_identifiers_are_stored_only_as_salted_hashes(database: Database) -> None:
    store = Store(database, salt=b"salt-one")
    store.grant("mac:aa:bb:cc:dd:ee:ff", "airport", 600)
    with database.transaction() as db:
        raw = [tuple(row) for row in db.execute("SELECT * FROM sessions").fetchall()]
    assert "aa:bb" not in repr(raw)
    other_salt = Store(database, salt=b"salt-two")
    assert other_salt.session("mac:aa:bb:cc:dd:ee:ff") is None


def test_sessions_expire_and_are_purged(database: Database) -> None:
    store = Store(database, salt=b"s")
    now = time.time()
    store.grant("ip:10.0.0.1", "v", 60, now=now - 120)
    store.grant("ip:10.0.0.2", "v", 600, now=now)
    assert store.session("ip:10.0.0.1") is None
    assert store.session("ip:10.0.0.2") is not None
    old = EventKey("2020-01-01T00", "view", "v", "vi", "ios", "")
    new = EventKey(time.strftime("%Y-%m-%dT%H", time.gmtime()), "view", "v", "vi", "ios", "")
    store.add_events([(old, 3), (new, 2), (new, 1)])
    assert store.purge(retention_days=30) == (1, 1)
    assert store.event_counts() == [(new, 3)]
    assert [s.venue for s in store.active_sessions()] == ["v"]


def test_revoke(database: Database) -> None:
    store = Store(database, salt=b"s")
    store.grant("ip:10.0.0.1", "v", 600)
    assert store.revoke("ip:10.0.0.1") is True
    assert store.revoke("ip:10.0.0.1") is False
    assert store.session("ip:10.0.0.1") is None


def test_a_new_app_on_the_same_database_keeps_sessions(tmp_path: Path) -> None:
    first = create_app(make_config(tmp_path))
    accept(first.test_client(), {"REMOTE_ADDR": "10.1.1.1"})
    second: Flask = create_app(make_config(tmp_path))
    probe = second.test_client().get(
        "/generate_204",
        headers={"Host": "connectivitycheck.gstatic.com"},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert probe.status_code == 204


def test_buffered_counts_are_written_when_flushed(tmp_path: Path) -> None:
    app = create_app(make_config(tmp_path, event_flush_seconds=3600))
    client = app.test_client()
    client.get("/", headers={"Host": PORTAL_HOST})
    service: Access = app.extensions["bluezone.access"]
    assert service.store.event_counts() == []
    service.events.flush()
    assert [(k.kind, n) for k, n in service.store.event_counts()] == [("view", 1)]


def test_every_session_change_counts_in_every_process(tmp_path: Path) -> None:
    path = str(tmp_path / "db.sqlite3")
    store = Store(path, salt=b"s")
    revision = store.revision
    assert revision is not None
    start = revision.current()
    store.grant("ip:10.0.0.1", "v", 600)
    assert revision.current() == start + 1
    store.add_events([(EventKey("2026-01-01T00", "view", "v", "vi", "ios", ""), 1)])
    assert revision.current() == start + 1  # counters are not sessions
    script = (
        "import sys; from portal.sessions.store import Store; "
        "Store(sys.argv[1], salt=b's').revoke('ip:10.0.0.1')"
    )
    subprocess.run([sys.executable, "-c", script, path], check=True, timeout=30)
    assert revision.current() == start + 2


def test_a_remembered_probe_answer_never_outlives_a_change_elsewhere(
    tmp_path: Path, database: Database
) -> None:
    # On PostgreSQL the other store stands for another machine: nothing is shared but the
    # database.
    app = create_app(make_config(tmp_path, database=database.url or str(database.path)))
    service: Access = app.extensions["bluezone.access"]
    phone = app.test_client()
    accept(phone, {"REMOTE_ADDR": "10.1.1.1"})

    def probe() -> int:
        return phone.get(
            "/generate_204",
            headers={"Host": "connectivitycheck.gstatic.com"},
            environ_base={"REMOTE_ADDR": "10.1.1.1"},
        ).status_code

    assert probe() == 204
    assert probe() == 204  # now answered from memory
    other_process = Store(service.store.path, salt=service.store._salt)
    assert other_process.revoke("ip:10.1.1.1")
    assert probe() == 302
    assert probe() == 302
    other_process.grant("ip:10.1.1.1", "default", 600)
    assert probe() == 204


def _bump_many(revision: Revision, times: int) -> None:
    for _ in range(times):
        revision.bump()


def test_forked_workers_never_lose_a_change(tmp_path: Path) -> None:
    # Made before the fork, as gunicorn's preloaded app makes it; the workers bump together.
    revision = Revision(str(tmp_path / "db.sqlite3"))
    start = revision.current()
    fork = multiprocessing.get_context("fork")
    workers = [fork.Process(target=_bump_many, args=(revision, 300)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    assert revision.current() == start + 1200
