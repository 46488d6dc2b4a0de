"""Validating a request to show an override, the same for the HTTP API, the CLI and the console.

Texts are bounded and normalised, targets are `all`, `group:<id>` or `screen:<id>`, and the
end is a date-time or a duration at most `MAX_DAYS` ahead. Errors are `OverrideError`s whose
`code` the console translates. No Flask import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from signage.catalog.playlist import LANGUAGES
from signage.emergency.model import Message, OverrideError

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
    speak: bool = False


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
    "messages": {lang: text | {headline, body}}, "priority": int (optional), "speak": bool
    (optional: screens with speakers also read it aloud)}`.
    """
    if not isinstance(data, dict):
        raise OverrideError("the request body must be a JSON object")
    unknown = set(data) - {"target", "until", "messages", "priority", "speak"}
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
    speak = data.get("speak", False)
    if not isinstance(speak, bool):
        raise OverrideError('"speak" must be true or false', "speak")
    messages = parse_messages(data.get("messages"))
    return OverrideRequest(target, messages, until, priority, speak)
