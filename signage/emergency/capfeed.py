"""Where CAP alerts come from: a polled feed URL and a drop folder; applied as overrides.

A file dropped in `CAP_DROP_DIR` is read once it has not changed for a second, then moved to
`done/` (or `rejected/`, with the reason next to it). A file that cannot be applied for any
reason (not CAP, larger than `MAX_DOCUMENT`, or an error nobody foresaw) is rejected and the
pass goes on with the next file, so one bad file never holds back the alerts dropped after it.
The feed is fetched every `CAP_POLL_INTERVAL` seconds in its own task so that a slow feed never
delays playlist pushes.
An alert already stored (same sender, identifier and sent time) is not stored twice.

Several nodes may watch one drop folder (a shared volume) and one feed: only the node holding
the cluster's CAP duty (`signage.live.cluster`) reads them, and it renews its lease before each
file, so a file is never applied by two nodes; when that node dies another takes the duty over
once its lease has run out.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

from signage.emergency.cap import Alert, CapError, decide, parse_document
from signage.live.cluster import CAP
from signage.live.hub import Hub
from signage.web.socket import push_override, push_override_end, socketio

log = logging.getLogger(__name__)

SETTLE_SECONDS = 1.0
FETCH_TIMEOUT = 10.0
MAX_DOCUMENT = 1_000_000


class CapSource:
    """Polls the configured CAP sources from the background loop (`__call__(now)`)."""

    def __init__(
        self,
        hub: Hub,
        feed_url: str,
        drop_dir: Path | None,
        poll_interval: float,
        default_minutes: float,
    ) -> None:
        self.hub = hub
        self.feed_url = feed_url
        self.drop_dir = drop_dir
        self.poll_interval = poll_interval
        self.lifetime = timedelta(minutes=default_minutes)
        self._next_fetch = 0.0
        self._fetching = threading.Lock()

    def __call__(self, now: float) -> None:
        if not self._holding(now):
            return
        if self.drop_dir is not None:
            self.scan_drop_dir(now)
        if self.feed_url and now >= self._next_fetch:
            self._next_fetch = now + self.poll_interval
            if self._fetching.acquire(blocking=False):
                socketio.start_background_task(self._fetch)

    def _holding(self, now: float) -> bool:
        """Whether this node reads the CAP sources now (always, when it is alone)."""
        return self.hub.cluster is None or self.hub.cluster.claim(CAP, now)

    def _fetch(self) -> None:
        try:
            with urllib.request.urlopen(self.feed_url, timeout=FETCH_TIMEOUT) as response:
                data = response.read(MAX_DOCUMENT + 1)
            if len(data) > MAX_DOCUMENT:
                raise CapError(f"the feed is larger than {MAX_DOCUMENT} bytes")
            self.ingest(data, self.feed_url)
        except (OSError, CapError) as exc:
            log.error("CAP feed %s: %s", self.feed_url, exc)
        except Exception:
            # The next poll tries again; the loop and the drop folder carry on meanwhile.
            log.exception("CAP feed %s could not be applied", self.feed_url)
        finally:
            self._fetching.release()

    def scan_drop_dir(self, now: float) -> None:
        """Ingest every settled `*.xml` file in the drop folder and move it aside.

        Each file ends in `done/` or in `rejected/` (with `<name>.error.txt` saying why),
        whatever goes wrong with it, and never stops the files after it.
        """
        assert self.drop_dir is not None
        if not self.drop_dir.is_dir():
            return
        for index, path in enumerate(sorted(self.drop_dir.glob("*.xml"))):
            # The lease was claimed at the start of the pass: renew it before each further file,
            # so that a slow pass never runs on after another node has taken the duty over.
            if index and not self._holding(time.time()):
                return
            try:
                info = path.stat()
                if now - info.st_mtime < SETTLE_SECONDS:
                    continue
                if info.st_size > MAX_DOCUMENT:
                    raise CapError(f"the file is larger than {MAX_DOCUMENT} bytes")
                data = path.read_bytes()
            except OSError:
                continue
            except CapError as exc:
                self._reject(path, str(exc))
                continue
            try:
                self.ingest(data, str(path))
            except CapError as exc:
                self._reject(path, str(exc))
                continue
            except Exception as exc:
                log.exception("CAP file %s could not be applied", path)
                self._reject(path, f"the file could not be applied: {type(exc).__name__}: {exc}")
                continue
            self._move(path, "done")

    def _reject(self, path: Path, reason: str) -> None:
        """Move `path` to `rejected/` with the reason beside it, and log the reason."""
        log.error("CAP file %s rejected: %s", path, reason)
        try:
            folder = path.parent / "rejected"
            folder.mkdir(exist_ok=True)
            (folder / (path.name + ".error.txt")).write_text(f"{reason}\n", encoding="utf-8")
        except OSError as exc:
            log.error("CAP file %s: the reason cannot be written: %s", path, exc)
        self._move(path, "rejected")

    def _move(self, path: Path, folder: str) -> None:
        try:
            (path.parent / folder).mkdir(exist_ok=True)
            path.replace(path.parent / folder / path.name)
        except OSError as exc:
            # Left in place, it is tried again on the next pass; the others go on.
            log.error("CAP file %s cannot be moved to %s/: %s", path, folder, exc)

    def ingest(self, data: bytes, origin: str) -> None:
        """Apply every alert of a CAP document; raise `CapError` if it cannot be read."""
        for alert in parse_document(data):
            self.apply(alert, origin)

    def apply(self, alert: Alert, origin: str) -> None:
        """End what the alert cancels or updates, and show it if it is to be shown."""
        store = self.hub.overrides
        decision = decide(alert, datetime.now(self.hub.timezone), self.lifetime)
        now = time.time()
        for key in decision.cancel_keys:
            for override in store.by_cap_key(key):
                if override.active(now):
                    ended = store.cancel(override.id, actor=f"cap:{alert.sender}", reason=alert.key)
                    self.hub.note_override(ended)
                    push_override_end(ended)
        if decision.ignored:
            log.info("CAP alert %s from %s not shown: %s", alert.key, origin, decision.ignored)
        if not decision.create or store.by_cap_key(alert.key):
            return
        override = store.create(
            target="all",
            messages=decision.messages,
            until=decision.until,
            priority=decision.priority,
            actor=f"cap:{alert.sender}",
            source="cap",
            cap_key=alert.key,
        )
        self.hub.note_override(override)
        push_override(override)
        log.warning("CAP alert %s shown as override %d", alert.key, override.id)
