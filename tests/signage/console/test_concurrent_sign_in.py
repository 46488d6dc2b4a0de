"""Sign-ins sent all at once: no more passwords are checked than the limits allow, and the right
password sent among a burst of wrong ones does not sign in once the limit is reached.

Every password check is held until each of the 100 requests has either reached its own check
or been answered, so without a limit taken before the check all 100 would be checked, as
they would be when a slow hash lets a burst through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask

from tests.signage.console.conftest import PASSWORD, console_of, csrf_token

BURST = 100
# Far longer than the burst takes; only reached if the code under test is stuck.
STUCK = 60.0


class Gate:
    """Counts the password checks, and holds each one until every request of the burst has
    either reached a check or been answered."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.checks = 0
        self.answered = 0
        self.condition = threading.Condition()

    def _arrived(self) -> int:
        return self.checks + self.answered

    def offload(self, check: Callable[[], bool]) -> bool:
        with self.condition:
            self.checks += 1
            self.condition.notify_all()
            self.condition.wait_for(lambda: self._arrived() >= self.expected, STUCK)
        return check()

    def answer(self) -> None:
        with self.condition:
            self.answered += 1
            self.condition.notify_all()

    def wait_for_all_but(self, waiting: int) -> None:
        with self.condition:
            self.condition.wait_for(lambda: self._arrived() >= self.expected - waiting, STUCK)


@pytest.fixture
def limits(console_settings: dict[str, Any]) -> dict[str, Any]:
    console_settings.update(LOGIN_MAX_FAILURES=5, LOGIN_ADDRESS_LIMIT=20)
    return console_settings


def _burst(app: Flask, names: list[str]) -> tuple[Gate, list[int], int]:
    """POST the sign-in form once per name from one address, all at once, with a wrong
    password; then, once every one of them is checked or answered, `editor` with the right
    password. Returns the gate, the statuses of the wrong ones and that of the right one."""
    gate = Gate(len(names) + 1)
    store = console_of(app).operators
    store._offload = gate.offload
    clients = [app.test_client() for _ in range(len(names) + 1)]
    tokens = [csrf_token(client) for client in clients]
    start = threading.Barrier(len(names))

    def wrong(i: int) -> int:
        start.wait()
        try:
            response = clients[i].post(
                "/console/login",
                data={"name": names[i], "password": "wrong password!", "csrf_token": tokens[i]},
            )
            return response.status_code
        finally:
            gate.answer()

    def right() -> int:
        gate.wait_for_all_but(1)
        try:
            response = clients[-1].post(
                "/console/login",
                data={"name": "editor", "password": PASSWORD, "csrf_token": tokens[-1]},
            )
            return response.status_code
        finally:
            gate.answer()

    with ThreadPoolExecutor(len(names) + 1) as pool:
        answer = pool.submit(right)
        statuses = list(pool.map(wrong, range(len(names))))
        return gate, statuses, answer.result()


def test_a_burst_for_one_name_checks_at_most_the_lockout_limit(limits: dict[str, Any]) -> None:
    from signage import create_app

    app = create_app(limits)
    console_of(app).operators.add("editor", "editor", ["lobby"], PASSWORD)
    gate, statuses, right = _burst(app, ["editor"] * (BURST - 1))
    assert gate.checks == 5
    assert statuses.count(200) == BURST - 1
    assert right == 200  # refused: the account is locked
    # And later, too, until an administrator unlocks it.
    client = app.test_client()
    response = client.post(
        "/console/login",
        data={"name": "editor", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 200 and "bị khóa" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 303


def test_a_burst_from_one_address_checks_at_most_the_address_limit(
    limits: dict[str, Any],
) -> None:
    from signage import create_app

    app = create_app(limits)
    console_of(app).operators.add("editor", "editor", ["lobby"], PASSWORD)
    gate, statuses, right = _burst(app, [f"name-{i}" for i in range(BURST - 1)])
    assert gate.checks == 20
    assert statuses.count(429) == BURST - 1 - 20
    assert right == 429
