"""Reading the portal's figures: the answer, the token, and each way a request goes wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal.sessions.access import Access
from portal.sessions.store import EventKey
from signage import config
from signage.results.portalstats import PortalStatsError, fetch, parse, token_from
from signage.results.tables import Count
from tests.conftest import free_port
from tests.signage.portalkit import serving

TOKEN = "portalstats-token-0123456789"
START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H").replace(tzinfo=UTC)


def test_portal_answer_is_parsed() -> None:
    body = (
        b'{"venue": "v", "from": "2026-11-01T00", "to": "2026-11-02T00", "counts": ['
        b'{"hour": "2026-11-01T03", "kind": "qr_scan", "venue": "v", "lang": "vi",'
        b' "os": "ios", "src": "lobby-1", "count": 4}]}'
    )
    assert parse(body) == [Count(at("2026-11-01T03"), "qr_scan", "v", "vi", "ios", "lobby-1", 4)]


@pytest.mark.parametrize(
    "body",
    [b"<html>", b"{}", b'{"counts": [{"hour": "yesterday"}]}', b'{"counts": 3}'],
)
def test_unreadable_portal_answer(body: bytes) -> None:
    with pytest.raises(PortalStatsError) as raised:
        parse(body)
    assert raised.value.reason == "bad_answer"


def test_fetch_asks_for_whole_hours_and_reads_the_counts(tmp_path: Path) -> None:
    with serving(tmp_path, stats_token=TOKEN, venue_id="tuyhoa-bus") as (url, app):
        access: Access = app.extensions["bluezone.access"]
        access.store.add_events(
            [
                (EventKey("2026-10-31T23", "view", "tuyhoa-bus", "vi", "ios", ""), 9),
                (EventKey("2026-11-01T00", "view", "tuyhoa-bus", "vi", "ios", ""), 2),
                (EventKey("2026-11-02T06", "qr_scan", "tuyhoa-bus", "en", "ios", "gate-1"), 3),
                (EventKey("2026-11-02T07", "view", "tuyhoa-bus", "vi", "ios", ""), 5),
            ]
        )
        counts = fetch(url, TOKEN, START, END)
    assert [(c.hour, c.kind, c.count) for c in counts] == [
        (at("2026-11-01T00"), "view", 2),
        (at("2026-11-02T06"), "qr_scan", 3),
    ]


@pytest.mark.parametrize(
    ("settings", "token", "reason"),
    [
        ({"stats_token": TOKEN}, "wrong-token-0123456789", "refused"),
        ({}, TOKEN, "disabled"),
        ({"stats_token": TOKEN, "portal_url": "http://portal.test", "aliases": []}, TOKEN,
         "redirected"),
        ({"stats_token": TOKEN}, "", "off"),
    ],
)  # fmt: skip
def test_each_failure_has_its_reason(
    tmp_path: Path, settings: dict[str, object], token: str, reason: str
) -> None:
    with serving(tmp_path, **settings) as (url, _), pytest.raises(PortalStatsError) as raised:
        fetch(url.replace("portal.test", "127.0.0.1"), token, START, END, timeout=5)
    assert raised.value.reason == reason


def test_unreachable_portal() -> None:
    with pytest.raises(PortalStatsError) as raised:
        fetch(f"http://127.0.0.1:{free_port()}", TOKEN, START, END, timeout=5)
    assert raised.value.reason == "unreachable"


def test_token_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(f"{TOKEN}\n")
    assert token_from("", str(path)) == TOKEN
    assert token_from("direct", str(path)) == "direct"
    assert token_from("", "") == ""
    with pytest.raises(PortalStatsError) as raised:
        token_from("", str(tmp_path / "missing"))
    assert raised.value.reason == "off"


def test_token_is_refused_in_the_settings_file(tmp_path: Path) -> None:
    settings = tmp_path / "signage.yaml"
    settings.write_text(f"portal_stats_token: {TOKEN}\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="must not be in a file"):
        config.read_file(settings)
