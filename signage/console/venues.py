"""The Venues page: every venue box that reports to this server and how it is doing.

Every signed-in operator sees the list: id, last report (how long ago), release, uptime,
sessions, the gateway's state and the box's state (reporting, silent, never reported,
revoked; `signage.venues.store.Venue.shown_state`). Administrators add a box (its token is
shown once, on the page that answers the form, never stored) and revoke one; both go to the
audit log.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from signage import services
from signage.venues.store import BadVenueId, UnknownVenue, Venue, VenueError, VenueExists

from .audit import record
from .auth import login_required, role_required
from .i18n import _, ngettext

bp = Blueprint("console_venues", __name__, url_prefix="/console/venues")


def _states() -> dict[str, str]:
    return {
        "reporting": _("reporting"),
        "silent": _("silent"),
        "never": _("never reported"),
        "revoked": _("revoked"),
    }


def duration(seconds: float) -> str:
    """A duration as people say it: the largest whole unit (minutes, hours or days)."""
    whole = max(0, int(seconds))
    if whole < 60:
        return _("less than a minute")
    minutes = whole // 60
    if minutes < 120:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(num)d hour", "%(num)d hours", hours)
    return ngettext("%(num)d day", "%(num)d days", hours // 24)


def _page(
    token: str = "", added: str = "", form_id: str = "", error: str = "", status: int = 200
) -> ResponseReturnValue:
    store = services.venues()
    now = store.clock()
    silent_after = services.settings().venue_silent_minutes * 60

    def row(venue: Venue) -> dict[str, object]:
        return {
            "venue": venue,
            "state": venue.shown_state(now, silent_after),
            "ago": duration(now - venue.last_report) if venue.last_report is not None else "",
            "uptime": duration(venue.uptime) if venue.uptime is not None else "",
        }

    response = make_response(
        render_template(
            "console/venues.html",
            rows=[row(venue) for venue in store.venues()],
            states=_states(),
            silent_minutes=f"{services.settings().venue_silent_minutes:g}",
            token=token,
            added=added,
            form_id=form_id,
            error=error,
        ),
        status,
    )
    # The page that shows a new token must not be kept by the browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The list of venue boxes (and, for administrators, the forms)."""
    return _page()


@bp.post("/add")
@role_required("admin")
def add() -> ResponseReturnValue:
    """Register a box; the answer shows its token, this once."""
    venue_id = request.form.get("venue", "").strip()[:100]
    try:
        token = services.venues().add(venue_id)
    except BadVenueId:
        message = _("Use 1 to 64 letters, digits, dashes or underscores: the box's venue_id.")
        return _page(form_id=venue_id, error=message, status=400)
    except VenueExists:
        message = _("A box with this id reports already. Revoke it first to give it a new token.")
        return _page(form_id=venue_id, error=message, status=400)
    except VenueError:
        return _page(form_id=venue_id, error=_("The change was refused."), status=400)
    record("venue.add", venue_id)
    return _page(token=token, added=venue_id)


@bp.post("/<venue_id>/revoke")
@role_required("admin")
def revoke(venue_id: str) -> ResponseReturnValue:
    """End a box's token at once; its counts stay in the results."""
    venue_id = venue_id[:100]
    try:
        services.venues().revoke(venue_id)
    except UnknownVenue:
        flash(_("No active box has this id."), "error")
        return redirect(url_for("console_venues.index"), 303)
    record("venue.revoke", venue_id)
    flash(
        _(
            "The token of %(venue)s is revoked: its reports are refused from now on.",
            venue=venue_id,
        ),
        "success",
    )
    return redirect(url_for("console_venues.index"), 303)
