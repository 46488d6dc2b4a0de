"""The shared login: one at a time, and a request never waits past its deadline for another's."""

from __future__ import annotations

import threading
import time

import pytest

from portal.controllers.errors import ControllerUnavailable
from portal.controllers.http import ControllerHTTP, Deadline
from portal.controllers.session import LoginSession


def test_a_request_waits_for_another_login_only_until_its_deadline() -> None:
    started = threading.Event()

    def slow_login(deadline: Deadline) -> None:
        started.set()
        time.sleep(0.6)

    session = LoginSession(ControllerHTTP("http://127.0.0.1:9", vendor="Test"), slow_login)
    first = threading.Thread(target=session.current, args=(Deadline(2),))
    first.start()
    assert started.wait(2)
    start = time.monotonic()
    with pytest.raises(ControllerUnavailable, match="another request's login"):
        session.current(Deadline(0.2))
    # Well under the 0.6 s login: it gave up at its own deadline instead of waiting.
    assert 0.15 < time.monotonic() - start < 0.5
    first.join(2)
    assert session.logins == 1
    assert session.current(Deadline(0.2)) == 1, "the finished login is shared"


def test_a_failed_login_leaves_no_session() -> None:
    calls: list[float] = []

    def failing_login(deadline: Deadline) -> None:
        calls.append(deadline.remaining())
        raise ControllerUnavailable("down")

    session = LoginSession(ControllerHTTP("http://127.0.0.1:9", vendor="Test"), failing_login)
    for _ in range(2):
        with pytest.raises(ControllerUnavailable):
            session.current(Deadline(1))
    assert len(calls) == 2
    assert session.logins == 0
