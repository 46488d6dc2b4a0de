"""The form editor: items, texts per language, schedules and media files."""

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
from signage.editing.preview import languages_of
from signage.editing.publish import (
    Refused,
)
from signage.editing.usage import usage
from signage.editing.yamledit import (
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
from signage.media import library

from ..auth import current_operator, login_required, role_required
from ..i18n import _
from ..pages import refusal
from ..problems import localise
from .blueprint import (
    bp,
    catalog_in_use,
    existing,
    localised,
    may_change,
    playlist_ids,
)
from .yamltext import after_publish

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# -- the form editor -----------------------------------------------------------------------


def _editor_context(playlist_id: str, form: PlaylistForm) -> dict[str, Any]:
    catalog = catalog_in_use()
    languages = languages_of(catalog)
    return {
        "playlist_id": playlist_id,
        "form": form,
        "languages": languages,
        "item_languages": {i: item_languages(it, languages) for i, it in enumerate(form.items)},
        "kinds": KINDS,
        "weekdays": WEEKDAY_NAMES,
        "images": library.names(services.publisher().directory, "image"),
        "videos": library.names(services.publisher().directory, "video"),
        "sounds": library.names(services.publisher().directory, "audio"),
        "playlists": [p for p in playlist_ids() if p != playlist_id],
        "editable": may_change(playlist_id),
        "timezone": catalog.timezone.key if catalog is not None else "Asia/Ho_Chi_Minh",
        "used": usage(catalog, playlist_id),
    }


@bp.get("/<playlist:playlist_id>")
@login_required
def edit(playlist_id: str) -> ResponseReturnValue:
    """The form editor (read-only for who may not edit), opened on the file as it is now."""
    if existing(playlist_id) is None:
        return refusal(404, "notfound")
    text, base = services.publisher().open(playlist_id)
    assert text is not None
    try:
        form = form_items(text)
    except EditError as error:
        flash(
            _(
                "This file cannot be shown in the form (%(why)s); use the YAML editor.",
                why=error.why.render(_),
            ),
            "error",
        )
        return redirect(url_for(".raw", playlist_id=playlist_id), 303)
    return render_template(
        "console/playlists/edit.html", base=base, errors={}, **_editor_context(playlist_id, form)
    )


@bp.post("/<playlist:playlist_id>")
@role_required("editor")
def edit_post(playlist_id: str) -> ResponseReturnValue:
    """Form actions: add, remove or move an item (nothing is saved), or publish."""
    if existing(playlist_id) is None:
        return refusal(404, "notfound")
    if not may_change(playlist_id):
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
    opened = services.publisher().history.text_for(base) if base else None
    text = apply_form(opened if opened is not None else "", form)
    outcome = services.publisher().publish(playlist_id, text, base or None, current_operator().name)
    if isinstance(outcome, Refused):
        context = _editor_context(playlist_id, form)
        fields = field_names(form, context["languages"])
        where = positions(text)
        errors: dict[str, list[str]] = {}
        for problem in outcome.problems:
            if problem.file == services.publisher().path(playlist_id).name:
                name = field_for(problem.line, problem.column, where, fields) or ""
                errors.setdefault(name, []).append(localise(problem))
            else:
                errors.setdefault("", []).append(str(localised(problem)))
        return render_template(
            "console/playlists/edit.html", base=base, errors=errors, **context
        ), 422
    return after_publish(playlist_id, outcome, "publish")
