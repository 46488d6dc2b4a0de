"""Reading a box's report: what is accepted, and every refusal names its field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bluezone.venuereport import MAX_COUNT, MAX_HOURS
from signage.venues.report import ReportError, parse

NOW = datetime(2026, 12, 7, 3, 30, tzinfo=UTC)
HEALTH = {"version": "0.1.0", "uptime": 10, "sessions": 2, "gateway": "none: ok"}


def body(**changes: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "venue": "ben-xe",
        "health": HEALTH,
        "hours": [
            {
                "hour": "2026-12-07T03",
                "counts": [
                    {"kind": "view", "lang": "vi", "os": "android", "src": "", "count": 4},
                    {"kind": "qr_scan", "lang": "en", "os": "ios", "src": "lobby-1", "count": 1},
                ],
            }
        ],
    }
    report.update(changes)
    return report


def test_a_good_report() -> None:
    report = parse(body(), NOW)
    assert report.venue == "ben-xe"
    assert report.health.sessions == 2
    assert report.hours == {
        "2026-12-07T03": {("view", "vi", "android", ""): 4, ("qr_scan", "en", "ios", "lobby-1"): 1}
    }
    assert parse(body(hours=[]), NOW).hours == {}


def count(**changes: Any) -> dict[str, Any]:
    return body(
        hours=[
            {"hour": "2026-12-07T03", "counts": [{**body()["hours"][0]["counts"][0], **changes}]}
        ]
    )


@pytest.mark.parametrize(
    ("report", "field"),
    [
        ([], "body"),
        (body(venue="ben xe"), "venue"),
        (body(venue=None), "venue"),
        (body(health=None), "health"),
        (body(health={**HEALTH, "uptime": -1}), "health.uptime"),
        (body(health={**HEALTH, "sessions": True}), "health.sessions"),
        (body(health={**HEALTH, "version": "x" * 65}), "health.version"),
        (body(health={**HEALTH, "gateway": "a\nb"}), "health.gateway"),
        (body(hours={}), "hours"),
        (body(hours=[{"hour": "2026-12-07T03", "counts": []}] * 2), "hours[1].hour"),
        (
            body(
                hours=[
                    {"hour": f"2026-11-{d:02}T{h:02}", "counts": []}
                    for d in range(1, 9)
                    for h in range(24)
                ][: MAX_HOURS + 1]
            ),
            "hours",
        ),
        (body(hours=[{"hour": "2019-12-31T23", "counts": []}]), "hours[0].hour"),
        (body(hours=[{"hour": "2026-12-07T06", "counts": []}]), "hours[0].hour"),
        (body(hours=[{"hour": "2026-02-30T01", "counts": []}]), "hours[0].hour"),
        (body(hours=[{"hour": "2026-12-07 03", "counts": []}]), "hours[0].hour"),
        (body(hours=[{"hour": "2026-12-07T03", "counts": {}}]), "hours[0].counts"),
        (body(hours=["x"]), "hours[0]"),
        (count(kind="like"), "hours[0].counts[0].kind"),
        (count(count=-1), "hours[0].counts[0].count"),
        (count(count=MAX_COUNT), "hours[0].counts[0].count"),
        (count(count=1.5), "hours[0].counts[0].count"),
        (count(count="4"), "hours[0].counts[0].count"),
        (count(lang="<script>"), "hours[0].counts[0].lang"),
        (count(os="A" * 33), "hours[0].counts[0].os"),
        (count(src="a b"), "hours[0].counts[0].src"),
    ],
)
def test_every_refusal_names_its_field(report: Any, field: str) -> None:
    with pytest.raises(ReportError) as refused:
        parse(report, NOW)
    assert refused.value.field == field


def test_a_key_given_twice_in_one_hour_is_refused() -> None:
    twice = body()
    twice["hours"][0]["counts"].append(dict(twice["hours"][0]["counts"][0]))
    with pytest.raises(ReportError) as refused:
        parse(twice, NOW)
    assert refused.value.field == "hours[0].counts[2]"
