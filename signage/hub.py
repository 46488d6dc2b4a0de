"""The running signage service: programme, overrides, presence and proof of play in one place.

The factory builds one `Hub` per process. The Socket.IO and HTTP edges call its methods and
emit what they return; the background loop calls `tick`. The hub decides what to send; it never
sends anything itself and does not import Flask.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from signage.override import Override, OverrideStore
from signage.playlog import PlayLog
from signage.presence import Registry
from signage.programme import LoadReport, Programme
from signage.watcher import Watcher

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Changes:
    """What one tick decided to send: new states per screen and override starts and ends."""

    states: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    started: list[Override] = field(default_factory=list)
    ended: list[Override] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.states or self.started or self.ended)


@dataclass
class Hub:
    """Process-wide signage state. `emit_stored_overrides` is false when a message queue is
    configured: then the process that writes an override announces it to every node itself."""

    programme: Programme
    overrides: OverrideStore
    plays: PlayLog
    watcher: Watcher
    presence: Registry = field(default_factory=Registry)
    offline_after: float = 45.0
    emit_stored_overrides: bool = True
    play_log_days: float = 90.0
    # Runs the CPU-heavy catalog reload; the factory passes one that keeps the event loop
    # serving screens meanwhile (a large screens.yaml takes seconds to load).
    offload: Callable[[Callable[[], LoadReport]], LoadReport] = field(default=lambda f: f())
    _sent: dict[str, str] = field(default_factory=dict)
    _boundary: datetime | None = None
    _revision: int = -1
    _known: dict[int, Override] = field(default_factory=dict)
    _next_prune: float = 0.0

    @property
    def timezone(self) -> ZoneInfo:
        catalog = self.programme.catalog
        return catalog.timezone if catalog is not None else DEFAULT_TIMEZONE

    def start(self) -> None:
        """Load the catalog and the override set for the first time."""
        report = self.programme.reload()
        self.watcher.prime()
        for problem in report.problems:
            log.error("playlist problem: %s", problem)
        now = time.time()
        self._boundary = self.programme.next_boundary(datetime.fromtimestamp(now, self.timezone))
        self._revision = self.overrides.revision()
        self._known = {o.id: o for o in self.overrides.active(now)}

    def state_for(self, screen_id: str, now: float) -> dict[str, Any] | None:
        """The current `state` payload of a screen and remember it as sent."""
        payload = self.programme.payload(screen_id, datetime.fromtimestamp(now, self.timezone))
        if payload is not None:
            self._sent[screen_id] = str(payload["digest"])
        return payload

    def overrides_for(self, screen_id: str, now: float) -> list[Override]:
        """Active overrides that apply to a declared screen, highest priority first."""
        screen = self.programme.screen(screen_id)
        if screen is None:
            return []
        return [o for o in self.overrides.active(now) if o.applies_to(screen_id, screen.groups)]

    def note_override(self, override: Override) -> None:
        """Record an override this process has just announced, so `tick` does not repeat it."""
        if override.active(time.time()):
            self._known[override.id] = override
        else:
            self._known.pop(override.id, None)

    def tick(self, now: float) -> Changes:
        """One pass of the background loop: files, schedule boundaries, overrides, expiry,
        and once an hour the removal of proof-of-play records older than `play_log_days`."""
        changes = Changes()
        refresh = False
        if self.watcher.poll():
            report = self.offload(self.programme.reload)
            if report.applied:
                log.info("playlists reloaded, version %s", report.version)
                refresh = True
            for problem in report.problems:
                log.error("playlist problem, keeping the last good version: %s", problem)
        venue_now = datetime.fromtimestamp(now, self.timezone)
        if self._boundary is not None and venue_now >= self._boundary:
            refresh = True
        if refresh:
            self._boundary = self.programme.next_boundary(venue_now)
            for screen_id in self.presence.connected():
                payload = self.programme.payload(screen_id, venue_now)
                if payload is None or self._sent.get(screen_id) == payload["digest"]:
                    continue
                self._sent[screen_id] = str(payload["digest"])
                changes.states.append((screen_id, payload))
        self.overrides.expire(now)
        if now >= self._next_prune:
            self._next_prune = now + 3600
            self.plays.prune(now - self.play_log_days * 86400)
        revision = self.overrides.revision()
        if revision != self._revision:
            self._revision = revision
            active = {o.id: o for o in self.overrides.active(now)}
            if self.emit_stored_overrides:
                changes.started.extend(o for i, o in active.items() if i not in self._known)
                changes.ended.extend(o for i, o in self._known.items() if i not in active)
            self._known = active
        return changes
