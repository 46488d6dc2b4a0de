"""Screens with speakers play sound items at their time; screens without stay silent.

A real server speaks the text with espeak-ng, and Debian's Chromium (with the kiosk's
autoplay flag) plays it. The browser's clock is Playwright's: the test moves it to just before
a play the server announced, so nothing depends on when the test runs.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM, chromium_args, free_port, require
from tests.e2e.test_signage_browser import api
from tests.signage.serverkit import (
    enroll,
    keep_token_script,
    make_playlists,
    running_server,
    wait_until,
    write_atomically,
)

SOUND_ITEM = """\
  - sound:
      text:
        vi: Hãy cài đặt ứng dụng Bluezone.
        en: Please install Bluezone.
      every: 5
"""


@pytest.fixture
def kiosk() -> Iterator[Any]:
    """Chromium with the kiosk launcher's autoplay policy (`deploy/kiosk/`)."""
    require(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        args = [*chromium_args(), "--autoplay-policy=no-user-gesture-required"]
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=args, timeout=30_000)
        try:
            yield launched
        finally:
            launched.close()


def _open(kiosk: Any, url: str, screen_id: str, token: str) -> Any:
    context = kiosk.new_context(viewport={"width": 640, "height": 360})
    context.set_default_timeout(20_000)
    context.add_init_script(keep_token_script(screen_id, token))
    page = context.new_page()
    page.clock.install()
    page.goto(f"{url}/screen/{screen_id}")
    page.wait_for_function(
        "window.signagePlayer && window.signagePlayer.connected() && "
        "window.signagePlayer.enrolled() && window.signageAnnouncer.checks() > 2"
    )
    return page


def test_a_screen_with_speakers_plays_the_announcement_at_its_time(
    tmp_path: Path, kiosk: Any
) -> None:
    playlists = make_playlists(tmp_path / "playlists")
    screens = (playlists / "screens.yaml").read_text("utf-8")
    # lobby-1 has speakers; lobby-2, of the same group, has none.
    screens = screens.replace(
        "    orientation: landscape\n", "    orientation: landscape\n    sound: true\n", 1
    )
    (playlists / "screens.yaml").write_text(screens, "utf-8")
    with (playlists / "lobby.yaml").open("a", encoding="utf-8") as playlist:
        playlist.write(SOUND_ITEM)
    with running_server(tmp_path, playlists, port=free_port()) as server:
        loud = _open(kiosk, server.url, "lobby-1", enroll(server.database, "lobby-1"))
        quiet = _open(kiosk, server.url, "lobby-2", enroll(server.database, "lobby-2"))
        sounds = loud.evaluate("window.signagePlayer.state().sounds")
        assert len(sounds) == 1 and len(sounds[0]["media"]) == 2
        assert all(name.startswith("spoken/") for name in sounds[0]["media"])
        assert quiet.evaluate("window.signagePlayer.state().sounds") == []
        # Spoken when the playlist was read, before any screen asked for it.
        for name in sounds[0]["media"]:
            assert (playlists / "media" / name).stat().st_size > 1000

        # Kept in the player's media cache, so the screen speaks offline too.
        cached = (
            "(async () => { const cache = await caches.open('signage-media-v1');"
            " const names = window.signagePlayer.state().sounds[0].media;"
            " const hits = await Promise.all(names.map(n => cache.match('/media/' + n)));"
            " return hits.length === 2 && hits.every(Boolean); })()"
        )
        assert wait_until(lambda: loud.evaluate(cached), 20)
        now = loud.evaluate("window.signagePlayer.serverNow()")
        due = min(at for at in sounds[0]["plays"] if at > now + 2000)
        assert loud.evaluate("window.signageAnnouncer.heard.length") == 0
        offset = loud.evaluate("window.signagePlayer.offset()")
        loud.clock.set_system_time(dt.datetime.fromtimestamp((due - offset - 1500) / 1000, dt.UTC))
        assert loud.evaluate("window.signagePlayer.serverNow()") < due
        loud.wait_for_function(
            "window.signageAnnouncer.heard.length > 0 && "
            "window.signageAnnouncer.heard[0].parts.length > 0 && "
            "window.signageAnnouncer.heard[0].parts[0].playing"
        )
        heard = loud.evaluate("window.signageAnnouncer.heard")
        assert heard[0]["at"] == due and heard[0]["started"] >= due
        assert heard[0]["media"] == sounds[0]["media"]
        assert not heard[0]["parts"][0]["error"]
        # Vietnamese first, then English, one after the other.
        loud.wait_for_function(
            "window.signageAnnouncer.heard[0].parts.length === 2 && "
            "window.signageAnnouncer.heard[0].parts[1].playing",
            timeout=30_000,
        )
        assert len(loud.evaluate("window.signageAnnouncer.heard")) == 1

        # The screen without speakers goes past the same moment and plays nothing.
        offset = quiet.evaluate("window.signagePlayer.offset()")
        quiet.clock.set_system_time(dt.datetime.fromtimestamp((due - offset + 500) / 1000, dt.UTC))
        checks = quiet.evaluate("window.signageAnnouncer.checks()")
        assert quiet.evaluate("window.signagePlayer.serverNow()") > due
        quiet.wait_for_function(f"window.signageAnnouncer.checks() > {checks + 8}")
        assert quiet.evaluate("window.signageAnnouncer.heard.length") == 0

        # An emergency message sent with "speak" is read aloud at once on the screen with
        # speakers, in its languages, and not on the other.
        body = {
            "target": "group:lobby",
            "until": "+30m",
            "speak": True,
            "messages": {
                "vi": {"headline": "Sơ tán ngay", "body": "Ra cửa gần nhất."},
                "en": {"headline": "Evacuate now", "body": "Leave by the nearest exit."},
            },
        }
        created = api(server.url, "POST", "/api/overrides", body)
        spoken = [created["messages"][lang]["audio"] for lang in ("vi", "en")]
        assert all((playlists / "media" / name).is_file() for name in spoken)
        key = f"override:{created['id']}"
        loud.wait_for_function(
            f"window.signageAnnouncer.heard.some(e => e.id === {key!r} && e.parts.length &&"
            " e.parts[0].playing)"
        )
        heard = [e for e in loud.evaluate("window.signageAnnouncer.heard") if e["id"] == key]
        assert len(heard) == 1 and heard[0]["media"] == spoken
        quiet.wait_for_function("!document.getElementById('alert').hidden")
        checks = quiet.evaluate("window.signageAnnouncer.checks()")
        quiet.wait_for_function(f"window.signageAnnouncer.checks() > {checks + 8}")
        assert quiet.evaluate("window.signageAnnouncer.heard.length") == 0

        # A text changed by hand (not published from the console) is spoken when the server
        # reads the file, and the screen gets its new audio.
        lobby = (playlists / "lobby.yaml").read_text("utf-8")
        write_atomically(
            playlists / "lobby.yaml",
            lobby.replace("Please install Bluezone.", "Keep Bluetooth on."),
        )
        loud.wait_for_function(
            f"window.signagePlayer.state().sounds[0].media[1] !== {sounds[0]['media'][1]!r}"
        )
        renamed = loud.evaluate("window.signagePlayer.state().sounds[0].media")
        assert renamed[0] == sounds[0]["media"][0]
        assert (playlists / "media" / renamed[1]).stat().st_size > 1000
