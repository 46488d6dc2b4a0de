"""The preview: the real player, with a playlist's (or a draft's) state at a chosen moment."""

from __future__ import annotations

import time
from datetime import datetime

from flask import (
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from signage import services
from signage.catalog.playlist import Orientation
from signage.editing.preview import Preview, languages_of, preview
from signage.editing.publish import (
    MAX_TEXT,
)
from signage.editing.usage import usage
from signage.editing.yamledit import (
    apply_form,
    read_form,
)

from ..auth import login_required
from ..i18n import _
from ..pages import refusal
from .blueprint import bp, catalog_in_use, existing, localised

# -- preview -------------------------------------------------------------------------------


def _moment(text: str) -> datetime:
    catalog = catalog_in_use()
    zone = catalog.timezone if catalog is not None else None
    try:
        chosen = datetime.fromisoformat(text)
    except ValueError:
        return datetime.now(zone)
    return chosen.replace(tzinfo=zone) if chosen.tzinfo is None else chosen


@bp.get("/<playlist:playlist_id>/preview")
@login_required
def preview_page(playlist_id: str) -> ResponseReturnValue:
    """Landscape and portrait previews at a chosen date and time (of a draft, if given)."""
    if existing(playlist_id) is None:
        return refusal(404, "notfound")
    at = _moment(request.args.get("at", ""))
    draft = request.args.get("draft", "")
    shown = _preview(playlist_id, at, "landscape")
    return render_template(
        "console/playlists/preview.html",
        playlist_id=playlist_id,
        at=at.strftime("%Y-%m-%dT%H:%M"),
        draft=draft,
        timezone=at.tzinfo,
        entries=shown.entries,
        problems=[localised(p) for p in shown.problems],
    )


@bp.post("/<playlist:playlist_id>/preview")
@login_required
def preview_draft(playlist_id: str) -> ResponseReturnValue:
    """Keep the posted draft (form or YAML) and show its preview; JSON for the live preview."""
    if existing(playlist_id) is None:
        return refusal(404, "notfound")
    if "text" in request.form:
        text = request.form["text"].replace("\r\n", "\n")
    else:
        opened = services.publisher().history.text_for(request.form.get("base", "")) or ""
        text = apply_form(opened, read_form(request.form.to_dict(flat=False)))
    if len(text) > MAX_TEXT:
        return refusal(413, "too_large")
    draft = services.publisher().history.remember(text)
    at = request.form.get("at", "")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(draft=draft)
    return redirect(url_for(".preview_page", playlist_id=playlist_id, draft=draft, at=at), 303)


def _preview(playlist_id: str, at: datetime, orientation: Orientation) -> Preview:
    """The preview of the playlist (of the draft named by `?draft=`, if any) at `at`."""
    draft = None
    if request.args.get("draft"):
        draft = services.publisher().history.text_for(request.args["draft"])
    catalog = catalog_in_use()
    return preview(
        services.publisher().directory,
        playlist_id,
        draft,
        catalog,
        at,
        orientation,
        languages_of(catalog, usage(catalog, playlist_id).screens),
        services.settings().portal_url,
    )


@bp.get("/<playlist:playlist_id>/preview/frame")
@login_required
def preview_frame(playlist_id: str) -> ResponseReturnValue:
    """The real player page showing the preview state, with no connection to the server."""
    if existing(playlist_id) is None:
        return refusal(404, "notfound")
    orientation: Orientation = (
        "portrait" if request.args.get("orientation") == "portrait" else "landscape"
    )
    at = _moment(request.args.get("at", ""))
    shown = _preview(playlist_id, at, orientation)
    if shown.state is None:
        return render_template(
            "console/playlists/preview_problems.html",
            problems=[localised(p) for p in shown.problems],
        ), 422
    screen = {
        "id": "preview",
        "name": _("Preview"),
        "languages": shown.state["screen"]["languages"],
        "orientation": orientation,
    }
    state = {**shown.state, "server_time": int(time.time() * 1000)}
    return render_template(
        "player.html",
        screen=screen,
        heartbeat=3600,
        state_url="",
        worker_url="",
        preview={"state": state, "at": int(at.timestamp() * 1000)},
    )
