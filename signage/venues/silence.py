"""Alerts when a venue box falls silent and when it reports again, sent once for the cluster.

A box is silent when its last report is older than ``venue_silent_minutes``. The background
pass of every node calls `Silence.check`; the change to ``silent`` is one conditional update
(``UPDATE venues SET state = 'silent' WHERE state = 'reporting' AND last_report < ?``), so
whichever node runs it first moves the row and sends the alert, and the others find nothing
to move. A node that has just started waits ``venue_silent_minutes`` before it moves anything:
after the signage server itself was down, every box's last report is old, and the boxes need
one interval to report again, not an alert each. The way back is decided the same way by the
node that stores the box's next report (`signage.venues.store.VenueStore.record`), which calls
`back`. No Flask import.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from signage.venues.store import VenueStore

log = logging.getLogger(__name__)


class Silence:
    """Moves silent venues and sends their alerts through ``notify`` (the webhook's `send`,
    or None when no webhook is configured: the state still moves, for the Venues page).

    ``silent_after`` is in seconds; the database is looked at no more often than every
    ``every`` seconds (the background pass runs several times a second)."""

    def __init__(
        self,
        store: VenueStore,
        silent_after: float,
        notify: Callable[[dict[str, Any]], None] | None,
        every: float = 10.0,
    ) -> None:
        self.store = store
        self.silent_after = silent_after
        self.notify = notify
        self.every = every
        self._checked = float("-inf")
        self._started: float | None = None
        self._lock = threading.Lock()

    def check(self, now: float) -> list[str]:
        """Move the venues silent at ``now`` and alert for each; the ids this node moved."""
        with self._lock:
            if self._started is None:
                self._started = now
            if now - self._checked < self.every or now - self._started < self.silent_after:
                return []
            self._checked = now
        moved = self.store.mark_silent(now - self.silent_after)
        for venue in moved:
            log.warning("venue %s is silent since %s", venue.id, venue.last_report)
            self._send(
                {
                    "event": "venue_silent",
                    "venue": venue.id,
                    "at": int(now * 1000),
                    "last_report": int((venue.last_report or 0) * 1000),
                    "silent_minutes": round(self.silent_after / 60, 2),
                }
            )
        return [venue.id for venue in moved]

    def back(self, venue: str, now: float) -> None:
        """Alert that ``venue``, silent until now, reports again."""
        log.info("venue %s reports again", venue)
        self._send({"event": "venue_reporting", "venue": venue, "at": int(now * 1000)})

    def _send(self, payload: dict[str, Any]) -> None:
        if self.notify is not None:
            self.notify(payload)
