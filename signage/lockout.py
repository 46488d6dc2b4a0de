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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .database import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS login_names (
    name TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last REAL NOT NULL,
    locked REAL
);
CREATE TABLE IF NOT EXISTS login_addresses (address TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_addresses_address ON login_addresses (address, at);
"""
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
class Lock:
    """A locked name: since when, and until when (None: until an admin unlocks it)."""

    name: str
    since: float
    until: float | None


class LoginGuard:
    """Counts sign-in failures per name and per address in the SQLite file at `path`."""

    def __init__(
        self,
        path: Path,
        *,
        max_failures: int,
        lockout_seconds: float,
        address_limit: int,
        window_seconds: float,
    ) -> None:
        self.path = path
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.address_limit = address_limit
        self.window_seconds = window_seconds
        with connect(path) as db:
            db.executescript(SCHEMA)

    def _until(self, locked: float) -> float | None:
        return locked + self.lockout_seconds if self.lockout_seconds else None

    def check(self, name: str, address: str, now: float) -> Refusal | None:
        """The reason to refuse a sign-in as `name` from `address` at `now`, or None."""
        name = name.strip().lower()
        with connect(self.path) as db:
            row = db.execute("SELECT locked FROM login_names WHERE name = ?", (name,)).fetchone()
            if row and row["locked"] is not None:
                until = self._until(float(row["locked"]))
                if until is None or now < until:
                    return Refusal("locked", until)
                db.execute("DELETE FROM login_names WHERE name = ?", (name,))
            if self.address_limit:
                since = now - self.window_seconds
                rows = db.execute(
                    "SELECT at FROM login_addresses WHERE address = ? AND at > ? ORDER BY at",
                    (address, since),
                ).fetchall()
                if len(rows) >= self.address_limit:
                    oldest = float(rows[len(rows) - self.address_limit]["at"])
                    return Refusal("address", oldest + self.window_seconds)
        return None

    def failed(self, name: str, address: str, now: float) -> Failure:
        """Count a wrong password for `name` from `address`; lock the name at the limit."""
        name = name.strip().lower()
        with connect(self.path) as db:
            db.execute(
                "DELETE FROM login_addresses WHERE at <= ?", (now - max(self.window_seconds, 0),)
            )
            db.execute("INSERT INTO login_addresses (address, at) VALUES (?, ?)", (address, now))
            db.execute(
                "DELETE FROM login_names WHERE locked IS NULL AND last <= ?",
                (now - FORGET_AFTER,),
            )
            db.execute(
                "INSERT INTO login_names (name, failures, last) VALUES (?, 1, ?)"
                " ON CONFLICT (name) DO UPDATE SET failures = failures + 1, last = excluded.last",
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
        return Failure(failures, int(min(remaining, 2**31)), locked)

    def succeeded(self, name: str) -> None:
        """Forget the failures of `name` after a correct password."""
        with connect(self.path) as db:
            db.execute("DELETE FROM login_names WHERE name = ?", (name.strip().lower(),))

    def unlock(self, name: str) -> bool:
        """Lift the lock on `name` and forget its failures; True when it was locked."""
        name = name.strip().lower()
        with connect(self.path) as db:
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
