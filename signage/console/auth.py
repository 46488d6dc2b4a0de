"""Who is signed in, what they may do, and the sign-in and sign-out pages.

`login_required` and `role_required(role)` guard views: a person who is not signed in is sent
to the sign-in page (303, with `next`), a script gets 401 JSON; a role too low gets 403 (page
or JSON). `current_operator()` is the signed-in `Operator` inside a guarded view. The session
cookie keeps the operator's name, password epoch and the token of a session record kept on the
server (`signage.accounts.sessions`); the account and the record are read again on every
request, so a removed account, a new role, a reset password, signing out (which ends the
record) or an administrator's "sign out everywhere" takes effect at once, even for a copy of
the cookie.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import ParamSpec
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from signage import services
from signage.accounts.lockout import Refusal
from signage.accounts.operators import ROLES, Operator
from signage.console.extension import Console

from . import csrf
from .audit import record
from .i18n import _, ngettext
from .pages import refusal, wants_json

__all__ = [
    "ROLES",
    "Operator",
    "bp",
    "current_operator",
    "login_required",
    "operator_from_session",
    "role_required",
    "session_check",
    "signed_in",
]

bp = Blueprint("console_auth", __name__, url_prefix="/console")

P = ParamSpec("P")
MAX_FIELD = 1024
# Control, format, surrogate, private, unassigned, line and paragraph separator characters.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# What the cookie holds for a signed-in operator (besides the language and the CSRF token).
SESSION_KEYS = ("operator", "epoch", "sid")


def signed_in() -> Operator | None:
    """The operator signed in on this request, or None."""
    operator: Operator | None = g.get("operator")
    return operator


def current_operator() -> Operator:
    """The signed-in operator; raises 401 when nobody is (use it in guarded views)."""
    operator = signed_in()
    if operator is None:
        from werkzeug.exceptions import Unauthorized

        raise Unauthorized()
    return operator


def operator_from_session() -> Operator | None:
    """The operator the session cookie names, re-read from the store; None when nobody is
    signed in, the account is gone, its password changed since, or the session was ended
    (signed out, here or everywhere). Works wherever the Flask session does, e.g. in a
    Socket.IO connect handler of a console page."""
    name, token = session.get("operator"), session.get("sid")
    if not isinstance(name, str) or not isinstance(token, str):
        return None
    return _signed_in_by(services.console(), name, session.get("epoch"), token, time.time())


def session_check() -> Callable[[float], bool] | None:
    """For the session of this request: None when it signs nobody in, else a function that
    tells, later and outside any request (at a Unix time), whether it still does: what the
    `/console` socket opened with it is checked against (see `signage.web.socket`). The one
    check both use is `_signed_in_by`, so a socket ends exactly when its pages would."""
    operator = operator_from_session()
    token = session.get("sid")
    if operator is None or not isinstance(token, str):
        return None
    parts = services.console()
    name, epoch = operator.name, operator.epoch

    def still_open(now: float) -> bool:
        return _signed_in_by(parts, name, epoch, token, now) is not None

    return still_open


def _signed_in_by(
    parts: Console, name: str, epoch: object, token: str, now: float
) -> Operator | None:
    """The operator `name` when the account still exists with password epoch `epoch` and the
    session `token` is open as theirs at `now`; else None. Reads the stores, not the request,
    so it also runs outside one."""
    operator = parts.operators.get(name)
    if operator is None or operator.epoch != epoch:
        return None
    if parts.sessions.operator_of(token, now) != operator.name:
        return None
    return operator


def load_operator() -> None:
    """`before_request` hook: put the session's operator in `g` for `/console` requests, and
    forget a session that no longer signs anyone in."""
    g.operator = None
    if not request.path.startswith("/console"):
        return
    g.operator = operator_from_session()
    if g.operator is None and "operator" in session:
        for key in SESSION_KEYS:
            session.pop(key, None)


def _end_session() -> None:
    """End the session record of this browser, if any, and empty its cookie but for the
    chosen language."""
    token = session.get("sid")
    if isinstance(token, str):
        services.console().sessions.end(token)
    language = session.get("lang")
    session.clear()
    if isinstance(language, str):
        session["lang"] = language


def _to_sign_in() -> ResponseReturnValue:
    if wants_json():
        return refusal(401, "signin")
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("console_auth.login", next=target), 303)


def login_required(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """Let the view run only for a signed-in operator (any role)."""

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if signed_in() is None:
            return _to_sign_in()
        return view(*args, **kwargs)

    return guarded


def role_required(
    role: str,
) -> Callable[[Callable[P, ResponseReturnValue]], Callable[P, ResponseReturnValue]]:
    """Let the view run only for an operator whose role is `role` or above."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")

    def decorate(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            operator = signed_in()
            if operator is None:
                return _to_sign_in()
            if not operator.may(role):
                return refusal(403, "forbidden")
            return view(*args, **kwargs)

        return guarded

    return decorate


def safe_next(target: str | None) -> str:
    r"""`target` when it is a path inside the console, else the console's home page.

    Kept: `/console` or a path under `/console/`, with any query. Anything else goes home: a
    scheme or host (`https://...`, `//host`), a backslash (browsers read `/\host` as
    `//host`), a `.` or `..` segment (which would leave `/console` once resolved), and any
    control, format or line-separator character (a CR or LF would split the Location header;
    a tab is dropped by browsers, so `/<tab>/host` is `//host`). Never raises.
    """
    home = url_for("console_home.index")
    if target is None or not target.startswith("/") or len(target) > MAX_FIELD or "\\" in target:
        return home
    if any(unicodedata.category(char) in UNSAFE_CATEGORIES for char in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    if parts.path != "/console" and not parts.path.startswith("/console/"):
        return home
    if any(segment in (".", "..") for segment in unquote(parts.path).split("/")):
        return home
    return target


def _clock(at: float | None) -> str:
    if at is None:
        return ""
    hub = services.hub()
    return f"{datetime.fromtimestamp(at, hub.timezone):%H:%M}"


def _address() -> str:
    return request.remote_addr or "-"


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in form; on success back to `next` (a console path) with a new session."""
    next_target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if signed_in() is not None:
            return redirect(next_target, 303)
        return render_template("console/login.html", next=next_target, name="", error=None)
    name = request.form.get("name", "").strip()[:MAX_FIELD]
    password = request.form.get("password", "")[:MAX_FIELD]
    parts = services.console()
    now = time.time()
    # People sometimes type their password into the name field: a name that is no account
    # goes to the audit log (which every operator reads) as "?".
    logged = name.lower() if parts.operators.get(name) else "?"
    # Counted as a failure before the (slow) password check, so that sign-ins sent all at
    # once cannot all get past the limits; given back below when the password is right.
    attempt = parts.guard.attempt(name or "-", _address(), now)
    error: str
    status = 200
    if isinstance(attempt, Refusal):
        if attempt.reason == "locked":
            error = _(
                "This account is locked after too many wrong passwords. An administrator can "
                "unlock it on the Operators page of the console (or with the command "
                "bluezone-signage operators unlock)."
            )
            if attempt.until is not None:
                error += " " + _("It unlocks by itself at %(time)s.", time=_clock(attempt.until))
            record("login.refused", logged, "account locked", actor="-")
        else:
            error = _(
                "Too many failed sign-ins from this device. Try again after %(time)s.",
                time=_clock(attempt.until),
            )
            status = 429
            record("login.refused", logged, "too many failures from this address", actor="-")
        return render_template(
            "console/login.html", next=next_target, name=name, error=error, locked=True
        ), status
    operator = parts.operators.authenticate(name, password) if name and password else None
    if operator is None:
        failure = attempt.failure
        record("login.failed", logged, f"failure {failure.failures}", actor="-")
        if failure.locked:
            record("login.locked", logged, f"after {failure.failures} failures", actor="-")
            error = _(
                "Wrong name or password. This account is now locked: an administrator can "
                "unlock it on the Operators page of the console (or with the command "
                "bluezone-signage operators unlock)."
            )
        else:
            error = _("Wrong name or password.")
            if parts.guard.max_failures:
                error += " " + ngettext(
                    "%(num)d more failure will lock the account.",
                    "%(num)d more failures will lock the account.",
                    failure.remaining,
                )
        return render_template(
            "console/login.html",
            next=next_target,
            name=name,
            error=error,
            locked=failure.locked,
        ), 200
    parts.guard.succeeded(attempt)
    # Whoever this browser was signed in as before is signed out first.
    _end_session()
    session.permanent = True
    session["operator"] = operator.name
    session["epoch"] = operator.epoch
    session["sid"] = parts.sessions.start(operator.name, now)
    csrf.rotate()
    g.operator = operator
    record("login", operator.name, f"role {operator.role}")
    return redirect(next_target, 303)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End this session (on the server too: a copy of the cookie no longer signs in) and go
    back to the sign-in page. Other sessions of the operator stay open."""
    operator = signed_in()
    if operator is not None:
        record("logout", operator.name)
    _end_session()
    return redirect(url_for("console_auth.login"), 303)
