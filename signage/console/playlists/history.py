"""Every published version of a playlist, one version with its diff, and restoring it."""

from __future__ import annotations

from flask import (
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from signage import services
from signage.editing.history import sha256
from signage.editing.publish import (
    read_text,
)

from ..auth import current_operator, login_required, role_required
from ..pages import refusal
from .blueprint import bp, may_change, when
from .yamltext import after_publish

# -- history -------------------------------------------------------------------------------


@bp.get("/<playlist:playlist_id>/history")
@login_required
def history(playlist_id: str) -> ResponseReturnValue:
    """Every published version, newest first."""
    versions = services.publisher().history.versions(playlist_id)
    current = read_text(services.publisher().path(playlist_id))
    return render_template(
        "console/playlists/history.html",
        playlist_id=playlist_id,
        versions=versions,
        when=when,
        current=sha256(current) if current is not None else None,
        editable=may_change(playlist_id),
    )


@bp.get("/<playlist:playlist_id>/history/<int:number>")
@login_required
def version(playlist_id: str, number: int) -> ResponseReturnValue:
    """One version: its full text and the diff to the one before."""
    found = services.publisher().history.version(playlist_id, number)
    if found is None:
        return refusal(404, "notfound")
    current = read_text(services.publisher().path(playlist_id))
    return render_template(
        "console/playlists/version.html",
        playlist_id=playlist_id,
        version=found,
        when=when,
        current=sha256(current) if current is not None else "",
        editable=may_change(playlist_id),
    )


@bp.post("/<playlist:playlist_id>/history/<int:number>/restore")
@role_required("editor")
def restore(playlist_id: str, number: int) -> ResponseReturnValue:
    """Publish an earlier version again, as a new version."""
    found = services.publisher().history.version(playlist_id, number)
    if found is None or not found.text:
        return refusal(404, "notfound")
    if not may_change(playlist_id):
        return refusal(403, "forbidden")
    outcome = services.publisher().publish(
        playlist_id,
        found.text,
        request.form.get("base") or None,
        current_operator().name,
        "restore",
        restored_from=number,
    )
    return after_publish(playlist_id, outcome, "restore")
