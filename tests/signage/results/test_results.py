"""Campaign results core: periods, tables from portal counters and proof of play, charts, CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from defusedxml import ElementTree

from bluezone.storage.database import Database
from signage.catalog.loader import load_catalog
from signage.live.playlog import Play, PlayHour, PlayLog
from signage.results.chart import PALETTE, Series, bar_chart
from signage.results.export import to_csv
from signage.results.tables import (
    Count,
    Period,
    ResultsError,
    Row,
    Table,
    days_table,
    item_labels,
    period,
    play_tables,
    portal_tables,
    select,
)
from tests.signage.serverkit import make_playlists

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SVG = "{http://www.w3.org/2000/svg}"


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H").replace(tzinfo=UTC)


def count(hour: str, kind: str, n: int, src: str = "", lang: str = "vi", os: str = "android",
          venue: str = "tuyhoa-bus") -> Count:  # fmt: skip
    return Count(at(hour), kind, venue, lang, os, src, n)


COUNTS = [
    # 2026-11-01T16 UTC is 23:00 on 1 November in Ho Chi Minh City; T17 is midnight on the 2nd.
    count("2026-11-01T16", "view", 5),
    count("2026-11-01T17", "view", 3, lang="en", os="ios"),
    count("2026-11-01T17", "accept", 2, lang="en", os="ios"),
    count("2026-11-02T03", "qr_scan", 4, src="lobby-1"),
    count("2026-11-02T03", "qr_scan", 1, src="gate-1", os="ios"),
    count("2026-11-02T04", "store_click", 2, src="online"),
    count("2026-11-02T04", "view", 7, venue="airport", lang="ko"),
]
PERIOD = Period(date(2026, 11, 1), date(2026, 11, 3), HCM)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (None, None, (date(2026, 10, 30), date(2026, 11, 28))),
        ("2026-11-01", None, (date(2026, 11, 1), date(2026, 11, 28))),
        ("2026-11-01", "2026-11-01", (date(2026, 11, 1), date(2026, 11, 1))),
        (None, "2026-11-10", (date(2026, 10, 12), date(2026, 11, 10))),
    ],
)
def test_period(first: str | None, last: str | None, expected: tuple[date, date]) -> None:
    chosen = period(first, last, HCM, date(2026, 11, 28))
    assert (chosen.first, chosen.last) == expected


@pytest.mark.parametrize(
    ("first", "last", "reason"),
    [
        ("1/11/2026", None, "bad_date"),
        ("2026-11-05", "2026-11-01", "order"),
        ("2025-01-01", "2026-11-01", "too_long"),
    ],
)
def test_bad_period(first: str, last: str | None, reason: str) -> None:
    with pytest.raises(ResultsError) as raised:
        period(first, last, HCM, date(2026, 11, 28))
    assert raised.value.reason == reason


def test_period_bounds_are_local_midnights_in_utc() -> None:
    assert PERIOD.bounds() == (at("2026-10-31T17"), at("2026-11-03T17"))


PLAYS = [
    PlayHour("lobby-1", "item-a", int(at("2026-11-01T16").timestamp()), 10, 80.0),
    PlayHour("lobby-1", "item-b", int(at("2026-11-02T01").timestamp()), 5, 60.0),
    PlayHour("gate-1", "item-a", int(at("2026-11-02T01").timestamp()), 3, 24.0),
    PlayHour("gone", "item-z", int(at("2026-11-02T01").timestamp()), 1, 8.0),
]


def test_days_table_counts_each_local_day() -> None:
    table = days_table(COUNTS, PLAYS, PERIOD)
    assert table.columns == ("view", "accept", "store_click", "qr_scan", "plays")
    assert [(row.texts[0], row.values) for row in table.rows] == [
        ("2026-11-01", (5, 0, 0, 0, 10)),
        ("2026-11-02", (10, 2, 2, 5, 9)),
        ("2026-11-03", (0, 0, 0, 0, 0)),
    ]


@pytest.mark.parametrize(
    ("venue", "screen", "expected"),
    [
        (None, None, 24),
        ("tuyhoa-bus", None, 17),
        ("airport", None, 7),
        (None, "lobby-1", 4),
        ("airport", "lobby-1", 0),
    ],
)
def test_select(venue: str | None, screen: str | None, expected: int) -> None:
    assert sum(c.count for c in select(COUNTS, venue, screen)) == expected


def test_portal_tables() -> None:
    venues, screens, systems, languages = portal_tables(COUNTS, {"lobby-1": "Sảnh chờ 1"})
    assert [(r.texts, r.values) for r in venues.rows] == [
        (("tuyhoa-bus",), (8, 2, 2, 5)),
        (("airport",), (7, 0, 0, 0)),
    ]
    assert [(r.texts, r.values) for r in screens.rows] == [
        (("lobby-1", "Sảnh chờ 1"), (4,)),
        (("gate-1", ""), (1,)),
    ]
    assert [(r.texts[0], r.values) for r in systems.rows] == [
        ("android", (12, 0, 2, 4)),
        ("ios", (3, 2, 0, 1)),
    ]
    assert [(r.texts[0], r.values) for r in languages.rows] == [
        ("vi", (5, 0, 2, 5)),
        ("ko", (7, 0, 0, 0)),
        ("en", (3, 2, 0, 0)),
    ]


def test_play_tables_name_items_from_the_catalog(tmp_path: Path) -> None:
    catalog = load_catalog(make_playlists(tmp_path / "playlists")).catalog
    assert catalog is not None
    labels = item_labels(catalog)
    lobby_items = catalog.playlists["lobby"].items
    first, second = lobby_items[0].id, lobby_items[1].id
    assert labels[first].kind == "text"
    assert labels[first].playlists == ("lobby",)
    plays = [
        PlayHour("lobby-1", first, 0, 4, 120.0),
        PlayHour("lobby-2", first, 0, 2, 60.0),
        PlayHour("lobby-1", second, 3600, 1, 30.0),
        PlayHour("gate-1", "removed-item", 0, 7, 35.0),
    ]
    items, playlists, screens = play_tables(plays, labels, catalog)
    assert [(r.texts[0], r.texts[1], r.values) for r in items.rows] == [
        ("removed-item", "", (7, 1)),
        (first, "text", (6, 3)),
        (second, "text", (1, 0)),
    ]
    assert items.rows[1].texts[2] == labels[first].text
    assert [(r.texts, r.values) for r in playlists.rows] == [
        (("gate",), (7, 1)),
        (("lobby",), (7, 4)),
    ]
    assert [(r.texts[0], r.values) for r in screens.rows] == [
        ("gate-1", (7, 1)),
        ("lobby-1", (5, 2)),
        ("lobby-2", (2, 1)),
    ]
    assert screens.rows[1].texts[1] == catalog.screens["lobby-1"].name


def test_play_log_counts_per_hour(database: Database) -> None:
    log = PlayLog(database)
    base = at("2026-11-02T03").timestamp()
    log.record("lobby-1", [Play("a", "v1", base + 10, 8), Play("a", "v1", base + 30, 8)])
    log.record("lobby-1", [Play("a", "v1", base + 3700, 8), Play("b", "v1", base + 40, 5)])
    log.record("gate-1", [Play("a", "v1", base + 50, 8), Play("a", "v1", base - 10, 8)])
    assert log.hourly(base, base + 7200) == [
        PlayHour("gate-1", "a", int(base), 1, 8.0),
        PlayHour("lobby-1", "a", int(base), 2, 16.0),
        PlayHour("lobby-1", "b", int(base), 1, 5.0),
        PlayHour("lobby-1", "a", int(base) + 3600, 1, 8.0),
    ]
    assert [p.plays for p in log.hourly(base, base + 7200, "gate-1")] == [1]


def parsed(svg: str) -> ElementTree.Element:  # type: ignore[name-defined]
    return ElementTree.fromstring(svg)


@pytest.mark.parametrize(
    ("categories", "series"),
    [
        (["2026-11-01", "2026-11-02"], [Series("Lượt xem", [5, 10])]),
        (["vi", "en", "ko"], [Series("Xem", [5, 3, 7]), Series("Đồng ý", [0, 2, 0])]),
        ([], [Series("Quét QR", [])]),
        (["<script>&"], [Series("a<b", [1])]),
    ],
)
def test_chart_is_valid_svg_with_one_bar_per_value(
    categories: list[str], series: list[Series]
) -> None:
    svg = bar_chart("c1", "Lượt xem theo ngày", "Mô tả", categories, series, "Chưa có số liệu")
    root = parsed(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Lượt xem theo ngày"
    assert root.find(f"{SVG}desc").text == "Mô tả"
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == len(categories) * len(series)
    values = [v for s in series for v in s.values]
    widths = {float(b.get("width")) for b in bars}
    if values:
        assert max(widths) > 0 and min(widths) >= 0
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for category in categories:
        assert category in texts
    if not categories:
        assert "Chưa có số liệu" in texts
    fills = {b.get("fill") for b in bars}
    assert fills <= set(PALETTE)
    assert "style" not in svg


def test_chart_bar_lengths_follow_the_values() -> None:
    root = parsed(bar_chart("c", "t", "d", ["a", "b", "c"], [Series("s", [10, 5, 0])], "-"))
    widths = [float(b.get("width")) for b in root.findall(f".//{SVG}rect[@class='bar']")]
    assert widths[0] == 2 * widths[1] and widths[2] == 0


def test_chart_refuses_mismatched_series() -> None:
    with pytest.raises(ValueError, match="one value per category"):
        bar_chart("c", "t", "d", ["a"], [Series("s", [1, 2])], "-")


def test_csv_round_trip_keeps_vietnamese() -> None:
    table = Table(
        "screens",
        ("screen", "screen_name"),
        ("qr_scan",),
        (
            Row(("lobby-1", "Sảnh chờ, tầng 1"), (4,)),
            Row(("gate-1", 'Cửa "ra"'), (1,)),
            Row(("x", "=HYPERLINK(1)"), (0,)),
        ),
    )
    data = to_csv(table, ["Màn hình", "Tên", "Lượt quét mã QR"])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["Màn hình", "Tên", "Lượt quét mã QR"],
        ["lobby-1", "Sảnh chờ, tầng 1", "4"],
        ["gate-1", 'Cửa "ra"', "1"],
        ["x", "'=HYPERLINK(1)", "0"],
    ]


def test_csv_needs_one_heading_per_column() -> None:
    with pytest.raises(ValueError):
        to_csv(Table("t", ("a",), ("b",), ()), ["only one"])
