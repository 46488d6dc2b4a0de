"""Schedules are evaluated on the venue's wall clock, and changes are found to the minute."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from signage.catalog.playlist import Item, Playlist, TickerContent
from signage.catalog.schedule import Schedule, Window, active_items, next_change, parse_window

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> dt.datetime:
    """A wall-clock time in Vietnam, written 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VN)


def item(name: str, when: Schedule | None = None, priority: int = 0, ticker: bool = False) -> Item:
    content = TickerContent({"vi": name})
    return Item(name, "ticker" if ticker else "text", 10, content, when, priority)


def playlist(*items: Item) -> Playlist:
    return Playlist("p", "p", items, VN)


# 2026-11-30 is a Monday.
MORNING = Schedule(windows=(parse_window("07:00-11:30"),))
NIGHT = Schedule(weekdays=frozenset({4}), windows=(parse_window("22:00-02:00"),))  # Fridays
DECEMBER = Schedule(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
WEEKDAYS = Schedule(weekdays=frozenset(range(5)))


@pytest.mark.parametrize(
    ("schedule", "moment", "active"),
    [
        (MORNING, "2026-11-30 06:59", False),
        (MORNING, "2026-11-30 07:00", True),
        (MORNING, "2026-11-30 11:29", True),
        (MORNING, "2026-11-30 11:30", False),
        (NIGHT, "2026-12-04 21:59", False),
        (NIGHT, "2026-12-04 22:00", True),
        (NIGHT, "2026-12-05 01:59", True),  # Saturday morning belongs to Friday night
        (NIGHT, "2026-12-05 02:00", False),
        (NIGHT, "2026-12-05 22:30", False),  # Saturday night is not scheduled
        (NIGHT, "2026-12-04 01:00", False),  # Friday early morning belongs to Thursday
        (DECEMBER, "2026-11-30 23:59", False),
        (DECEMBER, "2026-12-01 00:00", True),
        (DECEMBER, "2026-12-31 23:59", True),
        (DECEMBER, "2027-01-01 00:00", False),
        (WEEKDAYS, "2026-12-04 12:00", True),
        (WEEKDAYS, "2026-12-05 12:00", False),
        (Schedule(windows=(parse_window("18:00-24:00"),)), "2026-12-05 23:59", True),
    ],
)
def test_is_active(schedule: Schedule, moment: str, active: bool) -> None:
    assert schedule.is_active(at(moment)) is active


def test_evaluation_uses_the_venue_time_zone() -> None:
    morning = item("morning", MORNING)
    # 00:30 UTC is 07:30 in Vietnam.
    utc = dt.datetime(2026, 11, 30, 0, 30, tzinfo=dt.UTC)
    assert active_items(playlist(morning), utc) == [morning]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        active_items(playlist(item("a")), dt.datetime(2026, 11, 30, 8, 0))


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("07:00-11:30", Window(420, 690)),
        (" 7:05 - 9:00 ", Window(425, 540)),
        ("22:00-06:00", Window(1320, 360)),
        ("18:00-24:00", Window(1080, 1440)),
    ],
)
def test_parse_window(text: str, window: Window) -> None:
    assert parse_window(text) == window


@pytest.mark.parametrize("text", ["7-9", "24:00-01:00", "07:60-08:00", "07:00-24:01", "noon"])
def test_parse_window_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_window(text)


def test_highest_priority_replaces_the_rotation_per_layer() -> None:
    usual = item("usual")
    special = item("special", DECEMBER, priority=10)
    line = item("line", ticker=True)
    rotation = playlist(usual, special, line)
    assert active_items(rotation, at("2026-11-30 12:00")) == [usual, line]
    assert active_items(rotation, at("2026-12-01 12:00")) == [special, line]


@pytest.mark.parametrize(
    ("schedules", "after", "expected"),
    [
        ([MORNING], "2026-11-30 06:00", "2026-11-30 07:00"),
        ([MORNING], "2026-11-30 07:00", "2026-11-30 11:30"),
        ([MORNING], "2026-11-30 12:00", "2026-12-01 07:00"),
        ([NIGHT], "2026-11-30 12:00", "2026-12-04 22:00"),
        ([NIGHT], "2026-12-04 23:00", "2026-12-05 02:00"),
        ([DECEMBER], "2026-06-01 09:00", "2026-12-01 00:00"),
        ([DECEMBER], "2026-12-15 09:00", "2027-01-01 00:00"),
        ([DECEMBER], "2027-01-01 00:00", None),
        (
            [Schedule(dt.date(2027, 3, 1), None, frozenset({6}))],
            "2026-06-01 09:00",
            "2027-03-07 00:00",
        ),
        ([WEEKDAYS], "2026-12-02 09:00", "2026-12-05 00:00"),
        # Adjacent windows of one item: nothing changes at 11:30.
        (
            [Schedule(windows=(parse_window("07:00-11:30"), parse_window("11:30-12:00")))],
            "2026-11-30 08:00",
            "2026-11-30 12:00",
        ),
        ([], "2026-11-30 08:00", None),
    ],
)
def test_next_change(schedules: list[Schedule], after: str, expected: str | None) -> None:
    rotation = playlist(item("always"), *(item(f"s{n}", s) for n, s in enumerate(schedules)))
    change = next_change(rotation, at(after))
    assert change == (at(expected) if expected else None)


def test_next_change_ignores_a_boundary_hidden_by_priority() -> None:
    special = item("special", DECEMBER, priority=5)
    hidden = item("hidden", MORNING)
    rotation = playlist(special, hidden)
    # In December the special replaces everything, so 07:00 changes nothing until 2027.
    assert next_change(rotation, at("2026-12-15 06:00")) == at("2027-01-01 00:00")
