"""Digital signage: YAML playlists pushed in real time to kiosk screens."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask

    from signage.config import SignageSettings
    from signage.live.hub import Hub
    from signage.speech.spoken import SpokenAudio


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the signage Flask app; the only place where settings are read and parts wired.

    Settings come from `signage.config.load` (defaults, `SIGNAGE_CONFIG` file, `SIGNAGE_*`
    variables) with `test_config` on top, read and checked once here and then found through
    `signage.services.settings`; keys of `test_config` that are not settings (`TESTING`) go
    to Flask as they are. Raises `signage.config.ConfigError` on a bad setting.
    The background loop is not started here but by the first request or screen connection.
    """
    # Imported here so that importing the package (for the playlist format and `check`)
    # does not pull in Flask-SocketIO.
    from flask import Flask, Response, jsonify, request
    from werkzeug.exceptions import HTTPException

    from bluezone.storage.database import DatabaseError
    from signage import config, console, services
    from signage.database import database as signage_database
    from signage.emergency.store import OverrideStore
    from signage.live.alerts import Alerts
    from signage.live.background import Background
    from signage.live.cluster import Cluster
    from signage.live.enrollment import EnrollmentStore, Trust
    from signage.live.hub import Hub
    from signage.live.playlog import PlayLog
    from signage.live.programme import Programme
    from signage.live.watcher import Watcher
    from signage.venues.silence import Silence
    from signage.venues.store import VenueStore
    from signage.web import api, socket, views

    app = Flask(__name__, instance_relative_config=True)
    settings = config.load(os.environ, test_config)
    services.settings.set(app, settings)
    app.config.from_mapping(test_config or {})
    app.config.from_mapping(settings.as_config())
    database = signage_database(app)
    try:
        database.check()
    except DatabaseError as exc:
        raise config.ConfigError(f"DATABASE: cannot use {database}: {exc}") from None
    playlists = Path(settings.playlists_dir)
    message_queue = settings.message_queue
    notify = _webhook(settings)
    # Several nodes share the database when it is a server's, or when they share a message
    # queue; one alone needs no leases.
    several = database.engine == "postgresql" or bool(message_queue)
    hub = Hub(
        programme=Programme(playlists, settings.portal_url, _spoken(settings)),
        overrides=OverrideStore(database),
        plays=PlayLog(database),
        watcher=Watcher(playlists),
        trust=Trust(EnrollmentStore(database)),
        offline_after=settings.offline_after,
        emit_stored_overrides=not message_queue,
        play_log_days=settings.play_log_days,
        offload=socket.run_in_thread,
        alerts=Alerts(settings.alert_delay),
        notify=notify,
        cluster=Cluster(database) if several else None,
    )
    hub.start()
    services.hub.set(app, hub)
    socket.init_app(app, message_queue=message_queue)
    venues = VenueStore(database)
    services.venues.set(app, venues)
    silence = Silence(venues, settings.venue_silent_minutes * 60, notify)
    services.silence.set(app, silence)
    background = Background(
        hub,
        interval=settings.watch_interval,
        extra=_passes(_cap_source(settings, hub), silence.check),
        enabled=settings.background,
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


def _spoken(settings: SignageSettings) -> SpokenAudio:
    """The spoken audio of the playlist directory's media, made by the configured engine
    (the settings were checked by `config.load`)."""
    from signage.catalog.loader import MEDIA_DIR
    from signage.speech.engine import SpeechEngine
    from signage.speech.spoken import SpokenAudio

    engine = SpeechEngine.configure(
        settings.speech_engine,
        settings.speech_program,
        settings.speech_voices,
        settings.speech_timeout,
    )
    return SpokenAudio(Path(settings.playlists_dir) / MEDIA_DIR, engine)


def _webhook(settings: SignageSettings) -> Callable[[dict[str, Any]], None] | None:
    """The function that queues an alert for the webhook, or None when none is configured."""
    if not settings.alert_webhook_url:
        return None
    from signage.live.webhook import Webhook

    return Webhook(
        settings.alert_webhook_url,
        timeout=settings.alert_webhook_timeout,
        attempts=settings.alert_webhook_attempts,
    ).send


def _passes(*tasks: Callable[[float], object] | None) -> Callable[[float], None]:
    """One callback for the background loop that runs each of ``tasks`` (the None ones are
    not configured); a failing task is logged and does not keep the others from running."""
    import logging

    chosen = [task for task in tasks if task is not None]
    log = logging.getLogger("signage.background")

    def run(now: float) -> None:
        for task in chosen:
            try:
                task(now)
            except Exception:
                log.exception("background task %r failed; retrying next pass", task)

    return run


def _cap_source(settings: SignageSettings, hub: Hub) -> Callable[[float], None] | None:
    """The CAP polling callback for the background loop, or None when CAP is not configured."""
    if not settings.cap_feed_url and not settings.cap_drop_dir:
        return None
    from signage.emergency.capfeed import CapSource

    return CapSource(
        hub=hub,
        feed_url=settings.cap_feed_url,
        drop_dir=Path(settings.cap_drop_dir) if settings.cap_drop_dir else None,
        poll_interval=settings.cap_poll_interval,
        default_minutes=settings.cap_default_minutes,
    )
