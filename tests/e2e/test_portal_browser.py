"""A real Chromium with JavaScript off walks the captive flow, as in the iOS sign-in window.

Chromium is pointed at the portal as its HTTP proxy, so a request for any site reaches the
portal with that site's Host header, exactly as port-80 interception by a gateway delivers it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import (
    ARTIFACTS,
    CHROMIUM,
    chromium_args,
    free_port,
    require_tool,
    stop,
    wait_for_port,
)

BIN = Path(sys.executable).parent
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    log = tmp_path / "portal.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
        "PORTAL_PORTAL_URL": f"http://127.0.0.1:{port}",
        "PORTAL_VENUE_NAME": "Sân bay Tuy Hòa",
        "PORTAL_DATABASE": str(tmp_path / "portal.sqlite3"),
        "PORTAL_SECRET_KEY": "browser-test-secret-key-0123456789",
        "PORTAL_MAC_LOOKUP": "false",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "bluezone-portal"), "serve", "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(process, "127.0.0.1", port, log)
        yield port
    finally:
        stop(process)
        print(log.read_text())


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["vi-VN", "en-US"])
def test_sign_in_window_walk_without_javascript(portal: int, locale: str) -> None:
    require_tool(CHROMIUM)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=list(chromium_args()),
            proxy={"server": f"http://127.0.0.1:{portal}"},
            timeout=30_000,
        )
        try:
            context = browser.new_context(
                java_script_enabled=False,
                locale=locale,
                user_agent=IPHONE,
                viewport={"width": 375, "height": 667},
                device_scale_factor=2,
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto("http://example.com/tin-tuc?ngay=hom-nay")
            assert page.url.startswith(f"http://127.0.0.1:{portal}/?continue=")
            lang = locale.split("-")[0]
            assert page.locator("html").get_attribute("lang") == lang
            page.screenshot(path=str(ARTIFACTS / f"portal-splash-{lang}.png"), full_page=True)
            button = "Đồng ý và kết nối" if lang == "vi" else "Accept and connect"
            page.get_by_role("button", name=button).click()
            page.wait_for_url(f"http://127.0.0.1:{portal}/online?*")
            heading = "Bạn đã kết nối Internet" if lang == "vi" else "You are online"
            assert page.get_by_role("heading", level=1).inner_text() == heading
            store = page.get_by_role("link", name="App Store")
            assert store.count() == 1
            assert page.get_by_role("link", name="Google Play").count() == 0
            continue_link = page.locator('a[href="http://example.com/tin-tuc?ngay=hom-nay"]')
            assert continue_link.count() == 1
            assert page.locator("svg.qr").count() == 1
            page.screenshot(path=str(ARTIFACTS / f"portal-online-{lang}.png"), full_page=True)
            assert context.cookies() == []
            probe = page.goto("http://captive.apple.com/hotspot-detect.html")
            assert probe is not None and probe.status == 200
            assert "Success" in page.content()
        finally:
            browser.close()
