"""The console in a real Chromium against the real server (gunicorn): sign in, the lockout
after too many wrong passwords, and an admin lifting it from the operators page.

Screenshots of the sign-in and operators pages go to test-artifacts/ (the README's pictures
in docs/screenshots/ are copies of good ones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from signage.accounts.operators import OperatorStore
from signage.accounts.passwords import Scrypt
from tests.conftest import ARTIFACTS
from tests.signage.serverkit import make_playlists, running_server

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "mật khẩu quản trị"
EDITOR_PASSWORD = "mật khẩu biên tập"
MAX_FAILURES = 3


def sign_in(page: Any, base: str, name: str, password: str) -> None:
    page.goto(f"{base}/console/")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("form.stack button[type=submit]")


def test_sign_in_lockout_and_unlock(tmp_path: Path, browser: Any) -> None:
    playlists = make_playlists(tmp_path / "playlists")
    database = tmp_path / "signage.sqlite3"
    # The server's own cost (the default), so sign-ins take as long as in production.
    store = OperatorStore(database, Scrypt())
    store.add("admin", "admin", (), ADMIN_PASSWORD)
    store.add("lan", "editor", ("lobby",), EDITOR_PASSWORD)
    env = {
        "SIGNAGE_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "SIGNAGE_LOGIN_MAX_FAILURES": str(MAX_FAILURES),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    violations: list[str] = []
    # The editor on a tablet, the admin on a laptop.
    contexts = [
        browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN"),
        browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN"),
    ]
    for context in contexts:
        context.set_default_timeout(15_000)
    editor, admin = (context.new_page() for context in contexts)
    for page in (editor, admin):
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
    try:
        with running_server(tmp_path, playlists, env=env) as server:
            # A stranger is sent to the sign-in page, in Vietnamese by default.
            editor.goto(f"{server.url}/console/audit")
            assert editor.url.startswith(f"{server.url}/console/login?next=")
            assert editor.inner_text("h1") == "Đăng nhập bảng điều khiển màn hình thông tin"
            editor.screenshot(path=str(ARTIFACTS / "console-login.png"))

            # Wrong passwords: the count goes down, then the account is locked ...
            for attempt in range(1, MAX_FAILURES + 1):
                sign_in(editor, server.url, "lan", "sai mật khẩu rồi")
                message = editor.inner_text("[role=alert]")
                assert message.startswith("Sai tên hoặc mật khẩu.")
                if attempt < MAX_FAILURES:
                    assert f"Sai thêm {MAX_FAILURES - attempt} lần nữa" in message
            assert "Tài khoản này hiện đã bị khóa" in message
            # ... and stays locked even with the right password, saying who can unlock it.
            sign_in(editor, server.url, "lan", EDITOR_PASSWORD)
            message = editor.inner_text("[role=alert]")
            assert "Tài khoản này đã bị khóa" in message
            assert "Quản trị viên có thể mở khóa ở trang Người vận hành" in message
            editor.screenshot(path=str(ARTIFACTS / "console-login-locked.png"))

            # The admin sees the lock on the operators page and lifts it.
            sign_in(admin, server.url, "admin", ADMIN_PASSWORD)
            admin.wait_for_selector("text=Xin chào, admin")
            admin.click("nav >> text=Người vận hành")
            row = admin.locator("#operator-lan")
            assert "Bị khóa từ" in row.inner_text()
            admin.locator("#operator-lan summary").click()
            admin.screenshot(path=str(ARTIFACTS / "console-operators.png"), full_page=True)
            row.locator("button:has-text('Mở khóa')").click()
            admin.wait_for_selector("text=lan đã có thể đăng nhập lại.")
            assert "Đang hoạt động" in admin.locator("#operator-lan").inner_text()

            # Now the editor gets in, to the page first asked for, and can switch language.
            editor.goto(f"{server.url}/console/login?next=/console/audit")
            editor.fill("#name", "lan")
            editor.fill("#password", EDITOR_PASSWORD)
            editor.click("form.stack button[type=submit]")
            editor.wait_for_selector("h1:has-text('Nhật ký thao tác')")
            assert editor.url == f"{server.url}/console/audit"
            assert "operator.unlock" in editor.inner_text("table")
            editor.click("button[lang=en]")
            editor.wait_for_selector("h1:has-text('Audit log')")
            assert editor.get_attribute("html", "lang") == "en"
            # Cookies: the session cookie is HttpOnly and Secure (Chromium keeps secure cookies
            # from http://127.0.0.1, a trustworthy origin).
            cookie = next(c for c in contexts[0].cookies() if c["name"] == "signage_session")
            assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
        assert violations == []
    except BaseException:
        for index, page in enumerate((editor, admin)):
            page.screenshot(path=str(ARTIFACTS / f"console-browser-failure-{index}.png"))
        raise
    finally:
        for context in contexts:
            context.close()
