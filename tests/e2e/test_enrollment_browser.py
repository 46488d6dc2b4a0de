"""A kiosk pairs in a real Chromium against the real server (gunicorn).

The player opened for the first time plays the rotation and shows a pairing code (Vietnamese
first, then English); the code is approved on the command line; the screen collects its
credential, is believed (online), and keeps it across a reload with the server reachable and a
reload while the network is off (the service worker serves the page); back on the network it
connects with the same credential. Revoked, it forgets the credential and shows a code again.
A kiosk still running the player from before enrollment reloads by itself and pairs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from signage.live.enrollment import EnrollmentStore
from tests.conftest import ARTIFACTS, ROOT
from tests.signage.serverkit import Server, make_playlists, running_server, wait_until

pytestmark = pytest.mark.browser

TOKEN = "localStorage.getItem('signage:lobby-1:token')"


def cli(server: Server, *args: str) -> str:
    """`bluezone-signage ARGS` in a process of its own, on the server's files; its output."""
    env = {
        **os.environ,
        "SIGNAGE_PLAYLISTS_DIR": str(server.playlists),
        "SIGNAGE_DATABASE": str(server.database),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SIGNAGE_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "signage.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def presence(server: Server, screen_id: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{server.url}/api/screens", timeout=5) as response:
        screens = json.loads(response.read())["screens"]
    found: dict[str, Any] = next(s for s in screens if s["id"] == screen_id)
    return found


def token_of(page: Any) -> str | None:
    text: str | None = page.evaluate(TOKEN)
    return json.loads(text) if text else None


def test_pair_approve_keep_the_credential_offline_and_revoke(tmp_path: Path, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        with running_server(tmp_path, make_playlists(tmp_path / "playlists")) as server:
            page.goto(f"{server.url}/screen/lobby-1")
            page.wait_for_function("window.signagePlayer && window.signagePlayer.connected()")
            assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
            # First time, no credential: the rotation plays and a code is shown.
            page.wait_for_selector("body[data-item]")
            page.wait_for_selector("body[data-pairing]")
            code = page.get_attribute("body", "data-pairing")
            assert code and page.inner_text("#pairing-code") == code
            languages = page.eval_on_selector_all("#pairing-text [lang]", "n => n.map(e => e.lang)")
            assert languages == ["vi", "en"]
            assert "chưa được ghép nối" in page.inner_text("#pairing-text")
            assert "Screens page of the console" in page.inner_text("#pairing-text")
            ARTIFACTS.mkdir(exist_ok=True)
            page.wait_for_timeout(1000)  # past the slide's cross-fade, for a clean picture
            page.screenshot(path=str(ARTIFACTS / "screen-pairing-code.png"))
            assert token_of(page) is None
            assert not presence(server, "lobby-1")["online"]

            assert "lobby-1" in cli(server, "screens", "approve", code)
            page.wait_for_function("window.signagePlayer.enrolled()")
            page.wait_for_selector("#pairing", state="hidden")
            token = token_of(page)
            assert token is not None
            assert EnrollmentStore(server.database).verify("lobby-1", token) is not None
            assert wait_until(lambda: presence(server, "lobby-1")["online"], 20)

            # Reloaded with the server reachable: the same credential, believed at once.
            page.reload()
            page.wait_for_function("window.signagePlayer && window.signagePlayer.connected()")
            page.wait_for_function("window.signagePlayer.enrolled()")
            assert token_of(page) == token
            assert page.is_hidden("#pairing")
            assert wait_until(lambda: presence(server, "lobby-1")["connections"] == 1, 20)

            # Reloaded while the network is off: the service worker serves the player, which
            # keeps playing and still holds its credential (no code).
            context.set_offline(True)
            page.reload()
            page.wait_for_function("window.signagePlayer && !window.signagePlayer.connected()")
            page.wait_for_selector("body[data-item]")
            assert token_of(page) == token
            assert page.is_hidden("#pairing")
            assert wait_until(lambda: presence(server, "lobby-1")["connections"] == 0, 20)

            # Back on the network: it connects with that credential and is believed again.
            context.set_offline(False)
            page.wait_for_function("window.signagePlayer.connected()", timeout=60_000)
            page.wait_for_function("window.signagePlayer.enrolled()")
            assert wait_until(lambda: presence(server, "lobby-1")["connections"] == 1, 20)
            assert wait_until(lambda: presence(server, "lobby-1")["online"], 20)
            assert token_of(page) == token

            # Revoked: the open page forgets its credential and shows a new code.
            assert "revoked" in cli(server, "screens", "revoke", "lobby-1")
            page.wait_for_function("!window.signagePlayer.enrolled()")
            page.wait_for_selector("body[data-pairing]")
            assert page.get_attribute("body", "data-pairing") != code
            assert token_of(page) is None
            assert wait_until(lambda: not presence(server, "lobby-1")["online"], 20)
            # Its rotation goes on meanwhile.
            page.wait_for_selector("body[data-item]")
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "enrollment-failure.png"))
        raise
    finally:
        context.close()


def test_a_screen_running_an_old_player_reloads_into_pairing(tmp_path: Path, browser: Any) -> None:
    """After an upgrade: a kiosk still running the player from before enrollment (no protocol
    in its handshake) is refused with the message it reloads on, and then pairs."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(20_000)
    page = context.new_page()
    served_old: list[str] = []

    def old_player(route: Any) -> None:
        response = route.fetch()
        body = response.text()
        # As before enrollment: no protocol in the handshake, and no pairing at all.
        old = body.replace(
            "{ screen: config.screen, protocol: 2 }", "{ screen: config.screen }"
        ).replace('socket.on("enrollment", onEnrollment);', "")
        assert old.count("protocol: 2") == 0 and "onEnrollment);" not in old
        served_old.append(route.request.url)
        route.fulfill(response=response, body=old)
        # Only the first load is the old player; the reload gets the current one.
        page.unroute("**/static/player.js")

    try:
        with running_server(tmp_path, make_playlists(tmp_path / "playlists")) as server:
            page.route("**/static/player.js", old_player)
            page.goto(f"{server.url}/screen/lobby-2")
            page.wait_for_selector("body[data-item]")
            assert len(served_old) == 1
            # The old player reloads five seconds after the refusal; the new one pairs.
            page.wait_for_selector("body[data-pairing]", timeout=30_000)
            code = page.get_attribute("body", "data-pairing")
            assert code and "lobby-2" in cli(server, "screens", "approve", code)
            page.wait_for_function("window.signagePlayer.enrolled()")
            assert wait_until(lambda: presence(server, "lobby-2")["online"], 20)
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "enrollment-upgrade-failure.png"))
        raise
    finally:
        context.close()
