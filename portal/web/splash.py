"""The splash page, rendered once per language and completed per request.

Rendering a Jinja page costs more than everything else the portal does for a visitor, and
the splash page is what every phone asks for when it joins. So each language is rendered once
with markers where the per-visitor values go (the accept token and the original URL), and a
request only fills them in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from html import escape
from urllib.parse import quote

TOKEN = "@@BZ_TOKEN@@"
CONTINUE_VALUE = "@@BZ_CONTINUE_VALUE@@"
CONTINUE_QUERY = "@@BZ_CONTINUE_QUERY@@"
_MARKERS = (TOKEN, CONTINUE_VALUE, CONTINUE_QUERY)


def continue_query(destination: str | None) -> str:
    """The ``&continue=...`` query piece for links, HTML-escaped; empty without a destination."""
    return escape(f"&continue={quote(destination, safe='')}") if destination else ""


def _split(page: str) -> list[bytes | int]:
    """``page`` as UTF-8 literal chunks and marker indexes, in order (encoded once, here)."""
    parts: list[bytes | int] = []
    rest = page
    while True:
        found = [(rest.find(m), i) for i, m in enumerate(_MARKERS) if m in rest]
        if not found:
            parts.append(rest.encode())
            return parts
        position, index = min(found)
        parts.append(rest[:position].encode())
        parts.append(index)
        rest = rest[position + len(_MARKERS[index]) :]


class SplashCache:
    """Splash pages per language; ``render(lang)`` must return the page with the markers."""

    def __init__(self, render: Callable[[str], str]) -> None:
        self._render = render
        self._pages: dict[str, list[bytes | int]] = {}
        self._lock = threading.Lock()

    def page(self, lang: str, token: str, destination: str | None) -> bytes:
        """The complete splash page in ``lang`` for one visitor, UTF-8 encoded."""
        parts = self._pages.get(lang)
        if parts is None:
            with self._lock:
                parts = self._pages.get(lang)
                if parts is None:
                    parts = _split(self._render(lang))
                    self._pages[lang] = parts
        # The per-visitor values are ASCII (a token, a checked URL), so only they are encoded.
        values = (
            escape(token).encode(),
            escape(destination or "").encode(),
            continue_query(destination).encode(),
        )
        return b"".join(p if isinstance(p, bytes) else values[p] for p in parts)
