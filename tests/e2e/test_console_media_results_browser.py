"""The console's media library and campaign results in a real Chromium against real servers.

The signage server runs under gunicorn (`bluezone-signage serve`); for the results, the portal
runs under gunicorn too (`bluezone-portal serve`) with its stats API on, and is visited over
HTTP like a phone would (splash, accept, QR link), so the figures travel the real path:
portal events -> SQLite -> `/api/stats` -> console page.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw

from portal.sessions.store import EventKey, Store
from signage.accounts.operators import OperatorStore
from signage.accounts.passwords import Scrypt
from signage.catalog.loader import load_catalog
from signage.live.playlog import Play, PlayLog
from signage.results.printlog import PrintLog
from tests.conftest import (
    ARTIFACTS,
    free_port,
    require_tool,
    stop,
    wait_for_port,
)
from tests.signage.serverkit import make_playlists, running_server

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
TOKEN = "browser-results-token-0123456789"
SCRYPT_N = 1024
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126 Mobile"


def add_operator(workdir: Path, name: str, role: str) -> None:
    """An account in the database the server will open (`running_server` names it)."""
    store = OperatorStore(workdir / "signage.sqlite3", Scrypt(n=SCRYPT_N))
    store.add(name, role, ("lobby",) if role == "editor" else (), PASSWORD)


SIGNAGE_ENV = {"SIGNAGE_PASSWORD_SCRYPT_N": str(SCRYPT_N)}


def sign_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r".*/console/?$"))
    page.click("form.language button[value=vi]")


def poster() -> bytes:
    image = Image.new("RGB", (1280, 720), "#0b5cad")
    draw = ImageDraw.Draw(image)
    draw.ellipse((440, 160, 840, 560), fill="#ffffff")
    draw.rectangle((560, 300, 720, 420), fill="#0b5cad")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def keep(page: Any, name: str) -> Path:
    """A full-page screenshot in test-artifacts/, and the visible part as `name` beside it
    (the README's copies in docs/screenshots/ are chosen from these by hand)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name.replace(".png", "-full.png")), full_page=True)
    page.evaluate("window.scrollTo(0, 0)")
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def test_upload_a_picture_and_a_video_and_see_their_thumbnails(
    tmp_path: Path, browser: Any
) -> None:
    ffmpeg = require_tool("ffmpeg")
    video = tmp_path / "Phim ngắn Bluezone.mp4"
    subprocess.run(
        [
            *(ffmpeg, "-v", "error", "-f", "lavfi"),
            *("-i", "testsrc2=duration=3:size=640x360:rate=10"),
            *("-pix_fmt", "yuv420p", "-c:v", "libx264", "-y", str(video)),
        ],
        check=True,
        timeout=60,
    )
    playlists = make_playlists(tmp_path / "playlists")
    add_operator(tmp_path, "lan", "editor")
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="vi-VN")
    context.set_default_timeout(15_000)
    try:
        with running_server(tmp_path, playlists, env=SIGNAGE_ENV) as server:
            page = context.new_page()
            sign_in(page, server.url, "lan")
            page.goto(f"{server.url}/console/media")
            page.set_input_files(
                "#upload-file",
                files=[
                    {"name": "Áp phích Bluezone.png", "mimeType": "image/png", "buffer": poster()},
                    {"name": video.name, "mimeType": "video/mp4", "buffer": video.read_bytes()},
                ],
            )
            page.click("#upload-form button[type=submit]")
            page.wait_for_selector(".flash-success")
            flashes = page.locator(".flash").all_inner_texts()
            assert flashes == [
                "Đã tải “Áp phích Bluezone.png” lên với tên “ap-phich-bluezone.png”.",
                f"Đã tải “{video.name}” lên với tên “phim-ngan-bluezone.mp4”.",
            ]
            assert (playlists / "media" / "ap-phich-bluezone.png").read_bytes() == poster()
            for name, size in (("ap-phich-bluezone.png", 320), ("phim-ngan-bluezone.mp4", 320)):
                image = page.locator(f'.media-card[data-name="{name}"] img')
                image.scroll_into_view_if_needed()
                page.wait_for_function(
                    "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
                )
                assert image.evaluate("img => img.naturalWidth") == size
                assert "/console/media/thumbnail/" in str(image.get_attribute("src"))

            # Once a playlist uses the picture, the page says so and offers no delete button.
            (playlists / "lobby.yaml").write_text(
                "name: Sảnh chờ\nitems:\n  - image:\n      file: ap-phich-bluezone.png\n"
                "    duration: 8\n",
                encoding="utf-8",
            )
            page.reload()
            card = page.locator('.media-card[data-name="ap-phich-bluezone.png"]')
            assert "Được dùng trong:" in card.inner_text() and "lobby" in card.inner_text()
            assert card.locator("button.danger").count() == 0
            keep(page, "console-media.png")
    finally:
        context.close()


class Session:
    """A signed-in operator talking HTTP to the server, as a browser without JavaScript would."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def request(
        self, method: str, path: str, body: bytes = b"", content_type: str = ""
    ) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            cookie = response.getheader("Set-Cookie")
            if cookie:
                self.cookie = cookie.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def csrf(self, path: str) -> str:
        _, page = self.request("GET", path)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, page
        return found.group(1)

    def sign_in(self, name: str) -> None:
        form = {"name": name, "password": PASSWORD, "csrf_token": self.csrf("/console/login")}
        status, _ = self.request(
            "POST", "/console/login", urlencode(form).encode(), "application/x-www-form-urlencoded"
        )
        assert status == 303


def test_too_large_an_upload_gets_the_limits_page_from_the_real_server(tmp_path: Path) -> None:
    playlists = make_playlists(tmp_path / "playlists")
    add_operator(tmp_path, "lan", "editor")
    env = {
        **SIGNAGE_ENV,
        "SIGNAGE_COOKIE_SECURE": "false",
        "SIGNAGE_MEDIA_IMAGE_MAX_MB": "1",
        "SIGNAGE_MEDIA_VIDEO_MAX_MB": "2",
    }
    with running_server(tmp_path, playlists, env=env) as server:
        session = Session(server.port)
        session.sign_in("lan")
        token = session.csrf("/console/media")
        boundary = "bluezone-test-boundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
            ).encode()
            + poster()
            + b"\0" * (3 * 1024 * 1024)
            + f"\r\n--{boundary}--\r\n".encode()
        )
        status, page = session.request(
            "POST", "/console/media", body, f"multipart/form-data; boundary={boundary}"
        )
        assert status == 413
        assert "<h1>Tệp quá lớn</h1>" in page
        assert "Ảnh tối đa 1 MB, video tối đa 2 MB" in page
    assert list((playlists / "media").iterdir()) == []


class Portal:
    """`bluezone-portal serve` (gunicorn) on a loopback port with the stats API on."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = tmp_path / "portal.sqlite3"
        self.log = tmp_path / "portal.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")},
            "PORTAL_PORTAL_URL": self.url,
            "PORTAL_DATABASE": str(self.database),
            "PORTAL_SECRET_KEY": "browser-results-secret-key-0123456789",
            "PORTAL_MAC_LOOKUP": "false",
            "PORTAL_EVENT_FLUSH_SECONDS": "0",
            "PORTAL_VENUE_ID": "tuyhoa-bus",
            "PORTAL_STATS_TOKEN": TOKEN,
        }

    def request(
        self, method: str, path: str, user_agent: str, body: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": user_agent}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def sign_in(self, user_agent: str, lang: str) -> None:
        """A phone on the splash page taps accept (every test request comes from one address,
        so only the first one sees the splash page)."""
        status, page = self.request("GET", f"/?lang={lang}", user_agent)
        assert status == 200
        token = re.search(rb'name="token" value="([^"]+)"', page)
        assert token
        form = {"token": token.group(1).decode(), "lang": lang}
        assert self.request("POST", "/accept", user_agent, form)[0] == 303

    def scan(self, user_agent: str, screen: str) -> None:
        """A phone camera opens the QR code of `screen`."""
        status, _ = self.request("GET", f"/go/bluezone?src={screen}", user_agent)
        assert status == 302


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    server = Portal(tmp_path)
    with server.log.open("wb") as log:
        process = subprocess.Popen(
            [
                *(str(Path(sys.executable).parent / "bluezone-portal"), "serve"),
                *("--bind", f"127.0.0.1:{server.port}", "--workers", "1"),
            ],
            env=server.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(process, "127.0.0.1", server.port, server.log)
        yield server
    finally:
        stop(process)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(server.log, ARTIFACTS / "console-results-portal.log")


def earlier_figures(portal: Portal, playlists: Path, workdir: Path, today: datetime) -> None:
    """A week of history (as the portal and the screens would have stored it)."""
    store = Store(str(portal.database), salt=b"unused-for-counts")
    catalog = load_catalog(playlists).catalog
    assert catalog is not None
    items = [item.id for item in catalog.playlists["lobby"].items]
    log = PlayLog(workdir / "signage.sqlite3")
    # The six days before the venue's today (which the results page's last week ends on,
    # whatever the date is in UTC), each at 10:00 at the venue, 03:00 UTC.
    venue_today = today.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    for back in range(1, 7):
        day = datetime.combine(venue_today - timedelta(days=back), dt_time(3), tzinfo=UTC)
        hour = day.strftime("%Y-%m-%dT03")
        store.add_events(
            [
                (EventKey(hour, "view", "tuyhoa-bus", "vi", "android", ""), 30 + 7 * back),
                (EventKey(hour, "view", "tuyhoa-bus", "en", "ios", ""), 9 + back),
                (EventKey(hour, "accept", "tuyhoa-bus", "vi", "android", ""), 20 + 4 * back),
                (EventKey(hour, "store_click", "tuyhoa-bus", "vi", "android", "online"), 6),
                (EventKey(hour, "qr_scan", "tuyhoa-bus", "vi", "android", "lobby-1"), back + 2),
                (EventKey(hour, "qr_scan", "tuyhoa-bus", "ko", "ios", "gate-1"), 1),
            ]
        )
        shown = day.timestamp()
        log.record(
            "lobby-1",
            [Play(items[n % 3], "v", shown + 3 * n, 3) for n in range(40 + back)],
        )
        log.record("gate-1", [Play(items[0], "v", shown + 5 * n, 3) for n in range(12)])


def test_results_page_shows_what_phones_did_at_the_portal(
    tmp_path: Path, browser: Any, portal: Portal
) -> None:
    playlists = make_playlists(tmp_path / "playlists")
    add_operator(tmp_path, "hoa", "viewer")
    earlier_figures(portal, playlists, tmp_path, datetime.now(UTC))
    # Today's visitors, through the real portal over HTTP.
    portal.sign_in(IPHONE, "vi")
    for phone, screen in ((IPHONE, "lobby-1"), (ANDROID, "lobby-1"), (ANDROID, "gate-1")):
        portal.scan(phone, screen)
    env = {
        **SIGNAGE_ENV,
        "SIGNAGE_PORTAL_STATS_URL": portal.url,
        "SIGNAGE_PORTAL_STATS_TOKEN": TOKEN,
    }
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(15_000)
    try:
        with running_server(tmp_path, playlists, env=env) as server:
            page = context.new_page()
            sign_in(page, server.url, "hoa")
            week = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
            page.goto(f"{server.url}/console/results?from={week - timedelta(days=6)}&to={week}")
            assert page.locator("h1").inner_text() == "Kết quả chiến dịch"
            assert page.locator(".flash-warning").count() == 0
            today = page.locator("section.result").first.locator("tbody tr").last
            # Day, views, accepts, store clicks, QR scans, plays (venue time zone).
            assert today.locator("td").all_inner_texts()[1:5] == ["1", "1", "0", "3"]
            screens = page.locator('section[aria-labelledby="title-screens"] tbody tr')
            first = screens.first.locator("td").all_inner_texts()
            assert first[:2] == ["lobby-1", "Sảnh chờ 1"]
            assert page.locator("svg.chart").count() == 8
            assert page.locator("svg.chart title").first.text_content() == "Theo ngày"
            keep(page, "console-results.png")

            # The screen filter keeps only that screen's scans and plays.
            page.select_option("#screen", "gate-1")
            page.click(".filters button[type=submit]")
            page.wait_for_url(re.compile(r".*screen=gate-1"))
            rows = page.locator('section[aria-labelledby="title-screens"] tbody tr')
            assert rows.count() == 1
            assert rows.first.locator("td").all_inner_texts()[0] == "gate-1"

            with page.expect_download() as download:
                page.locator('a[href*="/console/results/screens.csv"]').click()
            data = Path(download.value.path()).read_bytes()
            assert data.startswith(b"\xef\xbb\xbf")
            assert "Tên màn hình" in data.decode("utf-8-sig")
    finally:
        context.close()


LOBBY_WITH_QR = """\
name: Sảnh chờ
items:
  - text:
      vi:
        title: Cài Bluezone
        body: Hãy cài Bluezone và bật Bluetooth.
    duration: 3
  - qr:
      campaign: bluezone
      title:
        vi: Quét mã để cài Bluezone
    duration: 3
"""


def funnel_history(portal: Portal, playlists: Path, workdir: Path, today: datetime) -> None:
    """A week of a campaign: the lobby screens show a QR slide, posters and leaflets were
    printed, phones scanned both and used the Wi-Fi page."""
    store = Store(str(portal.database), salt=b"unused-for-counts")
    catalog = load_catalog(playlists).catalog
    assert catalog is not None
    qr_item = catalog.playlists["lobby"].items[1].id
    plays = PlayLog(workdir / "signage.sqlite3")
    printed = PrintLog(workdir / "signage.sqlite3")
    # The six days before the venue's today (which the results page's last week ends on,
    # whatever the date is in UTC), each at 10:00 at the venue, 03:00 UTC.
    venue_today = today.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    for back in range(1, 7):
        day = datetime.combine(venue_today - timedelta(days=back), dt_time(3), tzinfo=UTC)
        hour = day.strftime("%Y-%m-%dT03")
        android = ("vi", "android")
        store.add_events(
            [
                (EventKey(hour, "view", "tuyhoa-bus", *android, ""), 60 + 5 * back),
                (EventKey(hour, "accept", "tuyhoa-bus", *android, ""), 40 + 3 * back),
                (EventKey(hour, "store_click", "tuyhoa-bus", *android, "online"), 9 + back),
                (EventKey(hour, "qr_scan", "tuyhoa-bus", *android, "lobby-1"), 4 + back),
                (EventKey(hour, "qr_scan", "tuyhoa-bus", *android, "poster:tuyhoa-bus"), back + 1),
                (EventKey(hour, "qr_scan", "tuyhoa-bus", "en", "ios", "leaflet:tuyhoa-bus"), 2),
            ]
        )
        shown = day.timestamp()
        plays.record("lobby-1", [Play(qr_item, "v", shown + 6 * n, 3) for n in range(30 + back)])
    printed.record(
        "poster", "tuyhoa-bus", ["vi", "en"], 20, "hoa", now=today.timestamp() - 5 * 86400
    )
    printed.record("leaflet", "tuyhoa-bus", ["vi"], 300, "hoa", now=today.timestamp() - 4 * 86400)


def test_printed_materials_and_the_funnel_in_a_real_browser(
    tmp_path: Path, browser: Any, portal: Portal
) -> None:
    playlists = make_playlists(tmp_path / "playlists")
    (playlists / "lobby.yaml").write_text(LOBBY_WITH_QR, encoding="utf-8")
    add_operator(tmp_path, "hoa", "editor")
    funnel_history(portal, playlists, tmp_path, datetime.now(UTC))
    # Today a phone scans a poster, through the real portal over HTTP.
    portal.scan(ANDROID, "poster:tuyhoa-bus")
    env = {
        **SIGNAGE_ENV,
        "SIGNAGE_PORTAL_URL": portal.url,
        "SIGNAGE_PORTAL_STATS_TOKEN": TOKEN,
        "SIGNAGE_VENUE_ID": "tuyhoa-bus",
        "SIGNAGE_MATERIAL_VENUES": "tuyhoa-bus=Bến xe Tuy Hòa; tuyhoa-airport=Sân bay Tuy Hòa",
    }
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True
    )
    context.set_default_timeout(30_000)
    try:
        with running_server(tmp_path, playlists, env=env) as server:
            page = context.new_page()
            sign_in(page, server.url, "hoa")
            page.click("nav a[href='/console/materials']")
            assert page.locator("h1").inner_text() == "Ấn phẩm in"
            page.select_option("#material", "poster")
            page.select_option("#venue", "tuyhoa-bus")
            page.select_option("#lang1", "vi")
            page.select_option("#lang2", "en")
            page.click(".filters button[type=submit]")
            preview = page.locator("img.page-preview, .page-preview img").first
            preview.wait_for()
            page.wait_for_function(
                "() => [...document.querySelectorAll('.page-preview img')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            keep(page, "console-materials.png")
            page.fill("#copies", "50")
            with page.expect_download() as download:
                page.click(".download button[type=submit]")
            assert download.value.suggested_filename == "poster-tuyhoa-bus-vi-en.pdf"
            pdf = Path(download.value.path())
            info = subprocess.run(
                [require_tool("pdfinfo"), str(pdf)], check=True, capture_output=True, text=True
            )
            assert "Pages:           1" in info.stdout

            week = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
            page.goto(f"{server.url}/console/results?from={week - timedelta(days=6)}&to={week}")
            funnel = page.locator('section[aria-labelledby="title-funnel"]')
            total = funnel.locator("tbody tr").first.locator("td").all_inner_texts()
            # Venue, day, the seven steps, then the four conversions.
            assert total[:2] == ["Tất cả địa điểm", "Cả khoảng thời gian"]
            plays = sum(30 + back for back in range(1, 7))
            scans = sum(4 + back for back in range(1, 7))
            assert total[2:5] == [f"{plays:,}".replace(",", "."), "370", str(scans)]
            assert total[5] == str(sum(back + 1 for back in range(1, 7)) + 12 + 1)
            # Vietnamese writes a decimal comma: 45 screen scans of 201 QR slides shown.
            assert total[9] == f"{100 * scans / plays:.1f}".replace(".", ",")
            chart = funnel.locator("svg.funnel-chart")
            assert chart.locator("title").first.text_content() == "Phễu chiến dịch"
            assert chart.locator("rect.bar").count() == 7
            funnel.scroll_into_view_if_needed()
            ARTIFACTS.mkdir(exist_ok=True)
            funnel.screenshot(path=str(ARTIFACTS / "console-funnel.png"))
    finally:
        context.close()
