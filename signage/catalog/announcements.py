"""When sound items play: the moments of one day, in the venue's time zone.

A sound item with `every: N` plays at the start of each of its schedule's time windows and
then every N minutes while the window lasts (the whole day, from midnight, without windows);
without `every` it plays once at the start of each window. A window crossing midnight belongs
to the day it starts (as in `signage.catalog.schedule`), but its plays after midnight are in
the following day's list. Screens with speakers and the loudspeaker export both read this.
Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from signage.catalog.playlist import Item, Playlist, SoundContent
from signage.catalog.schedule import MINUTES_PER_DAY, Window


@dataclass(frozen=True, order=True)
class Due:
    """One play: `at` (timezone-aware, in the playlist's zone) and the item's place in its
    playlist (`order`, which breaks ties between items due at the same minute)."""

    at: dt.datetime
    order: int
    item: Item = field(compare=False)


def plays(item: Item, day: dt.date, tz: dt.tzinfo) -> list[dt.datetime]:
    """The moments of `day` (a wall-clock date in `tz`) at which sound `item` plays, sorted;
    empty for an item that is not a sound."""
    content = item.content
    if not isinstance(content, SoundContent):
        return []
    schedule = item.schedule
    windows = schedule.windows if schedule is not None and schedule.windows else ()
    found: set[dt.datetime] = set()
    if not windows:
        if schedule is None or schedule.day_allowed(day):
            found.update(_steps(day, Window(0, MINUTES_PER_DAY), content.every, day, tz))
        return sorted(found)
    for start_day in (day - dt.timedelta(days=1), day):
        if schedule is not None and not schedule.day_allowed(start_day):
            continue
        for window in windows:
            found.update(_steps(start_day, window, content.every, day, tz))
    return sorted(found)


def due(playlist: Playlist, day: dt.date) -> list[Due]:
    """Every play of `playlist`'s sound items on `day`, in the order they are due."""
    found = [
        Due(at, order, item)
        for order, item in enumerate(playlist.items)
        for at in plays(item, day, playlist.timezone)
    ]
    return sorted(found)


def has_sound(playlist: Playlist) -> bool:
    """Whether the playlist has any sound item (its day's plays change at midnight)."""
    return any(item.kind == "sound" for item in playlist.items)


def _steps(
    start_day: dt.date, window: Window, every: int | None, day: dt.date, tz: dt.tzinfo
) -> list[dt.datetime]:
    end = window.end + (MINUTES_PER_DAY if window.crosses_midnight else 0)
    minutes = range(window.start, end, every) if every else range(window.start, window.start + 1)
    moments = []
    for minute in minutes:
        wall = dt.datetime.combine(start_day, dt.time()) + dt.timedelta(minutes=minute)
        if wall.date() == day:
            moments.append(wall.replace(tzinfo=tz))
    return moments
