"""The player edge: the page a kiosk opens, its state as JSON, its service worker, and media.

`/screen/<id>` renders the player for a declared screen and a bilingual "not registered yet"
page (status 404) for any other id, so an operator reading the screen can add it.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from bluezone.health import database_health
from bluezone.qr import QrError, svg_document
from signage import services
from signage.catalog.loader import MEDIA_DIR
from signage.database import database
from signage.live.hub import Hub

bp = Blueprint("player", __name__)

SCREEN_ID_LIMIT = 100


def _note_stranger(hub: Hub, screen_id: str) -> None:
    """Put an undeclared id on the console's board, where an admin can register it."""
    hub.presence.note_stranger(
        screen_id[:SCREEN_ID_LIMIT], time.time(), request.remote_addr, request.user_agent.string
    )


@bp.get("/")
def index() -> Response:
    """A plain list of the declared screens, linking to their players."""
    hub = services.hub()
    return Response(
        render_template("index.html", screens=hub.programme.screen_ids()), mimetype="text/html"
    )


@bp.get("/healthz")
def health() -> Response:
    """For nginx and monitoring: 200 ``{"status": "ok"}`` while this node reaches its database,
    503 with what failed otherwise (see `bluezone.health`). Cheap: one ``SELECT 1``."""
    found = database_health(database(current_app))
    response = jsonify(found.to_json())
    response.status_code = found.status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/screen/<screen_id>")
def screen(screen_id: str) -> tuple[str, int]:
    """The player page, or the "not registered yet" page naming the id."""
    hub = services.hub()
    if hub.programme.screen(screen_id) is None:
        _note_stranger(hub, screen_id)
        return render_template("unregistered.html", screen_id=screen_id[:SCREEN_ID_LIMIT]), 404
    return (
        render_template(
            "player.html",
            screen=hub.programme.screen(screen_id),
            heartbeat=services.settings().heartbeat_interval,
            state_url=url_for("player.state", screen_id=screen_id),
            worker_url=url_for("player.service_worker"),
            preview=None,
        ),
        200,
    )


@bp.get("/screen/<screen_id>/state.json")
def state(screen_id: str) -> tuple[Response, int]:
    """The same `state` message as the socket sends, plus the active `overrides`, over HTTP.

    The player fetches it at start so that the service worker keeps a copy for offline reloads.
    """
    hub = services.hub()
    now = time.time()
    payload = hub.state_for(screen_id, now)
    if payload is None:
        _note_stranger(hub, screen_id)
        return jsonify(error=f"screen {screen_id[:SCREEN_ID_LIMIT]!r} is not registered"), 404
    body = {
        **payload,
        "server_time": int(now * 1000),
        "overrides": [o.to_json() for o in hub.overrides_for(screen_id, now)],
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200


@bp.get("/screen/sw.js")
def service_worker() -> Response:
    """The service worker, served under /screen/ so that its scope covers every player page."""
    static = Path(current_app.root_path, "static")
    response = send_from_directory(static, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/media/<path:name>")
def media(name: str) -> Response:
    """Images and videos of the catalog, served from `media/` in the playlist directory.

    Files are served with a sandboxing Content-Security-Policy: the console shares this origin,
    and a file put into `media/` by hand (an SVG, an HTML page) must not run script in it
    when opened directly. Images and videos shown by the player are unaffected."""
    directory = Path(services.settings().playlists_dir, MEDIA_DIR)
    if not directory.is_dir():
        abort(404, description=f"no media directory {directory}")
    response = send_from_directory(directory.resolve(), name, max_age=300)
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; media-src 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/qr.svg")
def qr() -> Response | tuple[Response, int]:
    """An SVG QR code of the `data` query parameter (the URL a QR slide points at)."""
    try:
        svg = svg_document(request.args.get("data", ""))
    except QrError as exc:
        return jsonify(error=str(exc)), 400
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
