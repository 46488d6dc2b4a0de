"""The live board's slide thumbnails: drawn from the item a screen shows, for signed-in
operators only, hostile playlist texts escaped."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bluezone import qr
from signage import services
from signage.catalog.playlist import Item
from tests.signage.console.conftest import Login

HOSTILE_PLAYLIST = """\
name: Sảnh
items:
  - text:
      vi:
        title: "</text><script>alert(1)</script> & <![CDATA[x]]>"
        body: Bình thường
    duration: 5
  - qr:
      campaign: bluezone
      title:
        vi: Quét mã
    duration: 10
"""


@pytest.fixture
def items(app: Flask, playlists: Path) -> tuple[Item, ...]:
    (playlists / "lobby.yaml").write_text(HOSTILE_PLAYLIST, encoding="utf-8")
    with app.app_context():
        hub = services.hub()
        hub.programme.reload()
        catalog = hub.programme.catalog
        assert catalog is not None
        return catalog.playlists["lobby"].items


def url(screen: str, item: Item | str) -> str:
    return f"/console/screens/{screen}/thumbnail/{getattr(item, 'id', item)}.svg"


def test_signed_out_visitors_get_no_thumbnail(client: FlaskClient, items: tuple[Item, ...]) -> None:
    response = client.get(url("lobby-1", items[0]))
    assert response.status_code in (302, 303)
    assert "/console/login" in response.headers["Location"]
    assert b"<svg" not in response.data


def test_a_text_slide_is_drawn_with_its_hostile_title_escaped(
    client: FlaskClient, login: Login, items: tuple[Item, ...]
) -> None:
    login(client, "viewer")
    response = client.get(url("lobby-1", items[0]))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    root = ET.fromstring(svg)
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))
    assert "&lt;/text&gt;&lt;script&gt;" in svg
    assert "Bình thường" in svg
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    # Asked again: the same drawing, answered from its ETag.
    again = client.get(
        url("lobby-1", items[0]), headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_qr_slide_carries_the_code_of_that_screen(
    client: FlaskClient, login: Login, items: tuple[Item, ...]
) -> None:
    login(client, "viewer")
    svg = client.get(url("lobby-2", items[1])).get_data(as_text=True)
    code = qr.svg_element("http://portal.local/go/bluezone?src=lobby-2", 2, "")
    path = code.split("<path", 1)[1]
    assert path in svg
    # lobby-2 is a portrait screen.
    assert 'viewBox="0 0 108 192"' in svg


@pytest.mark.parametrize(
    ("screen", "item"),
    [("lobby-1", "no-such-item"), ("nobody", None), ("gate-1", None), ("lobby-1", "x" * 5000)],
)
def test_unknown_screens_and_items_are_not_found(
    client: FlaskClient, login: Login, items: tuple[Item, ...], screen: str, item: str | None
) -> None:
    login(client, "viewer")
    # gate-1 plays another playlist, which does not hold lobby's items.
    assert client.get(url(screen, item or items[0])).status_code == 404


def test_the_board_shows_the_thumbnail_of_the_reported_item(
    app: Flask, client: FlaskClient, login: Login, items: tuple[Item, ...]
) -> None:
    from signage.live.presence import Report

    with app.app_context():
        presence = services.hub().presence
        presence.connect("lobby-1", "sid-1", time.time(), "127.0.0.1")
        presence.heartbeat("sid-1", time.time(), Report(items[1].id, None, 1920, 1080))
    login(client, "viewer")
    html = client.get("/console/screens").get_data(as_text=True)
    assert f'src="{url("lobby-1", items[1])}"' in html


def test_a_picture_slide_embeds_the_media_librarys_thumbnail(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    from PIL import Image

    Image.new("RGB", (640, 360), "#2266aa").save(playlists / "media" / "anh.png")
    (playlists / "gate.yaml").write_text(
        "name: Cửa ra\nitems:\n  - image:\n      file: anh.png\n      caption:\n"
        "        vi: Ảnh <b>đẹp</b>\n    duration: 5\n",
        encoding="utf-8",
    )
    with app.app_context():
        services.hub().programme.reload()
        catalog = services.hub().programme.catalog
        assert catalog is not None
        item = catalog.playlists["gate"].items[0]
    login(client, "viewer")
    svg = client.get(url("gate-1", item)).get_data(as_text=True)
    assert 'href="data:image/jpeg;base64,' in svg
    assert "Ảnh &lt;b&gt;đẹp&lt;/b&gt;" in svg
    ET.fromstring(svg)
