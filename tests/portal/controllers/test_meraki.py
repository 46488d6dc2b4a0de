"""Cisco Meraki click-through: the AP's redirect, splash, accept, the grant at Meraki, online."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from portal.sessions.access import Access

from ..standins import MerakiStandin
from .conftest import PORTAL, Phone, session_of, venue_app

MAC = "3c:22:fb:12:34:56"
SPLASH = f"{PORTAL}/v/airport/"


@pytest.fixture
def meraki() -> Iterator[MerakiStandin]:
    with MerakiStandin() as standin:
        yield standin


def _app(tmp_path: Path, **venue: object) -> Flask:
    settings = {
        "name": "Sân bay Tuy Hòa",
        "controller": "meraki",
        "grant_hosts": ["127.0.0.1"],
        "session_minutes": 90,
        **venue,
    }
    return venue_app(tmp_path, {"airport": settings})


def test_full_flow_grants_at_meraki_and_lands_online(tmp_path: Path, meraki: MerakiStandin) -> None:
    app = _app(tmp_path)
    phone = Phone(app.test_client())
    splash = phone.open(meraki.redirect_url(SPLASH, MAC.upper(), "10.0.5.20"))
    assert splash.status == 200, splash.text
    assert "Sân bay Tuy Hòa" in splash.text
    assert f"form-action 'self' {meraki.url}" in splash.headers["Content-Security-Policy"]
    online = phone.accept(splash)
    assert online.status == 200, online.text
    assert "Bạn đã kết nối Internet" in online.text and "Sân bay Tuy Hòa" in online.text
    assert online.url.startswith(f"{SPLASH}online?t=")
    (grant,) = meraki.grants
    assert (grant.client_mac, grant.client_ip, grant.duration) == (MAC, "10.0.5.20", 90 * 60)
    assert grant.continue_url.startswith(f"{SPLASH}online?t=")
    session = session_of(app, MAC)
    assert session is not None and session.venue == "airport"
    assert session.expires_at - session.granted_at == 90 * 60
    service: Access = app.extensions["bluezone.access"]
    counted = {(key.kind, key.venue, key.os) for key, _ in service.store.event_counts()}
    assert {("view", "airport", "ios"), ("accept", "airport", "ios")} <= counted
    ticket = parse_qs(urlsplit(grant.continue_url).query)["t"][0]
    api = phone._portal("GET", f"{SPLASH}api/captive-portal?t={ticket}")
    answer = json.loads(api.text)
    assert api.headers["Content-Type"] == "application/captive+json"
    assert answer["captive"] is False
    assert 90 * 60 - 5 <= answer["seconds-remaining"] <= 90 * 60
    assert answer["user-portal-url"] == SPLASH


def test_the_online_page_shows_the_original_destination(
    tmp_path: Path, meraki: MerakiStandin
) -> None:
    app = _app(tmp_path)
    phone = Phone(app.test_client())
    splash = phone.open(meraki.redirect_url(SPLASH, MAC, "10.0.5.20", "http://vnexpress.net/"))
    online = phone.accept(splash)
    assert 'href="http://vnexpress.net/"' in online.text


def _tampered_visit(page_visit: str) -> str:
    head, dot, tail = page_visit.rpartition(".")
    return f"{head}{dot}{'A' if tail[0] != 'A' else 'B'}{tail[1:]}"


@pytest.mark.parametrize(
    ("change", "status", "text"),
    [
        ({"visit": ""}, 400, "Thiếu mã đăng nhập"),
        ({"visit": "garbage"}, 400, "Mã đăng nhập không hợp lệ"),
        ({"visit": "TAMPER"}, 400, "Mã đăng nhập không hợp lệ"),
        ({"token": ""}, 400, "Thiếu mã đăng nhập"),
    ],
    ids=["no-visit", "garbage-visit", "tampered-visit", "no-token"],
)
def test_tampered_or_missing_fields_grant_nothing(
    tmp_path: Path, meraki: MerakiStandin, change: dict[str, str], status: int, text: str
) -> None:
    app = _app(tmp_path)
    phone = Phone(app.test_client())
    splash = phone.open(meraki.redirect_url(SPLASH, MAC, "10.0.5.20"))
    fields = {name: splash.field(name) for name in ("token", "visit", "lang")}
    for name, value in change.items():
        fields[name] = _tampered_visit(fields["visit"]) if value == "TAMPER" else value
    page = phone.open(f"{SPLASH}accept", "POST", fields)
    assert page.status == status
    assert text.casefold() in page.text.casefold()
    assert meraki.grants == [] and session_of(app, MAC) is None


def test_another_device_cannot_use_the_page(tmp_path: Path, meraki: MerakiStandin) -> None:
    app = _app(tmp_path)
    splash = Phone(app.test_client(), ip="10.20.0.11").open(
        meraki.redirect_url(SPLASH, MAC, "10.0.5.20")
    )
    thief = Phone(app.test_client(), ip="10.20.0.99")
    page = thief.accept(splash)
    assert page.status == 403
    assert meraki.grants == [] and session_of(app, MAC) is None


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"base_grant_url": "https://evil.example/splash/grant"}, "grant host"),
        ({"base_grant_url": "javascript:alert(1)"}, "not an http"),
        ({"base_grant_url": None}, "missing"),
        ({"client_mac": "ff:ff:ff:ff:ff:ff"}, "MAC"),
        ({"client_mac": "3c:22:fb:12:34"}, "MAC"),
        ({"client_ip": "10.0.5.300"}, "IP"),
        ({"base_grant_url": "http://127.0.0.1:1/" + "a" * 3000}, "longer"),
        ({"base_grant_url": "http://user:pw@127.0.0.1/grant"}, "user name"),
    ],
    ids=[
        "foreign-host",
        "script-url",
        "no-grant-url",
        "broadcast-mac",
        "short-mac",
        "bad-ip",
        "too-long",
        "credentials",
    ],
)
def test_bad_parameters_get_an_error_page_and_no_form(
    tmp_path: Path,
    meraki: MerakiStandin,
    params: dict[str, str | None],
    problem: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from urllib.parse import urlencode

    query = {
        "base_grant_url": meraki.base_grant_url,
        "user_continue_url": "http://example.com/",
        "client_mac": MAC,
        "client_ip": "10.0.5.20",
    }
    for name, value in params.items():
        if value is None:
            del query[name]
        else:
            query[name] = value
    app = _app(tmp_path)
    page = Phone(app.test_client()).open(f"{SPLASH}?{urlencode(query)}&lang=en")
    assert page.status == 400
    assert "This Wi-Fi link cannot be used" in page.text
    assert "<form" not in page.text
    assert problem in caplog.text


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("vi", "Không thể dùng đường dẫn Wi-Fi này"),
        ("ko", "이 Wi-Fi 연결 주소는 사용할 수 없습니다"),
        ("ja", "このWi-Fiリンクは使用できません"),
        ("zh_Hant", "無法使用此 Wi-Fi 連結"),
    ],
)
def test_the_error_page_is_in_the_visitors_language(tmp_path: Path, lang: str, text: str) -> None:
    app = _app(tmp_path)
    page = Phone(app.test_client()).open(f"{SPLASH}?client_mac=x&lang={lang}")
    assert page.status == 400 and text in page.text


def test_a_repeated_parameter_is_refused(tmp_path: Path, meraki: MerakiStandin) -> None:
    app = _app(tmp_path)
    url = meraki.redirect_url(SPLASH, MAC, "10.0.5.20") + "&base_grant_url=http://evil.example/"
    assert Phone(app.test_client()).open(url).status == 400


def test_unknown_venue_is_not_found(tmp_path: Path) -> None:
    app = _app(tmp_path)
    assert Phone(app.test_client()).open(f"{PORTAL}/v/nowhere/").status == 404


def test_session_expiry_ends_the_online_page_and_the_api(
    tmp_path: Path, meraki: MerakiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(tmp_path, session_minutes=1)
    phone = Phone(app.test_client())
    online = phone.accept(phone.open(meraki.redirect_url(SPLASH, MAC, "10.0.5.20")))
    assert online.status == 200
    later = time.time() + 61
    monkeypatch.setattr("time.time", lambda: later)
    again = phone.open(online.url)
    assert again.status == 410 and "Phiên Wi-Fi của bạn đã kết thúc" in again.text
    ticket = parse_qs(urlsplit(online.url).query)["t"][0]
    answer = json.loads(phone._portal("GET", f"{SPLASH}api/captive-portal?t={ticket}").text)
    assert answer["captive"] is True
    # Meraki sends the phone back once its own grant ends: a new round works.
    splash = phone.open(meraki.redirect_url(SPLASH, MAC, "10.0.5.20"))
    assert splash.status == 200 and "visit" in splash.text


def test_grant_host_check_gives_try_again_when_meraki_is_down(
    tmp_path: Path, meraki: MerakiStandin
) -> None:
    app = _app(tmp_path, check_grant_host=True)
    phone = Phone(app.test_client())
    splash = phone.open(meraki.redirect_url(SPLASH, MAC, "10.0.5.20") + "&lang=en")
    meraki.down = True
    page = phone.accept(splash)
    assert page.status == 503
    assert "The Wi-Fi system is not answering" in page.text
    assert 'name="visit"' in page.text  # the "Try again" form keeps the visit
    assert session_of(app, MAC) is None
    meraki.down = False
    retry = phone.open(
        f"{SPLASH}accept",
        "POST",
        {name: page.field(name) for name in ("token", "visit", "lang", "continue")},
    )
    assert retry.status == 200 and len(meraki.grants) == 1


def test_a_slow_meraki_holds_the_request_a_few_seconds_at_most(
    tmp_path: Path, meraki: MerakiStandin
) -> None:
    app = _app(tmp_path, check_grant_host=True)
    phone = Phone(app.test_client())
    splash = phone.open(meraki.redirect_url(SPLASH, MAC, "10.0.5.20"))
    meraki.delay = 10
    started = time.monotonic()
    fields = {name: splash.field(name) for name in ("token", "visit", "lang", "continue")}
    page = phone._portal("POST", f"{SPLASH}accept", fields)
    assert time.monotonic() - started < 5
    assert page.status == 503 and "Hệ thống Wi-Fi đang không phản hồi" in page.text


def test_venue_info_and_install_link_count_under_the_venue(tmp_path: Path) -> None:
    app = _app(tmp_path)
    phone = Phone(app.test_client())
    info = phone._portal("GET", f"{SPLASH}venue?lang=en")
    assert info.status == 200 and "Sân bay Tuy Hòa" in info.text
    link = "/v/airport/go/bluezone?src=venue&amp;store=app_store&amp;lang=en"
    assert link in info.text
    go = phone._portal("GET", PORTAL + link.replace("&amp;", "&"))
    assert go.status == 302 and go.location.startswith("https://apps.apple.com/")
    service: Access = app.extensions["bluezone.access"]
    counted = {(key.kind, key.venue, key.src) for key, _ in service.store.event_counts()}
    assert ("store_click", "airport", "venue") in counted
    assert phone._portal("GET", f"{SPLASH}go/other").status == 404
