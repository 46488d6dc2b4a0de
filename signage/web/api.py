"""HTTP API: the screen status list (open), the override API (bearer token) and the venue
boxes' reports (each box's own token, `signage.venues`).

Every error is a JSON `{"error": text}` with a 4xx status saying what is wrong, and
`"field"` naming the request field when one is at fault. Bodies are at most `MAX_BODY` bytes
and JSON nested at most `signage.web.jsonbody.MAX_DEPTH` deep.
"""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from signage import services
from signage.emergency.model import NotFound, OverrideError
from signage.emergency.requests import MAX_ID, parse_request, valid_id
from signage.venues.report import ReportError, parse
from signage.web import jsonbody
from signage.web.socket import announce

bp = Blueprint("api", __name__, url_prefix="/api")

# An override in every language at the longest texts is about 60 KB of JSON (escaped); the
# app-wide cap is the largest media upload, far too much for a JSON request.
MAX_BODY = 256 * 1024
#: A venue box's report: up to `signage.venues.report.MAX_KEYS` counts of about 90 bytes.
MAX_REPORT = 1024 * 1024


@bp.before_request
def _bound_body() -> None:
    request.max_content_length = MAX_REPORT if request.endpoint == "api.venue_report" else MAX_BODY


def _error(status: int, message: str, field: str = "") -> tuple[Response, int]:
    if field:
        return jsonify(error=message, field=field), status
    return jsonify(error=message), status


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> tuple[Response, int]:
    """Errors under /api are JSON, never an HTML page."""
    return _error(exc.code or 500, exc.description or exc.name)


def _authorised() -> tuple[Response, int] | None:
    """None when the request carries the configured bearer token, else the error response."""
    token = services.settings().api_token
    if not token:
        return _error(403, "the override API is disabled: set SIGNAGE_API_TOKEN to enable it")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return _error(401, "missing header Authorization: Bearer <token>")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return _error(401, "wrong token")
    return None


@bp.get("/screens")
def screens() -> Response:
    """Every declared screen with its live state, and the outcome of the latest playlist load."""
    hub = services.hub()
    now = time.time()
    catalog = hub.programme.catalog
    offline_after = services.settings().offline_after
    listed: list[dict[str, Any]] = []
    for screen_id in hub.programme.screen_ids():
        screen = catalog.screens[screen_id] if catalog is not None else None
        listed.append(
            {
                "id": screen_id,
                "name": getattr(screen, "name", screen_id),
                "groups": list(getattr(screen, "groups", ())),
                "location": getattr(screen, "location", None),
                **hub.presence.get(screen_id).to_json(now, offline_after),
            }
        )
    report = hub.programme.report
    return jsonify(
        screens=listed,
        catalog=report.to_json() if report is not None else None,
        server_time=int(now * 1000),
    )


@bp.get("/overrides")
def list_overrides() -> Response | tuple[Response, int]:
    """Active overrides and the most recent ones (token required)."""
    denied = _authorised()
    if denied:
        return denied
    store = services.hub().overrides
    return jsonify(
        active=[o.to_json() for o in store.active(time.time())],
        recent=[o.to_json() for o in store.recent(50)],
    )


@bp.post("/overrides")
def create_override() -> tuple[Response, int]:
    """Create an override and push it to its screens at once (token required); 201 on success."""
    denied = _authorised()
    if denied:
        return denied
    hub = services.hub()
    if not request.is_json:
        return _error(400, "the request body must be JSON with Content-Type: application/json")
    try:
        data = jsonbody.loads(request.get_data(cache=False))
    except jsonbody.JsonError as exc:
        return _error(400, str(exc))
    catalog = hub.programme.catalog
    groups = list(catalog.groups) if catalog is not None else []
    try:
        wanted = parse_request(data, datetime.now(hub.timezone), groups, hub.programme.screen_ids())
        messages = wanted.messages
        if wanted.speak:
            messages = hub.programme.speak(messages)
        override = hub.overrides.create(
            target=wanted.target,
            messages=messages,
            until=wanted.until,
            priority=wanted.priority,
            actor=f"api:{request.remote_addr}",
            source="api",
        )
    except OverrideError as exc:
        return _error(400, str(exc), exc.field)
    announce(hub, override)
    return jsonify(override.to_json()), 201


@bp.delete("/overrides/<int:override_id>")
def cancel_override(override_id: int) -> tuple[Response, int]:
    """Cancel an override and tell its screens (token required)."""
    denied = _authorised()
    if denied:
        return denied
    if not valid_id(override_id):
        return _error(400, f"the id must be a whole number from 1 to {MAX_ID}", "id")
    hub = services.hub()
    try:
        override = hub.overrides.cancel(override_id, actor=f"api:{request.remote_addr}")
    except NotFound as exc:
        return _error(404, str(exc))
    except OverrideError as exc:
        return _error(409, str(exc))
    announce(hub, override)
    return jsonify(override.to_json()), 200


@bp.get("/audit")
def audit() -> Response | tuple[Response, int]:
    """The newest entries of the override audit log (token required)."""
    denied = _authorised()
    if denied:
        return denied
    return jsonify(entries=[e.to_json() for e in services.hub().overrides.audit_log()])


@bp.post("/venues/report")
def venue_report() -> tuple[Response, int]:
    """A venue box's report (see `signage.venues.report`): its health and the absolute counts
    of the hours it names, stored with its token. Answers ``{"venue", "stored": [hours]}``;
    401 for a missing, unknown or revoked token, 403 when the body names another venue, 400
    (with ``field``) for a bad report, 413 for a body over `MAX_BODY`."""
    store = services.venues()
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    token = given.strip()
    if scheme.lower() != "bearer" or not token:
        return _error(401, "missing header Authorization: Bearer <venue token>", "Authorization")
    venue = store.venue_of(token)
    if venue is None:
        return _error(401, "unknown or revoked venue token", "Authorization")
    if not request.is_json:
        return _error(400, "the request body must be JSON (Content-Type: application/json)", "body")
    try:
        data = jsonbody.loads(request.get_data(cache=False))
    except jsonbody.JsonError as exc:
        return _error(400, str(exc), "body")
    now = store.clock()
    try:
        report = parse(data, datetime.fromtimestamp(now, UTC))
    except ReportError as exc:
        return _error(400, str(exc), exc.field)
    if report.venue != venue:
        return _error(403, "this token belongs to another venue", "venue")
    recorded = store.record(token, venue, report.health, report.hours)
    if recorded is None:  # revoked between the two looks
        return _error(401, "unknown or revoked venue token", "Authorization")
    if recorded.back:
        services.silence().back(venue, now)
    return jsonify(venue=venue, stored=list(recorded.hours)), 200
