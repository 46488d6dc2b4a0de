"""The campaign results page against the real portal app serving `/api/stats` over HTTP."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.sessions.access import Access
from portal.sessions.store import EventKey
from signage.live.hub import Hub
from signage.live.playlog import Play
from tests.signage.console.conftest import Login
from tests.signage.portalkit import serving

TOKEN = "results-test-token-0123456789"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"


@dataclass
class Portal:
    url: str
    app: Flask

    def add(self, hour: str, kind: str, n: int, src: str = "", lang: str = "vi") -> None:
        access: Access = self.app.extensions["bluezone.access"]
        access.store.add_events([(EventKey(hour, kind, "tuyhoa-bus", lang, "android", src), n)])


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    """The real portal app on a loopback port, with the stats API on."""
    with serving(tmp_path / "portal", stats_token=TOKEN, venue_id="tuyhoa-bus") as (url, app):
        yield Portal(url, app)


@pytest.fixture
def console_settings(console_settings: dict[str, Any], portal: Portal) -> dict[str, Any]:
    return {**console_settings, "PORTAL_STATS_URL": portal.url, "PORTAL_STATS_TOKEN": TOKEN}


def english(client: FlaskClient) -> None:
    client.post("/console/language", data={"lang": "en", "next": "/console/results"})


def hub_of(app: Flask) -> Hub:
    hub: Hub = app.extensions["signage"]
    return hub


def ts(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC).timestamp()


def cells(html: str, section: str) -> list[list[str]]:
    """The body rows of the table in the section titled `section`."""
    part = html.split(f">{section}</h2>", 1)[1].split("</section>", 1)[0]
    body = part.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def fill(portal: Portal, app: Flask) -> None:
    # 2026-11-01T17 UTC is midnight on 2 November in the venue (Asia/Ho_Chi_Minh).
    portal.add("2026-11-01T16", "view", 5)
    portal.add("2026-11-01T17", "view", 3, lang="en")
    portal.add("2026-11-01T17", "accept", 2, lang="en")
    portal.add("2026-11-02T03", "qr_scan", 4, src="lobby-1")
    portal.add("2026-11-02T03", "qr_scan", 1, src="gate-1")
    catalog = hub_of(app).programme.catalog
    assert catalog is not None
    first = catalog.playlists["lobby"].items[0].id
    hub_of(app).plays.record("lobby-1", [Play(first, "v", ts("2026-11-02T03:10"), 8)] * 3)
    hub_of(app).plays.record("gate-1", [Play(first, "v", ts("2026-11-02T03:20"), 8)])


PERIOD = "?from=2026-11-01&to=2026-11-02"


@pytest.fixture
def viewer(app: Flask, client: FlaskClient, login: Login, portal: Portal) -> FlaskClient:
    """A viewer reading English, with figures in the portal and the play log."""
    hub_of(app).programme.reload()
    fill(portal, app)
    login(client, "viewer")
    english(client)
    return client


def test_results_from_the_portal_and_the_play_log(viewer: FlaskClient) -> None:
    page = viewer.get("/console/results" + PERIOD)
    assert page.status_code == 200
    html = page.text
    assert cells(html, "Per day") == [
        ["2026-11-01", "5", "0", "0", "0", "0"],
        ["2026-11-02", "3", "2", "0", "5", "4"],
    ]
    assert cells(html, "QR scans per screen") == [
        ["lobby-1", "Sảnh chờ 1", "4"],
        ["gate-1", "Cửa ra 1", "1"],
    ]
    assert cells(html, "Per language")[0][0] == "Tiếng Việt"
    assert cells(html, "Plays per screen") == [
        ["lobby-1", "Sảnh chờ 1", "3", "0"],
        ["gate-1", "Cửa ra 1", "1", "0"],
    ]
    assert cells(html, "How often each item was shown")[0][:2] == ["Text", "Một"]
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 8
    assert "not connected" not in html


def test_one_screen_counts_only_its_scans_and_plays(viewer: FlaskClient) -> None:
    html = viewer.get("/console/results" + PERIOD + "&screen=gate-1").text
    assert cells(html, "Per day") == [
        ["2026-11-01", "0", "0", "0", "0", "0"],
        ["2026-11-02", "0", "0", "0", "1", "1"],
    ]


def test_csv_export_round_trips_vietnamese(viewer: FlaskClient) -> None:
    viewer.post("/console/language", data={"lang": "vi", "next": "/console/results"})
    response = viewer.get("/console/results/screens.csv" + PERIOD)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        'filename="results-screens-2026-11-01-2026-11-02.csv"'
        in response.headers["Content-Disposition"]
    )
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows == [
        ["Màn hình", "Tên màn hình", "Lượt quét mã QR"],
        ["lobby-1", "Sảnh chờ 1", "4"],
        ["gate-1", "Cửa ra 1", "1"],
    ]
    assert viewer.get("/console/results/nothing.csv").status_code == 404


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"PORTAL_STATS_TOKEN": ""}, "The portal's figures are not connected"),
        ({"PORTAL_STATS_TOKEN": "wrong-token-0123456789"}, "The portal refused the token"),
    ],
)
def test_portal_problems_are_explained_and_plays_still_shown(
    console_settings: dict[str, Any], login: Login, settings: dict[str, str], message: str
) -> None:
    from signage import create_app
    from tests.signage.console.conftest import OPERATORS, PASSWORD, console_of

    app = create_app({**console_settings, **settings})
    role, groups = OPERATORS["viewer"]
    console_of(app).operators.add("viewer", role, groups, PASSWORD)
    hub_of(app).programme.reload()
    hub_of(app).plays.record("lobby-1", [Play("x", "v", ts("2026-11-02T03:10"), 60)])
    client = app.test_client()
    login(client, "viewer")
    english(client)
    html = client.get("/console/results" + PERIOD).text
    assert message in unescape(html)
    assert cells(html, "Plays per screen") == [["lobby-1", "Sảnh chờ 1", "1", "1"]]
    assert cells(html, "How often each item was shown")[0][1] == "(no longer in any playlist)"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=28/11/2026", "Write the days as on a calendar"),
        ("?from=2026-11-05&to=2026-11-01", "The first day must not be after the last day"),
        ("?from=2024-01-01&to=2026-01-01", "Choose at most 366 days"),
    ],
)
def test_bad_period_is_a_clear_page(
    client: FlaskClient, login: Login, query: str, message: str
) -> None:
    login(client, "viewer")
    english(client)
    response = client.get("/console/results" + query)
    assert response.status_code == 400
    assert message in response.text


def test_results_need_sign_in(client: FlaskClient) -> None:
    response = client.get("/console/results")
    assert response.status_code == 303 and "/console/login" in response.headers["Location"]


def test_a_forged_duration_stored_earlier_does_not_break_the_period(
    app: Flask, viewer: FlaskClient
) -> None:
    # Rows written before durations were bounded: the page leaves them out of the totals.
    hub_of(app).plays.record("lobby-1", [Play("forged", "v", ts("2026-11-02T03:30"), 1e308)] * 3)
    hub_of(app).plays.record("lobby-1", [Play("forged", "v", ts("2026-11-02T03:40"), -5)])
    page = viewer.get("/console/results" + PERIOD)
    assert page.status_code == 200
    assert cells(page.text, "Plays per screen") == [
        ["lobby-1", "Sảnh chờ 1", "3", "0"],
        ["gate-1", "Cửa ra 1", "1", "0"],
    ]
    assert viewer.get("/console/results/plays_per_screen.csv" + PERIOD).status_code == 200


def report(app: Flask, venue: str, hours: dict[str, dict[tuple[str, str, str, str], int]]) -> None:
    from signage import services
    from signage.venues.store import Health

    store = services.venues(app)
    token = store.add(venue)
    assert store.record(token, venue, Health("0.1.0", 1, 0, "none: ok"), hours) is not None


def test_the_boxes_counts_are_merged_per_venue_without_counting_twice(
    viewer: FlaskClient, app: Flask, portal: Portal
) -> None:
    view = ("view", "vi", "ios", "")
    report(app, "san-bay", {"2026-11-01T16": {view: 7}, "2026-11-02T03": {view: 1}})
    # A box registered under the central portal's venue id: its own figures count, the
    # central portal's under that id are left out.
    report(app, "tuyhoa-bus", {"2026-11-01T16": {view: 2}})
    html = viewer.get("/console/results" + PERIOD).text
    assert cells(html, "Per venue") == [
        ["san-bay", "8", "0", "0", "0"],
        ["tuyhoa-bus", "2", "0", "0", "0"],
    ]
    assert cells(html, "Per day")[0] == ["2026-11-01", "9", "0", "0", "0", "0"]
    rows = list(csv.reader(io.StringIO(viewer.get("/console/results/venues.csv" + PERIOD).text)))
    assert rows[1:] == [["san-bay", "8", "0", "0", "0"], ["tuyhoa-bus", "2", "0", "0", "0"]]
    one = viewer.get("/console/results" + PERIOD + "&venue=san-bay").text
    assert cells(one, "Per day") == [
        ["2026-11-01", "7", "0", "0", "0", "0"],
        ["2026-11-02", "1", "0", "0", "0", "4"],
    ]


def test_boxes_alone_need_no_central_portal(console_settings: dict[str, Any], login: Login) -> None:
    from signage import create_app
    from tests.signage.console.conftest import OPERATORS, PASSWORD, console_of

    app = create_app({**console_settings, "PORTAL_STATS_TOKEN": ""})
    role, groups = OPERATORS["viewer"]
    console_of(app).operators.add("viewer", role, groups, PASSWORD)
    report(app, "san-bay", {"2026-11-01T16": {("accept", "en", "android", ""): 3}})
    client = app.test_client()
    login(client, "viewer")
    english(client)
    html = client.get("/console/results" + PERIOD).text
    assert "not connected" not in html
    assert cells(html, "Per venue") == [["san-bay", "0", "3", "0", "0"]]
