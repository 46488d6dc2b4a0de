"""MikroTik hotspot: trial click-through and CHAP login at the router, against the stand-in."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal.controllers.mikrotik import chap_bytes, chap_password

from ..standins import MikrotikStandin
from ..standins.mikrotik import chap_response, octal_escape
from .conftest import PORTAL, LogCapture, Phone, session_of, venue_app

MAC = "3c:22:fb:12:34:56"
SPLASH = f"{PORTAL}/v/hotel/"
PASSWORD = "khach-2026-secret"


def _app(tmp_path: Path, **venue: object) -> Flask:
    settings = {
        "name": "Khách sạn Sao Biển",
        "controller": "mikrotik",
        "grant_hosts": ["127.0.0.1"],
        "session_minutes": 30,
        **venue,
    }
    return venue_app(tmp_path, {"hotel": settings})


@pytest.fixture
def trial_router() -> Iterator[MikrotikStandin]:
    with MikrotikStandin(trial=True) as standin:
        yield standin


def test_click_through_logs_in_the_trial_user(
    tmp_path: Path, trial_router: MikrotikStandin
) -> None:
    app = _app(tmp_path)
    phone = Phone(app.test_client())
    splash = phone.open(trial_router.redirect_url(SPLASH, MAC, "10.5.50.2"))
    assert splash.status == 200 and "Khách sạn Sao Biển" in splash.text
    online = phone.accept(splash)
    assert online.status == 200 and online.url.startswith(f"{SPLASH}online?t=")
    (grant,) = trial_router.grants
    assert (grant.username, grant.mac, grant.method) == (f"T-{MAC.upper()}", MAC, "trial")
    assert grant.dst.startswith(f"{SPLASH}online?t=")
    assert session_of(app, MAC) is not None


def test_chap_login_with_a_configured_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_VENUE_HOTEL_PASSWORD", PASSWORD)
    with MikrotikStandin(users={"guest": PASSWORD}) as router, LogCapture() as logs:
        app = _app(tmp_path, username="guest")
        phone = Phone(app.test_client())
        splash = phone.open(router.redirect_url(SPLASH, MAC, "10.5.50.2"))
        online = phone.accept(splash)
        assert online.status == 200, online.text
        (grant,) = router.grants
        assert (grant.username, grant.method) == ("guest", "chap")
        assert all(PASSWORD not in url for url in phone.visited)
    assert not any(PASSWORD in line for line in logs.lines)
    assert PASSWORD not in repr(app.config["PORTAL"])
    assert PASSWORD not in repr(app.extensions["bluezone.visits"].venues)


def test_a_wrong_password_is_not_a_grant_and_the_router_error_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_VENUE_HOTEL_PASSWORD", "not-the-password")
    with MikrotikStandin(users={"guest": PASSWORD}) as router:
        app = _app(tmp_path, username="guest")
        phone = Phone(app.test_client())
        at_router = phone.accept(phone.open(router.redirect_url(SPLASH, MAC, "10.5.50.2")))
        assert "invalid username or password" in at_router.text
        assert router.grants == []
        # The router's login.html sends the phone back with $(error) filled in.
        back = phone.open(
            router.redirect_url(SPLASH, MAC, "10.5.50.2", error="invalid username or password")
            + "&lang=en"
        )
        assert back.status == 503 and "The Wi-Fi system did not let you in" in back.text
        assert session_of(app, MAC) is None


@pytest.mark.parametrize(
    ("chap_id", "challenge"),
    [
        (b"\xf9", bytes(range(16))),
        (b"\x00", b"\xef\x0d\xd8" + b"\x5c" * 13),
        (b"\x5c", b"\\abc" * 4),
    ],
)
def test_chap_password_matches_routeros(chap_id: bytes, challenge: bytes) -> None:
    expected = hashlib.md5(chap_id + PASSWORD.encode() + challenge).hexdigest()
    ours = chap_password(octal_escape(chap_id), PASSWORD, octal_escape(challenge))
    assert ours == expected == chap_response(chap_id, PASSWORD, challenge)


@pytest.mark.parametrize(
    ("text", "octets"),
    [("\\371", b"\xf9"), ("\\357\\015\\330", b"\xef\r\xd8"), ("ab\\101", b"abA"), ("", b"")],
)
def test_octal_escapes(text: str, octets: bytes) -> None:
    assert chap_bytes(text) == octets


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"link-login-only": "http://evil.example/login"}, "grant host"),
        ({"mac": "not-a-mac"}, "MAC"),
        ({"mac": ""}, "missing"),
        ({"chap-id": "<script>"}, "chap-id"),
        ({"ip": "10.5.50"}, "IP"),
    ],
    ids=["foreign-login", "bad-mac", "no-mac", "script-chap", "bad-ip"],
)
def test_bad_router_parameters_grant_nothing(
    tmp_path: Path,
    trial_router: MikrotikStandin,
    change: dict[str, str],
    problem: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from urllib.parse import parse_qsl, urlencode, urlsplit

    url = trial_router.redirect_url(SPLASH, MAC, "10.5.50.2")
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    query.update(change)
    page = Phone(_app(tmp_path).test_client()).open(f"{SPLASH}?{urlencode(query)}")
    assert page.status == 400 and "<form" not in page.text
    assert problem in caplog.text
    assert trial_router.grants == []


def test_a_configured_user_needs_chap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_VENUE_HOTEL_PASSWORD", PASSWORD)
    with MikrotikStandin(chap=False, pap=True, users={"guest": PASSWORD}) as router:
        app = _app(tmp_path, username="guest")
        page = Phone(app.test_client()).open(router.redirect_url(SPLASH, MAC))
        assert page.status == 400 and router.grants == []


def test_router_down_gives_try_again(tmp_path: Path, trial_router: MikrotikStandin) -> None:
    app = _app(tmp_path, check_grant_host=True)
    phone = Phone(app.test_client())
    splash = phone.open(trial_router.redirect_url(SPLASH, MAC) + "&lang=ko")
    trial_router.down = True
    trial_router.down_mode = "close"
    page = phone.accept(splash)
    assert page.status == 503 and "Wi-Fi 시스템이 응답하지 않습니다" in page.text
    assert trial_router.grants == [] and session_of(app, MAC) is None
