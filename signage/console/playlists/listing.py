"""The list of playlists, and creating, duplicating and deleting one."""

from __future__ import annotations

from collections import Counter

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from signage import services
from signage.catalog.directory import SCREENS_ID
from signage.catalog.loader import load_catalog
from signage.catalog.playlist import Catalog
from signage.catalog.validate import IDENTIFIER
from signage.editing.publish import (
    Outcome,
    Published,
    Refused,
    read_text,
)
from signage.editing.usage import Usage, usage
from signage.editing.yamledit import (
    EditError,
    ItemForm,
    PlaylistForm,
    apply_form,
    form_items,
)

from ..audit import record
from ..auth import current_operator, login_required, role_required
from ..i18n import _
from ..pages import refusal
from ..problems import localise
from .blueprint import bp, catalog_in_use, existing, may_change, playlist_ids, when


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Every playlist with who uses it and who published it last."""
    catalog = catalog_in_use()
    latest = services.publisher().history.latest_all()
    # Read afresh: a hand edit with a mistake shows here even before the server notices it.
    broken = Counter(p.file for p in load_catalog(services.publisher().directory, catalog).problems)
    rows = []
    for playlist_id in playlist_ids():
        used = usage(catalog, playlist_id)
        playlist = catalog.playlists.get(playlist_id) if catalog is not None else None
        version = latest.get(playlist_id)
        rows.append(
            {
                "id": playlist_id,
                "name": playlist.name if playlist is not None else playlist_id,
                "count": len(playlist.items) if playlist is not None else None,
                "usage": used,
                "group_names": _group_names(catalog, used),
                "version": version,
                "when": when(version.at) if version is not None else "",
                "editable": may_change(playlist_id),
                "problems": broken[services.publisher().path(playlist_id).name],
            }
        )
    existing = {row["id"] for row in rows}
    deleted = [
        {"id": playlist_id, "version": v, "when": when(v.at)}
        for playlist_id, v in sorted(latest.items())
        if v.action == "delete" and playlist_id not in existing
    ]
    return render_template("console/playlists/index.html", rows=rows, deleted=deleted)


def _group_names(catalog: Catalog | None, used: Usage) -> list[str]:
    if catalog is None:
        return list(used.groups)
    return [catalog.groups[g].name if g in catalog.groups else g for g in used.groups]


@bp.route("/new", methods=["GET", "POST"])
@role_required("editor")
def create() -> ResponseReturnValue:
    """A new playlist (a copy of another one when `source` is given)."""
    source = request.values.get("source", "")
    values = {"id": request.form.get("id", ""), "name": request.form.get("name", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        playlist_id = values["id"].strip()
        name = " ".join(values["name"].split())
        if not IDENTIFIER.match(playlist_id):
            errors["id"] = _(
                "Use only lowercase letters a-z, digits and '-', such as 'tuy-hoa-lobby': the "
                "id appears in file names and web addresses."
            )
        elif playlist_id == SCREENS_ID:
            errors["id"] = _(
                "'screens' is the name of the file that declares the screens and their groups; "
                "choose another id."
            )
        elif services.publisher().path(playlist_id).exists():
            errors["id"] = _("There is already a playlist with this id; choose another one.")
        if not name:
            errors["name"] = _("Give the playlist a name people recognise.")
        if source and existing(source) is None:
            errors["source"] = _("The playlist to copy no longer exists.")
        if not errors:
            starter = ItemForm("text", None, {"text-vi-title": name, "duration": "10"})
            text = apply_form("", PlaylistForm(name, (starter,)))
            if source:
                original = read_text(services.publisher().path(source)) or ""
                text = _renamed(original, name)
            outcome = services.publisher().publish(
                playlist_id, text, None, current_operator().name, "create"
            )
            if isinstance(outcome, Published):
                detail = f"copy of {source}" if source else ""
                record("playlist.create", playlist_id, detail)
                flash(_("Playlist %(id)s created.", id=playlist_id), "success")
                return redirect(url_for(".edit", playlist_id=playlist_id), 303)
            errors["id"] = _problems_text(outcome)
    status = 422 if errors else 200
    return render_template(
        "console/playlists/new.html", values=values, errors=errors, source=source
    ), status


def _renamed(text: str, name: str) -> str:
    try:
        form = form_items(text)
    except EditError:
        return text
    return apply_form(text, PlaylistForm(name, form.items))


def _problems_text(outcome: Outcome) -> str:
    if isinstance(outcome, Refused):
        return "; ".join(f"{p.file}:{p.line}: {localise(p)}" for p in outcome.problems)
    return _("The file changed on disk meanwhile; reload the page.")


@bp.post("/<playlist:playlist_id>/delete")
@role_required("editor")
def delete(playlist_id: str) -> ResponseReturnValue:
    """Remove a playlist that nothing uses, if it is still the version the page showed."""
    if existing(playlist_id) is None:
        return refusal(404, "notfound")
    if not may_change(playlist_id):
        return refusal(403, "forbidden")
    used = usage(catalog_in_use(), playlist_id)
    if used.groups or used.included_by:
        reasons = []
        if used.groups:
            reasons.append(_("groups %(names)s show it", names=", ".join(used.groups)))
        if used.included_by:
            reasons.append(_("playlists %(names)s include it", names=", ".join(used.included_by)))
        flash(
            _(
                "Playlist %(id)s was not deleted: %(reasons)s. Give those groups another "
                "playlist, or remove the include, first.",
                id=playlist_id,
                reasons="; ".join(reasons),
            ),
            "error",
        )
        return redirect(url_for(".index"), 303)
    outcome = services.publisher().delete(
        playlist_id, request.form.get("base") or None, current_operator().name
    )
    if isinstance(outcome, Published):
        record("playlist.delete", playlist_id)
        flash(_("Playlist %(id)s deleted. Its history is kept.", id=playlist_id), "success")
    else:
        flash(_("Playlist %(id)s was not deleted: ", id=playlist_id) + _problems_text(outcome))
    return redirect(url_for(".index"), 303)
