"""Small pictures of slides for the console's live board, drawn by the server as SVG.

`draw` takes what the player is sent for an item on one screen (`Item.to_json`: the same
texts, QR address and media the screen shows, in its first language) and draws the slide at
`WIDTH` x `HEIGHT` (turned for a portrait screen): a text slide's title and body, a QR
slide's code and title, a picture (the media library's JPEG, embedded) with its caption, a
video's name, a clock, a ticker's band. No screenshot is taken.

Item texts come from playlist files and are treated as hostile: every text is cut to a few
lines of `LINE_CHARS`, characters XML forbids are dropped and the rest escaped; the picture is
embedded only when it is a JPEG of at most `MAX_PICTURE` bytes; nothing in the SVG refers to
anything outside it. `Thumbnails` caches drawings by content (`CACHE_SIZE` of them). No Flask.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from bluezone import qr

WIDTH = 192
HEIGHT = 108
LINE_CHARS = 28
MAX_PICTURE = 256 * 1024
CACHE_SIZE = 256
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"<[^>]*>")
BACKGROUND = {"text": "#0b3d6b", "html": "#0b3d6b", "clock": "#1f2937", "video": "#111827"}


def clean(text: object, limit: int = 400) -> str:
    """`text` as one line of at most `limit` characters XML may hold (not escaped yet)."""
    value = _FORBIDDEN.sub("", str(text or ""))[: limit * 2]
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def lines(text: object, count: int, chars: int = LINE_CHARS) -> list[str]:
    """`text` wrapped at word boundaries into at most `count` lines of about `chars`."""
    words = clean(text, count * chars).split(" ")
    found: list[str] = []
    current = ""
    for word in words:
        word = word if len(word) <= chars else word[: chars - 1] + "…"
        if current and len(current) + 1 + len(word) > chars:
            found.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        found.append(current)
    if len(found) > count:
        found = found[:count]
        found[-1] = found[-1][: chars - 1].rstrip() + "…"
    return found


def _text(x: float, y: float, rows: list[str], size: int, fill: str, weight: str = "") -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return "".join(
        f'<text x="{x:g}" y="{y + n * size * 1.2:g}" font-size="{size}" fill="{fill}"{bold}>'
        f"{escape(row)}</text>"
        for n, row in enumerate(rows)
    )


def _first(data: Mapping[str, Any]) -> Mapping[str, Any]:
    content = data.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        return content[0]
    return {}


def draw(data: Mapping[str, Any], portrait: bool = False, picture: bytes | None = None) -> str:
    """The SVG text of the slide `data` (an `Item.to_json`); `picture` is the JPEG of an image
    item's file, when the media library has one."""
    width, height = (HEIGHT, WIDTH) if portrait else (WIDTH, HEIGHT)
    chars = LINE_CHARS if not portrait else LINE_CHARS // 2 + 2
    kind = str(data.get("kind", ""))
    entry = _first(data)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="sans-serif">',
        f'<rect width="{width}" height="{height}" fill="{BACKGROUND.get(kind, "#ffffff")}"/>',
    ]
    if kind in ("text", "html"):
        title = entry.get("title") if kind == "text" else _TAG.sub(" ", str(entry.get("html")))
        top = lines(title, 2, chars)
        parts.append(_text(8, 22, top, 14, "#ffffff", "bold"))
        body = (
            lines(entry.get("body"), 3 if not portrait else 6, chars + 8) if kind == "text" else []
        )
        parts.append(_text(8, 30 + 17 * len(top), body, 10, "#dbeafe"))
    elif kind == "qr":
        side = min(width, height) - 16
        url = clean(data.get("url"), qr.MAX_DATA)
        if url:
            attributes = f'x="8" y="8" width="{side}" height="{side}"'
            parts.append(qr.svg_element(url, 2, attributes))
        title = lines(entry.get("title") or entry.get("caption"), 4, chars // 2)
        if portrait:
            parts.append(_text(8, side + 26, title, 11, "#111827", "bold"))
        else:
            parts.append(_text(side + 16, 24, title, 11, "#111827", "bold"))
    elif kind == "image":
        if picture is not None and picture[:3] == b"\xff\xd8\xff" and len(picture) <= MAX_PICTURE:
            encoded = base64.b64encode(picture).decode("ascii")
            parts.append(
                f'<image width="{width}" height="{height}" preserveAspectRatio="xMidYMid slice" '
                f'href="data:image/jpeg;base64,{encoded}"/>'
            )
        else:
            parts.append(
                f'<rect x="8" y="8" width="{width - 16}" height="{height - 16}" fill="#e5e7eb"/>'
            )
            parts.append(_text(14, 26, lines(data.get("media"), 1, chars), 10, "#374151"))
        caption = lines(entry.get("caption"), 1, chars + 4)
        if caption:
            parts.append(
                f'<rect y="{height - 20}" width="{width}" height="20" fill="#000000" '
                'fill-opacity="0.6"/>'
            )
            parts.append(_text(6, height - 6, caption, 10, "#ffffff"))
    elif kind == "video":
        middle_x, middle_y = width / 2, height / 2 - 6
        parts.append(f'<path d="M{middle_x - 12:g} {middle_y - 14:g}v28l24-14z" fill="#ffffff"/>')
        parts.append(_text(8, height - 10, lines(data.get("media"), 1, chars), 10, "#d1d5db"))
    elif kind == "clock":
        parts.append(
            f'<circle cx="{width / 2:g}" cy="{height / 2 - 8:g}" r="22" fill="none" '
            f'stroke="#ffffff" stroke-width="3"/>'
            f'<path d="M{width / 2:g} {height / 2 - 22:g}V{height / 2 - 8:g}h10" fill="none" '
            f'stroke="#ffffff" stroke-width="3"/>'
        )
        parts.append(_text(8, height - 10, lines(entry.get("caption"), 1, chars), 10, "#e5e7eb"))
    elif kind == "ticker":
        parts.append(f'<rect y="{height - 28}" width="{width}" height="28" fill="#b91c1c"/>')
        parts.append(_text(6, height - 10, lines(entry.get("text"), 1, chars + 4), 12, "#ffffff"))
    parts.append("</svg>")
    return "".join(parts)


class Thumbnails:
    """`draw` with a cache keyed by content; safe to share between threads."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, str] = OrderedDict()

    @staticmethod
    def key(data: Mapping[str, Any], portrait: bool, picture: bytes | None) -> str:
        """The cache key (also a fine ETag): a hash of everything the drawing depends on."""
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
        digest.update(b"portrait" if portrait else b"landscape")
        digest.update(hashlib.sha256(picture or b"").digest())
        return digest.hexdigest()[:32]

    def get(
        self, data: Mapping[str, Any], portrait: bool = False, picture: bytes | None = None
    ) -> tuple[str, str]:
        """The drawing of `data` and its key, drawn once per content."""
        key = self.key(data, portrait, picture)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found, key
        drawn = draw(data, portrait, picture)
        with self._lock:
            self._cache[key] = drawn
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return drawn, key
