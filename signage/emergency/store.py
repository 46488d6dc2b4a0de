"""Emergency overrides: stored in SQLite, with an audit log, expiry and cancellation.

An override is a full-screen alert for every screen, a group or one screen, shown until it
expires or is cancelled. The store is the only writer of the `overrides` and `audit` tables;
every change bumps a revision number so that other processes (the CLI, other nodes) notice it
by polling `revision()`. This module does not import Flask.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from signage.catalog.playlist import LANGUAGES
from signage.database import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    starts REAL NOT NULL,
    until REAL NOT NULL,
    target TEXT NOT NULL,
    messages TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    cap_key TEXT,
    cancelled REAL,
    expiry_logged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS overrides_until ON overrides (until);
CREATE INDEX IF NOT EXISTS overrides_cap ON overrides (cap_key);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    override_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('revision', 0);
"""

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$|^\*$")
TARGET = re.compile(r"^(all|group:[^\s]+|screen:[^\s]+)$")
MAX_TEXT = 2000

# The languages a screen can show (`signage.catalog.playlist.LANGUAGES`) and `*`, any language: a
# message in another language would be stored and never seen.
KNOWN_LANGUAGES = (*LANGUAGES, "*")

# "group:" or "screen:" and an id; ids are short names.
MAX_TARGET = 200

# Override ids are SQLite integers: a larger number cannot be an id, and SQLite refuses it.
MAX_ID = 2**63 - 1

# An emergency message is about now: a month covers any closure or campaign notice, and a far
# end (+99999999999999h) would otherwise overflow the date arithmetic.
MAX_DAYS = 31
# Digits a duration may have: more than enough for a month in seconds (2678400).
_MAX_DIGITS = 9


class OverrideError(ValueError):
    """An override request is invalid; the message says what is wrong and `field` which
    request field it concerns (empty when it concerns the whole request)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class NotFound(LookupError):
    """No override has the given id."""


@dataclass(frozen=True)
class Message:
    """The text of an override in one language."""

    headline: str
    body: str = ""

    def to_json(self) -> dict[str, str]:
        return {"headline": self.headline, "body": self.body}


@dataclass(frozen=True)
class Override:
    """A stored override. `target` is `all`, `group:<id>` or `screen:<id>`.

    `messages` maps a language tag (or `*` for any language) to its text. Times are Unix
    seconds. `priority` orders simultaneous overrides, highest first.
    """

    id: int
    created: float
    starts: float
    until: float
    target: str
    messages: Mapping[str, Message]
    priority: int
    source: str
    cap_key: str | None = None
    cancelled: float | None = None

    def active(self, now: float) -> bool:
        """True when the override is shown at `now`."""
        return self.cancelled is None and self.starts <= now < self.until

    def applies_to(self, screen_id: str, groups: Iterable[str]) -> bool:
        """True when the override targets this screen directly, by group or as `all`."""
        if self.target == "all":
            return True
        kind, _, name = self.target.partition(":")
        if kind == "screen":
            return name == screen_id
        return kind == "group" and name in set(groups)

    @property
    def room(self) -> str:
        """The Socket.IO room whose screens show this override."""
        return self.target

    def to_json(self) -> dict[str, Any]:
        """The wire form sent to screens and returned by the HTTP API."""
        return {
            "id": self.id,
            "target": self.target,
            "starts": self.starts,
            "until": self.until,
            "priority": self.priority,
            "source": self.source,
            "cancelled": self.cancelled,
            "messages": {lang: m.to_json() for lang, m in self.messages.items()},
        }


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log: who did what to which override, and when."""

    at: float
    override_id: int
    action: str
    actor: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "override": self.override_id,
            "action": self.action,
            "actor": self.actor,
            "detail": dict(self.detail),
        }


def clean_text(value: object, where: str, limit: int = MAX_TEXT) -> str:
    """Return `value` as NFC text without control characters, or raise `OverrideError`."""
    if not isinstance(value, str):
        raise OverrideError(f"{where} must be text, not {type(value).__name__}")
    text = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise OverrideError(f"{where} contains control characters")
    if len(text) > limit:
        raise OverrideError(f"{where} is longer than {limit} characters")
    return text


def parse_messages(raw: object) -> dict[str, Message]:
    """Validate `{lang: "text"}` or `{lang: {"headline": ..., "body": ...}}` from a request.

    Each language is one of `KNOWN_LANGUAGES`; errors name the field `messages`.
    """
    if not isinstance(raw, dict) or not raw:
        raise OverrideError('"messages" must be a non-empty object of language: text', "messages")
    if len(raw) > len(KNOWN_LANGUAGES):
        raise OverrideError(
            f'"messages" has {len(raw)} languages; the screens know {len(KNOWN_LANGUAGES)}',
            "messages",
        )
    result: dict[str, Message] = {}
    for lang, value in raw.items():
        if not isinstance(lang, str) or not LANGUAGE.match(lang):
            raise OverrideError(
                f'"messages": {str(lang)[:20]!r} is not a language tag such as "vi" or "en"',
                "messages",
            )
        if lang not in KNOWN_LANGUAGES:
            raise OverrideError(
                f'"messages": {lang!r} is not a language of the screens; use one of '
                + ", ".join(KNOWN_LANGUAGES),
                "messages",
            )
        where = f'"messages"."{lang}"'
        try:
            if isinstance(value, str):
                headline, body = clean_text(value, where), ""
            elif isinstance(value, dict):
                unknown = set(value) - {"headline", "body"}
                if unknown:
                    raise OverrideError(f"{where}: unknown key {str(sorted(unknown)[0])[:40]!r}")
                headline = clean_text(value.get("headline", ""), f"{where}.headline", 300)
                body = clean_text(value.get("body", ""), f"{where}.body")
            else:
                raise OverrideError(f"{where} must be text or an object with headline and body")
        except OverrideError as error:
            raise OverrideError(str(error), "messages") from None
        if not headline and not body:
            raise OverrideError(f"{where} is empty", "messages")
        result[lang] = Message(headline, body)
    return result


def parse_target(raw: object) -> str:
    """Validate a target: `all`, `group:<id>` or `screen:<id>`."""
    if not isinstance(raw, str) or len(raw) > MAX_TARGET or not TARGET.match(raw):
        raise OverrideError('"target" must be "all", "group:<id>" or "screen:<id>"', "target")
    return raw


DURATION = re.compile(r"^\+?(\d+)\s*(s|m|min|h|d)$", re.ASCII)
UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_until(text: str, now: datetime) -> datetime:
    """Parse an end time: `+30m`/`2h`, `HH:MM` (next occurrence) or an ISO date-time.

    `now` must be timezone-aware; naive inputs are taken in its time zone. The result is
    strictly after `now` and at most `MAX_DAYS` days after it, else `OverrideError` (field
    `until`).
    """
    value = text.strip()
    quoted = repr(text[:40] + ("…" if len(text) > 40 else ""))
    tz = now.tzinfo
    longest = timedelta(days=MAX_DAYS)
    too_far = f"until {quoted} is too far: an override lasts at most {MAX_DAYS} days"
    duration = DURATION.match(value)
    if duration:
        if len(duration[1]) > _MAX_DIGITS:
            raise OverrideError(too_far, "until")
        seconds = int(duration[1]) * UNIT_SECONDS[duration[2]]
        if seconds > longest.total_seconds():
            raise OverrideError(too_far, "until")
        result = now + timedelta(seconds=seconds)
    elif re.fullmatch(r"\d{1,2}:\d{2}", value, re.ASCII):
        hour, minute = (int(p) for p in value.split(":"))
        if hour > 23 or minute > 59:
            raise OverrideError(
                f"until {quoted}: not a time of day (HH:MM, 00:00 to 23:59)", "until"
            )
        result = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if result <= now:
            result += timedelta(days=1)
    else:
        try:
            result = datetime.fromisoformat(value)
        except ValueError:
            raise OverrideError(
                f"until {quoted}: use a duration (+30m, 2h), a time (18:00) "
                "or a date-time (2026-12-01T18:00)",
                "until",
            ) from None
        if result.tzinfo is None:
            result = result.replace(tzinfo=tz)
    try:
        past, far = result <= now, result - now > longest
    except OverflowError:
        # Comparing converts to UTC, which year 1 or 9999 with an offset cannot reach.
        past, far = result.year < now.year, result.year > now.year
    if past:
        raise OverrideError(f"until {quoted} is already past", "until")
    if far:
        raise OverrideError(too_far, "until")
    return result


def venue_now(tz: ZoneInfo) -> datetime:
    """The current time in the venue's time zone."""
    return datetime.now(tz)


class OverrideStore:
    """SQLite-backed store of overrides, audit log and proof of play (one file, WAL mode)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self.path)

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        db.execute("UPDATE meta SET value = value + 1 WHERE key = 'revision'")

    @staticmethod
    def _audit(
        db: sqlite3.Connection, override_id: int, action: str, actor: str, detail: Mapping[str, Any]
    ) -> None:
        db.execute(
            "INSERT INTO audit (at, override_id, action, actor, detail) VALUES (?, ?, ?, ?, ?)",
            (time.time(), override_id, action, actor, json.dumps(detail, ensure_ascii=False)),
        )

    @staticmethod
    def _row(row: sqlite3.Row) -> Override:
        messages = {
            lang: Message(m.get("headline", ""), m.get("body", ""))
            for lang, m in json.loads(row["messages"]).items()
        }
        return Override(
            id=row["id"],
            created=row["created"],
            starts=row["starts"],
            until=row["until"],
            target=row["target"],
            messages=messages,
            priority=row["priority"],
            source=row["source"],
            cap_key=row["cap_key"],
            cancelled=row["cancelled"],
        )

    def revision(self) -> int:
        """A number that changes whenever an override is created, cancelled or expires."""
        with self._connect() as db:
            return int(db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])

    def create(
        self,
        *,
        target: str,
        messages: Mapping[str, Message],
        until: float,
        actor: str,
        source: str,
        starts: float | None = None,
        priority: int = 0,
        cap_key: str | None = None,
    ) -> Override:
        """Store a new override and log its creation by `actor`; return it."""
        now = time.time()
        begin = now if starts is None else starts
        if until <= begin:
            raise OverrideError("the override would end before it starts")
        encoded = json.dumps({k: m.to_json() for k, m in messages.items()}, ensure_ascii=False)
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO overrides (created, starts, until, target, messages, priority,"
                " source, cap_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (now, begin, until, target, encoded, priority, source, cap_key),
            )
            override_id = int(cursor.lastrowid or 0)
            detail = {"target": target, "until": until, "source": source, "cap": cap_key}
            self._audit(db, override_id, "create", actor, detail)
            self._bump(db)
            row = db.execute("SELECT * FROM overrides WHERE id = ?", (override_id,)).fetchone()
        return self._row(row)

    def get(self, override_id: int) -> Override:
        """The override with this id, or `NotFound`."""
        if not valid_id(override_id):
            raise NotFound(f"no override has id {override_id}")
        with self._connect() as db:
            row = db.execute("SELECT * FROM overrides WHERE id = ?", (override_id,)).fetchone()
        if row is None:
            raise NotFound(f"no override has id {override_id}")
        return self._row(row)

    def cancel(self, override_id: int, actor: str, reason: str = "") -> Override:
        """Cancel an override now and log it; cancelling an ended one is an `OverrideError`."""
        if not valid_id(override_id):
            raise NotFound(f"no override has id {override_id}")
        now = time.time()
        with self._connect() as db:
            row = db.execute("SELECT * FROM overrides WHERE id = ?", (override_id,)).fetchone()
            if row is None:
                raise NotFound(f"no override has id {override_id}")
            if row["cancelled"] is not None:
                raise OverrideError(f"override {override_id} was already cancelled")
            if row["until"] <= now:
                raise OverrideError(f"override {override_id} has already expired")
            db.execute("UPDATE overrides SET cancelled = ? WHERE id = ?", (now, override_id))
            self._audit(db, override_id, "cancel", actor, {"reason": reason} if reason else {})
            self._bump(db)
            row = db.execute("SELECT * FROM overrides WHERE id = ?", (override_id,)).fetchone()
        return self._row(row)

    def active(self, now: float) -> list[Override]:
        """Overrides shown at `now`, highest priority first, then newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM overrides WHERE cancelled IS NULL AND starts <= ? AND until > ?"
                " ORDER BY priority DESC, created DESC",
                (now, now),
            ).fetchall()
        return [self._row(r) for r in rows]

    def by_cap_key(self, cap_key: str) -> list[Override]:
        """Overrides created from the CAP alert with this `sender,identifier,sent` key."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM overrides WHERE cap_key = ?", (cap_key,)).fetchall()
        return [self._row(r) for r in rows]

    def recent(self, limit: int = 100) -> list[Override]:
        """The newest overrides, active or not."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM overrides ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [self._row(r) for r in rows]

    def expire(self, now: float) -> list[int]:
        """Log the expiry of overrides that ended before `now`, once each; return their ids."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id FROM overrides WHERE until <= ? AND cancelled IS NULL"
                " AND expiry_logged = 0",
                (now,),
            ).fetchall()
            ids = [int(r["id"]) for r in rows]
            for override_id in ids:
                db.execute("UPDATE overrides SET expiry_logged = 1 WHERE id = ?", (override_id,))
                self._audit(db, override_id, "expire", "system", {})
            if ids:
                self._bump(db)
        return ids

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The newest audit entries, newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [
            AuditEntry(r["at"], r["override_id"], r["action"], r["actor"], json.loads(r["detail"]))
            for r in rows
        ]


def valid_id(override_id: int) -> bool:
    """Whether `override_id` can be an override's id: from 1 to `MAX_ID`."""
    return 1 <= override_id <= MAX_ID


@dataclass(frozen=True)
class OverrideRequest:
    """A validated request to show an override, before it is stored."""

    target: str
    messages: Mapping[str, Message]
    until: float
    priority: int


def check_target(target: str, groups: Iterable[str], screens: Iterable[str]) -> None:
    """Raise `OverrideError` when `target` names a group or screen the catalog does not declare."""
    kind, _, name = target.partition(":")
    if kind == "group" and name not in set(groups):
        known = ", ".join(sorted(groups)) or "none"
        raise OverrideError(f"unknown group {name!r}; declared groups: {known}")
    if kind == "screen" and name not in set(screens):
        raise OverrideError(f"unknown screen {name!r}")


def parse_request(
    data: object, now: datetime, groups: Iterable[str], screens: Iterable[str]
) -> OverrideRequest:
    """Validate the JSON body of `POST /api/overrides`.

    `{"target": "all" | "group:<id>" | "screen:<id>", "until": "+30m" | "18:00" | ISO,
    "messages": {lang: text | {headline, body}}, "priority": int (optional)}`.
    """
    if not isinstance(data, dict):
        raise OverrideError("the request body must be a JSON object")
    unknown = set(data) - {"target", "until", "messages", "priority"}
    if unknown:
        name = str(sorted(unknown)[0])[:40]
        raise OverrideError(f"unknown field {name!r}", name)
    target = parse_target(data.get("target"))
    try:
        check_target(target, groups, screens)
    except OverrideError as error:
        raise OverrideError(str(error), "target") from None
    until_raw = data.get("until")
    if not isinstance(until_raw, str) or not until_raw.strip():
        raise OverrideError('"until" is required: "+30m", "18:00" or "2026-12-01T18:00"', "until")
    until = parse_until(until_raw, now).timestamp()
    priority = data.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int) or not -100 <= priority <= 100:
        raise OverrideError('"priority" must be a whole number from -100 to 100', "priority")
    return OverrideRequest(target, parse_messages(data.get("messages")), until, priority)
