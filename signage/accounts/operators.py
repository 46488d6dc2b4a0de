"""Operator accounts of the console: who they are, their role and groups, their password.

Roles are ordered ``viewer < editor < admin``. Viewers see everything; editors change the
playlists and send overrides to the groups they are given; admins may do everything, on every
group. The store keeps accounts in the `operators` table of the signage SQLite file and is
their only writer; it refuses to remove or demote the last admin. Removing an account or
setting its password ends its console sessions (`signage.accounts.sessions`) in the same
transaction. Sign-in failures and lockouts are `signage.accounts.lockout`'s business. This
module does not import Flask.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bluezone.storage.database import Connection, Database, Row
from bluezone.storage.migrations import Migration, migrate
from signage.accounts import sessions
from signage.accounts.passwords import (
    PasswordError,
    Scrypt,
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from signage.database import connect

ROLES = ("viewer", "editor", "admin")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
GROUP = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

COMPONENT = "operators"
#: The schema, version by version (`bluezone.storage.migrations`); 1 is the release before
#: migrations, so it holds on a database that release made.
MIGRATIONS = (
    Migration(
        1,
        "operator accounts",
        (
            "CREATE TABLE IF NOT EXISTS operators ("
            " name TEXT PRIMARY KEY,"
            " role TEXT NOT NULL,"
            " groups TEXT NOT NULL,"
            " password TEXT NOT NULL,"
            " epoch INTEGER NOT NULL DEFAULT 0,"
            " created REAL NOT NULL,"
            " updated REAL NOT NULL"
            ")",
        ),
    ),
)

Offload = Callable[[Callable[[], bool]], bool]


class OperatorError(ValueError):
    """A change to the accounts is refused; the message says why (in English, for the CLI)."""


class UnknownOperator(OperatorError, LookupError):
    """No operator has this name."""


class LastAdmin(OperatorError):
    """The change would leave the console without any admin."""


class InvalidName(OperatorError):
    """The name does not follow the rules for account names."""


class NameTaken(OperatorError):
    """Another account already has this name."""


class InvalidGroup(OperatorError):
    """A group id does not follow the rules for group ids."""


class InvalidRole(OperatorError):
    """The role is not one of `ROLES`."""


class WeakPassword(OperatorError):
    """The new password is too short or too long."""


def role_rank(role: str) -> int:
    """0 for viewer, 1 for editor, 2 for admin; `ValueError` for anything else."""
    try:
        return ROLES.index(role)
    except ValueError:
        raise ValueError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}") from None


@dataclass(frozen=True)
class Operator:
    """A console account as the console sees it (never the password hash).

    `epoch` changes whenever the password is set, so that sessions opened before are ended.
    """

    name: str
    role: str
    groups: tuple[str, ...] = ()
    epoch: int = 0

    def may(self, role: str) -> bool:
        """True when this operator's role is `role` or above it."""
        return role_rank(self.role) >= role_rank(role)

    def may_edit_group(self, group: str) -> bool:
        """Admins: every group; editors: the groups they are given; viewers: none."""
        if self.role == "admin":
            return True
        return self.role == "editor" and group in self.groups


def clean_name(name: str) -> str:
    """The account name in its stored form (trimmed, lower case), or `OperatorError`."""
    cleaned = name.strip().lower()
    if not NAME.match(cleaned):
        raise InvalidName(
            f"{name!r} is not a valid name: use 1 to 64 letters a-z, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return cleaned


def clean_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """Group ids, checked, without duplicates, sorted; `OperatorError` on a malformed id."""
    result = set()
    for group in groups:
        group = group.strip()
        if not GROUP.match(group):
            raise InvalidGroup(
                f"{group!r} is not a valid group id: lower-case letters, digits and '-'"
            )
        result.add(group)
    return tuple(sorted(result))


def _check_role(role: str) -> str:
    try:
        role_rank(role)
    except ValueError as exc:
        raise InvalidRole(str(exc)) from None
    return role


def _row(row: Row) -> Operator:
    groups = tuple(str(g) for g in json.loads(row["groups"]))
    return Operator(str(row["name"]), str(row["role"]), groups, int(row["epoch"]))


def _direct(check: Callable[[], bool]) -> bool:
    return check()


class OperatorStore:
    """Accounts in the SQLite file at `path`; hashing with `params`.

    `offload` runs a password hash computation (CPU- and memory-heavy) and returns its result;
    the server passes one that uses a worker thread so that screens are not held up.
    """

    def __init__(self, path: Database | Path, params: Scrypt, offload: Offload = _direct) -> None:
        #: The database: a `Database`, or the path of a SQLite file.
        self.path = path
        self.params = params
        self._offload = offload
        # Compared against when the name is unknown, so that both cases cost the same time.
        self._dummy = hash_password("not a password of anyone", params)
        # Removing an operator ends their console sessions, in the same transaction.
        migrate(Database.of(path), sessions.COMPONENT, sessions.MIGRATIONS)
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    def get(self, name: str) -> Operator | None:
        """The operator called `name` (any case), or None."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT name, role, groups, epoch FROM operators WHERE name = ?",
                (name.strip().lower(),),
            ).fetchone()
        return _row(row) if row else None

    def all(self) -> list[Operator]:
        """Every operator, by name."""
        with connect(self.path) as db:
            rows = db.execute("SELECT name, role, groups, epoch FROM operators ORDER BY name")
            return [_row(row) for row in rows]

    def add(self, name: str, role: str, groups: Iterable[str], password: str) -> Operator:
        """Create an account; `OperatorError` when the name is taken or a value is bad."""
        name = clean_name(name)
        _check_role(role)
        cleaned = clean_groups(groups)
        self._check_password(password)
        stored = hash_password(password, self.params)
        now = time.time()
        with connect(self.path) as db:
            taken = db.execute("SELECT 1 FROM operators WHERE name = ?", (name,)).fetchone()
            if taken:
                raise NameTaken(f"an operator called {name!r} already exists")
            db.execute(
                "INSERT INTO operators (name, role, groups, password, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (name, role, json.dumps(list(cleaned)), stored, now, now),
            )
        return Operator(name, role, cleaned)

    def update(self, name: str, role: str, groups: Iterable[str]) -> Operator:
        """Set the role and groups of `name`; `LastAdmin` when that demotes the last admin."""
        _check_role(role)
        cleaned = clean_groups(groups)
        with connect(self.path) as db:
            current = self._require(db, name)
            if current.role == "admin" and role != "admin" and self._admins(db) == 1:
                raise LastAdmin(f"{current.name} is the last admin; make another admin first")
            db.execute(
                "UPDATE operators SET role = ?, groups = ?, updated = ? WHERE name = ?",
                (role, json.dumps(list(cleaned)), time.time(), current.name),
            )
        return Operator(current.name, role, cleaned, current.epoch)

    def remove(self, name: str) -> Operator:
        """Delete the account `name` and end its sessions; `LastAdmin` when it is the last
        admin."""
        with connect(self.path) as db:
            current = self._require(db, name)
            if current.role == "admin" and self._admins(db) == 1:
                raise LastAdmin(f"{current.name} is the last admin and cannot be removed")
            db.execute("DELETE FROM operators WHERE name = ?", (current.name,))
            # Else a session of this account would open again for a new account of its name.
            sessions.end_all_in(db, current.name)
        return current

    def set_password(self, name: str, password: str) -> Operator:
        """Replace the password of `name`; its open sessions end (and the epoch changes)."""
        self._check_password(password)
        stored = hash_password(password, self.params)
        with connect(self.path) as db:
            current = self._require(db, name)
            db.execute(
                "UPDATE operators SET password = ?, epoch = epoch + 1, updated = ? WHERE name = ?",
                (stored, time.time(), current.name),
            )
            sessions.end_all_in(db, current.name)
        return Operator(current.name, current.role, current.groups, current.epoch + 1)

    def authenticate(self, name: str, password: str) -> Operator | None:
        """The operator when `name` and `password` match, else None.

        An unknown name costs the same hash computation as a known one. A hash made with
        other parameters than the store's is replaced by a new one (same password).
        """
        with connect(self.path) as db:
            row = db.execute(
                "SELECT name, role, groups, epoch, password FROM operators WHERE name = ?",
                (name.strip().lower(),),
            ).fetchone()
        stored = str(row["password"]) if row else self._dummy
        matches = self._offload(lambda: verify_password(password, stored))
        if not (row and matches):
            return None
        operator = _row(row)
        if needs_rehash(stored, self.params):
            fresh = hash_password(password, self.params)
            with connect(self.path) as db:
                db.execute(
                    "UPDATE operators SET password = ? WHERE name = ? AND password = ?",
                    (fresh, operator.name, stored),
                )
        return operator

    def stored_hash(self, name: str) -> str | None:
        """The stored password hash of `name` (for tests and diagnostics), or None."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT password FROM operators WHERE name = ?", (name.strip().lower(),)
            ).fetchone()
        return str(row[0]) if row else None

    @staticmethod
    def _check_password(password: str) -> None:
        try:
            check_new_password(password)
        except PasswordError as exc:
            raise WeakPassword(str(exc)) from None

    @staticmethod
    def _admins(db: Connection) -> int:
        count: int = db.execute("SELECT COUNT(*) FROM operators WHERE role = 'admin'").fetchone()[0]
        return count

    @staticmethod
    def _require(db: Connection, name: str) -> Operator:
        row = db.execute(
            "SELECT name, role, groups, epoch FROM operators WHERE name = ?",
            (name.strip().lower(),),
        ).fetchone()
        if row is None:
            raise UnknownOperator(f"no operator is called {name!r}")
        return _row(row)
