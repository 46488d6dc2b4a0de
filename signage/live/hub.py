"""The running signage service: programme, overrides, presence and proof of play in one place.

The factory builds one `Hub` per process. The Socket.IO and HTTP edges call its methods and
emit what they return; the background loop calls `tick`. The hub decides what to send; it never
sends anything itself (except handing alerts to `notify`, the webhook queue, which returns at
once) and does not import Flask.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from signage.catalog.playlist import (
    ClockContent,
    ImageContent,
    Item,
    QrContent,
    TextContent,
    TickerContent,
    VideoContent,
    playlist_for_screen,
)
from signage.emergency.model import Override
from signage.emergency.store import OverrideStore
from signage.live.acknowledgement import Acknowledgements
from signage.live.alerts import Alert, Alerts
from signage.live.cluster import ALERTS, PRUNE, Cluster
from signage.live.enrollment import Snapshot, Throttle, Trust
from signage.live.playlog import PlayLog
from signage.live.presence import Presence, Registry, Report
from signage.live.programme import LoadReport, Programme
from signage.live.watcher import Watcher

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# How long an undeclared id stays on the board after it last asked for its programme (its
# "not registered" page asks every ten seconds).
STRANGER_WITHIN = 600.0


def item_label(item: Item) -> str:
    """A short human description of an item for the console: its first title or caption,
    else its media file, else its kind."""
    content = item.content
    texts: list[str] = []
    if isinstance(content, TextContent):
        texts = [block.title for block in content.texts.values()]
    elif isinstance(content, QrContent):
        texts = [*content.title.values(), *content.caption.values()]
    elif isinstance(content, ImageContent | ClockContent):
        texts = list(content.caption.values())
    elif isinstance(content, TickerContent):
        texts = list(content.text.values())
    if isinstance(content, ImageContent | VideoContent) and not texts:
        texts = [content.file]
    label = next((t for t in texts if t), item.kind)
    return label if len(label) <= 80 else label[:79] + "…"


class PendingStates:
    """The `state` messages one tick decided to send, built one at a time as they are taken.

    After a playlist save every connected screen gets a new state, each its own (about 2.5 KB
    of objects): built all at once before the first is sent, 10,000 of them held 24 MB at
    the peak, which the worker kept. Taken one by one (`__iter__`), a state is built, sent and
    dropped before the next. Each is built once: a state whose digest is the one last sent to
    its screen is skipped, and the digest is recorded as sent when the state is built.
    `settle` builds every state not built yet (and keeps them for `__iter__`): what reads the
    digests sent (the board's expected versions) calls it first."""

    def __init__(
        self, build: Callable[[str], tuple[str, dict[str, Any]] | None], screens: list[str]
    ) -> None:
        self._build = build
        self._screens: Iterator[str] = iter(screens)
        self._count = len(screens)
        self._built: deque[tuple[str, dict[str, Any]]] = deque()

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[tuple[str, dict[str, Any]]]:
        while True:
            if self._built:
                yield self._built.popleft()
                continue
            screen_id = next(self._screens, None)
            if screen_id is None:
                return
            state = self._build(screen_id)
            if state is not None:
                yield state

    def settle(self) -> None:
        for screen_id in self._screens:
            state = self._build(screen_id)
            if state is not None:
                self._built.append(state)


@dataclass(frozen=True)
class Changes:
    """What one tick decided to send: new states per screen (taken once, in order: see
    `PendingStates`), override starts and ends, and for the console changed board rows,
    presence alerts, or (`board`, called after the states are sent) the whole board again."""

    states: Iterable[tuple[str, dict[str, Any]]] = ()
    # Sockets no longer believed (their screen's credential was revoked or replaced).
    downgraded: list[str] = field(default_factory=list)
    started: list[Override] = field(default_factory=list)
    ended: list[Override] = field(default_factory=list)
    screens: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    board: Callable[[], dict[str, Any]] | None = None

    def __bool__(self) -> bool:
        return bool(
            self.states
            or self.downgraded
            or self.started
            or self.ended
            or self.screens
            or self.alerts
            or self.board
        )


@dataclass
class Hub:
    """Process-wide signage state. `emit_stored_overrides` is false when a message queue is
    configured: then the process that writes an override announces it to every node itself."""

    programme: Programme
    overrides: OverrideStore
    plays: PlayLog
    watcher: Watcher
    trust: Trust
    presence: Registry = field(default_factory=Registry)
    offline_after: float = 45.0
    emit_stored_overrides: bool = True
    play_log_days: float = 90.0
    # Runs the CPU-heavy catalog reload; the factory passes one that keeps the event loop
    # serving screens meanwhile (a large screens.yaml takes seconds to load).
    offload: Callable[[Callable[[], LoadReport]], LoadReport] = field(default=lambda f: f())
    alerts: Alerts = field(default_factory=lambda: Alerts(60.0))
    # Hands an alert to the webhook (which queues it and returns at once); None without one.
    notify: Callable[[dict[str, Any]], None] | None = None
    # In the overrides' database (see `__post_init__`).
    acks: Acknowledgements = field(init=False)
    # The nodes sharing the database: who sends alerts and prunes, which screens are online
    # on any node. None: this process is alone and does everything itself.
    cluster: Cluster | None = None
    # Pairing events per socket: at most one a second (the player polls every few seconds).
    pairing_throttle: Throttle = field(default_factory=lambda: Throttle(1.0))
    _downgraded: list[str] = field(default_factory=list)
    # The enrollment snapshot the board rows were last sent from.
    _enrollment_seen: Snapshot = field(default_factory=Snapshot)
    _online: dict[str, bool] = field(default_factory=dict)
    _strangers: set[str] = field(default_factory=set)
    _next_presence: float = 0.0
    _sent: dict[str, str] = field(default_factory=dict)
    _boundary: datetime | None = None
    _revision: int = -1
    _known: dict[int, Override] = field(default_factory=dict)
    _next_prune: float = 0.0
    _next_sighting: float = 0.0
    _online_written: dict[str, bool] = field(default_factory=dict)
    # Screens another node saw online at the last presence pass, with when it last did.
    _elsewhere: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.acks = Acknowledgements(self.overrides.path)

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
        self.reread_enrollment()

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
        board = False
        if self.watcher.poll():
            report = self.offload(self.programme.reload)
            if report.applied:
                log.info("playlists reloaded, version %s", report.version)
                refresh = True
                board = True
            for problem in report.problems:
                log.error("playlist problem, keeping the last good version: %s", problem)
        venue_now = datetime.fromtimestamp(now, self.timezone)
        if self._boundary is not None and venue_now >= self._boundary:
            refresh = True
        states: PendingStates | None = None
        if refresh:
            self._boundary = self.programme.next_boundary(venue_now)
            # Screens not enrolled yet still play the public rotation: they get states too.
            screens = sorted(set(self.presence.connected()) | self.trust.screens())
            states = PendingStates(
                lambda screen_id: self._changed_state(screen_id, venue_now), screens
            )
        enrollment = self._enrollment_pass()
        changes.downgraded.extend(self.take_downgraded())
        self.overrides.expire(now)
        if now >= self._next_prune:
            self._next_prune = now + 3600
            # Once an hour in the whole cluster: the lease lasts the hour (a node that dies
            # holding it leaves the pruning to the next node whose hour comes after that).
            if self.cluster is None or self.cluster.claim(PRUNE, now, lease=3600):
                self.plays.prune(now - self.play_log_days * 86400)
                if self.cluster is not None:
                    self.cluster.forget(now - 86400)
        revision = self.overrides.revision()
        if revision != self._revision:
            self._revision = revision
            active = {o.id: o for o in self.overrides.active(now)}
            if self.emit_stored_overrides:
                changes.started.extend(o for i, o in active.items() if i not in self._known)
                changes.ended.extend(o for i, o in self._known.items() if i not in active)
            self._known = active
            self.acks.keep_only(active)
        self._presence_pass(changes, now, board, enrollment)
        if states is not None:
            changes = replace(changes, states=states)
        if board:

            def whole_board() -> dict[str, Any]:
                if states is not None:
                    states.settle()  # the expected versions are the digests of the new states
                return self.board(now)

            changes = replace(changes, board=whole_board)
        return changes

    def _changed_state(self, screen_id: str, at: datetime) -> tuple[str, dict[str, Any]] | None:
        """``(screen_id, state)`` at ``at``, recorded as sent, unless the screen is unknown or
        was sent this very state already."""
        payload = self.programme.payload(screen_id, at)
        if payload is None or self._sent.get(screen_id) == payload["digest"]:
            return None
        self._sent[screen_id] = str(payload["digest"])
        return screen_id, payload

    def _presence_pass(
        self, changes: Changes, now: float, board: bool, enrollment: set[str] | None = None
    ) -> None:
        """Changed board rows every pass (presence or enrollment); once a second, screens whose
        heartbeat went stale, undeclared ids no longer seen, and the debounced alerts; the
        whole board after the catalog changed."""
        changed = self.presence.take_changed() | (enrollment or set())
        if now >= self._next_presence or board:
            self._next_presence = now + 1.0
            states = self.presence.online(self.programme.screen_ids(), now, self.offline_after)
            # Online on any node: the board shows it, and every node follows it so that
            # whichever takes the alert duty over knows what was reported.
            shared = self._cluster_states(states, now)
            changed.update(s for s, online in shared.items() if self._online.get(s) != online)
            self._online = shared
            # Undeclared ids that stopped asking leave the board (their rows say `gone`).
            strangers = {s.screen_id for s in self.presence.strangers(now, STRANGER_WITHIN)}
            changed.update(self._strangers - strangers)
            self._strangers = strangers
            # Only the holder of the alert duty sends the alerts (to the webhook and, through
            # the message queue, to every console).
            sends = self.cluster is None or self.cluster.claim(ALERTS, now)
            for alert in self.alerts.observe(shared, now):
                if not sends:
                    continue
                message = self.alert_message(alert)
                changes.alerts.append(message)
                if self.notify is not None:
                    self.notify(message)
        if not board:
            changes.screens.extend(self.screen_row(s, now) for s in sorted(changed))

    def _cluster_states(self, states: dict[str, bool], now: float) -> dict[str, bool]:
        """``states`` (online here) with the screens online on another node (kept in
        `_elsewhere` for the board rows): this node's
        sightings are written when they change and every third of `offline_after`, and a
        screen counts as online while any node's sighting is younger than `offline_after`."""
        if self.cluster is None:
            return states
        if states != self._online_written or now >= self._next_sighting:
            self._next_sighting = now + max(1.0, self.offline_after / 3)
            self.cluster.saw(states, now)
            self._online_written = dict(states)
        self._elsewhere = self.cluster.online(now - self.offline_after)
        return {screen: online or screen in self._elsewhere for screen, online in states.items()}

    def _enrollment_pass(self) -> set[str]:
        """Read the enrollment store again when another process (or this one) changed it:
        downgrade sockets whose credential is gone; return the screens whose board row changed."""
        self.reread_enrollment()
        before, after = self._enrollment_seen, self.trust.snapshot
        if after.revision == before.revision:
            return set()
        self._enrollment_seen = after
        return {
            screen
            for screen in set(before.credentials) | set(after.credentials) | _pending(before, after)
            if _enrollment_of(before, screen) != _enrollment_of(after, screen)
        }

    def _downgrade(self, sockets: list[tuple[str, str]]) -> None:
        """Take sockets whose credential no longer stands off the board; forget what their
        screen acknowledged when it is not enrolled any more. They are told in the next pass."""
        credentials = self.trust.snapshot.credentials
        for sid, screen_id in sockets:
            self.presence.disconnect(sid)
            if screen_id not in credentials:
                self.acks.forget_screen(screen_id)
            self._downgraded.append(sid)

    def reread_enrollment(self, force: bool = True) -> None:
        """Bring the enrollment snapshot up to date (without `force`: at most every
        `Trust.recheck` seconds) and downgrade the sockets whose credential went."""
        self._downgrade(self.trust.refresh(force=force))

    def take_downgraded(self) -> list[str]:
        """Sockets downgraded since the last call, to be told `enrollment {enrolled: false}`."""
        taken, self._downgraded = self._downgraded, []
        return taken

    def believed(self, sid: str) -> str | None:
        """The screen a socket speaks for, or None when it proved no (current) credential:
        what it reports is then ignored."""
        self.reread_enrollment(force=False)
        screen_id = self.trust.believed(sid)
        if screen_id is None:
            connection = self.trust.connection(sid)
            if connection is not None and connection.serial is not None:
                # Proved a credential this process has not read yet, or one revoked since:
                # read the store now rather than wait for the next pass.
                self.reread_enrollment()
                screen_id = self.trust.believed(sid)
        return screen_id

    def enroll_socket(
        self,
        sid: str,
        screen_id: str,
        serial: int,
        now: float,
        address: str | None,
        user_agent: str,
    ) -> None:
        """A socket proved `screen_id`'s credential (serial `serial`): believe it from now on."""
        self.trust.admit(sid, screen_id, serial)
        self.presence.connect(screen_id, sid, now, address)
        self.presence.heartbeat(sid, now, Report(user_agent=user_agent))

    def alert_message(self, alert: Alert) -> dict[str, Any]:
        """An alert as sent to the console and the webhook: the event, the screen and when."""
        screen = self.programme.screen(alert.screen_id)
        catalog = self.programme.catalog
        changed = datetime.fromtimestamp(alert.changed_at, self.timezone)
        name = screen.name if screen is not None else alert.screen_id
        state = "back online" if alert.online else "offline"
        return {
            **alert.to_json(),
            "name": name,
            "location": screen.location if screen is not None else "",
            "venue": catalog.venue if catalog is not None else "",
            "changed_at_local": changed.isoformat(timespec="seconds"),
            "text": f"Screen {name} ({alert.screen_id}) is {state} since {changed:%Y-%m-%d %H:%M}",
        }

    def screen_row(self, screen_id: str, now: float) -> dict[str, Any]:
        """One line of the console's screens board: what the catalog declares and what the
        screen last reported. `registered` is false for an undeclared id asking for its
        programme; `gone` is true for an id that is neither (removed from the catalog)."""
        catalog = self.programme.catalog
        screen = catalog.screens.get(screen_id) if catalog is not None else None
        presence = self.presence.get(screen_id).to_json(now, self.offline_after)
        seen_elsewhere = self._elsewhere.get(screen_id) if not presence["online"] else None
        if seen_elsewhere is not None:
            # Connected to another node: online, and what only that node knows (the slide,
            # the version, the size) left out: this node may still hold a report from before
            # the screen moved, and the console keeps the serving node's (its `screens` rows
            # reach every console through the message queue).
            empty = Presence(screen_id).to_json(now, self.offline_after)
            presence = {**empty, "online": True, "last_seen": seen_elsewhere, "elsewhere": True}
        if screen is None or catalog is None:
            strangers = {s.screen_id: s for s in self.presence.strangers(now, STRANGER_WITHIN)}
            stranger = strangers.get(screen_id)
            return {
                "id": screen_id,
                "registered": False,
                "gone": stranger is None,
                **presence,
                **(stranger.to_json() if stranger is not None else {}),
            }
        playlist = playlist_for_screen(catalog, screen_id)
        item_id = presence.get("current_item")
        item = next(
            (i for i in (playlist.items if playlist is not None else ()) if i.id == item_id), None
        )
        return {
            "id": screen_id,
            "registered": True,
            "gone": False,
            "name": screen.name,
            "location": screen.location,
            "groups": list(screen.groups),
            "orientation": screen.orientation,
            "playlist": playlist.id if playlist is not None else None,
            "playlist_name": playlist.name if playlist is not None else None,
            "catalog_version": catalog.version,
            # What the server last sent this screen; a different reported version is stale.
            "expected_version": None if seen_elsewhere is not None else self._sent.get(screen_id),
            **presence,
            **self._enrollment_row(screen_id, now),
            "current_label": item_label(item) if item is not None else None,
        }

    def _enrollment_row(self, screen_id: str, now: float) -> dict[str, Any]:
        """`enrolled` and the pending `pairing` codes of a screen, for its board row."""
        snapshot = self.trust.snapshot
        credential = snapshot.credentials.get(screen_id)
        return {
            "enrolled": credential is not None,
            "enrolled_at": credential.enrolled_at if credential is not None else None,
            "pairing": [p.to_json() for p in snapshot.pending_for(screen_id, now)],
        }

    def board(self, now: float) -> dict[str, Any]:
        """The whole board: every declared screen, undeclared ids seen lately, recent alerts,
        and the acknowledgements of the active overrides."""
        # A page or console socket opened between two passes shows current enrollment too.
        self.reread_enrollment(force=False)
        rows = [self.screen_row(s, now) for s in self.programme.screen_ids()]
        rows += [
            self.screen_row(s.screen_id, now) for s in self.presence.strangers(now, STRANGER_WITHIN)
        ]
        catalog = self.programme.catalog
        active = self.overrides.active(now)
        return {
            "screens": rows,
            "alerts": [self.alert_message(a) for a in self.alerts.recent()],
            "acks": {
                str(o.id): {s: int(at * 1000) for s, at in self.acks.of(o.id).items()}
                for o in active
            },
            "catalog_version": catalog.version if catalog is not None else None,
            "server_time": int(now * 1000),
        }

    def acknowledge(self, screen_id: str, override_id: int, now: float) -> bool:
        """Record that `screen_id` displays `override_id`; True the first time.

        Raises LookupError when the override is not active for that screen.
        """
        if not any(o.id == override_id for o in self.overrides_for(screen_id, now)):
            raise LookupError(f"override {override_id} is not active for screen {screen_id}")
        return self.acks.record(override_id, screen_id, now)


def _pending(before: Snapshot, after: Snapshot) -> set[str]:
    return {p.screen for p in before.pending} | {p.screen for p in after.pending}


def _enrollment_of(snapshot: Snapshot, screen_id: str) -> tuple[object, ...]:
    credential = snapshot.credentials.get(screen_id)
    return (
        credential.serial if credential is not None else None,
        tuple((p.code, p.approved) for p in snapshot.pending if p.screen == screen_id),
    )
