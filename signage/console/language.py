"""The console's language: the one chosen with the switcher (kept in the session), else the
best match of the browser's Accept-Language, else Vietnamese."""

from __future__ import annotations

from flask import has_request_context, request, session

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT = "vi"


def select() -> str:
    """The locale for Flask-Babel."""
    if not has_request_context():
        return DEFAULT
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT) or DEFAULT
