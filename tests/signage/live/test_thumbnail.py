"""Slide thumbnails for the live board: hostile texts stay text, sizes stay bounded."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from PIL import Image

from bluezone import qr
from signage.live.thumbnail import HEIGHT, MAX_PICTURE, WIDTH, Thumbnails, draw, lines

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert("x")</script>]]><!ENTITY a "b"> & \x00\x1b\ud800\ufffe end'


def texts(svg: str) -> list[str]:
    return ["".join(node.itertext()) for node in ET.fromstring(svg).iter(f"{SVG}text")]


def jpeg(size: tuple[int, int] = (32, 18)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#336699").save(buffer, "JPEG")
    return buffer.getvalue()


def text_slide(title: str, body: str | None = None) -> dict[str, object]:
    return {"id": "a", "kind": "text", "content": [{"lang": "vi", "title": title, "body": body}]}


def test_hostile_text_is_escaped_and_the_svg_stays_well_formed() -> None:
    svg = draw(text_slide(HOSTILE, HOSTILE))
    root = ET.fromstring(svg)  # raises on anything not well-formed
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}script")) and "<script" not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg
    assert not any(ch in svg for ch in "\x00\x1b\ufffe")
    assert texts(svg)[0].startswith('</text><script>alert("x")')


def test_long_texts_are_cut_to_a_few_lines() -> None:
    svg = draw(text_slide("word " * 5000, "x" * 100_000))
    assert len(svg) < 4000
    assert len(texts(svg)) <= 5
    assert all(len(line) <= 40 for line in texts(svg))
    assert lines("one two three four", 1, 9) == ["one two…"]


def test_a_qr_slide_carries_the_screens_code_and_title() -> None:
    url = "http://portal.local/go/bluezone?src=lobby-1"
    data = {
        "kind": "qr",
        "url": url,
        "content": [{"lang": "vi", "title": "Quét mã", "caption": None}],
    }
    svg = draw(data)
    side = min(WIDTH, HEIGHT) - 16
    assert qr.svg_element(url, 2, f'x="8" y="8" width="{side}" height="{side}"') in svg
    assert texts(svg) == ["Quét mã"]
    portrait = draw(data, portrait=True)
    assert f'viewBox="0 0 {HEIGHT} {WIDTH}"' in portrait


def test_only_a_small_jpeg_is_embedded_in_a_picture_slide() -> None:
    data = {"kind": "image", "media": "a.jpg", "content": [{"lang": "vi", "caption": "Chú thích"}]}
    assert "data:image/jpeg;base64," in draw(data, picture=jpeg())
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    for refused in (png.getvalue(), jpeg() + b"\0" * MAX_PICTURE, b"<svg onload=x>"):
        svg = draw(data, picture=refused)
        assert "<image" not in svg and "a.jpg" in svg
    assert "Chú thích" in texts(draw(data))


def test_every_kind_draws_something_well_formed() -> None:
    for kind, entry in (
        ("html", {"html": "<p>Chào <b>bạn</b></p>"}),
        ("video", {}),
        ("clock", {"caption": "Giờ Tuy Hòa"}),
        ("ticker", {"text": "Tin nhanh"}),
        ("unknown", {}),
    ):
        svg = draw({"kind": kind, "media": "v.mp4", "content": [entry] if entry else []})
        ET.fromstring(svg)
    assert texts(draw({"kind": "html", "content": [{"html": "<p>Chào <b>bạn</b></p>"}]})) == [
        "Chào bạn"
    ]


def test_the_cache_draws_once_per_content_and_stays_bounded() -> None:
    cache = Thumbnails(size=2)
    first, key = cache.get(text_slide("Một"))
    again, same = cache.get(text_slide("Một"))
    assert again is first and same == key
    assert cache.get(text_slide("Một"), portrait=True)[1] != key
    cache.get(text_slide("Hai"))
    cache.get(text_slide("Ba"))
    assert len(cache._cache) == 2
