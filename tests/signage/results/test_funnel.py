"""The campaign funnel's pure core: figures from tables of counters, plays and printed records."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from signage.live.playlog import PlayHour
from signage.results.funnel import (
    ALL,
    STEPS,
    Inputs,
    conversion,
    funnel_table,
    percent,
    source_of,
    sources_table,
)
from signage.results.funnelchart import Bar, funnel_chart
from signage.results.printlog import Printed
from signage.results.tables import Count, Period

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = Period(date(2026, 11, 1), date(2026, 11, 2), ZONE)


def hour(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H").replace(tzinfo=UTC)


def count(at: str, kind: str, n: int, venue: str = "bus", src: str = "") -> Count:
    return Count(hour(at), kind, venue, "vi", "android", src, n)


def play(at: str, screen: str, item: str, n: int) -> PlayHour:
    return PlayHour(screen, item, int(hour(at).timestamp()), n, n * 15.0)


def made(at: str, material: str, venue: str, copies: int) -> Printed:
    return Printed(material, venue, ("vi",), copies, hour(at).timestamp() + 60, "lan")


# 2026-11-01T17 UTC is midnight of 2 November in the venue's time zone.
COUNTS = [
    count("2026-11-01T02", "view", 40),
    count("2026-11-01T02", "accept", 30),
    count("2026-11-01T02", "store_click", 6),
    count("2026-11-01T03", "qr_scan", 5, src="lobby-1"),
    count("2026-11-01T17", "qr_scan", 3, src="poster:airport"),
    count("2026-11-01T17", "qr_scan", 2, src="leaflet:bus"),
    count("2026-11-01T18", "view", 10, venue="airport"),
    count("2026-11-01T18", "accept", 5, venue="airport"),
    # Outside the period: the day before and the day after.
    count("2026-10-31T16", "view", 1000),
    count("2026-11-02T17", "qr_scan", 1000, src="lobby-1"),
]
PLAYS = [
    play("2026-11-01T03", "lobby-1", "qr-item", 100),
    play("2026-11-01T03", "lobby-1", "text-item", 70),  # carries no QR code
    play("2026-11-01T20", "gate-1", "qr-item", 25),
]
PRINTED = [
    made("2026-11-01T01", "poster", "airport", 10),
    made("2026-11-01T18", "leaflet", "bus", 200),
    made("2026-11-01T19", "leaflet", "bus", 50),
]


def inputs(venue: str | None = None) -> Inputs:
    return Inputs(COUNTS, PLAYS, PRINTED, {"qr-item"}, "bus", venue)


def rows(venue: str | None = None) -> dict[tuple[str, str], tuple[tuple[str, ...], dict[str, int]]]:
    table = funnel_table(inputs(venue), PERIOD)
    return {
        (row.texts[0], row.texts[1]): (row.texts[2:], dict(zip(STEPS, row.values, strict=True)))
        for row in table.rows
    }


def test_the_province_for_the_whole_period() -> None:
    rates, values = rows()[(ALL, ALL)]
    assert values == {
        "qr_plays": 125,
        "printed": 260,
        "screen_scans": 5,
        "material_scans": 5,
        "view": 50,
        "accept": 35,
        "store_click": 6,
    }
    # 5/125 scans per play, 5/260 per material, 35/50 accepts, 6/35 clicks.
    assert rates == ("4.0", "1.9", "70.0", "17.1")


def test_each_day_in_the_venues_time_zone() -> None:
    found = rows()
    first = found[(ALL, "2026-11-01")][1]
    second = found[(ALL, "2026-11-02")][1]
    assert (first["qr_plays"], first["printed"], first["screen_scans"], first["view"]) == (
        100,
        10,
        5,
        40,
    )
    assert (second["qr_plays"], second["printed"], second["material_scans"]) == (25, 250, 5)
    assert found[(ALL, "2026-11-02")][0] == ("0.0", "2.0", "50.0", "0.0")


def test_each_venue_takes_its_screens_its_sheets_and_the_venue_of_a_material_scan() -> None:
    found = rows()
    bus = found[("bus", ALL)][1]
    airport = found[("airport", ALL)][1]
    # The screens stand at "bus"; the poster was made for and scanned as the airport's.
    assert (bus["qr_plays"], bus["printed"], bus["screen_scans"], bus["material_scans"]) == (
        125,
        250,
        5,
        2,
    )
    assert (airport["qr_plays"], airport["printed"], airport["material_scans"]) == (0, 10, 3)
    assert (airport["view"], airport["accept"]) == (10, 5)
    assert found[("airport", ALL)][0] == ("", "30.0", "50.0", "0.0")
    # A venue's day without any figure has no row.
    assert ("airport", "2026-11-01") in found and ("bus", "2026-11-02") in found
    assert [key for key in found if key[0] == "airport"] == [
        ("airport", ALL),
        ("airport", "2026-11-01"),
        ("airport", "2026-11-02"),
    ]


def test_one_venue_keeps_only_its_own_figures() -> None:
    found = rows("airport")
    assert {venue for venue, _ in found} == {ALL, "airport"}
    assert found[(ALL, ALL)][1]["printed"] == 10
    assert found[(ALL, ALL)][1]["qr_plays"] == 0


def test_scans_per_source() -> None:
    table = sources_table(inputs(), PERIOD, {"lobby-1": "Sảnh 1"})
    assert [(r.texts, r.values) for r in table.rows] == [
        (("lobby-1", "screen", "bus", "Sảnh 1", "5.0"), (100, 5)),
        (("poster:airport", "material", "airport", "", "30.0"), (10, 3)),
        (("leaflet:bus", "material", "bus", "", "0.8"), (250, 2)),
        (("gate-1", "screen", "bus", "", "0.0"), (25, 0)),
    ]
    assert [r.texts[0] for r in sources_table(inputs("airport"), PERIOD, {}).rows] == [
        "poster:airport"
    ]


def test_an_empty_period_has_one_zero_row_per_day_and_no_rates() -> None:
    table = funnel_table(Inputs([], [], [], set(), "bus"), PERIOD)
    assert [r.texts for r in table.rows] == [
        (ALL, ALL, "", "", "", ""),
        (ALL, "2026-11-01", "", "", "", ""),
        (ALL, "2026-11-02", "", "", "", ""),
    ]
    assert all(r.values == (0,) * len(STEPS) for r in table.rows)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("lobby-1", ("screen", "")),
        ("poster:tuyhoa-bus", ("material", "tuyhoa-bus")),
        (":bus", ("screen", "")),
        ("poster:", ("screen", "")),
        ("unknown", ("screen", "")),
    ],
)
def test_the_kind_of_a_source(src: str, expected: tuple[str, str]) -> None:
    assert source_of(src) == expected


def test_conversions() -> None:
    assert conversion(1, 3) == pytest.approx(33.333, abs=0.001)
    assert conversion(5, 0) is None
    assert percent(None) == "" and percent(12.345) == "12.3"


def test_the_chart_escapes_names_and_says_each_step() -> None:
    svg = funnel_chart(
        "f",
        "Funnel <b>",
        'Steps & "rates"',
        [Bar("<script>alert(1)</script>", 10, 0, ""), Bar("Scans", 4, 1, "40.0% of shown")],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Funnel &lt;b&gt;" in svg and 'Steps &amp; "rates"' in svg
    assert 'aria-label="Scans: 4 (40.0% of shown)"' in svg
    assert svg.count('class="bar"') == 2 and "40.0% of shown</text>" in svg
