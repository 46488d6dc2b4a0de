"""The province as one system (README "A province"), every part real: PostgreSQL, Redis,
nginx with the shipped cluster files, two portal nodes and two signage nodes under gunicorn
(each with its own folder and port, sharing only the database, Redis and the playlist folder),
Chromium as a screen, and a venue box reporting through nginx (`tests.e2e.province`).

Deadlines in these tests mean "it stopped working", never "it was fast enough".
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.conftest import require_tool
from tests.e2e.province import (
    ANDROID,
    API_TOKEN,
    BOX_VENUE,
    PASSWORD,
    Node,
    Province,
    ask,
    established,
    probe,
    results_period,
    venue_counts,
    visit,
)
from tests.postgresql import Cluster
from tests.signage.serverkit import keep_token_script, wait_until

GUEST = "10.42.0.7"
MAC = "3c:22:fb:12:34:56"
MERAKI = {
    "base_grant_url": "http://127.0.0.1:9/splash/grant",  # never asked: the phone goes there
    "user_continue_url": "http://example.com/",
    "node_id": "1301936",
    "node_mac": "00:18:0a:13:dd:b0",
    "gateway_id": "1301936",
    "client_ip": "10.0.5.20",
    "client_mac": MAC,
}


@pytest.fixture
def province(tmp_path: Path, postgresql_cluster: Cluster, redis_url: str) -> Iterator[Province]:
    """The centre running (databases, Redis, nginx, two signage nodes); portal nodes and the
    venue box start when a test asks for them. Everything is stopped however the test ends;
    every server's log is printed (pytest shows it when the test failed) and kept in
    test-artifacts/province.log."""
    require_tool("openssl")
    built = Province(tmp_path, postgresql_cluster, redis_url, require_tool("nginx"))
    try:
        built.start_centre()
        yield built
    finally:
        built.close()
        print(built.logs())


def captive(node: Node, ticket: str) -> bool:
    """The RFC 8908 answer of ``node`` for the Meraki visitor holding ``ticket``."""
    status, _, body = ask(f"{node.url}/v/airport/api/captive-portal?t={ticket}", {})
    assert status == 200, body
    answer: bool = json.loads(body)["captive"]
    return answer


def test_a_grant_on_one_portal_node_holds_on_the_other_and_a_revoke_too(
    province: Province,
) -> None:
    a, b = province.portals()
    # nginx spreads the portal over both nodes, each answering its health check.
    client = province.client()
    for node in (a, b):
        assert ask(f"{node.url}/healthz", {})[0] == 200
    assert client.get(f"{province.portal_https}/healthz")[0] == 200

    # B has just answered "not online" for the guest (and may remember it); the guest accepts
    # on A; B's very next probe lets the guest out.
    assert probe(b.url, GUEST) == 302
    visit(a.url, GUEST)
    assert probe(b.url, GUEST) == 204
    assert probe(a.url, GUEST) == 204

    # A phone behind a Meraki AP accepts on A (sessions of a venue are kept under its MAC);
    # both nodes say it is online; an operator revokes it with node B's command line; A's
    # very next answer says captive.
    headers = {"X-Forwarded-For": "10.0.5.20", "User-Agent": ANDROID}
    status, _, page = ask(f"{a.url}/v/airport/?{urlencode(MERAKI)}", headers)
    assert status == 200, page[:2000]
    form = {name: _field(page, name) for name in ("token", "visit", "lang", "continue")}
    status, answer, page = ask(f"{a.url}/v/airport/accept", headers, form)
    assert status in (302, 303), page[:2000]
    continue_url = parse_qs(urlsplit(answer["Location"]).query)["continue_url"][0]
    ticket = parse_qs(urlsplit(continue_url).query)["t"][0]
    assert captive(b, ticket) is False
    assert captive(a, ticket) is False
    revoked = b.cli("bluezone-portal", "gateway", "revoke", MAC)
    assert f"{MAC} revoked" in revoked
    assert captive(a, ticket) is True
    assert captive(b, ticket) is True


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, (name, page[:2000])
    return found.group(1)


def test_an_operator_added_on_one_node_signs_in_on_the_other(province: Province) -> None:
    a, b = province.signage
    a.cli("bluezone-signage", "operators", "add", "hoa", "--role", "viewer",
          "--password-file", "-", stdin=PASSWORD + "\n")  # fmt: skip
    # On node B directly, then through nginx over HTTPS (whichever node it picks).
    province.client().sign_in(b.url, "hoa")
    province.client().sign_in(province.signage_https, "hoa")


def _serving(province: Province) -> tuple[Node, Node]:
    """The signage node the screen's websocket reached through nginx, and the other one."""
    a, b = province.signage

    def connected() -> tuple[Node, Node] | None:
        on = [established(node.port) for node in (a, b)]
        if on == [1, 0]:
            return a, b
        if on == [0, 1]:
            return b, a
        return None

    found = wait_until(connected, 30, step=0.2)
    assert found, [established(node.port) for node in (a, b)]
    pair: tuple[Node, Node] = found
    return pair


@contextmanager
def _screen(province: Province, browser: Any) -> Iterator[tuple[Any, Node, Node]]:
    """Chromium as the enrolled screen lobby-1, playing through nginx: its page, the node its
    websocket reached and the other node. The browser context is closed afterwards."""
    token = province.enroll("lobby-1")
    context = browser.new_context(viewport={"width": 960, "height": 540})
    context.set_default_timeout(30_000)
    context.add_init_script(keep_token_script("lobby-1", token))
    try:
        page = context.new_page()
        page.goto(f"{province.signage_http}/screen/lobby-1")
        page.wait_for_function("window.signagePlayer && window.signagePlayer.connected()")
        page.wait_for_selector("body[data-item]")
        yield (page, *_serving(province))
    finally:
        context.close()


@pytest.mark.browser
def test_an_override_sent_to_one_node_reaches_a_screen_on_the_other(
    province: Province, browser: Any
) -> None:
    with _screen(province, browser) as (page, serving, other):
        client = province.client()
        body = {
            "target": "group:lobby",
            "until": "+10m",
            "messages": {"vi": {"headline": "Sơ tán", "body": "Ra cửa gần nhất."}},
        }
        status, _, created = client.send(_json_request(f"{other.url}/api/overrides", body))
        assert status == 201, created
        page.wait_for_function("!document.getElementById('alert').hidden", timeout=20_000)
        assert "Sơ tán" in page.inner_text("#alert")
        # The screen is believed on its node: its credential is in the shared database.
        page.wait_for_function("window.signagePlayer.enrolled()", timeout=20_000)
        assert page.is_hidden("#pairing")

        def online() -> bool:
            status, _, text = client.get(f"{serving.url}/api/screens")
            screens = json.loads(text)["screens"] if status == 200 else []
            return any(s["id"] == "lobby-1" and s["online"] for s in screens)

        assert wait_until(online, 30, step=0.2)


def _json_request(url: str, body: dict[str, Any]) -> urllib.request.Request:
    return urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
    )


@pytest.mark.browser
def test_a_screen_whose_node_dies_reconnects_through_nginx_and_keeps_playing(
    province: Province, browser: Any
) -> None:
    with _screen(province, browser) as (page, serving, other):
        shown = page.evaluate("window.signagePlayer.switches.length")
        serving.kill()
        # Playing on while the node is gone (the rotation runs in the browser) ...
        page.wait_for_function(
            f"window.signagePlayer.switches.length >= {shown + 2}", timeout=30_000
        )
        # ... and connected again through nginx, to the node still alive.
        page.wait_for_function("window.signagePlayer.connected()", timeout=60_000)
        assert wait_until(lambda: established(other.port) == 1, 30, step=0.2)
        # The websocket that ended was nginx's to the dead node (nginx logs it when it ends).
        assert [node for _, node in province.nginx.requests("/socket.io/")] == [
            f"127.0.0.1:{serving.port}"
        ]
        shown = page.evaluate("window.signagePlayer.switches.length")
        page.wait_for_function(
            f"window.signagePlayer.switches.length >= {shown + 2}", timeout=30_000
        )
        assert page.evaluate("window.signagePlayer.state() !== null")


def test_a_venue_box_cut_off_delivers_its_figures_once_when_back(province: Province) -> None:
    a, _ = province.signage
    province.portals()
    a.cli("bluezone-signage", "operators", "add", "hoa", "--role", "viewer",
          "--password-file", "-", stdin=PASSWORD + "\n")  # fmt: skip
    token = a.cli("bluezone-signage", "venues", "add", BOX_VENUE).strip().splitlines()[-1]
    assert token and " " not in token
    box = province.start_box(token)
    console = province.client()
    console.sign_in(province.signage_https, "hoa")

    def figures() -> tuple[int, ...] | None:
        status, _, data = console.get(
            f"{province.signage_https}/console/results/venues.csv?{results_period()}"
        )
        assert status == 200, data[:2000]
        return venue_counts(data, BOX_VENUE)

    def reports() -> int:
        """Reports the centre accepted so far (nginx's log)."""
        return sum(
            1 for status, _ in province.nginx.requests("POST /api/venues/report") if status < 300
        )

    # Connected: a first visitor is reported.
    visit(box.url, "10.42.0.1")
    assert wait_until(lambda: (figures() or (0, 0))[:2] == (1, 1), 60, step=0.5), figures()

    # The uplink is down; visitors keep getting online; the box keeps trying to report.
    uplink = province.uplink
    assert uplink is not None
    uplink.cut()
    for n in range(2, 5):
        visit(box.url, f"10.42.0.{n}")
        assert probe(box.url, f"10.42.0.{n}") == 204
    tried = uplink.refused
    assert wait_until(lambda: uplink.refused >= tried + 2, 60, step=0.2)
    assert (figures() or (0, 0))[:2] == (1, 1)

    # Back: the counts arrive, once, however often the box sent them.
    uplink.restore()
    assert wait_until(lambda: (figures() or (0, 0))[:2] == (4, 4), 60, step=0.5), figures()
    seen = reports()
    assert wait_until(lambda: reports() >= seen + 2, 60, step=0.5)
    assert figures() == (4, 4, 0, 0)
