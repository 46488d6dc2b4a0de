"""Digital signage: YAML playlists pushed in real time to kiosk screens."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask

    from signage.live.hub import Hub


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the signage Flask app; the only place where settings are read and parts wired.

    Settings come from `signage.config` (defaults, `SIGNAGE_CONFIG` file, `SIGNAGE_*`
    variables) with `test_config` on top. Raises `signage.config.ConfigError` on a bad setting.
    The background loop is not started here but by the first request or screen connection.
    """
    # Imported here so that importing the package (for the playlist format and `check`)
    # does not pull in Flask-SocketIO.
    from flask import Flask, Response, jsonify, request
    from werkzeug.exceptions import HTTPException

    from signage import config, console, services
    from signage.emergency.store import OverrideStore
    from signage.live.alerts import Alerts
    from signage.live.background import Background
    from signage.live.enrollment import EnrollmentStore, Trust
    from signage.live.hub import Hub
    from signage.live.playlog import PlayLog
    from signage.live.programme import Programme
    from signage.live.watcher import Watcher
    from signage.web import api, socket, views

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.load(os.environ, test_config))
    database = Path(app.config["DATABASE"] or Path(app.instance_path, "signage.sqlite3"))
    playlists = Path(app.config["PLAYLISTS_DIR"])
    message_queue = str(app.config["MESSAGE_QUEUE"])
    hub = Hub(
        programme=Programme(playlists, str(app.config["PORTAL_URL"])),
        overrides=OverrideStore(database),
        plays=PlayLog(database),
        watcher=Watcher(playlists),
        trust=Trust(EnrollmentStore(database)),
        offline_after=float(app.config["OFFLINE_AFTER"]),
        emit_stored_overrides=not message_queue,
        play_log_days=float(app.config["PLAY_LOG_DAYS"]),
        offload=socket.run_in_thread,
        alerts=Alerts(float(app.config["ALERT_DELAY"])),
        notify=_webhook(app.config),
    )
    hub.start()
    services.hub.set(app, hub)
    socket.init_app(app, message_queue=message_queue)
    background = Background(
        hub,
        interval=float(app.config["WATCH_INTERVAL"]),
        extra=_cap_source(app.config, hub),
        enabled=bool(app.config["BACKGROUND"]),
        console_sockets=services.console_sockets(app),
    )
    services.background.set(app, background)
    app.before_request(background.ensure_started)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    console.init_app(app)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response | HTTPException:
        # The API answers in JSON even for routes or methods it does not have.
        if request.path.startswith("/api/"):
            response = jsonify(error=exc.description or exc.name)
            response.status_code = exc.code or 500
            return response
        if request.path.startswith("/console"):
            # Console pages answer in the operator's language, scripts in JSON.
            return console.pages.error_response(exc)
        return exc

    return app


def _webhook(settings: Mapping[str, Any]) -> Callable[[dict[str, Any]], None] | None:
    """The function that queues an alert for the webhook, or None when none is configured."""
    if not settings["ALERT_WEBHOOK_URL"]:
        return None
    from signage.live.webhook import Webhook

    return Webhook(
        str(settings["ALERT_WEBHOOK_URL"]),
        timeout=float(settings["ALERT_WEBHOOK_TIMEOUT"]),
        attempts=int(settings["ALERT_WEBHOOK_ATTEMPTS"]),
    ).send


def _cap_source(settings: Mapping[str, Any], hub: Hub) -> Callable[[float], None] | None:
    """The CAP polling callback for the background loop, or None when CAP is not configured."""
    if not settings["CAP_FEED_URL"] and not settings["CAP_DROP_DIR"]:
        return None
    from signage.emergency.capfeed import CapSource

    return CapSource(
        hub=hub,
        feed_url=str(settings["CAP_FEED_URL"]),
        drop_dir=Path(settings["CAP_DROP_DIR"]) if settings["CAP_DROP_DIR"] else None,
        poll_interval=float(settings["CAP_POLL_INTERVAL"]),
        default_minutes=float(settings["CAP_DEFAULT_MINUTES"]),
    )
