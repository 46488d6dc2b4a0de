"""UniFi and Omada venues end to end: the redirect, splash, accept, the API grant, online."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from flask import Flask

from ..standins import OmadaStandin, UnifiStandin
from .conftest import PORTAL, LogCapture, Phone, session_of, venue_app

MAC = "3c:22:fb:12:34:56"
PASSWORD = "unifi-portal-pass-2026"


@pytest.fixture
def unifi() -> Iterator[UnifiStandin]:
    with UnifiStandin(username="portal", password=PASSWORD, unifi_os=True) as standin:
        yield standin


def _app(tmp_path: Path, unifi: UnifiStandin, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("PORTAL_VENUE_STATION_PASSWORD", PASSWORD)
    settings = {
        "name": "Ga Tuy Hòa",
        "controller": "unifi",
        "url": unifi.url,
        "username": "portal",
        "unifi_os": True,
        "down_kbps": 2000,
        "timeout": 2,
        "session_minutes": 45,
    }
    return venue_app(tmp_path, {"station": settings})


def test_full_flow_authorizes_the_guest(
    tmp_path: Path, unifi: UnifiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LogCapture() as logs:
        app = _app(tmp_path, unifi, monkeypatch)
        phone = Phone(app.test_client())
        splash = phone.open(unifi.redirect_url(PORTAL, MAC))
        assert splash.status == 200 and "Ga Tuy Hòa" in splash.text
        assert phone.visited[1].startswith(f"{PORTAL}/v/station/?id=")
        online = phone.accept(splash)
        assert online.status == 200 and online.url.startswith(f"{PORTAL}/v/station/online?t=")
    grant = unifi.authorized(MAC)
    assert grant is not None
    assert (grant.minutes, grant.down, grant.ap_mac) == (45, 2000, "80:2a:a8:00:00:01")
    session = session_of(app, MAC)
    assert session is not None and session.venue == "station"
    assert not any(PASSWORD in line for line in logs.lines)


def test_wrong_password_is_refused_and_grants_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with UnifiStandin(username="portal", password="another", unifi_os=True) as unifi:
        app = _app(tmp_path, unifi, monkeypatch)
        phone = Phone(app.test_client())
        page = phone.accept(phone.open(unifi.redirect_url(PORTAL, MAC) + "&lang=en"))
        assert page.status == 502 and "The Wi-Fi system did not let you in" in page.text
        assert PASSWORD not in page.text
        assert unifi.authorized(MAC) is None


@pytest.mark.parametrize(("down", "delay"), [(True, 0.0), (False, 8.0)], ids=["down", "slow"])
def test_controller_down_or_slow_gives_try_again_within_seconds(
    tmp_path: Path,
    unifi: UnifiStandin,
    monkeypatch: pytest.MonkeyPatch,
    down: bool,
    delay: float,
) -> None:
    app = _app(tmp_path, unifi, monkeypatch)
    phone = Phone(app.test_client())
    splash = phone.open(unifi.redirect_url(PORTAL, MAC) + "&lang=zh_Hans")
    unifi.down, unifi.delay = down, delay
    started = time.monotonic()
    page = phone.accept(splash)
    assert time.monotonic() - started < 4
    assert page.status == 503 and "Wi-Fi 系统没有响应" in page.text
    assert session_of(app, MAC) is None


def test_an_unknown_site_is_not_found(
    tmp_path: Path, unifi: UnifiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(tmp_path, unifi, monkeypatch)
    page = Phone(app.test_client()).open(unifi.redirect_url(PORTAL, MAC, site="lobby"))
    assert page.status == 404


@pytest.mark.parametrize("time_unit", ["microseconds", "seconds"])
def test_omada_full_flow_and_expired_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, time_unit: str
) -> None:
    monkeypatch.setenv("PORTAL_VENUE_PORT_PASSWORD", PASSWORD)
    unit: Literal["us", "s"] = "us" if time_unit == "microseconds" else "s"
    with OmadaStandin(operator="portal", password=PASSWORD, time_unit=unit) as omada:
        settings = {
            "name": "Cảng hành khách Quy Nhơn",
            "controller": "omada",
            "url": omada.url,
            "username": "portal",
            "time_unit": time_unit,
            "timeout": 2,
            "session_minutes": 30,
        }
        app = venue_app(tmp_path, {"port": settings})
        splash_url = f"{PORTAL}/v/port/"
        for round_ in range(2):
            phone = Phone(app.test_client())
            splash = phone.open(omada.redirect_url(splash_url, MAC))
            assert splash.status == 200 and "Cảng hành khách Quy Nhơn" in splash.text
            online = phone.accept(splash)
            assert online.status == 200 and online.url.startswith(f"{splash_url}online?t=")
            grant = omada.grants[-1]
            assert (grant.client_mac.lower().replace("-", ":"), grant.seconds) == (MAC, 30 * 60)
            assert (grant.ap_mac, grant.radio_id, grant.site) == (
                "50:d4:f7:5b:87:78",
                1,
                "Default",
            )
            if round_ == 0:
                omada.expire_sessions()  # the portal logs in again and retries once
        assert len(omada.grants) == 2


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"radioId": "7"}, "radioId"),
        ({"clientMac": "nope"}, "clientMac"),
        ({"ssidName": "x" * 40}, "ssidName"),
        ({"site": ""}, "site"),
    ],
)
def test_omada_bad_parameters(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, str],
    problem: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from urllib.parse import parse_qsl, urlencode, urlsplit

    monkeypatch.setenv("PORTAL_VENUE_PORT_PASSWORD", PASSWORD)
    with OmadaStandin(operator="portal", password=PASSWORD) as omada:
        settings = {"name": "P", "controller": "omada", "url": omada.url, "username": "portal"}
        app = venue_app(tmp_path, {"port": settings})
        url = omada.redirect_url(f"{PORTAL}/v/port/", MAC)
        query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        query.update(change)
        page = Phone(app.test_client()).open(f"{PORTAL}/v/port/?{urlencode(query)}")
        assert page.status == 400 and problem in caplog.text
        assert omada.grants == []


@pytest.mark.parametrize(("down", "delay"), [(True, 0.0), (False, 8.0)], ids=["down", "slow"])
def test_omada_down_or_slow_gives_try_again_within_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, down: bool, delay: float
) -> None:
    monkeypatch.setenv("PORTAL_VENUE_PORT_PASSWORD", PASSWORD)
    with OmadaStandin(operator="portal", password=PASSWORD) as omada:
        settings = {
            "name": "P",
            "controller": "omada",
            "url": omada.url,
            "username": "portal",
            "timeout": 2,
        }
        app = venue_app(tmp_path, {"port": settings})
        phone = Phone(app.test_client())
        splash = phone.open(omada.redirect_url(f"{PORTAL}/v/port/", MAC) + "&lang=ja")
        omada.down, omada.delay = down, delay
        started = time.monotonic()
        page = phone.accept(splash)
        assert time.monotonic() - started < 4
        assert page.status == 503 and "Wi-Fiシステムが応答していません" in page.text
        assert 'name="visit"' in page.text and session_of(app, MAC) is None
