"""The visitor's original destination: the URL they asked for before they were intercepted.

It is carried through the portal in a ``continue`` query parameter and only ever shown as a
"continue to" link after access is granted; the portal never redirects to it, so it cannot be
an open redirect. Anything that is not a plain http(s) URL of bounded length is dropped.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

MAX_LENGTH = 2048


def clean_destination(text: str | None) -> str | None:
    """``text`` if it is a safe http(s) URL to show as a link, else ``None``.

    Safe means: at most ``MAX_LENGTH`` characters, printable ASCII only (no spaces, CR, LF or
    other control characters that could inject headers or break markup), scheme http or https,
    a host name, and no user name or password.
    """
    if not text or len(text) > MAX_LENGTH:
        return None
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in text):
        return None
    if any(ch in text for ch in "<>\"'`\\"):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    if port == 0:
        return None
    return text


def intercepted_url(host: str, raw_path: str, query: str) -> str | None:
    """The URL a captive visitor asked for, rebuilt from an intercepted plain-http request."""
    path = quote(raw_path, safe="/%:@!$&'()*+,;=-._~")
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    return clean_destination(url)
