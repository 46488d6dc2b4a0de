"""Every controller's flow through the portal under real gunicorn (two workers, the deploy
settings), the phone speaking real HTTP to the portal and to each controller stand-in."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import yaml

from ...conftest import free_port, stop, wait_for_port
from ..standins import (
    ChilliStandin,
    MerakiStandin,
    MikrotikStandin,
    OmadaStandin,
    OpenNDSStandin,
    Standin,
    UnifiStandin,
)

BIN = Path(sys.executable).parent
SECRET = "gunicorn-venue-secret-0123456789"
FASKEY = "faskey-for-the-gunicorn-test-0123"


@dataclass
class Reply:
    url: str
    status: int
    headers: dict[str, str]
    text: str


def _request(method: str, url: str, form: dict[str, str] | None = None) -> Reply:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    body = urlencode(form) if form is not None else None
    headers = {"User-Agent": "Mozilla/5.0 (Linux; Android 14)"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(
            method, parts.path + (f"?{parts.query}" if parts.query else ""), body, headers
        )
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        return Reply(url, response.status, dict(response.getheaders()), text)
    finally:
        connection.close()


def browse(url: str, method: str = "GET", form: dict[str, str] | None = None) -> Reply:
    """Like a browser without cookies: follow redirects (GET after the first request)."""
    reply = _request(method, url, form)
    for _ in range(8):
        if reply.status not in (301, 302, 303, 307) or "Location" not in reply.headers:
            return reply
        target = reply.headers["Location"]
        if target.startswith("/"):
            parts = urlsplit(reply.url)
            target = f"{parts.scheme}://{parts.netloc}{target}"
        reply = _request("GET", target)
    raise AssertionError("too many redirects")


def field(page: Reply, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert match, page.text[:1500]
    return match.group(1).replace("&amp;", "&")


class Portal:
    """The portal under gunicorn with one venue per controller kind."""

    def __init__(self, tmp: Path, standins: dict[str, Standin[Any]], port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        venues: dict[str, dict[str, Any]] = {
            "meraki": {"controller": "meraki", "grant_hosts": ["127.0.0.1"]},
            "mikrotik": {"controller": "mikrotik", "grant_hosts": ["127.0.0.1"]},
            "coova": {"controller": "coova", "grant_hosts": ["127.0.0.1"], "username": "guest"},
            "opennds1": {"controller": "opennds", "fas_level": 1, "grant_hosts": ["127.0.0.1"]},
            "opennds3": {"controller": "opennds", "fas_level": 3},
            "unifi": {
                "controller": "unifi",
                "url": standins["unifi"].url,
                "username": "portal",
                "unifi_os": False,
            },
            "omada": {"controller": "omada", "url": standins["omada"].url, "username": "portal"},
        }
        for venue_id, settings in venues.items():
            settings["name"] = f"Venue {venue_id}"
        config = tmp / "portal.yaml"
        config.write_text(yaml.safe_dump({"venues": venues}, allow_unicode=True))
        self.log = tmp / "gunicorn.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
            "PORTAL_PORTAL_URL": self.url,
            "PORTAL_DATABASE": str(tmp / "portal.sqlite3"),
            "PORTAL_SECRET_KEY": "gunicorn-venues-secret-key-0123456789",
            "PORTAL_MAC_LOOKUP": "false",
            "PORTAL_EVENT_FLUSH_SECONDS": "0",
            "PORTAL_VENUE_COOVA_PASSWORD": SECRET,
            "PORTAL_VENUE_COOVA_UAMSECRET": SECRET,
            "PORTAL_VENUE_OPENNDS1_FASKEY": FASKEY,
            "PORTAL_VENUE_OPENNDS3_FASKEY": FASKEY,
            "PORTAL_VENUE_UNIFI_PASSWORD": SECRET,
            "PORTAL_VENUE_OMADA_PASSWORD": SECRET,
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "bluezone-portal"),
                    "serve",
                    "--config",
                    str(config),
                    "--bind",
                    f"127.0.0.1:{port}",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.process, "127.0.0.1", port, self.log)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Portal, dict[str, Any]]]:
    port = free_port()
    with ExitStack() as stack:
        standins: dict[str, Any] = {
            "meraki": stack.enter_context(MerakiStandin()),
            "mikrotik": stack.enter_context(MikrotikStandin(trial=True)),
            "coova": stack.enter_context(ChilliStandin(uamsecret=SECRET, users={"guest": SECRET})),
            "opennds1": stack.enter_context(OpenNDSStandin(level=1, faskey=FASKEY)),
            "opennds3": stack.enter_context(
                OpenNDSStandin(
                    level=3,
                    faskey=FASKEY,
                    fas_url=f"http://127.0.0.1:{port}/v/opennds3/",
                    poll_interval=0.3,
                )
            ),
            "unifi": stack.enter_context(UnifiStandin(username="portal", password=SECRET)),
            "omada": stack.enter_context(OmadaStandin(operator="portal", password=SECRET)),
        }
        portal = Portal(tmp_path_factory.mktemp("gunicorn-venues"), standins, port)
        try:
            yield portal, standins
        finally:
            stop(portal.process)
            log = portal.log.read_text()
            assert SECRET not in log and FASKEY not in log, "a secret was logged"


MAC = "3c:22:fb:00:00:%02x"

REDIRECTS: dict[str, Callable[[Any, str, str], str]] = {
    "meraki": lambda s, splash, mac: s.redirect_url(splash, mac, "10.0.5.20"),
    "mikrotik": lambda s, splash, mac: s.redirect_url(splash, mac),
    "coova": lambda s, splash, mac: s.redirect_url(splash, mac),
    "opennds1": lambda s, splash, mac: s.redirect_url(splash, mac),
    "opennds3": lambda s, splash, mac: s.redirect_url(splash, mac),
    "unifi": lambda s, splash, mac: s.redirect_url(splash.split("/v/")[0], mac),
    "omada": lambda s, splash, mac: s.redirect_url(splash, mac),
}


@pytest.mark.parametrize("kind", list(REDIRECTS))
def test_each_controller_under_gunicorn(setup: tuple[Portal, dict[str, Any]], kind: str) -> None:
    portal, standins = setup
    standin = standins[kind]
    mac = MAC % (list(REDIRECTS).index(kind) + 1)
    splash_url = f"{portal.url}/v/{kind}/"
    splash = browse(REDIRECTS[kind](standin, splash_url, mac))
    assert splash.status == 200, splash.text[:2000]
    assert f"Venue {kind}" in splash.text
    form = {name: field(splash, name) for name in ("token", "visit", "lang", "continue")}
    page = browse(f"{splash_url}accept", "POST", form)
    deadline = time.monotonic() + 20
    while page.status == 200 and 'http-equiv="refresh"' in page.text:
        assert time.monotonic() < deadline, "openNDS never collected the grant"
        time.sleep(0.3)
        page = browse(page.url)
    assert page.status == 200, page.text[:2000]
    assert page.url.startswith(f"{splash_url}online?t="), page.url
    assert "Bạn đã kết nối Internet" in page.text
    if kind == "unifi":
        assert standin.authorized(mac) is not None
    else:
        assert len(standin.grants) == 1
    ticket = page.url.split("t=", 1)[1].split("&", 1)[0]
    api = _request("GET", f"{splash_url}api/captive-portal?t={ticket}")
    assert api.headers["Content-Type"] == "application/captive+json"
    assert '"captive": false' in api.text
