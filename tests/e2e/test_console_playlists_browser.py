"""Editing playlists in the console in a real Chromium, against the real server (gunicorn).

An editor signs in, changes a Vietnamese text in the form and publishes it; a screen page that
is already open shows the new text without being reloaded. A publish over a file that changed
on disk since the editor opened it is refused, with the differences shown. Screenshots of the
list, the editor and the preview go to test-artifacts/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from signage.accounts.operators import OperatorStore
from signage.accounts.passwords import Scrypt
from tests.conftest import ARTIFACTS, ROOT
from tests.signage.serverkit import Server, make_playlists, running_server, write_atomically

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
NEW_TITLE = "Chào mừng bạn đến Tuy Hòa"


@contextmanager
def console_server(
    tmp_path: Path, playlists: Path, role: str, groups: tuple[str, ...]
) -> Iterator[Server]:
    """The real server, with the operator `lan` (password PASSWORD) in its database."""
    store = OperatorStore(tmp_path / "signage.sqlite3", Scrypt(n=1024))
    store.add("lan", role, groups, PASSWORD)
    env = {"SIGNAGE_PASSWORD_SCRYPT_N": "1024", "SIGNAGE_COOKIE_SECURE": "false"}
    with running_server(tmp_path, playlists, env=env) as running:
        yield running


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with console_server(
        tmp_path, make_playlists(tmp_path / "playlists"), "editor", ("lobby",)
    ) as running:
        yield running


def new_context(browser: Any, width: int = 1280) -> Any:
    """A browser context as a Vietnamese operator's desktop browser."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    context.set_default_timeout(15_000)
    return context


def sign_in(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/console/login")
    page.fill("#name", "lan")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{server.url}/console/**")


def shot(page: Any, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def test_publish_a_vietnamese_text_and_see_it_on_a_screen(browser: Any, server: Server) -> None:
    context = new_context(browser)
    screen = context.new_page()
    screen.goto(f"{server.url}/screen/lobby-1")
    screen.wait_for_function("window.signagePlayer && window.signagePlayer.connected()")

    console = context.new_page()
    sign_in(console, server)
    console.goto(f"{server.url}/console/playlists/")
    assert "lobby-1, lobby-2" in console.inner_text("#playlist-lobby")
    shot(console, "console-playlists.png")

    console.goto(f"{server.url}/console/playlists/lobby")
    console.fill('[name="items-0-text-vi-title"]', NEW_TITLE)
    # The live preview follows the form before anything is published.
    frame = console.frame_locator("#live-preview")
    frame.locator(f"text={NEW_TITLE}").first.wait_for(state="attached", timeout=10_000)
    shot(console, "console-editor.png")
    console.click("#publish")
    console.wait_for_selector(".flash-success")

    screen.wait_for_function(
        f"window.signagePlayer.state().items[0].content[0].title === {NEW_TITLE!r}",
        timeout=10_000,
    )
    assert screen.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert NEW_TITLE in (server.playlists / "lobby.yaml").read_text(encoding="utf-8")

    console.goto(f"{server.url}/console/playlists/lobby/preview")
    for orientation in ("landscape", "portrait"):
        inner = console.frame_locator(f"iframe.{orientation}")
        inner.locator(".layer.shown").wait_for(timeout=10_000)
    shot(console, "console-preview.png")
    context.close()


def test_a_conflicting_publish_is_refused_with_the_diff(browser: Any, server: Server) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, server)
    page.goto(f"{server.url}/console/playlists/lobby")
    page.fill('[name="items-1-text-vi-title"]', "Hai (bản của tôi)")

    path = server.playlists / "lobby.yaml"
    theirs = path.read_text(encoding="utf-8").replace("title: Ba\n", "title: Ba (sửa tay)\n")
    write_atomically(path, theirs)

    page.click("#publish")
    page.wait_for_selector("#conflict-diff")
    diff = page.inner_text("#conflict-diff")
    assert "-        title: Ba (sửa tay)" in diff
    assert "+        title: Hai (bản của tôi)" in diff
    assert path.read_text(encoding="utf-8") == theirs
    shot(page, "console-conflict.png")

    # The proposed merge holds both changes; publishing it keeps both.
    merged = page.input_value("#yaml-text")
    assert "Hai (bản của tôi)" in merged and "Ba (sửa tay)" in merged
    page.click("button.primary")
    page.wait_for_selector(".flash-success")
    final = path.read_text(encoding="utf-8")
    assert "Hai (bản của tôi)" in final and "Ba (sửa tay)" in final
    context.close()


def test_moving_and_removing_items_in_the_page(browser: Any, server: Server) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, server)
    page.goto(f"{server.url}/console/playlists/lobby")
    page.evaluate("window.stillHere = true")
    page.click("#items-0 .move-down")
    page.click("#items-2 .remove")
    # Done in the page: no round trip to the server, and the fields follow their new places.
    assert page.evaluate("window.stillHere") is True
    assert page.input_value('[name="items-0-text-vi-title"]') == "Hai"
    assert page.input_value('[name="items-1-text-vi-title"]') == "Một"
    assert page.locator("li.item").count() == 2
    assert page.is_disabled("#items-0 .move-up") and page.is_disabled("#items-1 .move-down")
    page.click("#publish")
    page.wait_for_selector(".flash-success")
    text = (server.playlists / "lobby.yaml").read_text(encoding="utf-8")
    assert text.index("title: Hai") < text.index("title: Một") and "title: Ba" not in text
    context.close()


def test_the_shipped_playlists_in_the_console(browser: Any, tmp_path: Path) -> None:
    """The pages the README shows, on the shipped Phú Yên playlists (saved as screenshots)."""
    playlists = tmp_path / "playlists"
    shutil.copytree(ROOT / "playlists", playlists)
    context = new_context(browser, width=1366)
    with console_server(tmp_path, playlists, "admin", ()) as server:
        page = context.new_page()
        sign_in(page, server)
        page.goto(f"{server.url}/console/playlists/")
        assert "tuy-hoa-airport-arrivals" in page.inner_text("#playlist-tuy-hoa-airport")
        shot(page, "shipped-console-playlists.png")
        page.goto(f"{server.url}/console/playlists/tuy-hoa-airport")
        page.locator(".live-preview iframe").wait_for()
        page.frame_locator("#live-preview").locator(".layer.shown").wait_for()
        shot(page, "shipped-console-editor.png")
        # At 07:30 the airport's late-evening reminder (20:00-24:00) is outside its schedule.
        page.goto(f"{server.url}/console/playlists/tuy-hoa-airport/preview?at=2026-12-01T07:30")
        for orientation in ("landscape", "portrait"):
            inner = page.frame_locator(f"iframe.{orientation}")
            inner.locator(".layer.shown").wait_for(timeout=10_000)
        titles = (
            page.frame_locator("iframe.landscape")
            .locator("body")
            .evaluate(
                "() => window.signagePlayer.state().items.map(i => (i.content[0] || {}).title)"
            )
        )
        assert "Chưa cài Bluezone?" not in titles
        late = page.locator("#preview-items tr", has_text="Chưa cài Bluezone?")
        assert "ngoài lịch" in late.inner_text()
        page.wait_for_timeout(1_000)  # past the cross-fade of the first slide
        shot(page, "shipped-console-preview.png", full_page=True)
    context.close()
