"""Alerts when a screen goes offline and when it comes back, with flapping debounced.

The rule (also in the README): a screen's change of state is reported only once the new state
has held for `delay` seconds without interruption. A reload, a short network cut or a server
restart that the screen survives within `delay` therefore raises nothing. A screen is "back
online" only after an "offline" alert was raised for it, and a screen seen for the first time
(at server start every screen is still disconnected) sets its state silently. This module is
pure: the hub feeds it observations and decides what to do with the alerts.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Alert:
    """One reported change: `online` false when the screen went offline, true when back."""

    screen_id: str
    online: bool
    at: float
    changed_at: float

    @property
    def event(self) -> str:
        return "screen_online" if self.online else "screen_offline"

    def to_json(self) -> dict[str, Any]:
        """The form sent to console browsers (times in Unix milliseconds)."""
        return {
            "event": self.event,
            "screen": self.screen_id,
            "online": self.online,
            "at": int(self.at * 1000),
            "changed_at": int(self.changed_at * 1000),
        }


@dataclass
class _Track:
    reported: bool
    alerted_offline: bool = False
    pending: bool | None = None
    since: float = 0.0


class Alerts:
    """Debounces per-screen online states into `Alert`s and keeps the most recent ones."""

    def __init__(self, delay: float, keep: int = 100) -> None:
        self.delay = delay
        self._tracks: dict[str, _Track] = {}
        self._recent: deque[Alert] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def observe(self, states: Mapping[str, bool], now: float) -> list[Alert]:
        """Feed the online state of every screen at `now`; return the alerts now due.

        Screens absent from `states` (removed from the catalog) are forgotten.
        """
        alerts: list[Alert] = []
        with self._lock:
            for screen_id in set(self._tracks) - set(states):
                del self._tracks[screen_id]
            for screen_id, online in states.items():
                track = self._tracks.get(screen_id)
                if track is None:
                    self._tracks[screen_id] = _Track(reported=online)
                    continue
                if online == track.reported:
                    track.pending = None
                    continue
                if track.pending != online:
                    track.pending, track.since = online, now
                if now - track.since < self.delay:
                    continue
                track.reported, track.pending = online, None
                if online and not track.alerted_offline:
                    continue
                track.alerted_offline = not online
                alerts.append(Alert(screen_id, online, now, track.since))
            self._recent.extend(alerts)
        return alerts

    def recent(self) -> list[Alert]:
        """The latest alerts, newest first."""
        with self._lock:
            return list(reversed(self._recent))
