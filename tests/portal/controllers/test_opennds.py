"""openNDS FAS levels 1 (hashed, grant through authdir) and 3 (encrypted, grant via authmon)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from portal.controllers import opennds

from ...conftest import free_port
from ..standins import OpenNDSStandin
from ..standins import opennds as opennds_docs
from .conftest import PORTAL, LogCapture, Phone, session_of, venue_app

MAC = "3c:22:fb:12:34:56"
SPLASH = f"{PORTAL}/v/cafe/"
FASKEY = "c775e7b757ede630cd0aa1113bd102661ab38829ca52a6422ab782862f268646"


def _app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, level: int, faskey: str = FASKEY
) -> Flask:
    monkeypatch.setenv("PORTAL_VENUE_CAFE_FASKEY", faskey)
    settings: dict[str, object] = {
        "name": "Quán cà phê Biển Xanh",
        "controller": "opennds",
        "fas_level": level,
        "session_minutes": 120,
    }
    if level == 1:
        settings["grant_hosts"] = ["127.0.0.1"]
    return venue_app(tmp_path, {"cafe": settings})


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Flask, str]]:
    """A level 3 portal also served over real HTTP, where openNDS's authmon polls it."""
    app = _app(tmp_path, monkeypatch, 3)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{port}/v/cafe/"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_level_1_grants_through_authdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenNDSStandin(level=1, faskey=FASKEY) as gateway, LogCapture() as logs:
        app = _app(tmp_path, monkeypatch, 1)
        phone = Phone(app.test_client())
        splash = phone.open(gateway.redirect_url(SPLASH, MAC))
        assert splash.status == 200 and "Quán cà phê Biển Xanh" in splash.text
        assert (
            f"form-action 'self' http://{gateway.gatewayaddress}"
            in (splash.headers["Content-Security-Policy"])
        )
        online = phone.accept(splash)
        assert online.status == 200 and online.url.startswith(f"{SPLASH}online?t=")
        (grant,) = gateway.grants
        assert (grant.mac, grant.via) == (MAC, "authdir")
        assert session_of(app, MAC) is not None
    assert not any(FASKEY in line for line in logs.lines)
    assert not any(FASKEY in url for url in phone.visited)


def test_level_1_with_another_faskey_is_not_let_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OpenNDSStandin(level=1, faskey="the-gateways-own-key") as gateway:
        app = _app(tmp_path, monkeypatch, 1)
        phone = Phone(app.test_client())
        phone.accept(phone.open(gateway.redirect_url(SPLASH, MAC)))
        assert gateway.grants == []


def test_level_3_grants_through_authmon(served: tuple[Flask, str]) -> None:
    app, fas_url = served
    with OpenNDSStandin(level=3, faskey=FASKEY, fas_url=fas_url, poll_interval=0.2) as gateway:
        # authmon clears the list once when openNDS starts: let that pass first, as a real
        # gateway is up before its guests arrive.
        started = time.monotonic()
        while not any(action == "clear" for action, _, _ in gateway.authmon_log):
            assert time.monotonic() - started < 10, "authmon never started"
            time.sleep(0.05)
        phone = Phone(app.test_client())
        url = gateway.redirect_url(fas_url, MAC).replace(fas_url, SPLASH)
        splash = phone.open(url)
        assert splash.status == 200, splash.text
        page = phone.accept(splash)
        assert page.status == 200 and page.url.startswith(f"{SPLASH}online?t=")
        (grant,) = gateway.wait_for_grants(1, timeout=20)
        assert (grant.mac, grant.via, grant.session_minutes) == (MAC, "authmon", 120)
        deadline = time.monotonic() + 20
        while "Connecting you" in page.text or "Đang kết nối" in page.text:
            assert time.monotonic() < deadline, "the online page never came"
            time.sleep(0.2)
            page = phone.open(page.url)
        assert "Bạn đã kết nối Internet" in page.text
        assert session_of(app, MAC) is not None
        answers = [answer for action, _, answer in gateway.authmon_log if action == "view"]
        assert any(answer.startswith("* ") for answer in answers)


def test_level_3_not_collected_in_time_asks_to_try_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OpenNDSStandin(level=3, faskey=FASKEY) as gateway:  # no authmon running
        app = _app(tmp_path, monkeypatch, 3)
        phone = Phone(app.test_client())
        waiting = phone.accept(phone.open(gateway.redirect_url(SPLASH, MAC)))
        assert waiting.status == 200 and 'http-equiv="refresh"' in waiting.text
        later = time.time() + 31
        monkeypatch.setattr("time.time", lambda: later)
        page = phone.open(waiting.url)
        assert page.status == 503 and "Hệ thống Wi-Fi đang không phản hồi" in page.text
        assert session_of(app, MAC) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda url: url.replace("fas=", "fas=AAAA", 1),
        lambda url: url.replace("&iv=", "&iv=0"),
        lambda url: url.split("&iv=")[0],
    ],
    ids=["changed-fas", "changed-iv", "no-iv"],
)
def test_level_3_tampered_queries_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: object
) -> None:
    with OpenNDSStandin(level=3, faskey=FASKEY) as gateway:
        app = _app(tmp_path, monkeypatch, 3)
        url = change(gateway.redirect_url(SPLASH, MAC))  # type: ignore[operator]
        page = Phone(app.test_client()).open(url)
        assert page.status == 400 and "<form" not in page.text


def test_level_3_with_a_wrong_faskey_cannot_decrypt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with OpenNDSStandin(level=3, faskey=FASKEY) as gateway:
        app = _app(tmp_path, monkeypatch, 3, faskey="a-different-faskey")
        page = Phone(app.test_client()).open(gateway.redirect_url(SPLASH, MAC))
        assert page.status == 400
        assert "cannot be decrypted" in caplog.text
        assert "a-different-faskey" not in caplog.text


def test_level_1_gateway_must_be_a_grant_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_VENUE_CAFE_FASKEY", FASKEY)
    app = venue_app(
        tmp_path,
        {
            "cafe": {
                "name": "Cafe",
                "controller": "opennds",
                "fas_level": 1,
                "grant_hosts": ["192.168.8.1"],
            }
        },
    )
    with OpenNDSStandin(level=1, faskey=FASKEY) as gateway:
        page = Phone(app.test_client()).open(gateway.redirect_url(SPLASH, MAC))
        assert page.status == 400


@pytest.mark.parametrize("iv", ["0123456789abcdef", "fedcba9876543210"])
def test_encryption_matches_opennds(iv: str) -> None:
    query = "hid=ab12, clientip=192.168.8.100, clientmac=3c:22:fb:12:34:56, gatewayname=Node, "
    sealed = opennds_docs.encrypt_query(query, FASKEY, iv)
    assert opennds.decrypt_query(sealed, FASKEY, iv) == query
    assert opennds_docs.decrypt_query(opennds.encrypt_query(query, FASKEY, iv), FASKEY, iv) == (
        query
    )


def test_authmon_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenNDSStandin(level=3, faskey=FASKEY) as gateway:
        app = _app(tmp_path, monkeypatch, 3)
        client = app.test_client()
        phone = Phone(client)
        phone.accept(phone.open(gateway.redirect_url(SPLASH, MAC)))
        rhid = gateway.rhid(MAC)
        form = {"gatewayhash": gateway.gatewayhash, "payload": "none"}
        host = {"Host": "portal.test"}
        view = client.post("/v/cafe/", data={**form, "auth_get": "view"}, headers=host)
        assert view.text == f"* {rhid}%20120%200%200%200%200"
        again = client.post("/v/cafe/", data={**form, "auth_get": "view"}, headers=host)
        assert again.text == view.text  # "view" keeps entries until acknowledged
        ack = client.post(
            "/v/cafe/",
            data={**form, "auth_get": "view", "payload": f"* {rhid}"},
            headers=host,
        )
        assert ack.text == "ack"
        empty = client.post("/v/cafe/", data={**form, "auth_get": "view"}, headers=host)
        assert empty.text == "*"
        bad = client.post("/v/cafe/", data={"auth_get": "view", "gatewayhash": "x"}, headers=host)
        assert bad.status_code == 400


def test_uncollected_grants_are_purged_after_an_hour(tmp_path: Path) -> None:
    from portal.sessions.store import Store

    store = Store(str(tmp_path / "s.sqlite3"), salt=b"salt")
    now = time.time()
    store.queue_grant("g" * 64, "old", "old 1 0 0 0 0", "cafe", now=now - 3601)
    store.queue_grant("g" * 64, "new", "new 1 0 0 0 0", "cafe", now=now)
    store.purge(90, now=now)
    assert store.queued_grants("g" * 64) == ["new 1 0 0 0 0"]
    assert store.grant_waiting("g" * 64, "new") and not store.grant_waiting("g" * 64, "old")
