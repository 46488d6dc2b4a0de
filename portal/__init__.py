"""The Bluezone captive portal: a Flask application built by :func:`create_app`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from flask_babel import Babel
from werkzeug.exceptions import HTTPException

from bluezone.secretkey import SecretKeyError, load_secret_key
from bluezone.storage.database import Database, DatabaseError
from bluezone.venuereport import MAX_GATEWAY, MAX_VERSION, clean_text

from . import services
from .campaign import stats
from .campaign.content import Campaign, load_campaign
from .campaign.events import EventLog
from .campaign.outbox import Outbox
from .campaign.reporter import Reporter, read_token, version
from .config import ConfigError, PortalConfig, load_config
from .controllers.registry import create_controller
from .gateway import create_gateway
from .sessions.access import Access
from .sessions.store import Store
from .sessions.token import AcceptTokens
from .venues import views as venue_views
from .venues.visits import Venue, VisitDesk
from .web import views
from .web.destination import clean_destination
from .web.intercept import Interceptor
from .web.language import NATIVE_NAMES, choose_language, html_lang
from .web.splash import CONTINUE_QUERY, CONTINUE_VALUE, TOKEN, SplashCache, continue_query

babel = Babel()

_CSS = (Path(__file__).parent / "templates" / "portal.css").read_text(encoding="utf-8")


def _secret_key(config: PortalConfig, instance: Path) -> str:
    """The configured secret, or one generated once and kept in the instance folder (0600); a
    key too short to be safe is a `ConfigError` (see `bluezone.secretkey`)."""
    try:
        return load_secret_key(config.secret_key, instance / "secret_key", "PORTAL_SECRET_KEY")
    except SecretKeyError as exc:
        raise ConfigError(str(exc)) from None


def _store(database: str, salt: bytes) -> Store:
    """The sessions store on ``database`` (a file path or a PostgreSQL URL), its schema
    brought up to date; a database that cannot be reached or migrated is a `ConfigError`
    naming the setting (and never the URL's password)."""
    where = Database.from_url(database)
    try:
        where.check()
        return Store(database, salt=salt)
    except DatabaseError as exc:
        raise ConfigError(f"database: cannot use {where}: {exc}") from None


def _policy() -> str:
    """The pages' Content-Security-Policy: nothing may load from anywhere, styles only ours."""
    digest = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
    return (
        "default-src 'none'; "
        f"style-src 'sha256-{digest}'; "
        "img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def _security_headers() -> list[tuple[str, str]]:
    """Headers for every HTML page."""
    return [
        ("Content-Security-Policy", _policy()),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]


def _venues(config: PortalConfig, campaign: Campaign) -> dict[str, Venue]:
    """Each configured venue with its controller and campaign (the portal's unless it names
    its own file)."""
    venues: dict[str, Venue] = {}
    for venue in config.venues:
        own = venue.campaign_file and venue.campaign_file != config.campaign_file
        venues[venue.id] = Venue(
            config=venue,
            controller=create_controller(venue, config.portal_url),
            campaign=load_campaign(Path(venue.campaign_file), venue.languages) if own else campaign,
        )
    return venues


def _health(service: Access, started: float) -> Callable[[], dict[str, Any]]:
    """What the box reports about itself: release, uptime, sessions, its gateway's state."""

    def health() -> dict[str, Any]:
        try:
            status = service.gateway.status()
            state = f"{status.get('backend', service.gateway.name)}: ok"
            if "granted" in status:
                state += f", {status['granted']} granted"
        except Exception as exc:  # any failure of the enforcement point is worth reporting
            state = f"{service.gateway.name}: failing: {exc}"
        return {
            "version": clean_text(version(), MAX_VERSION),
            "uptime": int(time.monotonic() - started),
            "sessions": len(service.store.active_sessions()),
            "gateway": clean_text(state, MAX_GATEWAY),
        }

    return health


def create_app(test_config: dict[str, Any] | None = None, *, install_gateway: bool = True) -> Flask:
    """Build the portal. ``test_config`` overrides any configuration key (for tests).

    With ``install_gateway`` (the server) the enforcement point is set up and every unexpired
    session restored; operator commands pass ``False`` and only talk to it.
    """
    app = Flask(__name__, instance_relative_config=True)
    config = load_config(os.environ.get("PORTAL_CONFIG"), overrides=test_config)
    if not (config.database and config.secret_key):
        # Only the embedded defaults live in the instance folder; a deployment that sets both
        # may run from a read-only installation.
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.getLogger("portal").setLevel(config.log_level.upper())
    instance = Path(app.instance_path)
    secret = _secret_key(config, instance)
    app.config.update(
        SECRET_KEY=secret,
        MAX_CONTENT_LENGTH=16 * 1024,
        BABEL_DEFAULT_LOCALE=config.default_language,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        PORTAL=config,
        STATS_TOKEN=stats.read_token(config),
    )
    store = _store(
        config.database or str(instance / "portal.sqlite3"),
        salt=hmac.new(secret.encode(), b"client-identifier-salt", hashlib.sha256).digest(),
    )
    campaign = load_campaign(
        Path(config.campaign_file) if config.campaign_file else None, config.languages
    )
    gateway = create_gateway(config)
    if install_gateway:
        gateway.install(store.active_sessions())
    service = Access(
        config=config,
        campaign=campaign,
        store=store,
        gateway=gateway,
        tokens=AcceptTokens(secret, config.token_minutes * 60),
        events=EventLog(store, config.event_flush_seconds),
    )
    services.access.set(app, service)
    if config.report_url:
        reporter = Reporter(
            url=config.report_url,
            token=read_token(config),
            venue=config.venue_id,
            interval=config.report_interval,
            outbox=Outbox(store.database),
            health=_health(service, time.monotonic()),
            flush=service.events.flush,
        )
        services.reporter.set(app, reporter)
        if install_gateway:
            # The server's workers start it (deploy/gunicorn/portal.conf.py); a request is
            # the fallback for a server run otherwise (flask run, other WSGI servers).
            app.before_request(reporter.ensure_started)
    services.csp.set(app, _policy())
    services.visits.set(app, VisitDesk(service, _venues(config, campaign), secret))
    babel.init_app(app, locale_selector=lambda: g.get("lang", config.default_language))

    @app.before_request
    def _choose_language() -> None:
        venue = g.get("venue")
        g.lang = choose_language(
            views.request_value("lang"),
            request.headers.get("Accept-Language"),
            venue.config.languages if venue else config.languages,
            venue.config.default_language if venue else config.default_language,
        )

    @app.context_processor
    def _page_context() -> dict[str, Any]:
        venue = g.get("venue")
        lang = g.get("lang", config.default_language)
        page_campaign = venue.campaign if venue else campaign
        offered = venue.config.languages if venue else config.languages
        return {
            "lang": lang,
            "html_lang": html_lang(lang),
            "languages": [(code, html_lang(code), NATIVE_NAMES[code]) for code in offered],
            "venue_name": venue.config.name if venue else config.venue_name,
            "campaign": page_campaign,
            "text": page_campaign.text(lang),
            "css": _CSS,
            "continue_query": continue_query(clean_destination(views.request_value("continue"))),
        }

    security_headers = _security_headers()

    @app.after_request
    def _headers(response: Any) -> Any:
        if response.mimetype == "text/html":
            for name, value in security_headers:
                response.headers.setdefault(name, value)
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.register_blueprint(views.bp)
    app.register_blueprint(stats.bp)
    app.register_blueprint(venue_views.bp)
    app.register_blueprint(venue_views.guest_bp)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        reason = {404: "not_found", 405: "bad_request", 413: "bad_request"}.get(code, "bad_request")
        return views.render_error(reason, code)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        app.logger.exception("unexpected error")
        return views.render_error("unexpected", 500)

    def render_splash(lang: str) -> str:
        with app.test_request_context(f"/?lang={lang}"):
            g.lang = lang
            return render_template(
                "splash.html",
                token=TOKEN,
                continue_value=CONTINUE_VALUE,
                continue_query=CONTINUE_QUERY,
                duration=views.session_length(),
                page="splash",
            )

    # Flask declares wsgi_app as a method; wrapping it in middleware is the documented way.
    app.wsgi_app = Interceptor(  # type: ignore[method-assign]
        app.wsgi_app, service, SplashCache(render_splash), security_headers
    )
    return app
