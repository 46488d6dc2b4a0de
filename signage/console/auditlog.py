"""The audit page: every recorded console action, newest first, filtered by operator, action,
text and day; 50 entries a page."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from signage import services
from signage.accounts.audit import Entry, Query

from .auth import login_required

bp = Blueprint("console_audit", __name__, url_prefix="/console")

PAGE_SIZE = 50


def _day(text: str) -> datetime | None:
    hub = services.hub()
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=hub.timezone)
    except ValueError:
        return None


@bp.get("/audit")
@login_required
def page() -> ResponseReturnValue:
    """Audit entries, newest first, filtered by operator, action, text and day."""
    args = request.args
    day = _day(args.get("day", ""))
    query = Query(
        actor=args.get("actor", "").strip()[:100],
        action=args.get("action", "").strip()[:100],
        text=args.get("q", "").strip()[:200],
        since=day.timestamp() if day else None,
        until=(day + timedelta(days=1)).timestamp() if day else None,
    )
    try:
        number = max(1, min(int(args.get("page", "1")), 10_000))
    except ValueError:
        number = 1
    log = services.console().audit
    found = log.entries(query, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    hub = services.hub()

    def when(entry: Entry) -> str:
        return f"{datetime.fromtimestamp(entry.at, hub.timezone):%Y-%m-%d %H:%M:%S}"

    return render_template(
        "console/audit.html",
        entries=found[:PAGE_SIZE],
        when=when,
        query=query,
        day=args.get("day", "") if day else "",
        actions=log.actions(),
        actors=sorted({o.name for o in services.console().operators.all()}),
        page=number,
        more=len(found) > PAGE_SIZE,
    )
