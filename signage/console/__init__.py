"""The operator console: a web interface under `/console` for the people who run the signage.

`init_app(app)` (called by `signage.create_app`) reads the console settings, makes the session
key, opens the accounts, sign-in guard and audit log in the signage database, and registers
the hooks every console request goes through: the signed-in operator is loaded
(`auth.load_operator`), state-changing requests must carry the CSRF token (`csrf.protect`),
and every response gets the security headers (`headers.add`). Areas of the console are
blueprints with the URL prefix `/console`, registered here.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import Babel
from werkzeug.middleware.proxy_fix import ProxyFix

from bluezone.secretkey import SecretKeyError, load_secret_key
from bluezone.storage.database import Database
from signage import services
from signage.accounts.audit import AuditLog
from signage.accounts.lockout import LoginGuard
from signage.accounts.operators import OperatorStore
from signage.accounts.passwords import Scrypt
from signage.accounts.sessions import SessionStore
from signage.config import ConfigError, SignageSettings
from signage.database import database as signage_database

from . import (
    auditlog,
    auth,
    csrf,
    emergency,
    headers,
    home,
    language,
    materials,
    media,
    operators,
    pages,
    playlists,
    results,
    roles,
    screens,
    venues,
)
from .extension import Console
from .i18n import _
from .playlists.blueprint import bound_body

__all__ = ["babel", "console_services", "init_app", "pages"]

babel = Babel()

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
COOKIE_NAME = "signage_session"


def password_params(settings: SignageSettings) -> Scrypt:
    """The scrypt parameters from the settings; `ConfigError` when the cost is not valid."""
    try:
        return Scrypt(n=settings.password_scrypt_n)
    except ValueError as exc:
        raise ConfigError(f"PASSWORD_SCRYPT_N: {exc}") from None


def console_services(
    settings: SignageSettings, database: Database | Path, offload: Any = None
) -> Console:
    """The console's accounts, sign-in guard, sessions and audit log for `settings`, in
    `database`.

    Used by the app and by the `operators` commands, so both see the same accounts.
    """
    params = password_params(settings)
    store = (
        OperatorStore(database, params, offload)
        if offload is not None
        else OperatorStore(database, params)
    )
    guard = LoginGuard(
        database,
        max_failures=settings.login_max_failures,
        lockout_seconds=settings.login_lockout_minutes * 60,
        address_limit=settings.login_address_limit,
        window_seconds=settings.login_window_minutes * 60,
    )
    sessions = SessionStore(database, lifetime=settings.session_hours * 3600)
    return Console(operators=store, guard=guard, audit=AuditLog(database), sessions=sessions)


def _nav() -> list[tuple[str, str]]:
    """The console areas as (path, label), in the order of the navigation bar."""
    return [
        ("/console/playlists", _("Playlists")),
        ("/console/media", _("Media")),
        ("/console/screens", _("Screens")),
        ("/console/emergency", _("Emergency")),
        ("/console/results", _("Results")),
        ("/console/materials", _("Printed materials")),
        ("/console/venues", _("Venues")),
        ("/console/operators", _("Operators")),
        ("/console/audit", _("Audit log")),
    ]


def _template_context() -> dict[str, Any]:
    if not request.path.startswith("/console"):
        return {}
    return {
        "operator": auth.signed_in(),
        "csrf_field": csrf.csrf_field,
        "csrf_token": csrf.token,
        "console_nav": _nav(),
        "console_languages": language.LANGUAGES,
        "console_lang": language.select(),
        "role_label": roles.label,
        "role_help": roles.explain,
    }


def init_app(app: Flask) -> None:
    """Wire the console into the signage app (see the module docstring)."""
    from signage.web.socket import run_in_thread

    settings = services.settings(app)
    key_file = Path(settings.secret_key_file or Path(app.instance_path, "secret_key"))
    try:
        app.secret_key = load_secret_key(settings.secret_key, key_file, "SIGNAGE_SECRET_KEY")
    except SecretKeyError as exc:
        raise ConfigError(str(exc)) from None
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        BABEL_DEFAULT_LOCALE=language.DEFAULT,
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
    )
    services.console.set(
        app, console_services(settings, signage_database(app), offload=run_in_thread)
    )
    if settings.proxy_count:
        count = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
    babel.init_app(app, locale_selector=language.select)
    app.before_request(auth.load_operator)
    app.before_request(bound_body)
    app.before_request(csrf.protect)
    app.after_request(headers.add)
    app.context_processor(_template_context)
    for blueprint in (auth.bp, home.bp, auditlog.bp, operators.bp):
        app.register_blueprint(blueprint)
    playlists.init_app(app, signage_database(app))
    # The live areas: the screens board and emergency messages.
    app.register_blueprint(screens.bp)
    app.register_blueprint(emergency.bp)
    screens.init_app(app)
    media.init_app(app)
    app.register_blueprint(results.bp)
    materials.init_app(app)
    app.register_blueprint(venues.bp)
