"""Sign-in throttling: per-name lockout after N failures, per-address limit, unlock, expiry,
and attempts counted before their password is checked, so that concurrent sign-ins cannot
get past the limits."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from bluezone.storage.database import Database
from signage.accounts.lockout import FORGET_AFTER, Attempt, Failure, LoginGuard, Refusal


def guard(database: Database, **changes: float) -> LoginGuard:
    settings: dict[str, float] = {
        "max_failures": 3,
        "lockout_seconds": 0,
        "address_limit": 0,
        "window_seconds": 900,
    }
    settings.update(changes)
    return LoginGuard(
        database,
        max_failures=int(settings["max_failures"]),
        lockout_seconds=settings["lockout_seconds"],
        address_limit=int(settings["address_limit"]),
        window_seconds=settings["window_seconds"],
    )


def fail(g: LoginGuard, name: str, address: str, now: float) -> Failure:
    """An attempt whose password turns out wrong: what it did to the count."""
    attempt = g.attempt(name, address, now)
    assert isinstance(attempt, Attempt), attempt
    return attempt.failure


def test_locked_after_n_failures_until_unlocked(database: Database) -> None:
    g = guard(database)
    outcomes = [fail(g, "lan", "10.0.0.1", 100.0 + i) for i in range(3)]
    assert outcomes == [Failure(1, 2, False), Failure(2, 1, False), Failure(3, 0, True)]
    assert g.attempt("Lan", "10.0.0.9", 10_000_000.0) == Refusal("locked", None)
    assert set(g.locks(200.0)) == {"lan"}
    assert g.unlock("lan") is True
    assert g.unlock("lan") is False
    assert fail(g, "lan", "10.0.0.1", 201.0) == Failure(1, 2, False)


def test_success_resets_the_count(database: Database) -> None:
    g = guard(database)
    fail(g, "lan", "a", 1.0)
    fail(g, "lan", "a", 2.0)
    right = g.attempt("lan", "a", 3.0)
    assert isinstance(right, Attempt) and right.failure.locked
    g.succeeded(right)
    assert fail(g, "lan", "a", 4.0) == Failure(1, 2, False)


def test_success_frees_its_place_in_the_address_count(database: Database) -> None:
    g = guard(database, max_failures=0, address_limit=2, window_seconds=60)
    fail(g, "a", "10.0.0.1", 1.0)
    right = g.attempt("b", "10.0.0.1", 2.0)
    assert isinstance(right, Attempt)
    g.succeeded(right)
    assert isinstance(g.attempt("c", "10.0.0.1", 3.0), Attempt)
    assert g.attempt("d", "10.0.0.1", 4.0) == Refusal("address", 61.0)


def test_names_are_counted_whether_or_not_they_exist(database: Database) -> None:
    g = guard(database)
    for i in range(3):
        fail(g, "nobody-has-this-name", "a", float(i))
    assert g.attempt("nobody-has-this-name", "a", 5.0) == Refusal("locked", None)


def test_lock_with_expiry(database: Database) -> None:
    g = guard(database, lockout_seconds=600)
    for i in range(3):
        fail(g, "lan", "a", 1000.0 + i)
    assert g.attempt("lan", "a", 1500.0) == Refusal("locked", 1602.0)
    assert fail(g, "lan", "a", 1602.0).failures == 1


def test_zero_failures_never_locks(database: Database) -> None:
    g = guard(database, max_failures=0)
    for i in range(50):
        assert not fail(g, "lan", "a", float(i)).locked


def test_address_limit_over_a_sliding_window(database: Database) -> None:
    g = guard(database, max_failures=0, address_limit=3, window_seconds=60)
    for i, name in enumerate(["a", "b", "c"]):
        fail(g, name, "10.0.0.1", 100.0 + i)
    assert g.attempt("d", "10.0.0.1", 110.0) == Refusal("address", 160.0)
    assert isinstance(g.attempt("d", "10.0.0.2", 110.0), Attempt)
    assert isinstance(g.attempt("d", "10.0.0.1", 160.5), Attempt)


@pytest.mark.parametrize("name", ["lan", " LAN "])
def test_names_are_normalised(database: Database, name: str) -> None:
    g = guard(database, max_failures=1)
    fail(g, name, "a", 1.0)
    assert g.attempt("lan", "a", 2.0) == Refusal("locked", None)


def test_old_failures_of_unlocked_names_are_forgotten(database: Database) -> None:
    g = guard(database)
    fail(g, "lan", "a", 0.0)
    fail(g, "lan", "a", 1.0)
    fail(g, "stranger", "a", 2.0)
    later = 2.0 + FORGET_AFTER + 1
    assert fail(g, "lan", "a", later) == Failure(1, 2, False)
    with database.transaction() as db:
        names = {row[0] for row in db.execute("SELECT name FROM login_names")}
    assert names == {"lan"}


def test_a_lock_is_never_forgotten(database: Database) -> None:
    g = guard(database)
    for i in range(3):
        fail(g, "lan", "a", float(i))
    fail(g, "other", "a", 10 * FORGET_AFTER)
    assert g.attempt("lan", "a", 10 * FORGET_AFTER) == Refusal("locked", None)


# -- attempts sent all at once -----------------------------------------------------------


def _attempt_in_new_guard(path: str, name: str, address: str) -> bool:
    """One attempt through a guard of its own (its own connections, as another worker
    process has); True when it was let through to the password check."""
    g = LoginGuard(
        Database.from_url(path),
        max_failures=5,
        lockout_seconds=0,
        address_limit=20,
        window_seconds=900,
    )
    return isinstance(g.attempt(name, address, 1000.0), Attempt)


def test_concurrent_attempts_of_one_name_let_through_at_most_the_limit(database: Database) -> None:
    path = database.url or database.path
    guard(database)  # the tables
    start = threading.Barrier(100)

    def one(i: int) -> bool:
        start.wait()
        return _attempt_in_new_guard(str(path), "editor", "10.0.0.1")

    with ThreadPoolExecutor(100) as pool:
        through = sum(pool.map(one, range(100)))
    assert through == 5
    g = guard(database, max_failures=5, address_limit=20)
    assert g.attempt("editor", "10.0.0.2", 1001.0) == Refusal("locked", None)


def test_concurrent_attempts_of_one_address_let_through_at_most_its_limit(
    database: Database,
) -> None:
    path = database.url or database.path
    guard(database)
    start = threading.Barrier(60)

    def one(i: int) -> bool:
        start.wait()
        return _attempt_in_new_guard(str(path), f"name-{i}", "10.0.0.1")

    with ThreadPoolExecutor(60) as pool:
        through = sum(pool.map(one, range(60)))
    assert through == 20


def test_attempts_from_several_processes_share_the_limit(database: Database) -> None:
    path = database.url or database.path
    guard(database)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=context) as pool:
        outcomes = list(
            pool.map(_attempt_in_new_guard, [str(path)] * 24, ["editor"] * 24, ["a"] * 24)
        )
    assert sum(outcomes) == 5
