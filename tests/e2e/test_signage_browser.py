"""Two screens of one group in a real Chromium against the real server (gunicorn).

They show the same slide at the same moment, show an override at once, pick up a saved edit,
ignore an invalid one, keep rotating (even across a reload) while the server is down, and
reconnect when it comes back.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.signage.serverkit import make_playlists, playlist_yaml, running_server, write_atomically

pytestmark = pytest.mark.browser

SYNC_TOLERANCE_MS = 100
OVERRIDE = {
    "target": "group:lobby",
    "until": "+10m",
    "messages": {"vi": "Sơ tán ngay", "en": "Evacuate now"},
}

LONG_WORD_OVERRIDE = {
    "target": "group:lobby",
    "until": "+10m",
    "messages": {
        "vi": {"headline": "Đ" * 200, "body": "https://bluezone.gov.vn/" + "x" * 400},
        "en": {"headline": "W" * 200},
    },
}


def api(base: str, method: str, path: str, body: object = None) -> Any:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer test-token", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def switches(page: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("window.signagePlayer.switches.slice()")
    return found


def titles(page: Any) -> list[str]:
    found: list[str] = page.evaluate(
        "window.signagePlayer.state().items.map(i => i.content[0].title)"
    )
    return found


def wait_for(page: Any, expression: str, timeout_ms: int) -> None:
    page.wait_for_function(expression, timeout=timeout_ms)


def test_two_screens_of_a_group(tmp_path: Path, browser: Any) -> None:
    playlists = make_playlists(tmp_path / "playlists")
    port = free_port()
    context = browser.new_context(viewport={"width": 960, "height": 540})
    context.set_default_timeout(15_000)
    try:
        with running_server(tmp_path, playlists, port=port) as server:
            pages = [context.new_page(), context.new_page()]
            for page, screen_id in zip(pages, ("lobby-1", "lobby-2"), strict=True):
                page.goto(f"{server.url}/screen/{screen_id}")
            for page in pages:
                wait_for(page, "window.signagePlayer && window.signagePlayer.connected()", 15_000)
                assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")

            # Same slide at the same moment: compare the switch times of slides both showed.
            wait_for(pages[0], "window.signagePlayer.switches.length >= 4", 20_000)
            first = {s["slot"]: s["at"] for s in switches(pages[0])[1:]}
            second = {s["slot"]: s["at"] for s in switches(pages[1])[1:]}
            common = sorted(set(first) & set(second))
            assert len(common) >= 2, (first, second)
            gaps = [abs(first[key] - second[key]) for key in common]
            assert max(gaps) < SYNC_TOLERANCE_MS, gaps
            shown = [
                page.evaluate("window.signagePlayer.switches.slice(-1)[0].slot") for page in pages
            ]
            assert shown[0] == shown[1]

            # An override from the HTTP API takes both screens over at once, in their languages.
            created = api(server.url, "POST", "/api/overrides", OVERRIDE)
            for page in pages:
                wait_for(page, "!document.getElementById('alert').hidden", 3_000)
                text = page.inner_text("#alert")
                assert "Sơ tán ngay" in text and "Evacuate now" in text
            api(server.url, "DELETE", f"/api/overrides/{created['id']}")
            for page in pages:
                wait_for(page, "document.getElementById('alert').hidden", 3_000)

            # A word longer than the screen is wide wraps instead of running off the screen.
            created = api(server.url, "POST", "/api/overrides", LONG_WORD_OVERRIDE)
            for page in pages:
                wait_for(page, "!document.getElementById('alert').hidden", 3_000)
                widths = page.evaluate(
                    "[...document.querySelectorAll('#alert h1, #alert p, #alert')]"
                    ".map(e => e.scrollWidth).concat([document.documentElement.scrollWidth])"
                )
                assert max(widths) <= page.viewport_size["width"], widths
            api(server.url, "DELETE", f"/api/overrides/{created['id']}")
            for page in pages:
                wait_for(page, "document.getElementById('alert').hidden", 3_000)

            # A saved edit shows up on both screens.
            write_atomically(playlists / "lobby.yaml", playlist_yaml(["Bốn", "Năm"]))
            for page in pages:
                wait_for(
                    page, "window.signagePlayer.state().items[0].content[0].title === 'Bốn'", 5_000
                )
                wait_for(
                    page, "/Bốn|Năm/.test(document.querySelector('.shown').textContent)", 8_000
                )

            # An invalid edit changes nothing.
            digests = [page.evaluate("window.signagePlayer.state().digest") for page in pages]
            (playlists / "lobby.yaml").write_text("items: [\n", encoding="utf-8")
            time.sleep(1.5)
            for page, digest in zip(pages, digests, strict=True):
                assert page.evaluate("window.signagePlayer.state().digest") == digest
                assert titles(page) == ["Bốn", "Năm"]

        # Server stopped: both keep rotating, and a reload works from the service worker cache.
        for page in pages:
            wait_for(page, "!window.signagePlayer.connected()", 10_000)
        counts = [len(switches(page)) for page in pages]
        pages[1].reload()
        wait_for(pages[1], "window.signagePlayer && window.signagePlayer.state() !== null", 10_000)
        wait_for(pages[0], f"window.signagePlayer.switches.length >= {counts[0] + 2}", 10_000)
        wait_for(pages[1], "window.signagePlayer.switches.length >= 2", 10_000)
        assert titles(pages[1]) == ["Bốn", "Năm"]

        # Server back (same port): both reconnect on their own.
        write_atomically(playlists / "lobby.yaml", playlist_yaml(["Sáu"]))
        with running_server(tmp_path, playlists, port=port, name="signage-again"):
            for page in pages:
                wait_for(page, "window.signagePlayer.connected()", 40_000)
                wait_for(
                    page, "window.signagePlayer.state().items[0].content[0].title === 'Sáu'", 5_000
                )
    except BaseException:
        artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        for index, page in enumerate(context.pages):
            page.screenshot(path=str(artifacts / f"signage-browser-{index}.png"))
        raise
    finally:
        context.close()
