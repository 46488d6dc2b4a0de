"""Which screens have shown which override: the acknowledgements players send.

A player sends `ack {override: id}` once it displays an override (see `signage.web.socket.on_ack`);
only an enrolled screen's acknowledgement is believed (see `signage.live.enrollment`), and a revoked
screen's are forgotten. The hub records the time here, and the console lists, for each active
override, the screens that acknowledged it. Kept in memory by the process the screen is
connected to: with several nodes each node knows the acknowledgements of its own screens, and a
restart forgets them (players acknowledge again when they reconnect and display the override).
No Flask import.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable


class Acknowledgements:
    """Thread-safe map of override id to {screen id: first acknowledgement time}."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_override: dict[int, dict[str, float]] = {}

    def record(self, override_id: int, screen_id: str, at: float) -> bool:
        """Note that `screen_id` showed `override_id` at `at`; True the first time."""
        with self._lock:
            screens = self._by_override.setdefault(override_id, {})
            if screen_id in screens:
                return False
            screens[screen_id] = at
            return True

    def of(self, override_id: int) -> dict[str, float]:
        """The screens that acknowledged `override_id`, with the time of each."""
        with self._lock:
            return dict(self._by_override.get(override_id, {}))

    def keep_only(self, override_ids: Iterable[int]) -> None:
        """Forget the acknowledgements of overrides not in `override_ids` (ended ones)."""
        keep = set(override_ids)
        with self._lock:
            for override_id in set(self._by_override) - keep:
                del self._by_override[override_id]

    def forget_screen(self, screen_id: str) -> None:
        """Forget what `screen_id` acknowledged (its credential was revoked: unproven)."""
        with self._lock:
            for screens in self._by_override.values():
                screens.pop(screen_id, None)
