"""A controller login shared by every request thread of a portal worker.

Controllers that need a login (UniFi, Omada) keep one session per controller: logged in lazily on
the first call, at most one login running at a time, and an expired session replaced by exactly
one new login however many threads notice the expiry at once. A call that finds the session
expired is sent again once after the new login; if the controller still says "log in", it is
refused (the account has no rights, or the controller forgets sessions at once).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .http import ControllerHTTP, Deadline, Response, refused, unavailable


class LoginSession:
    """The login state of one controller; ``login`` logs in (raising a ControllerError)."""

    def __init__(self, client: ControllerHTTP, login: Callable[[Deadline], None]) -> None:
        self._client = client
        self._login = login
        self._lock = threading.Lock()
        self._number = 0

    @property
    def logins(self) -> int:
        """How many logins succeeded so far."""
        return self._number

    def current(self, deadline: Deadline, stale: int | None = None) -> int:
        """The number of a live session, logging in when there is none or it is ``stale``."""
        number = self._number
        if number and number != stale:
            return number
        if not self._lock.acquire(timeout=deadline.remaining()):
            raise unavailable(self._client, "no answer in time to another request's login")
        try:
            if self._number and self._number != stale:
                return self._number
            self._login(deadline)
            self._number += 1
            return self._number
        finally:
            self._lock.release()

    def call(
        self,
        deadline: Deadline,
        send: Callable[[], Response],
        expired: Callable[[Response], bool],
    ) -> Response:
        """``send()`` in a live session; after an ``expired`` answer, log in and send it again."""
        number = self.current(deadline)
        response = send()
        if not expired(response):
            return response
        self.current(deadline, stale=number)
        response = send()
        if expired(response):
            raise refused(self._client, "it asks for a login again right after logging in")
        return response
