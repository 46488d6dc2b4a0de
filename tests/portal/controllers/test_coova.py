"""CoovaChilli UAM: md checked, /logon with the CHAP response, res=success back to the portal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal.controllers.coova import chap_response, checksum

from ..standins import ChilliStandin
from ..standins import chilli as chilli_docs
from .conftest import PORTAL, LogCapture, Phone, session_of, venue_app

MAC = "3c:22:fb:12:34:56"
SPLASH = f"{PORTAL}/v/lobby/"
UAMSECRET = "chilli-uam-secret-42"
PASSWORD = "radius-guest-password"
ZEROS = "0" * 32
CHILLI_MAC = "3C-22-FB-12-34-56"


def _app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uamsecret: str | None, **venue: object
) -> Flask:
    monkeypatch.setenv("PORTAL_VENUE_LOBBY_PASSWORD", PASSWORD)
    if uamsecret:
        monkeypatch.setenv("PORTAL_VENUE_LOBBY_UAMSECRET", uamsecret)
    settings = {
        "name": "Bệnh viện Đa khoa Phú Yên",
        "controller": "coova",
        "grant_hosts": ["127.0.0.1"],
        "username": "guest",
        "session_minutes": 60,
        **venue,
    }
    return venue_app(tmp_path, {"lobby": settings})


@pytest.fixture
def chilli() -> Iterator[ChilliStandin]:
    with ChilliStandin(uamsecret=UAMSECRET, users={"guest": PASSWORD}) as standin:
        yield standin


@pytest.mark.parametrize("uamsecret", [UAMSECRET, ""], ids=["with-uamsecret", "without"])
def test_full_flow_logs_in_at_chilli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uamsecret: str
) -> None:
    with (
        ChilliStandin(uamsecret=uamsecret, users={"guest": PASSWORD}) as chilli,
        LogCapture() as logs,
    ):
        app = _app(tmp_path, monkeypatch, uamsecret)
        phone = Phone(app.test_client())
        splash = phone.open(chilli.redirect_url(SPLASH, MAC))
        assert splash.status == 200 and "Bệnh viện Đa khoa Phú Yên" in splash.text
        online = phone.accept(splash)
        assert online.status == 200, online.text
        assert online.url.startswith(f"{SPLASH}online?t=")
        (grant,) = chilli.grants
        assert (grant.username, grant.mac, grant.method) == ("guest", MAC, "chap")
        assert any("res=success" in url for url in phone.visited)
        assert session_of(app, MAC) is not None
    secrets = (PASSWORD, UAMSECRET)
    assert not any(s in line for line in logs.lines for s in secrets)
    assert not any(s in url for url in phone.visited for s in secrets)


def test_a_wrong_password_comes_back_failed_and_grants_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ChilliStandin(uamsecret=UAMSECRET, users={"guest": "another"}) as chilli:
        app = _app(tmp_path, monkeypatch, UAMSECRET)
        phone = Phone(app.test_client())
        page = phone.accept(phone.open(chilli.redirect_url(SPLASH, MAC) + "&lang=en"))
        assert any("res=failed" in url for url in phone.visited)
        # lang=en was not in chilli's URL: the page is in the default language.
        assert page.status == 503 and "Hệ thống Wi-Fi chưa cho bạn kết nối" in page.text
        assert chilli.grants == [] and session_of(app, MAC) is None


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda url: url.replace("uamip=127.0.0.1", "uamip=10.6.6.6"), "md"),
        (lambda url: url.replace("&md=", "&x=1&md="), "md"),
        (lambda url: url.rsplit("&md=", 1)[0], "md: missing"),
        (lambda url: url[:-1] + ("0" if url[-1] != "0" else "1"), "md"),
    ],
    ids=["changed-uamip", "added-parameter", "no-md", "changed-md"],
)
def test_changed_redirects_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chilli: ChilliStandin,
    tamper: object,
    problem: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _app(tmp_path, monkeypatch, UAMSECRET)
    url = tamper(chilli.redirect_url(SPLASH, MAC))  # type: ignore[operator]
    page = Phone(app.test_client()).open(url)
    assert page.status == 400 and "<form" not in page.text
    assert problem in caplog.text


def test_a_wrong_uamsecret_refuses_every_redirect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chilli: ChilliStandin
) -> None:
    app = _app(tmp_path, monkeypatch, "not-the-uamsecret")
    page = Phone(app.test_client()).open(chilli.redirect_url(SPLASH, MAC))
    assert page.status == 400 and chilli.grants == []


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (
            "res=notyet&uamip=8.8.8.8&uamport=3990&challenge="
            + "0" * 32
            + "&mac=3C-22-FB-12-34-56",
            "grant host",
        ),
        (
            "res=notyet&uamip=127.0.0.1&uamport=99999&challenge="
            + "0" * 32
            + "&mac=3C-22-FB-12-34-56",
            "port",
        ),
        ("res=notyet&uamip=127.0.0.1&uamport=3990&challenge=zz&mac=3C-22-FB-12-34-56", "challenge"),
        ("res=hacked&uamip=127.0.0.1&uamport=3990&mac=3C-22-FB-12-34-56", "res"),
    ],
    ids=["foreign-uamip", "bad-port", "bad-challenge", "unknown-res"],
)
def test_bad_parameters_without_uamsecret(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    problem: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _app(tmp_path, monkeypatch, None)
    page = Phone(app.test_client()).open(f"{SPLASH}?{query}")
    assert page.status == 400
    assert problem in caplog.text


@pytest.mark.parametrize(
    ("challenge", "uamsecret"),
    [(bytes(range(16)), UAMSECRET), (b"\xff" * 16, ""), (b"\x00" * 16, "x")],
)
def test_chap_response_matches_chilli(challenge: bytes, uamsecret: str) -> None:
    assert chap_response(challenge.hex(), PASSWORD, uamsecret or None) == (
        chilli_docs.chap_response(challenge, PASSWORD, uamsecret)
    )


def test_checksum_matches_chilli() -> None:
    url = f"{SPLASH}?res=notyet&uamip=10.1.0.1&uamport=3990&mac=3C-22-FB-12-34-56"
    assert checksum(url, UAMSECRET) == chilli_docs.md_param(url, UAMSECRET)


def test_chilli_down_gives_try_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chilli: ChilliStandin
) -> None:
    app = _app(tmp_path, monkeypatch, UAMSECRET, check_grant_host=True)
    phone = Phone(app.test_client())
    splash = phone.open(chilli.redirect_url(SPLASH, MAC))
    chilli.down = True
    page = phone.accept(splash)
    assert page.status == 503 and "Hệ thống Wi-Fi đang không phản hồi" in page.text
    assert chilli.grants == []


def test_switching_language_keeps_the_checked_redirect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chilli: ChilliStandin
) -> None:
    app = _app(tmp_path, monkeypatch, UAMSECRET)
    phone = Phone(app.test_client())
    splash = phone.open(chilli.redirect_url(SPLASH, MAC))
    link = re.search(r'<a href="([^"]+)" lang="ja"', splash.text)
    assert link, splash.text
    japanese = phone.open(f"{PORTAL}{link.group(1).replace('&amp;', '&')}")
    assert japanese.status == 200 and '<html lang="ja">' in japanese.text
    online = phone.accept(japanese)
    assert online.status == 200 and len(chilli.grants) == 1
    assert "lang=ja" in online.url


def test_chillis_own_lang_stays_signed_and_the_visitors_choice_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(tmp_path, monkeypatch, UAMSECRET)
    phone = Phone(app.test_client())
    signed = (
        f"{SPLASH}?res=notyet&uamip=127.0.0.1&uamport=3990&challenge={ZEROS}"
        f"&called=00-11-22-33-44-55&mac={CHILLI_MAC}&ip=10.1.0.2&lang=en"
    )
    url = f"{signed}&md={chilli_docs.md_param(signed, UAMSECRET)}"
    english = phone.open(url)
    assert english.status == 200 and '<html lang="en">' in english.text
    link = re.search(r'<a href="([^"]+)" lang="ko"', english.text)
    assert link
    korean = phone.open(f"{PORTAL}{link.group(1).replace('&amp;', '&')}")
    assert korean.status == 200 and '<html lang="ko">' in korean.text
    again = re.search(r'<a href="([^"]+)" lang="ja"', korean.text)
    assert again and again.group(1).count("lang=") == 2
