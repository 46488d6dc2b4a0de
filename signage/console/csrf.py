"""Cross-site request forgery protection for every state-changing console request.

Each session holds one random token. Forms carry it in a hidden field (`csrf_field()` in a
template) and scripts in the `X-CSRF-Token` header (read it from `<meta name="csrf-token">`).
`protect` runs before every request to `/console/`: a POST, PUT, PATCH or DELETE without the
session's token is refused with status 400, a page in the operator's language (JSON for JSON
clients), before any view runs.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Response, current_app, request, session
from markupsafe import Markup, escape

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def token() -> str:
    """The session's token, made on first use."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def rotate() -> str:
    """Replace the token (after signing in or out) and return the new one."""
    session.pop(SESSION_KEY, None)
    return token()


def csrf_field() -> Markup:
    """The hidden form field carrying the token; put it inside every `<form method=post>`."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(token()))


def valid() -> bool:
    """True when the request is safe by method or carries the session's token."""
    if request.method in SAFE_METHODS:
        return True
    expected = session.get(SESSION_KEY)
    sent = request.headers.get(HEADER) or request.form.get(FIELD, "")
    return (
        isinstance(expected, str)
        and bool(expected)
        and hmac.compare_digest(sent.encode(), expected.encode())
    )


def protect() -> Response | None:
    """`before_request` hook: None to go on, or the refusal for a request without the token."""
    if not request.path.startswith("/console") or valid():
        return None
    from .pages import refusal

    if (
        current_app.config["SESSION_COOKIE_SECURE"]
        and not request.is_secure
        and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies
    ):
        # The browser dropped the Secure session cookie: the console was opened over HTTP.
        return refusal(400, "https")
    return refusal(400, "csrf")
