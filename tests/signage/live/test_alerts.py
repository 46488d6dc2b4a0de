"""Offline / back-online alerts: the debounce rule, as a table of observations over time."""

from __future__ import annotations

import pytest

from signage.live.alerts import Alerts

DELAY = 60.0

# Each case: (time, online) observations of one screen, and the alerts due: (time, online).
CASES = {
    "first sight is silent, offline or online": ([(0, False), (100, False)], []),
    "coming up at start is not a comeback": ([(0, False), (1, True), (200, True)], []),
    "offline for the full delay alerts once": (
        [(0, True), (10, False), (69, False), (70, False), (200, False)],
        [(70, False)],
    ),
    "a reload shorter than the delay raises nothing": (
        [(0, True), (10, False), (15, True), (100, True)],
        [],
    ),
    "flapping restarts the wait each time": (
        [(0, True), (10, False), (50, True), (60, False), (100, False), (120, False)],
        [(120, False)],
    ),
    "back online after an alert, once stable": (
        [(0, True), (10, False), (70, False), (80, True), (139, True), (140, True), (300, True)],
        [(70, False), (140, True)],
    ),
    "a short comeback after an alert is not reported": (
        [(0, True), (10, False), (70, False), (80, True), (90, False), (200, False)],
        [(70, False)],
    ),
}


@pytest.mark.parametrize(("observations", "expected"), CASES.values(), ids=CASES.keys())
def test_debounce(
    observations: list[tuple[float, bool]], expected: list[tuple[float, bool]]
) -> None:
    alerts = Alerts(DELAY)
    due: list[tuple[float, bool]] = []
    for at, online in observations:
        due += [(a.at, a.online) for a in alerts.observe({"lobby-1": online}, at)]
    assert due == expected


def test_alert_records_when_the_change_began_and_recent_is_newest_first() -> None:
    alerts = Alerts(DELAY)
    alerts.observe({"a": True, "b": True}, 0)
    alerts.observe({"a": False, "b": True}, 10)
    (first,) = alerts.observe({"a": False, "b": False}, 75)
    assert (first.screen_id, first.changed_at, first.event) == ("a", 10, "screen_offline")
    (second,) = alerts.observe({"a": False, "b": False}, 140)
    assert second.screen_id == "b"
    assert [a.screen_id for a in alerts.recent()] == ["b", "a"]
    assert first.to_json()["changed_at"] == 10_000


def test_removed_screens_are_forgotten() -> None:
    alerts = Alerts(DELAY)
    alerts.observe({"a": True}, 0)
    alerts.observe({}, 10)
    assert alerts.observe({"a": False}, 100) == []
