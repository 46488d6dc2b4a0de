"""RFC 8908 Captive Portal API, venue page and the smart install link."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.sessions.access import Access

from ..conftest import PORTAL_HOST, accept

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
IPAD_AS_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
)
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
APPLE_CNA = "CaptiveNetworkSupport-481.100.1 wispr"


def _api(client: FlaskClient) -> tuple[dict[str, object], dict[str, str]]:
    response = client.get("/api/captive-portal", headers={"Host": PORTAL_HOST})
    assert response.status_code == 200
    return json.loads(response.data), dict(response.headers)


def test_captive_answer_for_a_new_client(client: FlaskClient) -> None:
    body, headers = _api(client)
    assert headers["Content-Type"] == "application/captive+json"
    assert "private" in headers["Cache-Control"]
    assert body == {
        "captive": True,
        "user-portal-url": f"http://{PORTAL_HOST}/",
        "venue-info-url": f"http://{PORTAL_HOST}/venue",
        "can-extend-session": False,
    }


def test_answer_after_accepting(client: FlaskClient) -> None:
    accept(client)
    body, _ = _api(client)
    assert body["captive"] is False
    assert body["can-extend-session"] is True
    remaining = body["seconds-remaining"]
    assert isinstance(remaining, int) and 240 * 60 - 5 <= remaining <= 240 * 60


def test_answer_is_per_client(client: FlaskClient) -> None:
    accept(client, {"REMOTE_ADDR": "10.0.0.5"})
    other = client.get(
        "/api/captive-portal",
        headers={"Host": PORTAL_HOST},
        environ_base={"REMOTE_ADDR": "10.0.0.6"},
    )
    assert json.loads(other.data)["captive"] is True


@pytest.mark.parametrize(
    ("user_agent", "target"),
    [
        (IPHONE, "https://apps.apple.com/vn/app/bluezone/id1508062685"),
        (IPAD_AS_MAC, "https://apps.apple.com/vn/app/bluezone/id1508062685"),
        (ANDROID, "https://play.google.com/store/apps/details?id=com.mic.bluezone"),
        (WINDOWS, "https://www.bluezone.gov.vn/taiapp"),
        ("", "https://www.bluezone.gov.vn/taiapp"),
    ],
)
def test_go_link_sends_each_device_to_its_store(
    client: FlaskClient, user_agent: str, target: str
) -> None:
    response = client.get(
        "/go/bluezone?src=tuyhoa-airport-1", headers={"Host": PORTAL_HOST, "User-Agent": user_agent}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    ("query", "kind", "src"),
    [
        ("src=tuyhoa-airport-1", "qr_scan", "tuyhoa-airport-1"),
        # Printed materials name the sheet and the venue.
        ("src=poster:ben-xe", "qr_scan", "poster:ben-xe"),
        ("src=online", "store_click", "online"),
        ("src=venue&store=google_play", "store_click", "venue"),
        ("src=%3Cscript%3E", "qr_scan", "unknown"),
        ("", "qr_scan", "unknown"),
    ],
)
def test_go_link_is_counted_by_source(
    app: Flask, client: FlaskClient, query: str, kind: str, src: str
) -> None:
    client.get(f"/go/bluezone?{query}", headers={"Host": PORTAL_HOST, "User-Agent": ANDROID})
    service: Access = app.extensions["bluezone.access"]
    counts = service.store.event_counts()
    assert [(k.kind, k.src, k.os, n) for k, n in counts] == [(kind, src, "android", 1)]


def test_go_link_store_choice_overrides_the_user_agent(client: FlaskClient) -> None:
    response = client.get(
        "/go/bluezone?src=online&store=google_play",
        headers={"Host": PORTAL_HOST, "User-Agent": WINDOWS},
    )
    assert response.headers["Location"].startswith("https://play.google.com/")


def test_unknown_campaign_is_a_clear_404(client: FlaskClient) -> None:
    response = client.get("/go/pc-covid", headers={"Host": PORTAL_HOST, "Accept-Language": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.text


@pytest.mark.parametrize(
    ("user_agent", "app_store", "google_play", "hint"),
    [
        (IPHONE, True, False, "open Safari"),
        (APPLE_CNA, True, False, "open Safari"),
        (ANDROID, False, True, "open Chrome"),
        (WINDOWS, True, True, "open your browser"),
    ],
)
def test_online_page_offers_the_right_store(
    client: FlaskClient, user_agent: str, app_store: bool, google_play: bool, hint: str
) -> None:
    accept(client)
    page = client.get(
        "/online?lang=en", headers={"Host": PORTAL_HOST, "User-Agent": user_agent}
    ).text
    assert ("Get it on the App Store" in page) is app_store
    assert ("Get it on Google Play" in page) is google_play
    assert hint in page
    assert '<svg class="qr"' in page
    assert "https://www.bluezone.gov.vn/taiapp" in page


def test_venue_page_is_reachable_before_and_after_login(client: FlaskClient) -> None:
    before = client.get("/venue?lang=en", headers={"Host": PORTAL_HOST})
    accept(client)
    after = client.get("/venue?lang=en", headers={"Host": PORTAL_HOST})
    for response in (before, after):
        assert response.status_code == 200
        assert "Install Bluezone now" in response.text


def test_campaign_counts_views_and_accepts(app: Flask, client: FlaskClient) -> None:
    client.get("/", headers={"Host": PORTAL_HOST, "Accept-Language": "ko", "User-Agent": IPHONE})
    accept(client, lang="ko")
    service: Access = app.extensions["bluezone.access"]
    kinds = sorted((k.kind, k.lang, n) for k, n in service.store.event_counts())
    assert kinds == [("accept", "ko", 1), ("view", "ko", 1), ("view", "vi", 1)]


def test_health(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"Host": PORTAL_HOST})
    assert response.status_code == 200
    assert response.json == {"status": "ok", "gateway": "none"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_answers_503_when_the_database_cannot_be_reached(
    client: FlaskClient, tmp_path: Path
) -> None:
    database = tmp_path / "portal.sqlite3"
    for leftover in tmp_path.glob("portal.sqlite3*"):
        leftover.unlink()
    database.mkdir()  # SQLite cannot open a folder, whoever runs the test
    response = client.get("/healthz", headers={"Host": PORTAL_HOST})
    assert response.status_code == 503
    assert response.json is not None
    assert response.json["status"] == "unavailable"
    assert response.json["gateway"] == "none"
    assert "unable to open database file" in response.json["database"]
