"""Sign-in throttling: per-name lockout after N failures, per-address limit, unlock, expiry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from signage.lockout import FORGET_AFTER, Failure, LoginGuard, Refusal


def guard(tmp_path: Path, **changes: float) -> LoginGuard:
    settings: dict[str, float] = {
        "max_failures": 3,
        "lockout_seconds": 0,
        "address_limit": 0,
        "window_seconds": 900,
    }
    settings.update(changes)
    return LoginGuard(
        tmp_path / "signage.sqlite3",
        max_failures=int(settings["max_failures"]),
        lockout_seconds=settings["lockout_seconds"],
        address_limit=int(settings["address_limit"]),
        window_seconds=settings["window_seconds"],
    )


def test_locked_after_n_failures_until_unlocked(tmp_path: Path) -> None:
    g = guard(tmp_path)
    outcomes = [g.failed("lan", "10.0.0.1", 100.0 + i) for i in range(3)]
    assert outcomes == [Failure(1, 2, False), Failure(2, 1, False), Failure(3, 0, True)]
    assert g.check("Lan", "10.0.0.9", 10_000_000.0) == Refusal("locked", None)
    assert set(g.locks(200.0)) == {"lan"}
    assert g.unlock("lan") is True
    assert g.check("lan", "10.0.0.1", 200.0) is None
    assert g.unlock("lan") is False
    assert g.failed("lan", "10.0.0.1", 201.0) == Failure(1, 2, False)


def test_success_resets_the_count(tmp_path: Path) -> None:
    g = guard(tmp_path)
    g.failed("lan", "a", 1.0)
    g.failed("lan", "a", 2.0)
    g.succeeded("lan")
    assert g.failed("lan", "a", 3.0) == Failure(1, 2, False)


def test_names_are_counted_whether_or_not_they_exist(tmp_path: Path) -> None:
    g = guard(tmp_path)
    for i in range(3):
        g.failed("nobody-has-this-name", "a", float(i))
    assert g.check("nobody-has-this-name", "a", 5.0) == Refusal("locked", None)


def test_lock_with_expiry(tmp_path: Path) -> None:
    g = guard(tmp_path, lockout_seconds=600)
    for i in range(3):
        g.failed("lan", "a", 1000.0 + i)
    assert g.check("lan", "a", 1500.0) == Refusal("locked", 1602.0)
    assert g.check("lan", "a", 1602.0) is None
    assert g.failed("lan", "a", 1603.0).failures == 1


def test_zero_failures_never_locks(tmp_path: Path) -> None:
    g = guard(tmp_path, max_failures=0)
    for i in range(50):
        assert not g.failed("lan", "a", float(i)).locked
    assert g.check("lan", "a", 60.0) is None


def test_address_limit_over_a_sliding_window(tmp_path: Path) -> None:
    g = guard(tmp_path, max_failures=0, address_limit=3, window_seconds=60)
    for i, name in enumerate(["a", "b", "c"]):
        g.failed(name, "10.0.0.1", 100.0 + i)
    assert g.check("d", "10.0.0.1", 110.0) == Refusal("address", 160.0)
    assert g.check("d", "10.0.0.2", 110.0) is None
    assert g.check("d", "10.0.0.1", 160.5) is None


@pytest.mark.parametrize("name", ["lan", " LAN "])
def test_names_are_normalised(tmp_path: Path, name: str) -> None:
    g = guard(tmp_path, max_failures=1)
    g.failed(name, "a", 1.0)
    assert g.check("lan", "a", 2.0) == Refusal("locked", None)


def test_old_failures_of_unlocked_names_are_forgotten(tmp_path: Path) -> None:
    g = guard(tmp_path)
    g.failed("lan", "a", 0.0)
    g.failed("lan", "a", 1.0)
    g.failed("stranger", "a", 2.0)
    later = 2.0 + FORGET_AFTER + 1
    assert g.failed("lan", "a", later) == Failure(1, 2, False)
    with sqlite3.connect(tmp_path / "signage.sqlite3") as db:
        names = {row[0] for row in db.execute("SELECT name FROM login_names")}
    assert names == {"lan"}


def test_a_lock_is_never_forgotten(tmp_path: Path) -> None:
    g = guard(tmp_path)
    for i in range(3):
        g.failed("lan", "a", float(i))
    g.failed("other", "a", 10 * FORGET_AFTER)
    assert g.check("lan", "a", 10 * FORGET_AFTER) == Refusal("locked", None)
