"""Campaign events (splash views, accepts, store clicks, QR scans), counted per hour.

Counting happens in memory and is written to the store in one transaction every
``flush_seconds`` (at once when it is 0) and when the process exits, so the splash page never
waits for a database write. Only venue, language, OS family and link source are kept.
"""

from __future__ import annotations

import atexit
import functools
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from bluezone import venuereport
from bluezone.storage.database import DatabaseError

from ..sessions.store import EventKey, Store

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _hour(hours_since_epoch: int) -> str:
    """The UTC hour as counted under, e.g. ``2026-11-28T14``."""
    return datetime.fromtimestamp(hours_since_epoch * 3600, UTC).strftime("%Y-%m-%dT%H")


#: The event kinds (one list for the portal, the reports and the console's results).
KINDS = venuereport.KINDS


def _flush_at_exit(flush: weakref.WeakMethod[Callable[[], None]]) -> None:
    """Call `flush` if its event log still exists."""
    method = flush()
    if method is not None:
        method()


class EventLog:
    """Buffers event counts for one process and flushes them to a :class:`Store`."""

    def __init__(self, store: Store, flush_seconds: float) -> None:
        self._store = store
        self._flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._pending: Counter[EventKey] = Counter()
        self._last_flush = time.monotonic()
        # Flush what is pending at exit. Held weakly: an app given up before then (each test
        # makes its own) must not stay alive, with its database connections, until exit.
        atexit.register(_flush_at_exit, weakref.WeakMethod(self.flush))

    def record(self, kind: str, venue: str, lang: str, os: str, src: str = "") -> None:
        """Count one event of ``kind`` (one of ``KINDS``) now."""
        hour = _hour(int(time.time()) // 3600)
        with self._lock:
            self._pending[EventKey(hour, kind, venue, lang, os, src)] += 1
            due = time.monotonic() - self._last_flush >= self._flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Write pending counts to the store."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not pending:
            return
        try:
            self._store.add_events(pending.items())
        except DatabaseError:
            # Keep the counts for the next flush rather than lose them; the store will be
            # back when the lock or disk problem is.
            log.warning("could not save campaign counts; keeping them for later", exc_info=True)
            with self._lock:
                self._pending.update(pending)
