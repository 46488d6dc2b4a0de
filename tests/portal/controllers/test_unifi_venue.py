"""A UniFi venue end to end: the guest redirect, splash, accept, authorize-guest, online."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal.access import Access

from ..standins import UnifiStandin
from .conftest import PORTAL, LogCapture, Phone, venue_app

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
    service: Access = app.extensions["bluezone.access"]
    session = service.store.session(f"mac:{MAC}")
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
    service: Access = app.extensions["bluezone.access"]
    assert service.store.session(f"mac:{MAC}") is None


def test_an_unknown_site_is_not_found(
    tmp_path: Path, unifi: UnifiStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(tmp_path, unifi, monkeypatch)
    page = Phone(app.test_client()).open(unifi.redirect_url(PORTAL, MAC, site="lobby"))
    assert page.status == 404
