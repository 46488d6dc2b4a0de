"""The read-only campaign figures API: off without a token, bearer auth, ranges, rows."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal import create_app
from portal.campaign.stats import RangeError, hour_range
from portal.config import ConfigError
from portal.sessions.access import Access
from portal.sessions.store import EventKey

from ..conftest import PORTAL_HOST, make_config

TOKEN = "stats-token-0123456789abcdef"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"


@pytest.fixture
def api_app(tmp_path: Path) -> Flask:
    return create_app(make_config(tmp_path, stats_token=TOKEN, venue_id="tuyhoa-bus"))


def get(client: FlaskClient, query: str = "", auth: str | None = f"Bearer {TOKEN}") -> TestResponse:
    headers = {"Host": PORTAL_HOST}
    if auth is not None:
        headers["Authorization"] = auth
    return client.get(f"/api/stats{query}", headers=headers)


def json_of(response: TestResponse) -> dict[str, Any]:
    data = response.get_json()
    assert isinstance(data, dict), response.text
    return data


@pytest.mark.parametrize(
    ("auth", "status"),
    [
        (None, 401),
        ("", 401),
        ("Bearer", 401),
        ("Bearer wrong-token-0123456789abcdef", 401),
        (f"Basic {TOKEN}", 401),
        (f"Bearer {TOKEN}x", 401),
        (f"Bearer {TOKEN[:-1]}", 401),
        (f"Bearer {TOKEN}", 200),
        (f"bearer {TOKEN}", 200),
    ],
)
def test_bearer_token(api_app: Flask, auth: str | None, status: int) -> None:
    response = get(api_app.test_client(), auth=auth)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "counts" not in json_of(response)


def test_off_without_a_token(client: FlaskClient) -> None:
    response = client.get("/api/stats", headers={"Host": PORTAL_HOST, "Authorization": "Bearer "})
    assert response.status_code == 404
    assert response.json == {"error": "the stats API is off: set stats_token"}


def test_token_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "stats-token"
    path.write_text(TOKEN + "\n")
    app = create_app(make_config(tmp_path, stats_token_file=str(path)))
    assert get(app.test_client()).status_code == 200


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"stats_token": "short"}, "stats_token: use at least 16 characters"),
        ({"stats_token_file": "/nonexistent/token"}, "stats_token_file: cannot read"),
        ({"stats_token": TOKEN, "stats_token_file": "/x"}, "not both"),
    ],
)
def test_bad_token_settings(tmp_path: Path, settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app(make_config(tmp_path, **settings))


def test_counts_by_hour_with_range_and_venue(api_app: Flask) -> None:
    client = api_app.test_client()
    client.get("/", headers={"Host": PORTAL_HOST, "Accept-Language": "en", "User-Agent": IPHONE})
    client.get("/go/bluezone?src=lobby-1", headers={"Host": PORTAL_HOST, "User-Agent": IPHONE})
    service: Access = api_app.extensions["bluezone.access"]
    service.store.add_events(
        [
            (EventKey("2026-01-01T23", "view", "tuyhoa-bus", "vi", "android", ""), 4),
            (EventKey("2026-01-02T00", "qr_scan", "tuyhoa-bus", "vi", "ios", "gate-1"), 2),
            (EventKey("2026-01-02T00", "qr_scan", "other", "vi", "ios", "gate-9"), 9),
            (EventKey("2026-01-03T00", "accept", "tuyhoa-bus", "ko", "ios", ""), 1),
        ]
    )
    body = json_of(get(client, "?from=2026-01-01T23&to=2026-01-03&venue=tuyhoa-bus"))
    assert body["venue"] == "tuyhoa-bus"
    assert (body["from"], body["to"]) == ("2026-01-01T23", "2026-01-03T00")
    assert [(r["hour"], r["kind"], r["src"], r["count"]) for r in body["counts"]] == [
        ("2026-01-01T23", "view", "", 4),
        ("2026-01-02T00", "qr_scan", "gate-1", 2),
    ]
    everything = json_of(get(client, "?from=2026-01-01"))["counts"]
    recent = {(r["kind"], r["lang"], r["os"], r["src"]) for r in everything}
    assert ("view", "en", "ios", "") in recent
    assert ("qr_scan", "vi", "ios", "lobby-1") in recent
    assert ("qr_scan", "vi", "ios", "gate-9") in recent
    assert set(everything[0]) == {"hour", "kind", "venue", "lang", "os", "src", "count"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=yesterday", "from: expected a UTC date"),
        ("?from=2026-01-02&to=2026-01-01", "from must be before to"),
        ("?to=2026-13-01", "to: expected a UTC date"),
        ("?from=2000-01-01&to=2026-01-01", "at most 3660 days"),
    ],
)
def test_bad_range_is_a_clear_400(api_app: Flask, query: str, message: str) -> None:
    response = get(api_app.test_client(), query)
    assert response.status_code == 400
    assert message in json_of(response)["error"]


@pytest.mark.parametrize(
    ("first", "end", "expected"),
    [
        (None, None, ("2026-10-29T15", "2026-11-28T15")),
        ("2026-11-01", None, ("2026-11-01T00", "2026-11-28T15")),
        ("2026-11-01T05", "2026-11-02", ("2026-11-01T05", "2026-11-02T00")),
    ],
)
def test_hour_range(first: str | None, end: str | None, expected: tuple[str, str]) -> None:
    now = datetime(2026, 11, 28, 14, 35, tzinfo=UTC)
    assert hour_range(first, end, now) == expected


def test_hour_range_rejects_an_empty_range() -> None:
    with pytest.raises(RangeError):
        hour_range("2026-11-02", "2026-11-02", datetime(2026, 11, 28, tzinfo=UTC))


def test_check_config_reads_the_token_file(tmp_path: Path) -> None:
    from flask.testing import FlaskCliRunner

    from portal.cli import main

    settings = tmp_path / "portal.yaml"
    settings.write_text(f"stats_token_file: {tmp_path / 'missing-token'}\n")
    result = FlaskCliRunner(Flask("x")).invoke(main, ["check-config", str(settings)])
    assert result.exit_code == 1
    assert "stats_token_file: cannot read" in result.output
    (tmp_path / "missing-token").write_text(TOKEN)
    result = FlaskCliRunner(Flask("x")).invoke(main, ["check-config", str(settings)])
    assert result.exit_code == 0, result.output
