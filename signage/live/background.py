"""The one background task of a signage process: tick the hub and push what it decides.

Started lazily by the first request or socket connection (not by the factory), so that CLI
commands, which build the app too, never start it. One pass every `WATCH_INTERVAL` seconds:
playlist files, schedule boundaries, overrides written by other processes, expiry, console
sockets whose session has ended, and the CAP sources when configured.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from signage.live.hub import Hub
from signage.web.socket import ConsoleSockets, close_ended_console_sockets, push_changes, socketio

log = logging.getLogger(__name__)


class Background:
    """Runs `hub.tick` forever in a Socket.IO background task, once started."""

    def __init__(
        self,
        hub: Hub,
        interval: float,
        extra: Callable[[float], None] | None = None,
        enabled: bool = True,
        console_sockets: ConsoleSockets | None = None,
    ) -> None:
        self.hub = hub
        self.console_sockets = console_sockets
        self.interval = interval
        self.extra = extra
        self.enabled = enabled
        self._lock = threading.Lock()
        self._started = False

    def ensure_started(self) -> None:
        """Start the loop unless it runs already or is disabled by `BACKGROUND: false`."""
        if not self.enabled or self._started:
            return
        with self._lock:
            if not self._started:
                self._started = True
                socketio.start_background_task(self._run)

    def run_once(self, now: float) -> None:
        """One pass; tests call it directly instead of starting the loop."""
        push_changes(self.hub.tick(now))
        if self.console_sockets is not None:
            close_ended_console_sockets(self.console_sockets, now)
        if self.extra is not None:
            self.extra(now)

    def _run(self) -> None:
        while True:
            started = time.monotonic()
            try:
                self.run_once(time.time())
            except Exception:
                # The loop must survive a bad pass (a locked database, a vanished file):
                # screens depend on it for every later change.
                log.exception("signage background pass failed; retrying")
            pause = max(0.0, self.interval - (time.monotonic() - started))
            # The stub types seconds as int; the async drivers take any number of seconds.
            socketio.sleep(pause)  # type: ignore[arg-type]
