"""Error answers of the console: a page in the operator's language, or JSON for scripts.

A request wants JSON when its path has an `api` segment (`/console/api/...`,
`/console/screens/api/...`), its body is JSON, or it prefers
`application/json` to HTML in `Accept`. JSON errors are `{"error": <code>, "message": <text>}`.
"""

from __future__ import annotations

from flask import Response, jsonify, render_template, request
from flask_babel import format_decimal
from werkzeug.exceptions import HTTPException

from signage.editing.publish import MAX_TEXT

from .i18n import _


def wants_json() -> bool:
    """True when the client is a script expecting JSON rather than a person with a browser."""
    if "/api/" in request.path or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _messages(kind: str) -> tuple[str, str]:
    """(title, explanation) for each kind of refusal."""
    if kind == "csrf":
        return (
            _("This form has expired"),
            _(
                "The page was open too long, or the form came from another site. Nothing was "
                "changed. Go back, reload the page and try again."
            ),
        )
    if kind == "https":
        return (
            _("Open the console with https://"),
            _(
                "This browser did not keep the sign-in cookie, which is only sent over a "
                "secure connection. Open the console with an address starting with https://, "
                "or ask the person who installed the server."
            ),
        )
    if kind == "signin":
        return _("Please sign in"), _("Sign in to use the console.")
    if kind == "forbidden":
        return (
            _("Not allowed"),
            _("Your account may not do this. Ask an administrator if you need it."),
        )
    if kind == "notfound":
        return _("Page not found"), _("There is no such page in the console.")
    if kind == "too_large":
        return (
            _("Too large"),
            _(
                "What was sent is too large; nothing was changed. A playlist may have at most "
                "%(limit)s characters: split it into several playlists that include each other.",
                limit=format_decimal(MAX_TEXT),
            ),
        )
    return _("Something went wrong"), _("The request could not be handled.")


KINDS = {400: "bad", 401: "signin", 403: "forbidden", 404: "notfound", 413: "too_large"}


def refusal(status: int, kind: str) -> Response:
    """The refusal of `kind` (`csrf`, `https`, `signin`, `forbidden`, `notfound`, `too_large`,
    `bad`) with `status`."""
    title, text = _messages(kind)
    if wants_json():
        response = jsonify(error=kind, message=text)
    else:
        response = Response(
            render_template("console/error.html", title=title, text=text, status=status),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def error_response(exc: HTTPException) -> Response:
    """The console's answer for an HTTP error raised under `/console`."""
    status = exc.code or 500
    return refusal(status, KINDS.get(status, "bad"))
