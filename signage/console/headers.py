"""Security headers on every console response.

The Content-Security-Policy allows scripts, styles, images, media and connections from our own
origin only and never inline script (`script-src 'self'`, no 'unsafe-inline'): a console script
is a file under `signage/static/` loaded with `<script src>`, and event handlers are attached
from those files, never written as `onclick=` attributes. Pages may be framed only by the
console itself (previews).
"""

from __future__ import annotations

from flask import Response, request

POLICY = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data: blob:; "
    "media-src 'self' blob:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "frame-src 'self'; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'self'"
)
HEADERS = (
    ("Content-Security-Policy", POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
)


def add(response: Response) -> Response:
    """`after_request` hook: the headers on every `/console` response; no caching of pages."""
    if request.path.startswith("/console"):
        for name, value in HEADERS:
            response.headers.setdefault(name, value)
        if response.mimetype in ("text/html", "application/json", "text/csv"):
            response.headers.setdefault("Cache-Control", "no-store")
    return response
