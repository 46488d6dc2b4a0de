"""The console audit log: append, newest first, filters."""

from __future__ import annotations

import pytest

from bluezone.storage.database import Database
from signage.accounts.audit import MAX_FIELD, AuditLog, Query


@pytest.fixture
def log(database: Database) -> AuditLog:
    log = AuditLog(database)
    log.record("lan", "login", "lan", "role editor", "10.0.0.5", at=100.0)
    log.record("-", "login.failed", "minh", "failure 1", "10.0.0.6", at=200.0)
    log.record("boss", "operator.add", "minh", "role viewer", at=300.0)
    log.record("boss", "operator.remove", "old", at=400.0)
    return log


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Query(), ["operator.remove", "operator.add", "login.failed", "login"]),
        (Query(actor="boss"), ["operator.remove", "operator.add"]),
        (Query(action="login"), ["login"]),
        (Query(action="operator."), ["operator.remove", "operator.add"]),
        (Query(text="MINH"), ["operator.add", "login.failed"]),
        (Query(text="role"), ["operator.add", "login"]),
        (Query(since=150.0, until=350.0), ["operator.add", "login.failed"]),
        (Query(actor="nobody"), []),
    ],
)
def test_filters_newest_first(log: AuditLog, query: Query, expected: list[str]) -> None:
    assert [e.action for e in log.entries(query)] == expected


def test_paging_and_actions(log: AuditLog) -> None:
    assert [e.at for e in log.entries(limit=2, offset=1)] == [300.0, 200.0]
    assert log.actions() == ["login", "login.failed", "operator.add", "operator.remove"]


def test_long_fields_are_cut(database: Database) -> None:
    log = AuditLog(database)
    entry = log.record("lan", "playlist.publish", "lobby", "x" * 5000)
    assert len(entry.detail) == MAX_FIELD
    assert log.entries()[0] == entry
