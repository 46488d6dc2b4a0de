"""Operator accounts: roles and groups, validation, the last admin, sign-in and rehashing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bluezone.storage.database import Database
from signage.accounts.operators import (
    LastAdmin,
    Operator,
    OperatorError,
    OperatorStore,
    UnknownOperator,
    clean_name,
)
from signage.accounts.passwords import Scrypt

PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(database: Database) -> OperatorStore:
    return OperatorStore(database, Scrypt(n=1024))


ROLE_TABLE = [
    # role, asked role, may
    ("viewer", "viewer", True),
    ("viewer", "editor", False),
    ("viewer", "admin", False),
    ("editor", "viewer", True),
    ("editor", "editor", True),
    ("editor", "admin", False),
    ("admin", "viewer", True),
    ("admin", "editor", True),
    ("admin", "admin", True),
]


@pytest.mark.parametrize(("role", "asked", "expected"), ROLE_TABLE)
def test_may(role: str, asked: str, expected: bool) -> None:
    assert Operator("someone", role, ("lobby",)).may(asked) is expected


@pytest.mark.parametrize(
    ("role", "groups", "group", "expected"),
    [
        ("admin", (), "lobby", True),
        ("admin", (), "gate", True),
        ("editor", ("lobby",), "lobby", True),
        ("editor", ("lobby",), "gate", False),
        ("editor", (), "lobby", False),
        ("viewer", ("lobby",), "lobby", False),
    ],
)
def test_may_edit_group(role: str, groups: tuple[str, ...], group: str, expected: bool) -> None:
    assert Operator("someone", role, groups).may_edit_group(group) is expected


def test_unknown_role_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown role 'owner'"):
        Operator("someone", "viewer").may("owner")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("lan", "lan"), (" Lan.Nguyen ", "lan.nguyen"), ("op_2", "op_2"), ("a-b", "a-b")],
)
def test_names_are_stored_in_lower_case(name: str, expected: str) -> None:
    assert clean_name(name) == expected


@pytest.mark.parametrize("name", ["", "-lan", "lan nguyen", "lân", "a" * 65, "x/y"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(OperatorError, match="not a valid name"):
        clean_name(name)


def test_add_list_update_remove(store: OperatorStore) -> None:
    store.add("boss", "admin", [], PASSWORD)
    added = store.add("Lan", "editor", ["lobby", "gate", "lobby"], PASSWORD)
    assert added == Operator("lan", "editor", ("gate", "lobby"))
    assert [o.name for o in store.all()] == ["boss", "lan"]
    assert store.update("lan", "viewer", []) == Operator("lan", "viewer", ())
    assert store.get("LAN") == Operator("lan", "viewer", ())
    store.remove("lan")
    assert store.get("lan") is None


@pytest.mark.parametrize(
    ("name", "role", "groups", "password", "message"),
    [
        ("boss", "viewer", [], PASSWORD, "already exists"),
        ("new", "owner", [], PASSWORD, "unknown role 'owner'"),
        ("new", "editor", ["Lobby"], PASSWORD, "not a valid group id"),
        ("new", "editor", [], "short", "at least 10 characters"),
    ],
)
def test_add_refuses(
    store: OperatorStore, name: str, role: str, groups: list[str], password: str, message: str
) -> None:
    store.add("boss", "admin", [], PASSWORD)
    with pytest.raises(OperatorError, match=message):
        store.add(name, role, groups, password)


def test_the_last_admin_stays(store: OperatorStore) -> None:
    store.add("boss", "admin", [], PASSWORD)
    with pytest.raises(LastAdmin, match="last admin"):
        store.remove("boss")
    with pytest.raises(LastAdmin, match="last admin"):
        store.update("boss", "editor", ["lobby"])
    store.add("second", "admin", [], PASSWORD)
    store.update("boss", "editor", ["lobby"])
    with pytest.raises(LastAdmin):
        store.remove("second")


def test_unknown_operator(store: OperatorStore) -> None:
    changes: list[Callable[[], Operator]] = [
        lambda: store.remove("ghost"),
        lambda: store.update("ghost", "viewer", []),
        lambda: store.set_password("ghost", PASSWORD),
    ]
    for change in changes:
        with pytest.raises(UnknownOperator, match="no operator is called 'ghost'"):
            change()


def test_authenticate(store: OperatorStore) -> None:
    store.add("lan", "editor", ["lobby"], PASSWORD)
    assert store.authenticate("lan", PASSWORD) == Operator("lan", "editor", ("lobby",))
    assert store.authenticate(" LAN ", PASSWORD) is not None
    assert store.authenticate("lan", PASSWORD + "!") is None
    assert store.authenticate("ghost", PASSWORD) is None


def test_password_change_bumps_the_epoch(store: OperatorStore) -> None:
    store.add("lan", "editor", [], PASSWORD)
    changed = store.set_password("lan", "another long password")
    assert changed.epoch == 1
    assert store.authenticate("lan", PASSWORD) is None
    assert store.authenticate("lan", "another long password") == changed


def test_hash_is_renewed_at_sign_in_when_the_cost_changes(database: Database) -> None:
    OperatorStore(database, Scrypt(n=1024)).add("lan", "viewer", [], PASSWORD)
    stronger = OperatorStore(database, Scrypt(n=2048))
    assert str(stronger.stored_hash("lan")).startswith("scrypt$1024$")
    assert stronger.authenticate("lan", PASSWORD) is not None
    renewed = stronger.stored_hash("lan")
    assert renewed is not None and renewed.startswith("scrypt$2048$8$3$")
    assert stronger.authenticate("lan", PASSWORD) is not None
    assert stronger.authenticate("lan", "wrong password!") is None
    assert stronger.stored_hash("lan") == renewed


def test_password_is_checked_through_offload(database: Database) -> None:
    calls: list[str] = []

    def offload(check: Callable[[], bool]) -> bool:
        calls.append("offloaded")
        return check()

    store = OperatorStore(database, Scrypt(n=1024), offload)
    store.add("lan", "viewer", [], PASSWORD)
    assert store.authenticate("lan", PASSWORD) is not None
    assert store.authenticate("ghost", PASSWORD) is None
    assert calls == ["offloaded", "offloaded"]
