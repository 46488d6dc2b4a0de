"""The operators page (admins only): add accounts, change role and groups, set a new
password, unlock, sign out everywhere, remove. The last admin can be neither removed nor
demoted; every change is in the audit log. Each form posts to its own URL and comes back here
(303) with a message; a refused new account is shown again with the reason next to the field.
"""

from __future__ import annotations

import time
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from signage import services
from signage.accounts.operators import (
    ROLES,
    InvalidGroup,
    InvalidName,
    InvalidRole,
    LastAdmin,
    NameTaken,
    Operator,
    OperatorError,
    UnknownOperator,
    WeakPassword,
)
from signage.accounts.passwords import MAX_PASSWORD, MIN_PASSWORD

from .audit import record
from .auth import current_operator, role_required
from .i18n import _
from .roles import label

bp = Blueprint("console_operators", __name__, url_prefix="/console/operators")


def _reason(exc: OperatorError) -> tuple[str, str]:
    """(field, message in the operator's language) for a refused change."""
    if isinstance(exc, InvalidName):
        return "name", _(
            "Use 1 to 64 lower-case letters (without accents), digits, dots, dashes or "
            "underscores, starting with a letter or a digit."
        )
    if isinstance(exc, NameTaken):
        return "name", _("An operator with this name already exists.")
    if isinstance(exc, WeakPassword):
        return "password", _(
            "The password needs %(min)d to %(max)d characters.", min=MIN_PASSWORD, max=MAX_PASSWORD
        )
    if isinstance(exc, InvalidGroup):
        return "groups", _("One of the groups is not valid.")
    if isinstance(exc, InvalidRole):
        return "role", _("Choose a role.")
    if isinstance(exc, LastAdmin):
        return "role", _(
            "This is the last administrator. Make another operator an administrator first."
        )
    return "", _("The change was refused.")


def _groups() -> dict[str, str]:
    """The declared groups, id to display name."""
    catalog = services.hub().programme.catalog
    if catalog is None:
        return {}
    return {gid: group.name for gid, group in sorted(catalog.groups.items())}


def _describe(operator: Operator) -> str:
    groups = ", ".join(operator.groups)
    return f"role {operator.role}" + (f", groups {groups}" if groups else "")


def _page(form: dict[str, object] | None = None, errors: dict[str, str] | None = None) -> str:
    parts = services.console()
    hub = services.hub()
    locks = parts.guard.locks(time.time())

    def since(name: str) -> str:
        lock = locks[name]
        return f"{datetime.fromtimestamp(lock.since, hub.timezone):%Y-%m-%d %H:%M}"

    accounts = parts.operators.all()
    now = time.time()
    return render_template(
        "console/operators.html",
        accounts=accounts,
        open_sessions={o.name: parts.sessions.count(o.name, now) for o in accounts},
        admins=sum(1 for o in accounts if o.role == "admin"),
        locks=locks,
        since=since,
        roles=[(role, label(role)) for role in ROLES],
        groups=_groups(),
        form=form or {"role": "editor", "groups": []},
        errors=errors or {},
        min_password=MIN_PASSWORD,
    )


def _target(name: str) -> Operator:
    found = services.console().operators.get(name)
    if found is None:
        abort(404)
    return found


def _back() -> ResponseReturnValue:
    return redirect(url_for("console_operators.index"), 303)


@bp.get("")
@role_required("admin")
def index() -> ResponseReturnValue:
    """Every account with its role, groups and state, and the forms to change them."""
    return _page()


@bp.post("")
@role_required("admin")
def add() -> ResponseReturnValue:
    """Create an account from the form (name, role, groups, password twice)."""
    name = request.form.get("name", "").strip()
    role = request.form.get("role", "")
    groups = request.form.getlist("groups")
    password = request.form.get("password", "")
    form: dict[str, object] = {"name": name, "role": role, "groups": groups}
    if password != request.form.get("password2", ""):
        errors = {"password": _("The two passwords are not the same.")}
        return _page(form, errors), 400
    try:
        added = services.console().operators.add(name, role, groups, password)
    except OperatorError as exc:
        field, message = _reason(exc)
        return _page(form, {field or "name": message}), 400
    record("operator.add", added.name, _describe(added))
    flash(_("Operator %(name)s added.", name=added.name), "success")
    return _back()


@bp.post("/<name>/update")
@role_required("admin")
def update(name: str) -> ResponseReturnValue:
    """Set the role and groups of one account."""
    target = _target(name)
    try:
        changed = services.console().operators.update(
            target.name, request.form.get("role", ""), request.form.getlist("groups")
        )
    except OperatorError as exc:
        flash(_reason(exc)[1], "error")
        return _back()
    record("operator.update", changed.name, _describe(changed))
    flash(_("Operator %(name)s changed.", name=changed.name), "success")
    return _back()


@bp.post("/<name>/password")
@role_required("admin")
def password(name: str) -> ResponseReturnValue:
    """Give one account a new password (typed twice); its open sessions end."""
    target = _target(name)
    new = request.form.get("password", "")
    if new != request.form.get("password2", ""):
        flash(_("The two passwords are not the same."), "error")
        return _back()
    try:
        services.console().operators.set_password(target.name, new)
    except OperatorError as exc:
        flash(_reason(exc)[1], "error")
        return _back()
    record("operator.password", target.name)
    flash(_("New password set for %(name)s.", name=target.name), "success")
    return _back()


@bp.post("/<name>/unlock")
@role_required("admin")
def unlock(name: str) -> ResponseReturnValue:
    """Lift the lock after too many wrong passwords."""
    target = _target(name)
    if services.console().guard.unlock(target.name):
        record("operator.unlock", target.name)
        flash(_("%(name)s can sign in again.", name=target.name), "success")
    return _back()


@bp.post("/<name>/signout")
@role_required("admin")
def sign_out_everywhere(name: str) -> ResponseReturnValue:
    """End every session of one account, in every browser (for a lost or shared computer);
    the person can sign in again with their password."""
    target = _target(name)
    ended = services.console().sessions.end_all(target.name)
    record("operator.signout", target.name, f"{ended} sessions")
    flash(_("%(name)s is signed out everywhere.", name=target.name), "success")
    if target.name == current_operator().name:
        return redirect(url_for("console_auth.login"), 303)
    return _back()


@bp.post("/<name>/remove")
@role_required("admin")
def remove(name: str) -> ResponseReturnValue:
    """Delete one account (never the last administrator)."""
    target = _target(name)
    try:
        removed = services.console().operators.remove(target.name)
    except UnknownOperator:
        abort(404)
    except OperatorError as exc:
        flash(_reason(exc)[1], "error")
        return _back()
    services.console().guard.unlock(removed.name)
    record("operator.remove", removed.name, _describe(removed))
    flash(_("Operator %(name)s removed.", name=removed.name), "success")
    if removed.name == current_operator().name:
        return redirect(url_for("console_auth.login"), 303)
    return _back()
