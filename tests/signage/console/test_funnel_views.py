"""The campaign funnel on the results page and in CSV, from the real portal's counters (read
over HTTP from its `/api/stats`), the play log and printed materials made on the console."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage import services
from signage.live.playlog import Play
from tests.signage.console.conftest import Login
from tests.signage.console.test_results_views import TOKEN, Portal, cells, english, hub_of, ts
from tests.signage.portalkit import serving

PERIOD = "?from=2026-11-01&to=2026-11-02"
QR_PLAYLIST = """\
name: Cửa ra
items:
  - qr:
      campaign: bluezone
      title:
        vi: Quét mã để cài Bluezone
    duration: 10
  - text:
      vi:
        title: Chúc thượng lộ bình an
    duration: 5
"""


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    with serving(tmp_path / "portal", stats_token=TOKEN, venue_id="tuyhoa-bus") as (url, app):
        yield Portal(url, app)


@pytest.fixture
def console_settings(console_settings: dict[str, Any], portal: Portal) -> dict[str, Any]:
    return {
        **console_settings,
        "PORTAL_STATS_URL": portal.url,
        "PORTAL_STATS_TOKEN": TOKEN,
        "VENUE_ID": "tuyhoa-bus",
        "MATERIAL_VENUES": "tuyhoa-bus=Bến xe Tuy Hòa; tuyhoa-airport=Sân bay Tuy Hòa",
    }


@pytest.fixture
def viewer(
    app: Flask, client: FlaskClient, login: Login, portal: Portal, playlists: Path
) -> FlaskClient:
    """A viewer reading English; gate-1 shows a QR slide; the portal counted scans and views;
    two printed materials were made."""
    (playlists / "gate.yaml").write_text(QR_PLAYLIST, encoding="utf-8")
    hub = hub_of(app)
    hub.programme.reload()
    catalog = hub.programme.catalog
    assert catalog is not None
    qr, text = (item.id for item in catalog.playlists["gate"].items)
    hub.plays.record("gate-1", [Play(qr, "v", ts("2026-11-01T03:10"), 10)] * 40)
    hub.plays.record("gate-1", [Play(text, "v", ts("2026-11-01T03:20"), 5)] * 30)
    portal.add("2026-11-01T03", "qr_scan", 2, src="gate-1")
    portal.add("2026-11-01T18", "qr_scan", 3, src="poster:tuyhoa-airport")
    portal.add("2026-11-01T18", "view", 20)
    portal.add("2026-11-01T18", "accept", 15)
    portal.add("2026-11-01T18", "store_click", 3, src="online")
    with app.app_context():
        log = services.print_log()
        log.record("poster", "tuyhoa-airport", ["vi"], 12, "admin", now=ts("2026-11-01T05:00"))
        log.record("leaflet", "tuyhoa-bus", ["vi", "en"], 300, "admin", now=ts("2026-11-02T05:00"))
    login(client, "viewer")
    english(client)
    return client


def test_the_funnel_section_counts_every_step(viewer: FlaskClient) -> None:
    html = viewer.get("/console/results" + PERIOD).text
    rows = cells(html, "Campaign funnel")
    # Venue, day, the seven steps, then the four conversions.
    assert rows[0] == [
        *("All venues", "Whole period"),
        *("40", "312", "2", "3", "20", "15", "3"),
        *("5.0", "1.0", "75.0", "20.0"),
    ]
    day = ["All venues", "2026-11-01", "40", "12", "2", "0", "0", "0", "0", "5.0", "0.0", "", ""]
    assert day in rows
    assert rows[3][:2] == ["tuyhoa-airport", "Whole period"]
    assert rows[3][2:6] == ["0", "12", "0", "3"]
    assert cells(html, "QR scans per screen and per printed material")[:2] == [
        ["poster:tuyhoa-airport", "Printed material", "tuyhoa-airport", "", "12", "3", "25.0"],
        ["gate-1", "Screen", "tuyhoa-bus", "Cửa ra 1", "40", "2", "5.0"],
    ]
    assert 'class="funnel-chart"' in html
    assert 'aria-label="QR scans of screens: 2 (5.0% of QR slides shown)"' in html


def test_one_venue_shows_only_its_funnel(viewer: FlaskClient) -> None:
    rows = cells(
        viewer.get("/console/results" + PERIOD + "&venue=tuyhoa-airport").text, "Campaign funnel"
    )
    assert rows[0][2:9] == ["0", "12", "0", "3", "0", "0", "0"]


def test_the_funnel_as_csv(viewer: FlaskClient) -> None:
    response = viewer.get("/console/results/funnel.csv" + PERIOD)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert (
        'filename="results-funnel-2026-11-01-2026-11-02.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Venue", "Day", "Screen scans per QR slide shown (%)"]
    assert rows[0][6:] == [
        "QR slides shown",
        "Printed materials made",
        "QR scans of screens",
        "QR scans of printed materials",
        "Splash views",
        "Accepts",
        "Store clicks",
    ]
    assert rows[1] == [
        "All venues",
        "Whole period",
        "5.0",
        "1.0",
        "75.0",
        "20.0",
        "40",
        "312",
        "2",
        "3",
        "20",
        "15",
        "3",
    ]
    sources = viewer.get("/console/results/funnel_sources.csv" + PERIOD)
    lines = list(csv.reader(io.StringIO(sources.data.decode("utf-8-sig"))))
    assert lines[1] == [
        "poster:tuyhoa-airport",
        "Printed material",
        "tuyhoa-airport",
        "",
        "25.0",
        "12",
        "3",
    ]
