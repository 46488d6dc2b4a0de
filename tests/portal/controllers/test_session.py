"""The shared login: one at a time, and a request never waits past its deadline for another's."""

from __future__ import annotations

import threading

import pytest

from portal.controllers.errors import ControllerUnavailable
from portal.controllers.http import ControllerHTTP, Deadline
from portal.controllers.session import LoginSession


def test_a_request_waits_for_another_login_only_until_its_deadline() -> None:
    started, release = threading.Event(), threading.Event()

    def slow_login(deadline: Deadline) -> None:
        started.set()
        release.wait(30)

    session = LoginSession(ControllerHTTP("http://127.0.0.1:9", vendor="Test"), slow_login)
    first = threading.Thread(target=session.current, args=(Deadline(5),))
    first.start()
    assert started.wait(5)
    with pytest.raises(ControllerUnavailable, match="another request's login"):
        session.current(Deadline(0.2))
    # It gave up at its own deadline while the other login was still going on.
    assert first.is_alive()
    release.set()
    first.join(5)
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
