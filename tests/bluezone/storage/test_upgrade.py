"""Databases made by the release before migrations are adopted: opened by today's stores, they
end at the latest version of every component, with every row still there and readable.

The files in ``fixtures/previous-release/`` were written by that release's own code (see
`previous_release`); they are copied before use, never changed in place.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from types import ModuleType

import pytest

from bluezone.storage.database import Database
from bluezone.storage.migrations import applied_versions, migrate
from portal.campaign.outbox import Outbox
from portal.sessions import store as portal_store
from portal.sessions.store import EventKey, Store
from signage.accounts import audit, lockout, operators, sessions
from signage.accounts.audit import AuditLog
from signage.accounts.lockout import LoginGuard
from signage.accounts.operators import OperatorStore
from signage.accounts.sessions import SessionStore
from signage.editing import history
from signage.editing.history import History, sha256
from signage.emergency import store as emergency_store
from signage.emergency.model import Message
from signage.emergency.store import OverrideStore
from signage.live import enrollment, playlog
from signage.live.playlog import Play, PlayLog
from signage.venues import store as venue_store
from signage.venues.store import VenueStore
from tests.bluezone.storage.previous_release import DAY, NOW, PASSWORD, SALT, SCRYPT

FIXTURES = Path(__file__).parent / "fixtures" / "previous-release"

SIGNAGE = (
    audit,
    lockout,
    operators,
    sessions,
    history,
    emergency_store,
    enrollment,
    playlog,
    venue_store,
)


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    for name in ("portal.sqlite3", "signage.sqlite3"):
        shutil.copyfile(FIXTURES / name, tmp_path / name)
    return tmp_path


def recorded(path: Path) -> list[tuple[str, int]]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT component, version FROM schema_migrations ORDER BY 1, 2")
        return [(str(c), int(v)) for c, v in rows]
    finally:
        db.close()


def test_the_fixtures_predate_migrations() -> None:
    for name in ("portal.sqlite3", "signage.sqlite3"):
        db = sqlite3.connect(f"file:{FIXTURES / name}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.close()
        assert "schema_migrations" not in tables


def test_the_portal_database_is_adopted_with_its_rows(copies: Path) -> None:
    path = copies / "portal.sqlite3"
    store = Store(str(path), salt=SALT)
    assert recorded(path) == [("portal", 1), ("portal", 2), ("portal", 3)]
    assert len(portal_store.MIGRATIONS) == 3
    # Hours counted before reporting existed are still to be sent to the signage server.
    assert [h.hour for h in Outbox(store.database).pending(10, "2030-01-01T00")] == [
        "2027-01-15T08"
    ]
    a, b = store.session("client-a", now=NOW + 1), store.session("client-b", now=NOW + 1)
    assert a is not None and (a.venue, a.granted_at, a.expires_at, a.mac) == (
        "hall",
        NOW,
        NOW + 30 * DAY,
        None,
    )
    assert b is not None and (b.venue, b.mac) == ("lobby", "02:00:00:00:00:0b")
    assert len(store.active_sessions(now=NOW + 1)) == 2
    assert store.event_counts() == [
        (EventKey("2027-01-15T08", "click", "lobby", "ru", "ios", "qr"), 1),
        (EventKey("2027-01-15T08", "view", "hall", "en", "android", "portal"), 3),
    ]
    assert store.queued_grants("gw1") == ["grant 02:00:00:00:00:0b 3600"]
    # And it goes on working: a new grant, a renewal.
    store.grant("client-c", "hall", 60, now=NOW)
    store.grant("client-a", "hall", 60, now=NOW + 10)
    assert len(store.active_sessions(now=NOW + 11)) == 3
    # Opening it again applies nothing.
    Store(str(path), salt=SALT)
    assert recorded(path) == [("portal", 1), ("portal", 2), ("portal", 3)]


def open_signage(path: Database | Path) -> None:
    """Every signage store on `path`, as the server opens them."""
    OperatorStore(path, SCRYPT)
    SessionStore(path, lifetime=30 * DAY)
    LoginGuard(path, max_failures=2, lockout_seconds=0, address_limit=100, window_seconds=DAY)
    AuditLog(path)
    History(path)
    OverrideStore(path)
    PlayLog(path)
    enrollment.EnrollmentStore(path)
    VenueStore(path)


def test_the_signage_database_is_adopted_with_its_rows(copies: Path) -> None:
    path = copies / "signage.sqlite3"
    open_signage(path)
    latest = sorted((m.COMPONENT, v.version) for m in SIGNAGE for v in m.MIGRATIONS)
    assert recorded(path) == latest
    for module in SIGNAGE:
        assert applied_versions(Database(path), module.COMPONENT) == [
            m.version for m in module.MIGRATIONS
        ]

    accounts = OperatorStore(path, SCRYPT)
    assert [(o.name, o.role, o.groups) for o in accounts.all()] == [
        ("alice", "admin", ()),
        ("bob", "editor", ("lobby",)),
    ]
    assert accounts.authenticate("bob", PASSWORD) is not None
    assert SessionStore(path, lifetime=30 * DAY).count("alice", NOW + 1) == 1
    guard = LoginGuard(
        path, max_failures=2, lockout_seconds=0, address_limit=2, window_seconds=30 * DAY
    )
    assert list(guard.locks(NOW + 1)) == ["mallory"]
    # The address's two failures are still counted: a third attempt from it is refused.
    assert isinstance(guard.attempt("carol", "192.0.2.7", NOW + 2), lockout.Refusal)
    [entry] = AuditLog(path).entries()
    assert (entry.actor, entry.action, entry.target, entry.at) == (
        "alice",
        "operator.add",
        "bob",
        NOW,
    )

    versions = History(path).versions("lobby")  # newest first
    assert [(v.number, v.action, v.author, v.at) for v in versions] == [
        (2, "publish", "bob", NOW + 60),
        (1, "create", "alice", NOW),
    ]
    assert versions[0].text == "items:\n  - text: hello\n" and versions[0].diff
    assert History(path).text_for(sha256("items: [opened]\n")) == "items: [opened]\n"

    overrides = OverrideStore(path)
    [live] = overrides.active(NOW + 1)
    assert (live.target, live.priority, live.messages) == (
        "all",
        5,
        {"*": Message("Evacuate", "Use the north exit")},
    )
    [cancelled] = overrides.by_cap_key("cap-1")
    assert cancelled.cancelled is not None
    assert [e.action for e in reversed(overrides.audit_log())][:3] == ["create", "create", "cancel"]
    assert overrides.revision() > 0

    assert PlayLog(path).recent("s1") == [  # newest first
        ("s1", Play("lobby#2", "abc123", NOW + 8, 8.0)),
        ("s1", Play("lobby#1", "abc123", NOW, 8.0)),
    ]

    screens = enrollment.EnrollmentStore(path, clock=lambda: NOW + 1, ttl=30 * DAY)
    serial = screens.verify("s1", "screen-token")
    assert serial is not None and serial == screens.credentials()["s1"].serial
    assert [p.screen for p in screens.pending()] == ["s2"]
    # A new credential gets the next serial: the counter survived too.
    assert screens.enroll("s3", "alice").serial == serial + 1

    # Opening every store again applies nothing.
    open_signage(path)
    assert recorded(path) == latest


def test_a_portal_database_from_before_gateway_macs_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "portal.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE sessions (client_hash TEXT PRIMARY KEY, venue TEXT NOT NULL,"
        " granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)"
    )
    client_hash = Store(str(tmp_path / "other.sqlite3"), salt=SALT).client_hash("x")
    db.execute("INSERT INTO sessions VALUES (?, 'hall', 1, ?)", (client_hash, NOW))
    db.commit()
    db.close()
    opened = Store(str(path), salt=SALT)
    assert recorded(path) == [("portal", 1), ("portal", 2), ("portal", 3)]
    session = opened.session("x", now=NOW - 1)
    assert session is not None and session.mac is None


def columns(path: Path) -> dict[str, list[tuple[str, str, int, str | None, int]]]:
    """Each table's columns (name, type, not null, default, primary key) and its indexes."""
    db = sqlite3.connect(path)
    try:
        names = [
            str(row[0])
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                " AND name != 'schema_migrations' ORDER BY name"
            )
        ]
        return {
            name: [tuple(row[1:]) for row in db.execute(f"PRAGMA table_xinfo({name})")]
            for name in names
        }
    finally:
        db.close()


#: The tables (and indexes) later migrations added, by database file.
ADDED = {
    "portal.sqlite3": {"report_hours", "report_lease"},
    "signage.sqlite3": {"venues", "venue_counts", "venue_counts_hour"},
}


def test_a_new_database_has_the_schema_of_the_previous_release(tmp_path: Path) -> None:
    """... plus the tables later migrations added, and nothing else."""
    Store(str(tmp_path / "portal.sqlite3"), salt=SALT)
    open_signage(tmp_path / "signage.sqlite3")
    for name in ("portal.sqlite3", "signage.sqlite3"):
        new, old = columns(tmp_path / name), columns(FIXTURES / name)
        assert set(new) - set(old) == ADDED[name]
        assert {table: new[table] for table in old} == old


#: Every store's schema, by the module that declares it.
STORES: tuple[ModuleType, ...] = (
    *(portal_store, audit, lockout, operators, sessions),
    *(history, emergency_store, enrollment, playlog, venue_store),
)


def test_every_store_brings_a_new_database_of_either_engine_to_its_latest_version(
    database: Database,
) -> None:
    Store(database, salt=SALT)
    open_signage(database)
    for module in STORES:
        latest = list(range(1, len(module.MIGRATIONS) + 1))
        assert applied_versions(database, module.COMPONENT) == latest, module.COMPONENT
        assert migrate(database, module.COMPONENT, module.MIGRATIONS) == [], module.COMPONENT
