"""The live board in a real Chromium shows a small drawing of the slide each playing screen
shows, and changes it when the screen moves on to the next item."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signage.accounts.operators import OperatorStore
from signage.accounts.passwords import Scrypt
from tests.e2e.test_console_live_browser import PASSWORD, shoot, sign_in
from tests.signage.serverkit import (
    Server,
    enroll,
    keep_token_script,
    make_playlists,
    running_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    playlists = make_playlists(tmp_path / "playlists")
    OperatorStore(tmp_path / "signage.sqlite3", Scrypt(n=1024)).add(
        "viewer", "viewer", (), PASSWORD
    )
    env = {
        "SIGNAGE_COOKIE_SECURE": "false",
        "SIGNAGE_PASSWORD_SCRYPT_N": "1024",
        "SIGNAGE_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        # A heartbeat a second, so the board hears of each 3-second slide.
        "SIGNAGE_HEARTBEAT_INTERVAL": "1",
    }
    with running_server(tmp_path, playlists, env=env) as running:
        yield running


def test_the_board_shows_and_follows_the_slide_a_screen_plays(server: Server, browser: Any) -> None:
    operator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    screens = browser.new_context(viewport={"width": 960, "height": 540})
    for context in (operator, screens):
        context.set_default_timeout(20_000)
    try:
        console = sign_in(operator, server, "viewer")
        console.goto(f"{server.url}/console/screens")
        console.wait_for_selector("#live[data-state=live]")
        screens.add_init_script(keep_token_script("lobby-1", enroll(server.database, "lobby-1")))
        screen = screens.new_page()
        screen.goto(f"{server.url}/screen/lobby-1")

        picture = console.locator("#screen-lobby-1 img.slide-thumbnail")
        picture.wait_for()
        first = picture.get_attribute("data-item")
        assert first
        # The drawing loaded (an image that failed would be hidden) and says the slide's title.
        console.locator("#screen-lobby-1 img.slide-thumbnail:not([hidden])").wait_for()
        source = picture.get_attribute("src")
        assert source is not None
        drawn = console.request.get(server.url + source)
        assert drawn.status == 200 and drawn.headers["content-type"].startswith("image/svg+xml")
        label = console.inner_text("#screen-lobby-1 .item-label")
        assert label in drawn.text() or label.split(" ")[0] in drawn.text()

        # The screen moves on (3-second slides): the board's picture follows.
        console.locator(
            f"#screen-lobby-1 img.slide-thumbnail:not([data-item='{first}'])"
        ).wait_for()
        after = picture.get_attribute("src")
        assert after and after != source
        assert picture.evaluate("image => image.complete && image.naturalWidth > 0")
        shoot(console, "console-screens-thumbnails.png")

        # Signed out, the drawing is refused.
        anonymous = browser.new_context()
        refused = anonymous.request.get(server.url + after, max_redirects=0)
        assert refused.status in (302, 303)
        anonymous.close()
    finally:
        operator.close()
        screens.close()


def test_a_row_from_a_node_the_screen_is_not_on_keeps_the_slide_its_node_reported(
    server: Server, browser: Any
) -> None:
    """With several nodes every node's board rows reach every console (message queue); a node
    the screen is not connected to sends it online `elsewhere`, without the slide. Such a row,
    arriving after the serving node's, leaves the slide on the board; once the serving node
    says the screen left, an `elsewhere` row has none to keep."""
    operator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    screens = browser.new_context(viewport={"width": 960, "height": 540})
    for context in (operator, screens):
        context.set_default_timeout(20_000)
    held = {"on": False}
    routes: list[Any] = []

    def relay(route: Any) -> None:
        # The console's websocket through the test: the server's messages pass on unless held,
        # so that no real row lands between an injected one and the look at the board.
        upstream = route.connect_to_server()
        upstream.on_message(lambda message: None if held["on"] else route.send(message))
        routes.append(route)

    try:
        console = sign_in(operator, server, "viewer")
        console.route_web_socket("**/socket.io/**", relay)
        console.goto(f"{server.url}/console/screens")
        console.wait_for_selector("#live[data-state=live]")
        screens.add_init_script(keep_token_script("lobby-1", enroll(server.database, "lobby-1")))
        screens.new_page().goto(f"{server.url}/screen/lobby-1")
        console.locator("#screen-lobby-1 img.slide-thumbnail").wait_for()

        held["on"] = True
        served = console.evaluate("window.screensBoard.row('lobby-1')")
        item, version = served["current_item"], served["playlist_version"]
        assert item and version and served["online"] and not served.get("elsewhere")
        # The row another node builds (`Hub.screen_row` for a screen seen only elsewhere).
        elsewhere = {
            **served,
            "elsewhere": True,
            "online": True,
            "last_seen": served["last_seen"] + 5,
            "connected_at": None,
            "connections": 0,
            "current_item": None,
            "current_label": None,
            "playlist_version": None,
            "expected_version": None,
            "screen_size": None,
            "user_agent": None,
        }
        routes[-1].send("42/console," + json.dumps(["screens", [elsewhere]]))
        console.wait_for_function(
            "window.screensBoard.row('lobby-1').elsewhere === true"
            f" && window.screensBoard.row('lobby-1').last_seen === {elsewhere['last_seen']}"
        )
        shown = console.evaluate("window.screensBoard.row('lobby-1')")
        assert (shown["current_item"], shown["playlist_version"]) == (item, version)
        assert console.get_attribute("#screen-lobby-1 img.slide-thumbnail", "data-item") == item
        assert console.inner_text("#screen-lobby-1 .item-label") != "—"
        assert console.get_attribute("#screen-lobby-1", "data-online") == "true"

        # The serving node says the screen went; then only another node sees it: no slide.
        routes[-1].send("42/console," + json.dumps(["screens", [{**served, "online": False}]]))
        routes[-1].send("42/console," + json.dumps(["screens", [elsewhere]]))
        console.wait_for_function("window.screensBoard.row('lobby-1').current_item === null")
        assert console.locator("#screen-lobby-1 img.slide-thumbnail").count() == 0
        assert console.inner_text("#screen-lobby-1 .item-label") == "—"
        held["on"] = False
    finally:
        operator.close()
        screens.close()
