"""The read-only campaign figures API, ``GET /api/stats``, for the signage operator console.

It answers only a request that carries ``Authorization: Bearer <stats_token>`` (compared in
constant time) and is switched off (404) when no token is configured. It returns the hourly
counters the portal keeps, which hold no client identifier: see :mod:`portal.sessions.store`.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from .. import services
from ..config import ConfigError, PortalConfig

bp = Blueprint("stats", __name__)

HOUR = "%Y-%m-%dT%H"
DEFAULT_DAYS = 30
MAX_DAYS = 3660
TOKEN_MINIMUM = 16


class RangeError(ValueError):
    """A ``from``/``to``/``venue`` parameter is malformed; the message names it."""


def read_token(config: PortalConfig) -> str:
    """The stats token from ``stats_token`` or the file named by ``stats_token_file``; empty
    when neither is set. Raise :class:`ConfigError` when the file is unusable."""
    if config.stats_token and config.stats_token_file:
        raise ConfigError("set stats_token or stats_token_file, not both")
    if not config.stats_token_file:
        return config.stats_token
    path = Path(config.stats_token_file)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"stats_token_file: cannot read {path}: {exc}") from None
    if len(token) < TOKEN_MINIMUM:
        raise ConfigError(f"stats_token_file: {path} must hold at least {TOKEN_MINIMUM} characters")
    return token


def _hour(name: str, text: str) -> datetime:
    for pattern in (HOUR, "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise RangeError(f"{name}: expected a UTC date YYYY-MM-DD or hour YYYY-MM-DDTHH, got {text!r}")


def hour_range(first: str | None, end: str | None, now: datetime) -> tuple[str, str]:
    """The UTC hours ``[first, end)`` asked for; by default the last ``DEFAULT_DAYS`` days up
    to and including the current hour."""
    stop = _hour("to", end) if end else now.replace(minute=0, second=0, microsecond=0)
    if not end:
        stop += timedelta(hours=1)
    start = _hour("from", first) if first else stop - timedelta(days=DEFAULT_DAYS)
    if start >= stop:
        raise RangeError("from must be before to")
    if stop - start > timedelta(days=MAX_DAYS):
        raise RangeError(f"at most {MAX_DAYS} days at a time")
    return start.strftime(HOUR), stop.strftime(HOUR)


def _authorised(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _answer(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/stats")
def stats() -> Response:
    """Hourly campaign counters: ``?from=&to=`` (UTC, ``to`` not included) and ``&venue=``.

    Answers ``{"venue", "from", "to", "counts": [{hour, kind, venue, lang, os, src, count}]}``;
    401 without the right bearer token, 404 when the API is off, 400 on a bad parameter.
    """
    token: str = current_app.config["STATS_TOKEN"]
    if not token:
        return _answer({"error": "the stats API is off: set stats_token"}, 404)
    if not _authorised(token):
        response = _answer({"error": "a valid bearer token is required"}, 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="portal stats"'
        return response
    service = services.access()
    try:
        first, end = hour_range(request.args.get("from"), request.args.get("to"), _now())
    except RangeError as exc:
        return _answer({"error": str(exc)}, 400)
    venue = request.args.get("venue") or None
    service.events.flush()
    counts = service.store.event_counts_between(first, end, venue)
    rows = [{**key.__dict__, "count": n} for key, n in counts]
    return _answer(
        {"venue": service.config.venue_id, "from": first, "to": end, "counts": rows}, 200
    )


def _now() -> datetime:
    return datetime.now(UTC)
