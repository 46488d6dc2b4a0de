"""The console's Printed materials page: real PDFs and previews, checked with Poppler and zbar,
the print log, and refusals of anything not offered."""

from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage import services
from tests.conftest import require_tool
from tests.signage.console.conftest import Login

PORTAL_URL = "https://wifi.phuyen.example"
VENUES = "tuyhoa-bus=Bến xe Tuy Hòa; tuyhoa-airport=Sân bay Tuy Hòa"
MM = 72 / 25.4


@pytest.fixture
def console_settings(console_settings: dict[str, Any]) -> dict[str, Any]:
    return {**console_settings, "PORTAL_URL": PORTAL_URL, "MATERIAL_VENUES": VENUES}


def english(client: FlaskClient) -> None:
    client.post("/console/language", data={"lang": "en", "next": "/console/materials"})


def run(tool: str, path: Path, *args: str) -> str:
    tail = ["-"] if tool == "pdftotext" else []
    done = subprocess.run(
        [require_tool(tool), *args, str(path), *tail], check=True, capture_output=True, text=True
    )
    return done.stdout


def test_the_page_offers_materials_venues_and_campaign_languages(
    client: FlaskClient, login: Login
) -> None:
    login(client, "viewer")
    english(client)
    html = client.get("/console/materials").get_data(as_text=True)
    assert 'value="tuyhoa-airport"' in html and "Sân bay Tuy Hòa" in html
    for code in ("poster", "leaflet", "table-card", "sticker"):
        assert f'value="{code}"' in html
    assert 'value="zh_Hant"' in html and "繁體中文" in html
    assert "Printed materials" in html


def test_a_downloaded_poster_is_a4_with_the_counted_link(
    app: Flask, client: FlaskClient, login: Login, tmp_path: Path
) -> None:
    login(client, "editor")
    form = {"material": "poster", "venue": "tuyhoa-bus", "lang": ["vi", "en"], "copies": "40"}
    response = client.post("/console/materials/pdf", data=form)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "poster-tuyhoa-bus-vi-en.pdf" in response.headers["Content-Disposition"]
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(response.data)
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", run("pdfinfo", pdf))
    assert size is not None
    assert float(size[1]) == pytest.approx(216 * MM, abs=0.5)
    assert float(size[2]) == pytest.approx(303 * MM, abs=0.5)
    text = " ".join(run("pdftotext", pdf).split())
    assert "Quét mã để cài Bluezone" in text and "Scan to install Bluezone" in text
    link = f"{PORTAL_URL}/go/bluezone?src=poster:tuyhoa-bus"
    subprocess.run(
        [
            require_tool("pdftoppm"),
            "-r",
            "150",
            "-png",
            "-singlefile",
            str(pdf),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    decoded = subprocess.run(
        [require_tool("zbarimg"), "--quiet", "--raw", str(tmp_path / "p.png")],
        check=True,
        capture_output=True,
        text=True,
    )
    assert decoded.stdout.strip() == link
    with app.app_context():
        (made,) = services.print_log().between(0, 2e10)
    assert (made.material, made.venue, made.languages, made.copies, made.operator) == (
        "poster",
        "tuyhoa-bus",
        ("vi", "en"),
        40,
        "editor",
    )


def test_the_leaflet_preview_shows_two_png_pages(client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    query = "material=leaflet&venue=tuyhoa-airport&lang=vi&lang=ko"
    html = client.get(f"/console/materials?{query}").get_data(as_text=True)
    assert "preview/1.png" in html and "preview/2.png" in html and "preview/3.png" not in html
    for page in (1, 2):
        image = client.get(f"/console/materials/preview/{page}.png?{query}")
        assert image.status_code == 200 and image.mimetype == "image/png"
        assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(f"/console/materials/preview/3.png?{query}").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("material=poster&venue=elsewhere&lang=vi", "Choose one of the venues in the list."),
        ("material=banner&venue=tuyhoa-bus&lang=vi", "Choose one of the materials in the list."),
        ("material=poster&venue=tuyhoa-bus&lang=xx", "Choose one or two different languages"),
        (
            "material=poster&venue=tuyhoa-bus&lang=vi&lang=en&lang=ko",
            "Choose one or two different languages",
        ),
        ("material=poster&venue=tuyhoa-bus&lang=vi&lang=vi", "Choose one or two different"),
    ],
)
def test_unknown_choices_are_refused_with_a_clear_message(
    app: Flask, client: FlaskClient, login: Login, query: str, message: str
) -> None:
    login(client, "editor")
    english(client)
    page = client.get(f"/console/materials?{query}")
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert client.get(f"/console/materials/preview/1.png?{query}").status_code == 400
    download = client.post("/console/materials/pdf", data={**parse_qs(query), "copies": "1"})
    assert download.status_code == 400 and message in download.get_data(as_text=True)
    with app.app_context():
        assert services.print_log().between(0, 2e10) == []


@pytest.mark.parametrize("copies", ["0", "-3", "100001", "many", "1e3", ""])
def test_a_wrong_number_of_copies_is_refused_and_not_recorded(
    app: Flask, client: FlaskClient, login: Login, copies: str
) -> None:
    login(client, "admin")
    english(client)
    form = {"material": "sticker", "venue": "tuyhoa-bus", "lang": "vi", "copies": copies}
    response = client.post("/console/materials/pdf", data=form)
    assert response.status_code == 400
    assert "a number from 1 to 100000" in response.get_data(as_text=True)
    with app.app_context():
        assert services.print_log().between(0, 2e10) == []


def test_signed_out_visitors_get_nothing(app: Flask) -> None:
    client = app.test_client()
    query = "material=poster&venue=tuyhoa-bus&lang=vi"
    assert client.get(f"/console/materials?{query}").status_code in (302, 303)
    assert client.get(f"/console/materials/preview/1.png?{query}").status_code in (302, 303)
    assert client.post("/console/materials/pdf", data={"material": "poster"}).status_code in (
        302,
        303,
        400,
    )


def test_simultaneous_requests_draw_a_sheet_once(app: Flask) -> None:
    with app.app_context():
        shop = services.print_shop()
        sheet = shop.check("sticker", "tuyhoa-bus", ["vi"], {"tuyhoa-bus": "Bến xe Tuy Hòa"})
    drawn: list[int] = []
    original = shop._render

    def counting(chosen: Any) -> bytes:
        drawn.append(1)
        return original(chosen)

    shop._render = counting  # type: ignore[method-assign,assignment]
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(shop.pdf(sheet))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1 and drawn == [1]


def test_viewers_see_the_pages_but_do_not_make_materials(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, "viewer")
    english(client)
    html = client.get("/console/materials?material=sticker&venue=tuyhoa-bus&lang=vi").text
    assert "preview/1.png" in html and "Download the PDF" not in html
    assert "Editors and admins download the PDF" in html
    form = {"material": "sticker", "venue": "tuyhoa-bus", "lang": "vi", "copies": "5"}
    assert client.post("/console/materials/pdf", data=form).status_code == 403
    with app.app_context():
        assert services.print_log().between(0, 2e10) == []
