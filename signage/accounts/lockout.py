"""Sign-in throttling: a lockout per account name and a limit per client address.

After `max_failures` wrong passwords in a row for one name, that name is locked: every sign-in
is refused, even with the right password, until an admin unlocks it (or, when
`lockout_seconds` is not 0, until that time has passed). Names are counted whether or not an
account exists, so the answers never tell which names exist. Independently, a client address
with `address_limit` failures within `window_seconds` is refused until the oldest of them is
out of the window. Zero turns either rule off. Failures of a name that is not locked are
forgotten after `FORGET_AFTER` seconds without another one, so that names typed once by
strangers do not pile up. State lives in the signage SQLite file; this module does not import
Flask.

Why an attempt is counted before its password is checked: the check is slow (scrypt), so
sign-ins sent all at once would otherwise all pass the limit before the first failure was
written, and a password guessed among them would sign in. `LoginGuard.attempt` decides and
counts in one write transaction (`BEGIN IMMEDIATE`), so across threads and processes sharing
the file at most `max_failures` passwords of one name, and `address_limit` of one address, are
ever checked; `succeeded` gives the count back when the password was right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from bluezone.storage.database import Database
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect, immediate

COMPONENT = "lockout"
#: The schema, version by version (`bluezone.storage.migrations`); 1 is the release before
#: migrations, so it holds on a database that release made.
MIGRATIONS = (
    Migration(
        1,
        "sign-in failures per name and per address",
        (
            "CREATE TABLE IF NOT EXISTS login_names ("
            " name TEXT PRIMARY KEY,"
            " failures INTEGER NOT NULL,"
            " last REAL NOT NULL,"
            " locked REAL"
            ")",
            "CREATE TABLE IF NOT EXISTS login_addresses (address TEXT NOT NULL, at REAL NOT NULL)",
            "CREATE INDEX IF NOT EXISTS login_addresses_address ON login_addresses (address, at)",
        ),
        # PostgreSQL has no implicit rowid; the store names a failure's place in its
        # address's count by it, so the column is made under that name. (Otherwise as
        # `postgresql_ddl` would translate version 1.)
        postgresql=(
            "CREATE TABLE IF NOT EXISTS login_names ("
            ' name TEXT COLLATE "C" PRIMARY KEY,'
            " failures BIGINT NOT NULL,"
            " last DOUBLE PRECISION NOT NULL,"
            " locked DOUBLE PRECISION"
            ")",
            "CREATE TABLE IF NOT EXISTS login_addresses ("
            " rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            ' address TEXT COLLATE "C" NOT NULL,'
            " at DOUBLE PRECISION NOT NULL"
            ")",
            "CREATE INDEX IF NOT EXISTS login_addresses_address ON login_addresses (address, at)",
        ),
    ),
)
FORGET_AFTER = 30 * 24 * 3600.0


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in is refused before its password is looked at.

    `reason` is ``locked`` (the name) or ``address`` (too many failures from the address);
    `until` is the Unix time the refusal ends, or None when only an admin can end it.
    """

    reason: str
    until: float | None


@dataclass(frozen=True)
class Failure:
    """The outcome of one wrong password: failures so far, how many remain, and whether the
    name is now locked."""

    failures: int
    remaining: int
    locked: bool


@dataclass(frozen=True)
class Attempt:
    """A sign-in let through to its password check, counted as a failure until `succeeded`.

    `name` is the name as counted (trimmed, lower case); `slot` is its entry in the count of
    its address; `failure` is what the attempt did to the name's count, which stands when the
    password is wrong.
    """

    name: str
    slot: int
    failure: Failure


@dataclass(frozen=True)
class Lock:
    """A locked name: since when, and until when (None: until an admin unlocks it)."""

    name: str
    since: float
    until: float | None


class LoginGuard:
    """Counts sign-in failures per name and per address in the SQLite file at `path`."""

    def __init__(
        self,
        path: Database | Path,
        *,
        max_failures: int,
        lockout_seconds: float,
        address_limit: int,
        window_seconds: float,
    ) -> None:
        #: The database: a `Database`, or the path of a SQLite file.
        self.path = path
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.address_limit = address_limit
        self.window_seconds = window_seconds
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    def _until(self, locked: float) -> float | None:
        return locked + self.lockout_seconds if self.lockout_seconds else None

    def attempt(self, name: str, address: str, now: float) -> Refusal | Attempt:
        """Take one sign-in attempt as `name` from `address` at `now`, before its password
        is checked: a `Refusal` when the name is locked or the address is at its limit,
        otherwise an `Attempt`, already counted as a failure (the name may now be locked).

        Check the password only for an `Attempt`, and call `succeeded` when it is right; a
        wrong one needs nothing more (`Attempt.failure` says what it did to the count).
        """
        name = name.strip().lower()
        with immediate(self.path) as db:
            row = db.execute("SELECT locked FROM login_names WHERE name = ?", (name,)).fetchone()
            if row and row["locked"] is not None:
                until = self._until(float(row["locked"]))
                if until is None or now < until:
                    return Refusal("locked", until)
                db.execute("DELETE FROM login_names WHERE name = ?", (name,))
            since = now - max(self.window_seconds, 0)
            db.execute("DELETE FROM login_addresses WHERE at <= ?", (since,))
            if self.address_limit:
                rows = db.execute(
                    "SELECT at FROM login_addresses WHERE address = ? ORDER BY at",
                    (address,),
                ).fetchall()
                if len(rows) >= self.address_limit:
                    oldest = float(rows[len(rows) - self.address_limit]["at"])
                    return Refusal("address", oldest + self.window_seconds)
            slot = int(
                db.execute(
                    "INSERT INTO login_addresses (address, at) VALUES (?, ?) RETURNING rowid",
                    (address, now),
                ).fetchone()[0]
            )
            db.execute(
                "DELETE FROM login_names WHERE locked IS NULL AND last <= ?",
                (now - FORGET_AFTER,),
            )
            db.execute(
                "INSERT INTO login_names (name, failures, last) VALUES (?, 1, ?)"
                " ON CONFLICT (name) DO UPDATE"
                # The table's name: PostgreSQL finds a bare `failures` ambiguous here.
                " SET failures = login_names.failures + 1, last = excluded.last",
                (name, now),
            )
            failures = int(
                db.execute("SELECT failures FROM login_names WHERE name = ?", (name,)).fetchone()[0]
            )
            locked = bool(self.max_failures) and failures >= self.max_failures
            if locked:
                db.execute(
                    "UPDATE login_names SET locked = ? WHERE name = ? AND locked IS NULL",
                    (now, name),
                )
        remaining = max(self.max_failures - failures, 0) if self.max_failures else math.inf
        assert slot is not None
        return Attempt(name, slot, Failure(failures, int(min(remaining, 2**31)), locked))

    def succeeded(self, attempt: Attempt) -> None:
        """The password of `attempt` was right: forget the failures of its name (and the lock
        it may have set) and free its place in its address's count."""
        with immediate(self.path) as db:
            db.execute("DELETE FROM login_names WHERE name = ?", (attempt.name,))
            db.execute("DELETE FROM login_addresses WHERE rowid = ?", (attempt.slot,))

    def unlock(self, name: str) -> bool:
        """Lift the lock on `name` and forget its failures; True when it was locked."""
        name = name.strip().lower()
        with immediate(self.path) as db:
            row = db.execute("SELECT locked FROM login_names WHERE name = ?", (name,)).fetchone()
            db.execute("DELETE FROM login_names WHERE name = ?", (name,))
        return bool(row and row["locked"] is not None)

    def locks(self, now: float) -> dict[str, Lock]:
        """The names locked at `now`, by name."""
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT name, locked FROM login_names WHERE locked IS NOT NULL"
            ).fetchall()
        result = {}
        for row in rows:
            until = self._until(float(row["locked"]))
            if until is None or now < until:
                result[str(row["name"])] = Lock(str(row["name"]), float(row["locked"]), until)
        return result
