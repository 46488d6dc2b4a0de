"""A real Chromium, JavaScript off and no cookies kept (as in the iOS sign-in window), walks
each redirect-style controller's flow: the accept form's redirect to the controller's own
address must pass the page's form-action policy, which browsers also apply to redirects."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from portal import create_app

from ...conftest import ARTIFACTS, CHROMIUM, chromium_args, free_port, require_tool
from ..conftest import make_config
from ..standins import ChilliStandin, MerakiStandin, MikrotikStandin, OpenNDSStandin
from .conftest import session_of

SECRET = "browser-venue-secret-0123456789"
MAC = "3c:22:fb:12:34:56"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)

KINDS: dict[str, tuple[Callable[[], Any], dict[str, Any], dict[str, str]]] = {
    "meraki": (MerakiStandin, {"controller": "meraki", "grant_hosts": ["127.0.0.1"]}, {}),
    "mikrotik": (
        lambda: MikrotikStandin(trial=True),
        {"controller": "mikrotik", "grant_hosts": ["127.0.0.1"]},
        {},
    ),
    "coova": (
        lambda: ChilliStandin(uamsecret=SECRET, users={"guest": SECRET}),
        {"controller": "coova", "grant_hosts": ["127.0.0.1"], "username": "guest"},
        {"PASSWORD": SECRET, "UAMSECRET": SECRET},
    ),
    "opennds": (
        lambda: OpenNDSStandin(level=1, faskey=SECRET),
        {"controller": "opennds", "fas_level": 1, "grant_hosts": ["127.0.0.1"]},
        {"FASKEY": SECRET},
    ),
}


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The portal with one venue per kind, served over HTTP on loopback."""
    port = free_port()
    venues = {}
    for kind, (_, settings, secrets) in KINDS.items():
        venues[kind] = {"name": "Sân bay Tuy Hòa", **settings}
        for name, value in secrets.items():
            monkeypatch.setenv(f"PORTAL_VENUE_{kind.upper()}_{name}", value)
    app = create_app(make_config(tmp_path, portal_url=f"http://127.0.0.1:{port}", venues=venues))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        assert session_of(app, MAC) is not None


@pytest.mark.browser
@pytest.mark.parametrize("kind", list(KINDS))
def test_chromium_walks_the_controller_flow(served: str, kind: str) -> None:
    require_tool(CHROMIUM)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    splash = f"{served}/v/{kind}/"
    with ExitStack() as stack, sync_playwright() as playwright:
        standin = stack.enter_context(KINDS[kind][0]())
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(chromium_args()), timeout=30_000
        )
        try:
            context = browser.new_context(
                java_script_enabled=False, locale="vi-VN", user_agent=IPHONE
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            blocked: list[str] = []
            page.on("console", lambda message: blocked.append(message.text))
            arguments = (splash, MAC, "10.0.5.20") if kind == "meraki" else (splash, MAC)
            page.goto(standin.redirect_url(*arguments))
            assert page.locator("html").get_attribute("lang") == "vi"
            page.get_by_role("button", name="Đồng ý và kết nối").click()
            page.wait_for_url(f"{splash}online?*")
            assert page.get_by_role("heading", level=1).inner_text() == "Bạn đã kết nối Internet"
            page.screenshot(path=str(ARTIFACTS / f"venue-{kind}-online.png"), full_page=True)
            assert len(standin.grants) == 1
            assert not [text for text in blocked if "Content Security Policy" in text]
            assert context.cookies() == []
        finally:
            browser.close()
