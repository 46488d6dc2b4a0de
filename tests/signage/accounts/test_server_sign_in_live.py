"""A burst of console sign-ins against the real server (gunicorn, gevent worker, password
checks in its thread pool): no more passwords are checked than the lockout allows, and the
right password sent after the burst does not sign in.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from signage.accounts.operators import OperatorStore
from signage.accounts.passwords import Scrypt
from tests.signage.serverkit import Server, make_playlists, running_server

PASSWORD = "mật khẩu biên tập"
BURST = 100
# Slow enough that, were the limit checked only before the hash, the whole burst would get in.
SCRYPT_N = 2**14
WRONG = "Sai tên hoặc mật khẩu."
LOCKED = "Tài khoản này đã bị khóa"


class Browser:
    """A client with its own cookies, holding the sign-in page's CSRF token."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with self.opener.open(f"{server.url}/console/login", timeout=30) as response:
            page = response.read().decode()
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert found, page
        self.token = found.group(1)

    def sign_in(self, name: str, password: str) -> tuple[str, str]:
        """The address the sign-in ends on (after redirects) and its page."""
        data = urllib.parse.urlencode(
            {"name": name, "password": password, "csrf_token": self.token}
        ).encode()
        with self.opener.open(f"{self.server.url}/console/login", data, timeout=60) as response:
            return response.geturl(), response.read().decode()


def test_a_burst_of_sign_ins_checks_at_most_the_lockout_limit(tmp_path: Path) -> None:
    playlists = make_playlists(tmp_path / "playlists")
    store = OperatorStore(tmp_path / "signage.sqlite3", Scrypt(n=SCRYPT_N))
    store.add("lan", "editor", ("lobby",), PASSWORD)
    env = {
        "SIGNAGE_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "SIGNAGE_COOKIE_SECURE": "false",
        "SIGNAGE_PASSWORD_SCRYPT_N": str(SCRYPT_N),
        "SIGNAGE_LOGIN_MAX_FAILURES": "5",
        "SIGNAGE_LOGIN_ADDRESS_LIMIT": "1000",
    }
    with running_server(tmp_path, playlists, env=env) as server:
        browsers = [Browser(server) for _ in range(BURST)]
        start = threading.Barrier(BURST - 1)
        pages: list[str] = []
        lock = threading.Lock()

        def wrong(browser: Browser) -> None:
            start.wait()
            _, page = browser.sign_in("lan", "sai mật khẩu rồi")
            with lock:
                pages.append(page)

        with ThreadPoolExecutor(BURST - 1) as pool:
            list(pool.map(wrong, browsers[:-1]))
        checked = [page for page in pages if WRONG in page]
        refused = [page for page in pages if LOCKED in page and WRONG not in page]
        assert len(checked) == 5
        assert len(refused) == BURST - 1 - 5
        landed, page = browsers[-1].sign_in("lan", PASSWORD)
        assert landed.endswith("/console/login") and LOCKED in page
