"""Writes the databases of the release before numbered migrations, with rows in every table.

The files in ``fixtures/previous-release/`` were made by running this script with the code of
that release (commit 6d27e4b) first on the path, from a temporary worktree::

    git worktree add --detach /tmp/prev 6d27e4b
    PYTHONPATH=/tmp/prev python tests/bluezone/storage/previous_release.py \\
        tests/bluezone/storage/fixtures/previous-release
    git worktree remove /tmp/prev

It goes through the stores' public APIs only, so it also runs against today's code (the upgrade
test does not need that, but it keeps this script type-checked and importable). The values are
fixed so that `test_upgrade` can check each row; times are far in the future so that nothing
has expired when the test reads it back.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from portal.sessions.store import EventKey, Store
from signage.accounts.audit import AuditLog
from signage.accounts.lockout import LoginGuard
from signage.accounts.operators import OperatorStore
from signage.accounts.passwords import Scrypt
from signage.accounts.sessions import SessionStore
from signage.editing.history import History
from signage.emergency.model import Message
from signage.emergency.store import OverrideStore
from signage.live.enrollment import EnrollmentStore
from signage.live.playlog import Play, PlayLog

#: The moment the rows were written (2027-01-15T08:00Z); readers pass it as "now".
NOW = 1_800_000_000.0
SALT = b"previous-release-salt"
PASSWORD = "correct horse battery staple"
#: Cheap hashing: the fixture is about rows, not strength.
SCRYPT = Scrypt(n=1024, r=8, p=1)
DAY = 86_400


def write_portal(path: Path) -> None:
    """Sessions (one with a gateway MAC), hourly counts and a queued grant."""
    store = Store(str(path), salt=SALT)
    store.grant("client-a", "hall", 30 * DAY, now=NOW)
    store.grant("client-b", "lobby", 30 * DAY, now=NOW, mac="02:00:00:00:00:0b")
    store.add_events(
        [
            (EventKey("2027-01-15T08", "view", "hall", "en", "android", "portal"), 3),
            (EventKey("2027-01-15T08", "click", "lobby", "ru", "ios", "qr"), 1),
        ]
    )
    store.queue_grant("gw1", "k1", "grant 02:00:00:00:00:0b 3600", "lobby", now=NOW)


def enrollment(path: Path) -> EnrollmentStore:
    """The enrollment store as written and read back (a fixed clock, so pairings are live)."""
    return EnrollmentStore(path, clock=lambda: NOW, token=lambda: "screen-token", ttl=30 * DAY)


def write_signage(path: Path) -> None:
    """Every signage table: operators, console sessions, lockout, audit, playlist history,
    overrides and their audit, plays, credentials and a pending pairing."""
    operators = OperatorStore(path, SCRYPT)
    operators.add("alice", "admin", [], PASSWORD)
    operators.add("bob", "editor", ["lobby"], PASSWORD)
    SessionStore(path, lifetime=30 * DAY).start("alice", NOW)
    guard = LoginGuard(
        path, max_failures=2, lockout_seconds=0, address_limit=100, window_seconds=30 * DAY
    )
    guard.attempt("mallory", "192.0.2.7", NOW)
    guard.attempt("mallory", "192.0.2.7", NOW)
    AuditLog(path).record("alice", "operator.add", "bob", "editor", "192.0.2.1", at=NOW)
    history = History(path)
    history.record("lobby", "items: []\n", "alice", "create", at=NOW)
    history.record("lobby", "items:\n  - text: hello\n", "bob", "publish", at=NOW + 60)
    history.remember("items: [opened]\n")
    overrides = OverrideStore(path)
    kept = overrides.create(
        target="all",
        messages={"*": Message("Evacuate", "Use the north exit")},
        until=NOW + 30 * DAY,
        actor="alice",
        source="console",
        starts=NOW,
        priority=5,
    )
    gone = overrides.create(
        target="screen:s1",
        messages={"en": Message("Closed")},
        until=NOW + 30 * DAY,
        actor="alice",
        source="cap",
        starts=NOW,
        cap_key="cap-1",
    )
    overrides.cancel(gone.id, "bob", "all clear")
    assert kept.id != gone.id
    plays = [Play("lobby#1", "abc123", NOW, 8.0), Play("lobby#2", "abc123", NOW + 8, 8.0)]
    PlayLog(path).record("s1", plays)
    store = enrollment(path)
    store.enroll("s1", "alice")
    store.request("s2", "192.0.2.9", "kiosk")


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("portal.sqlite3", "signage.sqlite3"):
        for suffix in ("", "-wal", "-shm", "-rev"):
            Path(folder, name + suffix).unlink(missing_ok=True)
    write_portal(folder / "portal.sqlite3")
    write_signage(folder / "signage.sqlite3")
    for name in ("portal.sqlite3", "signage.sqlite3"):
        # Everything into the main file, so that it alone is the fixture.
        db = sqlite3.connect(folder / name)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        for suffix in ("-wal", "-shm", "-rev"):
            Path(folder, name + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
