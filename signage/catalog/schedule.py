"""When an item is shown: date range, weekdays and time-of-day windows in the venue's time zone.

A schedule is evaluated on the venue's wall clock. A time window that ends at or before its
start crosses midnight ("22:00-06:00"); it belongs to the day on which it starts, so its weekday
and date range are those of the evening, not of the following morning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from signage.catalog.problem import render

if TYPE_CHECKING:
    from signage.catalog.playlist import Item, Playlist

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

# A weekly schedule repeats every 7 days; a window crossing midnight spills into an eighth.
# Looking 8 days ahead therefore sees every change until the next date-range boundary.
_LOOKAHEAD = dt.timedelta(days=8)


@dataclass(frozen=True)
class Window:
    """A time-of-day window in minutes after midnight, start included, end excluded.

    `start` is 0..1439 and `end` 0..1440; `end <= start` means the window crosses midnight.
    """

    start: int
    end: int

    @property
    def crosses_midnight(self) -> bool:
        """True when the window ends on the following day."""
        return self.end <= self.start

    def spans(self) -> list[tuple[int, int]]:
        """The minutes of a day the window covers, as half-open intervals within 0..1440."""
        if not self.crosses_midnight:
            return [(self.start, self.end)]
        return [(self.start, MINUTES_PER_DAY), (0, self.end)]

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


class WindowError(ValueError):
    """A time window that cannot be read: `code` says why (a code of `catalog.messages`:
    window-format, window-start or window-end) and `time` is the offending time, if any."""

    def __init__(self, code: str, text: str, time: str = "") -> None:
        super().__init__(render(code, (("value", text), ("time", time))))
        self.code = code
        self.time = time


def parse_window(text: str) -> Window:
    """Read "HH:MM-HH:MM" (24-hour clock, the end may be 24:00).

    Raises WindowError (a ValueError) saying what is wrong and what is expected.
    """
    match = _WINDOW.match(text)
    if match is None:
        raise WindowError("window-format", text)
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or m1 > 59:
        raise WindowError("window-start", text, f"{h1:02d}:{m1:02d}")
    if h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise WindowError("window-end", text, f"{h2:02d}:{m2:02d}")
    return Window(h1 * 60 + m1, h2 * 60 + m2)


@dataclass(frozen=True)
class Schedule:
    """When an item may be shown; every part that is given must hold.

    `start_date` and `end_date` are inclusive (either may be absent); `weekdays` holds
    Monday=0..Sunday=6 (None means every day); an empty `windows` means the whole day.
    """

    start_date: dt.date | None = None
    end_date: dt.date | None = None
    weekdays: frozenset[int] | None = None
    windows: tuple[Window, ...] = ()

    def day_allowed(self, day: dt.date) -> bool:
        """Whether `day` is inside the date range and on an allowed weekday."""
        if self.start_date is not None and day < self.start_date:
            return False
        if self.end_date is not None and day > self.end_date:
            return False
        return self.weekdays is None or day.weekday() in self.weekdays

    def is_active(self, local: dt.datetime) -> bool:
        """Whether the schedule holds at `local`, a wall-clock time in the venue's time zone."""
        day = local.date()
        minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
        if not self.windows:
            return self.day_allowed(day)
        for window in self.windows:
            if not window.crosses_midnight:
                if window.start <= minute < window.end and self.day_allowed(day):
                    return True
                continue
            if minute >= window.start and self.day_allowed(day):
                return True
            if minute < window.end and self.day_allowed(day - dt.timedelta(days=1)):
                return True
        return False

    def date_boundaries(self) -> list[dt.date]:
        """The days at whose midnight the date range opens or closes."""
        days = []
        if self.start_date is not None:
            days.append(self.start_date)
        if self.end_date is not None:
            days.append(self.end_date + dt.timedelta(days=1))
        return days

    def daily_boundaries(self, first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, int]]:
        """Wall-clock moments (day, minute) from `first` to `last` at which the state may change."""
        day = first
        while day <= last:
            yield day, 0
            for window in self.windows:
                yield day, window.start
                yield day, window.end + (MINUTES_PER_DAY if window.crosses_midnight else 0)
            day += dt.timedelta(days=1)


def active_items(playlist: Playlist, at: dt.datetime) -> list[Item]:
    """The items of `playlist` to show at `at` (timezone-aware), in playlist order.

    Slides and ticker lines are two separate layers; within each layer, when items of different
    priorities are active at once, only those of the highest priority are shown, so a scheduled
    special (priority 10 on a holiday) replaces the usual rotation without editing it. Sound
    items are never in it: they are heard at moments (`signage.catalog.announcements`).
    """
    local = _local(at, playlist)
    active = [
        item
        for item in playlist.items
        if item.kind != "sound" and (item.schedule is None or item.schedule.is_active(local))
    ]
    top: dict[bool, int] = {}
    for item in active:
        layer = item.kind == "ticker"
        top[layer] = max(top.get(layer, item.priority), item.priority)
    return [item for item in active if item.priority == top[item.kind == "ticker"]]


def next_change(playlist: Playlist, after: dt.datetime) -> dt.datetime | None:
    """The first moment strictly after `after` at which `active_items` returns something else,
    or, for a playlist with sound items, the next midnight if that is sooner (screens are sent
    each day's plays, so a new day is a change).

    None when the active items never change again. The result is timezone-aware, in the
    playlist's time zone, so a server can sleep until it and re-evaluate exactly at 07:00.
    """
    change = _next_slide_change(playlist, after)
    if not any(item.kind == "sound" for item in playlist.items):
        return change
    local = _local(after, playlist)
    midnight = _at(local.date() + dt.timedelta(days=1), 0, playlist.timezone)
    return midnight if change is None or midnight < change else change


def _next_slide_change(playlist: Playlist, after: dt.datetime) -> dt.datetime | None:
    tz = playlist.timezone
    base = active_items(playlist, after)
    schedules = [
        item.schedule
        for item in playlist.items
        if item.schedule is not None and item.kind != "sound"
    ]
    if not schedules:
        return None
    epochs = sorted(
        {_at(day, 0, tz) for schedule in schedules for day in schedule.date_boundaries()}
    )
    start = _local(after, playlist)
    while True:
        horizon = start + _LOOKAHEAD
        first, last = start.date() - dt.timedelta(days=1), horizon.date()
        candidates = {
            _at(day, minute, tz)
            for schedule in schedules
            for day, minute in schedule.daily_boundaries(first, last)
        }
        candidates.update(epochs)
        for moment in sorted(c for c in candidates if start < c <= horizon):
            if active_items(playlist, moment) != base:
                return moment
        inside = [e for e in epochs if start < e <= horizon]
        if inside:
            start = inside[-1]
            continue
        later = [e for e in epochs if e > horizon]
        if not later:
            return None
        if active_items(playlist, later[0]) != base:
            return later[0]
        start = later[0]


def _local(at: dt.datetime, playlist: Playlist) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("schedules are evaluated at a timezone-aware datetime")
    return at.astimezone(playlist.timezone)


def _at(day: dt.date, minute: int, tz: dt.tzinfo) -> dt.datetime:
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return wall.replace(tzinfo=tz)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
