"""Which screens are connected to this process, and what they last reported.

A pure, thread-safe registry fed by the Socket.IO handlers and read by the status API and the
console's screens board. Only sockets that proved their screen's credential are recorded (see
`signage.live.enrollment`): a socket that merely names a screen never makes it online. A screen may
hold several connections (a reload overlaps the old socket); it is online while at least one is
open and its last heartbeat is younger than `offline_after` seconds. Ids that are not declared
but asked for (the "not registered" page, a refused connection) are remembered for a while so
that an admin can register them. No Flask import.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Report:
    """What a screen said about itself in its latest heartbeat."""

    item: str | None = None
    version: str | None = None
    width: int | None = None
    height: int | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Presence:
    """The live state of one screen as seen by this process."""

    screen_id: str
    sids: frozenset[str] = field(default_factory=frozenset)
    last_seen: float | None = None
    connected_at: float | None = None
    address: str | None = None
    report: Report = field(default_factory=Report)

    def online(self, now: float, offline_after: float) -> bool:
        """True while a connection is open and the last heartbeat is recent enough."""
        return (
            bool(self.sids) and self.last_seen is not None and now - self.last_seen <= offline_after
        )

    def to_json(self, now: float, offline_after: float) -> dict[str, Any]:
        return {
            "online": self.online(now, offline_after),
            "last_seen": self.last_seen,
            "connected_at": self.connected_at,
            "connections": len(self.sids),
            "current_item": self.report.item,
            "playlist_version": self.report.version,
            "screen_size": (
                {"width": self.report.width, "height": self.report.height}
                if self.report.width is not None and self.report.height is not None
                else None
            ),
            "user_agent": self.report.user_agent,
        }


@dataclass(frozen=True)
class Stranger:
    """An id that asked for its programme without being declared in `screens.yaml`."""

    screen_id: str
    last_seen: float
    address: str | None = None
    user_agent: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "last_seen": self.last_seen,
            "address": self.address,
            "user_agent": self.user_agent,
        }


class Registry:
    """Thread-safe map of screen id to `Presence`, plus socket id to screen id.

    Every change of a screen's presence marks it changed until `take_changed` collects it;
    the background loop pushes those screens to the console.
    """

    # Strangers are bounded so that requests for made-up ids cannot grow memory without end.
    STRANGERS = 200

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._screens: dict[str, Presence] = {}
        self._by_sid: dict[str, str] = {}
        self._changed: set[str] = set()
        self._strangers: OrderedDict[str, Stranger] = OrderedDict()

    def connect(self, screen_id: str, sid: str, now: float, address: str | None) -> None:
        """Record a new connection of `screen_id`."""
        with self._lock:
            old = self._screens.get(screen_id, Presence(screen_id))
            self._screens[screen_id] = replace(
                old, sids=old.sids | {sid}, last_seen=now, connected_at=now, address=address
            )
            self._by_sid[sid] = screen_id
            self._changed.add(screen_id)
            self._strangers.pop(screen_id, None)

    def disconnect(self, sid: str) -> str | None:
        """Forget a connection; return the screen it belonged to."""
        with self._lock:
            screen_id = self._by_sid.pop(sid, None)
            if screen_id is not None:
                old = self._screens[screen_id]
                self._screens[screen_id] = replace(old, sids=old.sids - {sid})
                self._changed.add(screen_id)
            return screen_id

    def screen_of(self, sid: str) -> str | None:
        """The screen id a connection registered as, if any."""
        with self._lock:
            return self._by_sid.get(sid)

    def heartbeat(self, sid: str, now: float, report: Report) -> str | None:
        """Update the last-seen time and report of the screen behind `sid`; return its id."""
        with self._lock:
            screen_id = self._by_sid.get(sid)
            if screen_id is None:
                return None
            old = self._screens[screen_id]
            merged = Report(
                item=report.item if report.item is not None else old.report.item,
                version=report.version if report.version is not None else old.report.version,
                width=report.width if report.width is not None else old.report.width,
                height=report.height if report.height is not None else old.report.height,
                user_agent=report.user_agent or old.report.user_agent,
            )
            self._screens[screen_id] = replace(old, last_seen=now, report=merged)
            self._changed.add(screen_id)
            return screen_id

    def get(self, screen_id: str) -> Presence:
        """The presence of `screen_id`; a never-seen screen is an empty `Presence`."""
        with self._lock:
            found = self._screens.get(screen_id)
        # Not `get(screen_id, Presence(...))`: that built a throw-away Presence on every call,
        # for every declared screen on every board (the presence pass reads `online` instead).
        return found if found is not None else Presence(screen_id)

    def online(
        self, screen_ids: Iterable[str], now: float, offline_after: float
    ) -> dict[str, bool]:
        """Whether each of `screen_ids` is online at `now` (see `Presence.online`), read under
        one hold of the lock: the background loop asks for every declared screen each second."""
        with self._lock:
            screens = self._screens
            return {
                s: (p := screens.get(s)) is not None and p.online(now, offline_after)
                for s in screen_ids
            }

    def connected(self) -> list[str]:
        """Ids of the screens with at least one open connection."""
        with self._lock:
            return [s for s, p in self._screens.items() if p.sids]

    def take_changed(self) -> set[str]:
        """The screens whose presence changed since the last call."""
        with self._lock:
            changed, self._changed = self._changed, set()
            return changed

    def note_stranger(
        self, screen_id: str, now: float, address: str | None, user_agent: str | None = None
    ) -> bool:
        """Remember an undeclared id that asked for its programme; True when it is new."""
        with self._lock:
            new = screen_id not in self._strangers
            self._strangers.pop(screen_id, None)
            self._strangers[screen_id] = Stranger(screen_id, now, address, user_agent)
            self._changed.add(screen_id)
            while len(self._strangers) > self.STRANGERS:
                self._strangers.popitem(last=False)
            return new

    def strangers(self, now: float, within: float) -> list[Stranger]:
        """Undeclared ids seen in the last `within` seconds, most recent first."""
        with self._lock:
            return [s for s in reversed(self._strangers.values()) if now - s.last_seen <= within]

    def forget_stranger(self, screen_id: str) -> None:
        """Drop an id once it is declared."""
        with self._lock:
            self._strangers.pop(screen_id, None)
