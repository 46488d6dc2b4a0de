"""Reading a venue box's report (``POST /api/venues/report``), every field bounded.

The body (see `portal.campaign.reporter`)::

    {"venue": "<id>", "health": {"version", "uptime", "sessions", "gateway"},
     "hours": [{"hour": "YYYY-MM-DDTHH", "counts": [{"kind", "lang", "os", "src", "count"}]}]}

`parse` returns a `Report` or raises `ReportError` whose ``field`` names what is wrong
(``hours[3].counts[0].count``). Bounds: at most `MAX_HOURS` hours per report and `MAX_KEYS`
counts per hour; an hour from 2020 on and at most `FUTURE_HOURS` ahead of this server's clock
(a box's clock may be a little ahead); a count a whole number from 0 below `MAX_COUNT`; keys as
`bluezone.venuereport` allows them (its bounds are the box's too). No Flask import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bluezone.venuereport import (
    KINDS,
    LANG,
    MAX_COUNT,
    MAX_GATEWAY,
    MAX_HOURS,
    MAX_KEYS,
    MAX_VERSION,
    OS,
    SRC,
    TEXT,
)
from signage.venues.store import VENUE_ID, Health, Key

FUTURE_HOURS = 2
EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)
HOUR = "%Y-%m-%dT%H"
MAX_UPTIME = 100 * 365 * 86400
MAX_SESSIONS = 10_000_000

_HOUR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}$")


class ReportError(ValueError):
    """The report is refused; ``field`` names the part at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Report:
    """A checked report: the venue, its health, and each hour's absolute counts."""

    venue: str
    health: Health
    hours: dict[str, dict[Key, int]]


def _object(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReportError(field, f"{field} must be a JSON object")
    return value


def _whole(value: object, field: str, limit: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < limit:
        raise ReportError(field, f"{field} must be a whole number from 0 below {limit}")
    return value


def _text(value: object, field: str, pattern: re.Pattern[str], limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit or not pattern.match(value):
        raise ReportError(field, f"{field} must be text of at most {limit} allowed characters")
    return value


def _hour(value: object, field: str, now: datetime) -> str:
    if not isinstance(value, str) or not _HOUR.match(value):
        raise ReportError(field, f"{field} must be a UTC hour YYYY-MM-DDTHH")
    try:
        moment = datetime.strptime(value, HOUR).replace(tzinfo=UTC)
    except ValueError:
        raise ReportError(field, f"{field} is not a real hour: {value}") from None
    if moment < EARLIEST:
        raise ReportError(field, f"{field} is before 2020: check the box's clock")
    if moment > now + timedelta(hours=FUTURE_HOURS):
        raise ReportError(field, f"{field} is in the future: check the box's clock")
    return value


def _health(value: object) -> Health:
    health = _object(value, "health")
    return Health(
        version=_text(health.get("version"), "health.version", TEXT, MAX_VERSION),
        uptime=_whole(health.get("uptime"), "health.uptime", MAX_UPTIME),
        sessions=_whole(health.get("sessions"), "health.sessions", MAX_SESSIONS),
        gateway=_text(health.get("gateway"), "health.gateway", TEXT, MAX_GATEWAY),
    )


def _counts(value: object, field: str) -> dict[Key, int]:
    if not isinstance(value, list):
        raise ReportError(field, f"{field} must be a list")
    if len(value) > MAX_KEYS:
        raise ReportError(field, f"{field}: at most {MAX_KEYS} counts per hour")
    counts: dict[Key, int] = {}
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        entry = _object(item, where)
        kind = entry.get("kind")
        if kind not in KINDS:
            raise ReportError(f"{where}.kind", f"{where}.kind must be one of {', '.join(KINDS)}")
        key = (
            str(kind),
            _text(entry.get("lang"), f"{where}.lang", LANG, 16),
            _text(entry.get("os"), f"{where}.os", OS, 32),
            _text(entry.get("src"), f"{where}.src", SRC, 64),
        )
        if key in counts:
            raise ReportError(where, f"{where} repeats a count of the same hour and key")
        counts[key] = _whole(entry.get("count"), f"{where}.count", MAX_COUNT)
    return counts


def parse(data: object, now: datetime) -> Report:
    """The report in ``data`` (a parsed JSON document) as received at ``now``."""
    body = _object(data, "body")
    venue = body.get("venue")
    if not isinstance(venue, str) or not VENUE_ID.match(venue):
        raise ReportError("venue", "venue must be the box's venue id")
    hours_value = body.get("hours", [])
    if not isinstance(hours_value, list):
        raise ReportError("hours", "hours must be a list")
    if len(hours_value) > MAX_HOURS:
        raise ReportError("hours", f"at most {MAX_HOURS} hours per report")
    hours: dict[str, dict[Key, int]] = {}
    for index, item in enumerate(hours_value):
        where = f"hours[{index}]"
        entry = _object(item, where)
        hour = _hour(entry.get("hour"), f"{where}.hour", now)
        if hour in hours:
            raise ReportError(f"{where}.hour", f"{where}.hour is given twice")
        hours[hour] = _counts(entry.get("counts"), f"{where}.counts")
    return Report(venue, _health(body.get("health")), hours)
