"""Reporting to the signage server: the box's hourly counts and its health, store and forward.

Every ``report_interval`` seconds one process of the box (the holder of the lease in its
database, see `portal.campaign.outbox`) sends ``POST <report_url>/api/venues/report`` with
``Authorization: Bearer <report_token>``::

    {"venue": "<venue_id>",
     "health": {"version", "uptime", "sessions", "gateway"},
     "hours": [{"hour": "2026-12-07T03",
                "counts": [{"kind", "lang", "os", "src", "count"}, ...]}, ...]}

The hours are those not yet confirmed, oldest first, at most `BATCH_HOURS` per request and
`ROUNDS` requests per turn; the answer's ``stored`` lists the hours the server kept, which are
then confirmed. While the server is unreachable (refused, timed out, 5xx) or refuses the token,
nothing is lost: the counts stay in the box's database (for ``event_retention_days``) and are
sent once it answers again; the wait between turns doubles after each failure, up to
`MAX_BACKOFF` times the interval. Every HTTP call gives up after `TIMEOUT` seconds and never
follows a redirect; every failed send is logged with its reason. No Flask import.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import secrets
import stat
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bluezone.storage.database import DatabaseError
from bluezone.venuereport import MAX_KEYS

from ..config import ConfigError, PortalConfig
from .outbox import HourCounts, Outbox

log = logging.getLogger(__name__)

PATH = "/api/venues/report"
TIMEOUT = 10.0
BATCH_HOURS = 48  # at most bluezone.venuereport.MAX_HOURS
#: Counts per request at most (an hour with more goes alone): keeps a request well below the
#: signage server's body limit (1 MiB; it takes up to 5000 counts per hour).
BATCH_COUNTS = MAX_KEYS
ROUNDS = 20
MAX_BACKOFF = 8
TOKEN_MINIMUM = 16
HOUR = "%Y-%m-%dT%H"


def read_token(config: PortalConfig) -> str:
    """The report token from ``report_token`` (``PORTAL_REPORT_TOKEN``) or the file
    ``report_token_file``, which must be readable by its owner only; empty when reporting is
    off. Raise `ConfigError` naming the key otherwise."""
    if not config.report_token_file:
        return config.report_token
    path = Path(config.report_token_file)
    try:
        mode = path.stat().st_mode
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"report_token_file: cannot read {path}: {exc}") from None
    if stat.S_IMODE(mode) & 0o077:
        raise ConfigError(f"report_token_file: {path} may be read by others: chmod 600 {path}")
    if len(token) < TOKEN_MINIMUM:
        raise ConfigError(
            f"report_token_file: {path} must hold the token `venues add` printed"
            f" (at least {TOKEN_MINIMUM} characters)"
        )
    return token


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Outcome:
    """One turn: the hours sent and stored, and why it stopped early (``error``: empty when
    everything pending was sent; ``unreachable``, ``refused``, ``rejected`` or
    ``bad_answer``, with ``detail`` for people)."""

    sent: tuple[str, ...] = ()
    stored: tuple[str, ...] = ()
    error: str = ""
    detail: str = ""
    backlog: int = 0

    @property
    def ok(self) -> bool:
        return not self.error


class SendError(RuntimeError):
    """A send failed; ``reason`` is one of the `Outcome` errors."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass
class Reporter:
    """Sends the box's counts and health to ``url`` as venue ``venue`` (mutable: it keeps its
    back-off and its thread).

    ``health`` returns the health part of a report; ``flush`` writes the counts buffered in
    this process first, so a report includes them; ``clock`` is the wall clock."""

    url: str
    token: str
    venue: str
    interval: float
    outbox: Outbox
    health: Callable[[], dict[str, Any]]
    flush: Callable[[], None] = lambda: None
    clock: Callable[[], float] = time.time
    timeout: float = TIMEOUT
    #: Failed turns in a row (the back-off), and who this process is for the lease.
    failures: int = field(default=0, init=False)
    holder: str = field(default_factory=lambda: f"{os.getpid()}-{secrets.token_hex(4)}", init=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _pid: int = field(default=0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def send(self) -> Outcome:
        """One turn: everything pending, in batches, oldest first, with the health (a report
        without hours when nothing is pending). Never raises for a failed send."""
        try:
            self.flush()
        except DatabaseError as exc:  # the counts stay buffered; send what is stored
            log.warning("report: could not write the buffered counts first: %s", exc)
        sent: list[str] = []
        stored: list[str] = []
        until = datetime.fromtimestamp(self.clock() + 3600, UTC).strftime(HOUR)
        try:
            for _ in range(ROUNDS):
                batch = _bounded(self.outbox.pending(BATCH_HOURS, until))
                answer = self._post(
                    {
                        "venue": self.venue,
                        "health": self.health(),
                        "hours": [hour.to_json() for hour in batch],
                    }
                )
                sent.extend(hour.hour for hour in batch)
                kept = set(answer)
                revisions = {h.hour: h.revision for h in batch if h.hour in kept}
                self.outbox.confirm(revisions)
                stored.extend(sorted(revisions))
                if not self.outbox.pending(1, until) or not revisions:
                    break
        except SendError as exc:
            self.failures += 1
            log.warning(
                "report to %s failed (%s): %s; %d hours kept for later",
                self.url,
                exc.reason,
                exc,
                self._backlog(),
            )
            return Outcome(tuple(sent), tuple(stored), exc.reason, str(exc), self._backlog())
        except DatabaseError as exc:
            self.failures += 1
            log.warning("report: the box's database failed: %s", exc)
            return Outcome(tuple(sent), tuple(stored), "database", str(exc), 0)
        self.failures = 0
        return Outcome(tuple(sent), tuple(stored), backlog=self._backlog())

    def delay(self) -> float:
        """Seconds until the next turn: the interval, doubled after each failure in a row
        up to `MAX_BACKOFF` times it."""
        return float(self.interval * min(2**self.failures, MAX_BACKOFF))

    def ensure_started(self) -> None:
        """Start the reporting loop in this process unless it runs here already (a forked
        worker starts its own: threads do not survive a fork)."""
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            self._pid = pid
            self.holder = f"{pid}-{secrets.token_hex(4)}"
            self._thread = threading.Thread(target=self._run, name="reporter", daemon=True)
            self._thread.start()
            # A worker that stops gives the lease up, so another takes it at its next turn.
            atexit.register(self._release)

    def turn(self) -> Outcome | None:
        """One turn of the loop: send if this process holds the lease (None otherwise)."""
        lease = max(3 * self.delay(), 60.0)
        if not self.outbox.claim(self.holder, lease, self.clock()):
            return None
        return self.send()

    def _run(self) -> None:
        while True:
            try:
                self.turn()
            except Exception:
                # The loop must outlive a bad turn (a locked database): the box keeps its
                # counts and the next turn sends them.
                log.exception("report: turn failed; trying again later")
                self.failures += 1
            time.sleep(self.delay())

    def _release(self) -> None:
        try:
            self.outbox.release(self.holder)
        except DatabaseError as exc:
            log.info("report: could not give the lease up: %s", exc)

    def _backlog(self) -> int:
        try:
            return self.outbox.backlog()
        except DatabaseError:
            return 0

    def _post(self, body: dict[str, Any]) -> list[str]:
        """POST ``body``; the hours the server says it stored. Raise `SendError`."""
        request = urllib.request.Request(
            self.url + PATH,
            data=json.dumps(body, separators=(",", ":")).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                data = response.read(1024 * 1024)
        except urllib.error.HTTPError as exc:
            detail = _error_text(exc)
            exc.close()
            raise _failure(exc.code, detail) from None
        except (OSError, ValueError) as exc:
            raise SendError("unreachable", str(getattr(exc, "reason", exc))) from None
        try:
            answer = json.loads(data)
            stored = answer["stored"]
            if not isinstance(stored, list) or not all(isinstance(h, str) for h in stored):
                raise TypeError("stored is not a list of hours")
        except (ValueError, KeyError, TypeError) as exc:
            raise SendError("bad_answer", f"the answer is not a report receipt: {exc}") from None
        return stored


def _bounded(batch: list[HourCounts]) -> list[HourCounts]:
    """The first hours of ``batch`` that hold at most `BATCH_COUNTS` counts (at least one)."""
    total = 0
    for index, hour in enumerate(batch):
        total += len(hour.counts)
        if total > BATCH_COUNTS and index > 0:
            return batch[:index]
    return batch


def _failure(status: int, detail: str) -> SendError:
    """Why an answer with ``status`` (not 2xx) failed the send."""
    if status in (401, 403):
        return SendError("refused", f"the token was refused ({status}): {detail}")
    if status >= 500:
        return SendError("unreachable", f"the server answered {status}: {detail}")
    if 300 <= status < 400:
        return SendError("bad_answer", f"redirected ({status}): report_url must be the base URL")
    return SendError("rejected", f"the report was refused ({status}): {detail}")


def _error_text(error: urllib.error.HTTPError) -> str:
    """The ``error`` (and ``field``) of a JSON error answer, else its status text."""
    try:
        body = json.loads(error.read(64 * 1024))
        text = str(body.get("error", ""))[:300]
        if body.get("field"):
            text += f" (field {str(body['field'])[:100]})"
        return text or str(error.reason)
    except (ValueError, AttributeError, OSError):
        return str(error.reason)


def version() -> str:
    """This release's version, as installed."""
    try:
        return metadata.version("bluezone-venue")
    except metadata.PackageNotFoundError:
        return "unknown"
