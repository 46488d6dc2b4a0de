"""The console's screens board and emergency messages in a real Chromium against the real
server (gunicorn), with real screen pages open next to it.

The board shows a screen online, then offline with an alert when its page closes; an override
sent from the console appears on the screen and the console shows it acknowledged; cancelling
it clears the screen; an editor cannot send to a group that is not theirs; an admin registers a
waiting id, its screen starts playing and shows a pairing code, and the admin approves it.
Screenshots go to test-artifacts/ (the ones in docs/screenshots/ are copies of good ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signage.accounts.operators import OperatorStore
from signage.accounts.passwords import Scrypt
from tests.conftest import ARTIFACTS
from tests.signage.serverkit import (
    Server,
    enroll,
    keep_token_script,
    make_playlists,
    running_server,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    playlists = make_playlists(tmp_path / "playlists")
    operators = OperatorStore(tmp_path / "signage.sqlite3", Scrypt(n=1024))
    operators.add("admin", "admin", (), PASSWORD)
    operators.add("editor", "editor", ("lobby",), PASSWORD)
    env = {
        "SIGNAGE_ALERT_DELAY": "1",
        "SIGNAGE_COOKIE_SECURE": "false",
        "SIGNAGE_PASSWORD_SCRYPT_N": "1024",
        "SIGNAGE_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
    }
    with running_server(tmp_path, playlists, env=env) as running:
        yield running


def sign_in(context: Any, server: Server, name: str) -> Any:
    page = context.new_page()
    page.goto(f"{server.url}/console/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{server.url}/console/**")
    # Confirmation questions (data-confirm) are answered yes.
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_board_alerts_and_emergency_message(server: Server, browser: Any) -> None:
    operator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    screens = browser.new_context(viewport={"width": 960, "height": 540})
    editor_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    for context in (operator, screens, editor_context):
        context.set_default_timeout(15_000)
    try:
        console = sign_in(operator, server, "admin")
        # A screen nobody declared yet: it waits on the board to be registered.
        stranger = screens.new_page()
        stranger.goto(f"{server.url}/screen/kiosk-9")
        console.goto(f"{server.url}/console/screens")
        console.wait_for_selector("#stranger-kiosk-9")
        console.wait_for_selector("#live[data-state=live]")
        row = "#screen-lobby-1"
        assert console.get_attribute(row, "data-online") == "false"

        # An enrolled screen's page opens: the board shows it online with what it reports.
        screens.add_init_script(keep_token_script("lobby-1", enroll(server.database, "lobby-1")))
        screen = screens.new_page()
        screen.goto(f"{server.url}/screen/lobby-1")
        console.wait_for_selector(f"{row}[data-online=true]")
        # (Locators, not wait_for_function: the console's CSP forbids evaluating strings.)
        console.locator(f"{row} [data-field=size]", has_text="960\u00d7540").wait_for()
        # Online long enough (ALERT_DELAY 1 s) to count as a steady state.
        console.wait_for_timeout(2500)

        # It closes: offline, and an alert in the list (the debounced one, after 1 s).
        screen.close()
        console.wait_for_selector(f"{row}[data-online=false]")
        console.wait_for_selector("#alerts li[data-screen=lobby-1][data-event=screen_offline]")
        assert "mất kết nối" in console.inner_text("#alerts")
        shoot(console, "console-screens-offline.png")

        # Back on: the screen shows an override sent from the console, which sees it shown.
        screen = screens.new_page()
        screen.goto(f"{server.url}/screen/lobby-1")
        screen.wait_for_function("window.signagePlayer && window.signagePlayer.connected()")
        console.wait_for_selector("#alerts li[data-screen=lobby-1][data-event=screen_online]")
        console.wait_for_selector(f"{row}[data-online=true]")
        shoot(console, "console-screens.png")
        console.goto(f"{server.url}/console/emergency")
        console.fill("#headline-vi", "Sơ tán ngay")
        console.fill("#body-vi", "Hãy ra cửa gần nhất và làm theo hướng dẫn của nhân viên.")
        console.fill("#headline-en", "Evacuate now")
        console.fill("#body-en", "Leave by the nearest exit and follow the staff.")
        console.check("input[name=target][value='group:lobby']")
        preview = console.frame_locator("#preview")
        assert "Sơ tán ngay" in preview.locator("#alert").inner_text()
        console.click("#compose button[type=submit]")
        console.wait_for_selector(".flash-success")
        screen.wait_for_function("!document.getElementById('alert').hidden")
        text = screen.inner_text("#alert")
        assert "Sơ tán ngay" in text and "Evacuate now" in text
        console.wait_for_selector(".override li[data-screen=lobby-1][data-acknowledged=true]")
        assert "1/2 màn hình đang hiển thị" in console.inner_text(".override .ack-count")
        # The next draft, with its preview, next to the message on the screens.
        console.fill("#headline-vi", "Mất điện toàn khu")
        console.fill("#headline-en", "Power cut in the whole area")
        console.locator("#preview").content_frame.locator(
            "#alert", has_text="Power cut in the whole area"
        ).wait_for()
        shoot(console, "console-emergency.png")
        shoot(screen, "console-emergency-screen.png")

        # Cancelled from the console: gone from the screen.
        console.click(".override button.danger")
        console.wait_for_selector(".flash-success")
        screen.wait_for_function("document.getElementById('alert').hidden")

        # An editor of "lobby" forcing the disabled "gate" box is refused, and nothing is sent.
        editor = sign_in(editor_context, server, "editor")
        editor.goto(f"{server.url}/console/emergency")
        assert editor.is_disabled("input[name=target][value='group:gate']")
        editor.evaluate("document.querySelector(\"input[value='group:gate']\").disabled = false")
        editor.check("input[name=target][value='group:gate']")
        editor.fill("#headline-vi", "Thử gửi sang nhóm khác")
        editor.click("#compose button[type=submit]")
        editor.wait_for_selector("#target-error")
        refusal = editor.inner_text("#target-error")
        assert "Bạn không được gửi thông báo tới Nhóm Cửa ra" in refusal
        assert "Chưa có gì được gửi đi" in refusal
        shoot(editor, "console-emergency-refused.png")
        assert screen.evaluate("document.getElementById('alert').hidden")

        # The admin registers the waiting id: its page turns into the player by itself.
        console.goto(f"{server.url}/console/screens")
        console.click("#stranger-kiosk-9 a")
        console.fill("#name", "Quầy vé 9")
        console.fill("#location", "Cạnh cửa số 2")
        console.check("input[name=groups][value=gate]")
        console.check("input[name=orientation][value=portrait]")
        shoot(console, "console-screen-register.png")
        console.click("form.panel button[type=submit]")
        console.wait_for_selector(".flash-success")
        console.wait_for_selector("#screen-kiosk-9")
        stranger.wait_for_function(
            "window.signagePlayer && window.signagePlayer.connected()", timeout=30_000
        )
        # It plays, and shows a pairing code: the admin approves it on the board.
        stranger.wait_for_selector("body[data-pairing]", timeout=30_000)
        code = stranger.get_attribute("body", "data-pairing")
        console.wait_for_selector("#screen-kiosk-9[data-enrolled=false]")
        console.click(f"#pairing-{code} button[type=submit]")
        console.wait_for_selector(".flash-success")
        stranger.wait_for_selector("#pairing", state="hidden")
        console.wait_for_selector("#screen-kiosk-9[data-enrolled=true]")
        console.wait_for_selector("#screen-kiosk-9[data-online=true]")
        assert "- id: kiosk-9" in (server.playlists / "screens.yaml").read_text(encoding="utf-8")
    except BaseException:
        for index, page in enumerate([*operator.pages, *screens.pages, *editor_context.pages]):
            shoot(page, f"console-live-failure-{index}.png")
        raise
    finally:
        for context in (operator, screens, editor_context):
            context.close()
