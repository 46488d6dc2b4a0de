"""The console's playlist pages: list, create, duplicate, delete, form and YAML editors,
history and restore, and the preview.

Thin edges over `signage.publish` (writing, conflicts), `signage.history`, `signage.yamledit`
(form edits that keep comments), `signage.usage` (who may edit what) and `signage.preview`.
Every change goes through `Publisher`, so a file changed since the page was opened is never
overwritten, and every change is in the audit log as `playlist.<action>`.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from signage.catalog import MEDIA_DIR, SCREENS_FILE
from signage.history import History, Version, sha256
from signage.hub import Hub
from signage.playlist import Catalog, Orientation
from signage.preview import languages_of, preview
from signage.problem import Problem
from signage.publish import (
    MAX_TEXT,
    Conflict,
    Outcome,
    Published,
    Publisher,
    Refused,
    Unchanged,
    read_text,
)
from signage.usage import Usage, may_edit, usage
from signage.validate import IDENTIFIER, IMAGE_TYPES, VIDEO_TYPES
from signage.yamledit import (
    KINDS,
    EditError,
    ItemForm,
    PlaylistForm,
    apply_form,
    field_for,
    field_names,
    form_items,
    item_languages,
    positions,
    read_form,
)

from .audit import record
from .auth import current_operator, login_required, role_required
from .i18n import _
from .pages import refusal
from .problems import localise

bp = Blueprint("console_playlists", __name__, url_prefix="/console/playlists")

KEY = "signage.playlists"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def init_app(app: Flask, database: Path) -> None:
    """Give the app its playlist publisher (history in `database`) and register the pages."""
    hub: Hub = app.extensions["signage"]
    app.extensions[KEY] = Publisher(
        Path(app.config["PLAYLISTS_DIR"]), History(database), lambda: hub.programme.catalog
    )
    app.register_blueprint(bp)


def _publisher() -> Publisher:
    found: Publisher = current_app.extensions[KEY]
    return found


def _catalog() -> Catalog | None:
    hub: Hub = current_app.extensions["signage"]
    return hub.programme.catalog


def _playlist_ids() -> list[str]:
    directory = _publisher().directory
    return sorted(
        path.stem
        for path in directory.glob("*.yaml")
        if path.name != SCREENS_FILE and IDENTIFIER.match(path.stem)
    )


def _media_files(types: tuple[str, ...]) -> list[str]:
    directory = _publisher().directory / MEDIA_DIR
    if not directory.is_dir():
        return []
    return sorted(
        path.relative_to(directory).as_posix()
        for path in directory.rglob("*")
        if path.is_file() and path.suffix.lower() in types and not path.name.startswith(".")
    )


def _may_edit(playlist_id: str) -> bool:
    operator = current_operator()
    return may_edit(operator.role, operator.may_edit_group, usage(_catalog(), playlist_id))


def _exists_or_404(playlist_id: str) -> Path | None:
    if not IDENTIFIER.match(playlist_id):
        return None
    path = _publisher().path(playlist_id)
    return path if path.is_file() else None


def _localised(problem: Problem) -> Problem:
    return dataclasses.replace(problem, message=localise(problem.message))


def _when(at: float) -> str:
    catalog = _catalog()
    zone = catalog.timezone if catalog is not None else None
    return datetime.fromtimestamp(at, zone).strftime("%Y-%m-%d %H:%M")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Every playlist with who uses it and who published it last."""
    catalog = _catalog()
    latest = _publisher().history.latest_all()
    rows = []
    for playlist_id in _playlist_ids():
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
                "when": _when(version.at) if version is not None else "",
                "editable": _may_edit(playlist_id),
            }
        )
    existing = {row["id"] for row in rows}
    deleted = [
        {"id": playlist_id, "version": v, "when": _when(v.at)}
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
        elif _publisher().path(playlist_id).exists():
            errors["id"] = _("There is already a playlist with this id; choose another one.")
        if not name:
            errors["name"] = _("Give the playlist a name people recognise.")
        if source and _exists_or_404(source) is None:
            errors["source"] = _("The playlist to copy no longer exists.")
        if not errors:
            starter = ItemForm("text", None, {"text-vi-title": name, "duration": "10"})
            text = apply_form("", PlaylistForm(name, (starter,)))
            if source:
                original = read_text(_publisher().path(source)) or ""
                text = _renamed(original, name)
            outcome = _publisher().publish(
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
        return "; ".join(f"{p.file}:{p.line}: {localise(p.message)}" for p in outcome.problems)
    return _("The file changed on disk meanwhile; reload the page.")


@bp.post("/<playlist_id>/delete")
@role_required("editor")
def delete(playlist_id: str) -> ResponseReturnValue:
    """Remove a playlist that nothing uses, if it is still the version the page showed."""
    if _exists_or_404(playlist_id) is None:
        return refusal(404, "notfound")
    if not _may_edit(playlist_id):
        return refusal(403, "forbidden")
    used = usage(_catalog(), playlist_id)
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
    outcome = _publisher().delete(
        playlist_id, request.form.get("base") or None, current_operator().name
    )
    if isinstance(outcome, Published):
        record("playlist.delete", playlist_id)
        flash(_("Playlist %(id)s deleted. Its history is kept.", id=playlist_id), "success")
    else:
        flash(_("Playlist %(id)s was not deleted: ", id=playlist_id) + _problems_text(outcome))
    return redirect(url_for(".index"), 303)


# -- the form editor -----------------------------------------------------------------------


def _editor_context(playlist_id: str, form: PlaylistForm) -> dict[str, Any]:
    catalog = _catalog()
    languages = languages_of(catalog)
    return {
        "playlist_id": playlist_id,
        "form": form,
        "languages": languages,
        "item_languages": {i: item_languages(it, languages) for i, it in enumerate(form.items)},
        "kinds": KINDS,
        "weekdays": WEEKDAY_NAMES,
        "images": _media_files(IMAGE_TYPES),
        "videos": _media_files(VIDEO_TYPES),
        "playlists": [p for p in _playlist_ids() if p != playlist_id],
        "editable": _may_edit(playlist_id),
        "timezone": catalog.timezone.key if catalog is not None else "Asia/Ho_Chi_Minh",
        "used": usage(catalog, playlist_id),
    }


@bp.get("/<playlist_id>")
@login_required
def edit(playlist_id: str) -> ResponseReturnValue:
    """The form editor (read-only for who may not edit), opened on the file as it is now."""
    if _exists_or_404(playlist_id) is None:
        return refusal(404, "notfound")
    text, base = _publisher().open(playlist_id)
    assert text is not None
    try:
        form = form_items(text)
    except EditError as error:
        flash(
            _("This file cannot be shown in the form (%(why)s); use the YAML editor.", why=error),
            "error",
        )
        return redirect(url_for(".raw", playlist_id=playlist_id), 303)
    return render_template(
        "console/playlists/edit.html", base=base, errors={}, **_editor_context(playlist_id, form)
    )


@bp.post("/<playlist_id>")
@role_required("editor")
def edit_post(playlist_id: str) -> ResponseReturnValue:
    """Form actions: add, remove or move an item (nothing is saved), or publish."""
    if _exists_or_404(playlist_id) is None:
        return refusal(404, "notfound")
    if not _may_edit(playlist_id):
        return refusal(403, "forbidden")
    base = request.form.get("base", "")
    form = read_form(request.form.to_dict(flat=False))
    action = request.form.get("action", "publish")
    items = list(form.items)
    verb, _sep, argument = action.partition(":")
    if verb in ("add", "remove", "up", "down"):
        if verb == "add" and argument in KINDS:
            items.append(ItemForm(argument))
        elif argument.isdigit() and int(argument) < len(items):
            index = int(argument)
            if verb == "remove":
                del items[index]
            elif verb == "up" and index > 0:
                items[index - 1], items[index] = items[index], items[index - 1]
            elif verb == "down" and index + 1 < len(items):
                items[index + 1], items[index] = items[index], items[index + 1]
        form = PlaylistForm(form.name, tuple(items))
        return render_template(
            "console/playlists/edit.html",
            base=base,
            errors={},
            **_editor_context(playlist_id, form),
        )
    opened = _publisher().history.text_for(base) if base else None
    text = apply_form(opened if opened is not None else "", form)
    outcome = _publisher().publish(playlist_id, text, base or None, current_operator().name)
    if isinstance(outcome, Refused):
        context = _editor_context(playlist_id, form)
        fields = field_names(form, context["languages"])
        where = positions(text)
        errors: dict[str, list[str]] = {}
        for problem in outcome.problems:
            if problem.file == f"{playlist_id}.yaml":
                name = field_for(problem.line, problem.column, where, fields) or ""
                errors.setdefault(name, []).append(localise(problem.message))
            else:
                errors.setdefault("", []).append(str(_localised(problem)))
        return render_template(
            "console/playlists/edit.html", base=base, errors=errors, **context
        ), 422
    return _after_publish(playlist_id, outcome, "publish")


def _after_publish(playlist_id: str, outcome: Outcome, action: str) -> ResponseReturnValue:
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
            lines=_numbered(outcome.merge.text, []),
        ), 409
    assert isinstance(outcome, Refused)
    return _raw_page(playlist_id, "", outcome.problems, 422)


# -- the YAML editor -----------------------------------------------------------------------


def _numbered(text: str, problems: list[Problem] | tuple[Problem, ...]) -> list[dict[str, Any]]:
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


def _raw_page(
    playlist_id: str, text: str, problems: tuple[Problem, ...], status: int
) -> ResponseReturnValue:
    base = request.form.get("base", "")
    text = text or request.form.get("text", "")
    name = f"{playlist_id}.yaml"
    own = [_localised(p) for p in problems if p.file == name]
    other = [_localised(p) for p in problems if p.file != name]
    return render_template(
        "console/playlists/raw.html",
        playlist_id=playlist_id,
        text=text,
        base=base,
        own=own,
        other=other,
        lines=_numbered(text, own),
        editable=_may_edit(playlist_id),
    ), status


@bp.get("/<playlist_id>/yaml")
@login_required
def raw(playlist_id: str) -> ResponseReturnValue:
    """The YAML editor, opened on the file as it is now."""
    if _exists_or_404(playlist_id) is None:
        return refusal(404, "notfound")
    text, base = _publisher().open(playlist_id)
    return render_template(
        "console/playlists/raw.html",
        playlist_id=playlist_id,
        text=text,
        base=base,
        own=[],
        other=[],
        lines=[],
        editable=_may_edit(playlist_id),
    )


@bp.post("/<playlist_id>/yaml")
@role_required("editor")
def raw_post(playlist_id: str) -> ResponseReturnValue:
    """Publish the YAML as typed, if the file is still the one the editor was opened on."""
    # With no base the file was gone when the page was made (a conflict with a deletion).
    missing = _exists_or_404(playlist_id) is None
    if not IDENTIFIER.match(playlist_id) or (missing and request.form.get("base")):
        return refusal(404, "notfound")
    if not _may_edit(playlist_id):
        return refusal(403, "forbidden")
    text = request.form.get("text", "").replace("\r\n", "\n")
    base = request.form.get("base") or None
    outcome = _publisher().publish(playlist_id, text, base, current_operator().name)
    if isinstance(outcome, Refused):
        return _raw_page(playlist_id, text, outcome.problems, 422)
    return _after_publish(playlist_id, outcome, "publish")


# -- history -------------------------------------------------------------------------------


@bp.get("/<playlist_id>/history")
@login_required
def history(playlist_id: str) -> ResponseReturnValue:
    """Every published version, newest first."""
    if not IDENTIFIER.match(playlist_id):
        return refusal(404, "notfound")
    versions = _publisher().history.versions(playlist_id)
    current = read_text(_publisher().path(playlist_id))
    return render_template(
        "console/playlists/history.html",
        playlist_id=playlist_id,
        versions=versions,
        when=_when,
        current=sha256(current) if current is not None else None,
        editable=_may_edit(playlist_id),
    )


def _version_of(playlist_id: str, number: int) -> Version | None:
    if not IDENTIFIER.match(playlist_id):
        return None
    return _publisher().history.version(playlist_id, number)


@bp.get("/<playlist_id>/history/<int:number>")
@login_required
def version(playlist_id: str, number: int) -> ResponseReturnValue:
    """One version: its full text and the diff to the one before."""
    found = (
        _publisher().history.version(playlist_id, number) if IDENTIFIER.match(playlist_id) else None
    )
    if found is None:
        return refusal(404, "notfound")
    current = read_text(_publisher().path(playlist_id))
    return render_template(
        "console/playlists/version.html",
        playlist_id=playlist_id,
        version=found,
        when=_when,
        current=sha256(current) if current is not None else "",
        editable=_may_edit(playlist_id),
    )


@bp.post("/<playlist_id>/history/<int:number>/restore")
@role_required("editor")
def restore(playlist_id: str, number: int) -> ResponseReturnValue:
    """Publish an earlier version again, as a new version."""
    found = (
        _publisher().history.version(playlist_id, number) if IDENTIFIER.match(playlist_id) else None
    )
    if found is None or not found.text:
        return refusal(404, "notfound")
    if not _may_edit(playlist_id):
        return refusal(403, "forbidden")
    outcome = _publisher().publish(
        playlist_id,
        found.text,
        request.form.get("base") or None,
        current_operator().name,
        "restore",
        restored_from=number,
    )
    return _after_publish(playlist_id, outcome, "restore")


# -- preview -------------------------------------------------------------------------------


def _moment(text: str) -> datetime:
    catalog = _catalog()
    zone = catalog.timezone if catalog is not None else None
    try:
        chosen = datetime.fromisoformat(text)
    except ValueError:
        return datetime.now(zone)
    return chosen.replace(tzinfo=zone) if chosen.tzinfo is None else chosen


@bp.get("/<playlist_id>/preview")
@login_required
def preview_page(playlist_id: str) -> ResponseReturnValue:
    """Landscape and portrait previews at a chosen date and time (of a draft, if given)."""
    if _exists_or_404(playlist_id) is None:
        return refusal(404, "notfound")
    at = _moment(request.args.get("at", ""))
    draft = request.args.get("draft", "")
    return render_template(
        "console/playlists/preview.html",
        playlist_id=playlist_id,
        at=at.strftime("%Y-%m-%dT%H:%M"),
        draft=draft,
        timezone=at.tzinfo,
    )


@bp.post("/<playlist_id>/preview")
@login_required
def preview_draft(playlist_id: str) -> ResponseReturnValue:
    """Keep the posted draft (form or YAML) and show its preview; JSON for the live preview."""
    if _exists_or_404(playlist_id) is None:
        return refusal(404, "notfound")
    if "text" in request.form:
        text = request.form["text"].replace("\r\n", "\n")
    else:
        opened = _publisher().history.text_for(request.form.get("base", "")) or ""
        text = apply_form(opened, read_form(request.form.to_dict(flat=False)))
    if len(text) > MAX_TEXT:
        return refusal(413, "bad")
    draft = _publisher().history.remember(text)
    at = request.form.get("at", "")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(draft=draft)
    return redirect(url_for(".preview_page", playlist_id=playlist_id, draft=draft, at=at), 303)


@bp.get("/<playlist_id>/preview/frame")
@login_required
def preview_frame(playlist_id: str) -> ResponseReturnValue:
    """The real player page showing the preview state, with no connection to the server."""
    if _exists_or_404(playlist_id) is None:
        return refusal(404, "notfound")
    orientation: Orientation = (
        "portrait" if request.args.get("orientation") == "portrait" else "landscape"
    )
    at = _moment(request.args.get("at", ""))
    draft = None
    if request.args.get("draft"):
        draft = _publisher().history.text_for(request.args["draft"])
    catalog = _catalog()
    used = usage(catalog, playlist_id)
    shown = preview(
        _publisher().directory,
        playlist_id,
        draft,
        catalog,
        at,
        orientation,
        languages_of(catalog, used.screens),
        str(current_app.config["PORTAL_URL"]),
    )
    if shown.state is None:
        return render_template(
            "console/playlists/preview_problems.html",
            problems=[_localised(p) for p in shown.problems],
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
