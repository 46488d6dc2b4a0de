"""The YAML editor, and the page that follows any publish (done, refused or in conflict)."""

from __future__ import annotations

from typing import Any

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from signage import services
from signage.catalog.problem import Problem
from signage.editing.publish import (
    MAX_TEXT,
    Conflict,
    Outcome,
    Published,
    Refused,
    Unchanged,
)

from ..audit import record
from ..auth import current_operator, login_required, role_required
from ..i18n import _
from ..pages import refusal
from ..problems import Shown
from .blueprint import bp, existing, localised, may_change


def after_publish(playlist_id: str, outcome: Outcome, action: str) -> ResponseReturnValue:
    if isinstance(outcome, Published):
        record(f"playlist.{action}", playlist_id, f"version {outcome.version.number}")
        flash(
            _(
                "Published version %(number)s of %(id)s; the screens show it within seconds.",
                number=outcome.version.number,
                id=playlist_id,
            ),
            "success",
        )
        return redirect(url_for(".edit", playlist_id=playlist_id), 303)
    if isinstance(outcome, Unchanged):
        flash(_("Nothing to publish: the playlist is already like this."), "info")
        return redirect(url_for(".edit", playlist_id=playlist_id), 303)
    if isinstance(outcome, Conflict):
        record("playlist.conflict", playlist_id)
        return render_template(
            "console/playlists/conflict.html",
            playlist_id=playlist_id,
            conflict=outcome,
            base=outcome.theirs_sha256 or "",
            lines=numbered(outcome.merge.text, []),
        ), 409
    assert isinstance(outcome, Refused)
    return raw_page(playlist_id, "", outcome.problems, 422)


# -- the YAML editor -----------------------------------------------------------------------


def numbered(text: str, problems: list[Shown] | tuple[Shown, ...]) -> list[dict[str, Any]]:
    by_line: dict[int, list[str]] = {}
    for problem in problems:
        by_line.setdefault(problem.line, []).append(problem.message)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [
        {"number": n, "text": line, "problems": by_line.get(n, [])}
        for n, line in enumerate(lines, start=1)
    ]


def raw_page(
    playlist_id: str, text: str, problems: tuple[Problem, ...], status: int
) -> ResponseReturnValue:
    base = request.form.get("base", "")
    # A paste over the limit is refused; the page shows only as much as a file may hold, so
    # the answer stays as small as a real playlist can make it.
    text = (text or request.form.get("text", ""))[:MAX_TEXT]
    name = services.publisher().path(playlist_id).name
    own = [localised(p) for p in problems if p.file == name]
    other = [localised(p) for p in problems if p.file != name]
    return render_template(
        "console/playlists/raw.html",
        playlist_id=playlist_id,
        text=text,
        base=base,
        own=own,
        other=other,
        lines=numbered(text, own),
        editable=may_change(playlist_id),
    ), status


@bp.get("/<playlist:playlist_id>/yaml")
@login_required
def raw(playlist_id: str) -> ResponseReturnValue:
    """The YAML editor, opened on the file as it is now."""
    if existing(playlist_id) is None:
        return refusal(404, "notfound")
    text, base = services.publisher().open(playlist_id)
    return render_template(
        "console/playlists/raw.html",
        playlist_id=playlist_id,
        text=text,
        base=base,
        own=[],
        other=[],
        lines=[],
        editable=may_change(playlist_id),
    )


@bp.post("/<playlist:playlist_id>/yaml")
@role_required("editor")
def raw_post(playlist_id: str) -> ResponseReturnValue:
    """Publish the YAML as typed, if the file is still the one the editor was opened on."""
    # With no base the file was gone when the page was made (a conflict with a deletion).
    missing = existing(playlist_id) is None
    if missing and request.form.get("base"):
        return refusal(404, "notfound")
    if not may_change(playlist_id):
        return refusal(403, "forbidden")
    text = request.form.get("text", "").replace("\r\n", "\n")
    base = request.form.get("base") or None
    outcome = services.publisher().publish(playlist_id, text, base, current_operator().name)
    if isinstance(outcome, Refused):
        return raw_page(playlist_id, text, outcome.problems, 422)
    return after_publish(playlist_id, outcome, "publish")
