"""The console's screens board: every screen live, alerts, registering screens and their groups.

`/console/screens` shows the board; its script (`static/console/screens.js`) joins the
Socket.IO namespace `/console` (see `signage.web.socket.on_console_connect`), which the hub keeps
up to date, so the page never reloads or polls. Admins register an undeclared id
(`/console/screens/register`) and change a screen's groups (`/console/screens/<id>/groups`);
both write `screens.yaml` through `signage.editing.screensfile`, and the watcher applies the change
like a hand edit. Admins also approve the pairing code a new screen shows
(`/console/screens/pairings/approve`) and revoke a screen's credential
(`/console/screens/<id>/revoke`); see `signage.live.enrollment`. `auth.session_check` is how the
`/console` namespace recognises a session, so a signed-out session cannot open a socket, and one
open when its session ends is closed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from signage import services
from signage.catalog.playlist import playlist_for_screen
from signage.catalog.validate import ORIENTATIONS
from signage.editing.screensfile import NewScreen, ScreensFileError, register, set_groups
from signage.live.enrollment import UnknownCode
from signage.live.thumbnail import Thumbnails

from .audit import record
from .auth import login_required, role_required, session_check
from .i18n import _
from .media import thumbnail_file

bp = Blueprint("console_screens", __name__, url_prefix="/console/screens")

# Languages a screen may show, offered in the registration form (see screens.schema.json).
SCREEN_LANGUAGES = ("vi", "en", "ko", "zh-Hans", "zh-Hant", "ja", "ru")


def init_app(app: Flask) -> None:
    """Let the `/console` Socket.IO namespace recognise signed-in sessions."""
    services.console_session.set(app, session_check)
    services.slide_thumbnails.set(app, Thumbnails())


def _field_error(error: ScreensFileError) -> str:
    """The operator's-language text of a refused change of screens.yaml."""
    texts = {
        "id": _("The screen id may use only lowercase letters a-z, digits and '-'."),
        "id-taken": _("A screen with this id is already registered."),
        "name": _("Give the screen a name people recognise."),
        "groups": _("Choose at least one group."),
        "orientation": _("Choose landscape or portrait."),
        "languages": _("Every screen shows Vietnamese: keep vi."),
        "not-found": _("This screen is not in screens.yaml any more."),
    }
    if error.code in texts:
        return texts[error.code]
    return _(
        "screens.yaml would not pass the check, so nothing was saved: %(problems)s",
        problems="; ".join(str(p) for p in error.problems) or str(error),
    )


def _venue_context() -> dict[str, Any]:
    hub = services.hub()
    catalog = hub.programme.catalog
    groups = dict(catalog.groups) if catalog is not None else {}
    return {
        "groups": groups,
        "groups_names": {g.id: g.name for g in groups.values()},
        "timezone": hub.timezone.key,
    }


@bp.get("")
@login_required
def board() -> ResponseReturnValue:
    """The live board: declared screens, ids waiting to be registered, recent alerts."""
    hub = services.hub()
    now = time.time()
    data = hub.board(now)
    rows = data["screens"]
    return render_template(
        "console/screens.html",
        screens=[r for r in rows if r["registered"]],
        strangers=[r for r in rows if not r["registered"]],
        alerts=data["alerts"],
        board=data,
        pairings=hub.trust.store.pending(),
        offline_after=hub.offline_after,
        **_venue_context(),
    )


@bp.get("/<screen_id>/thumbnail/<item_id>.svg")
@login_required
def thumbnail(screen_id: str, item_id: str) -> ResponseReturnValue:
    """A small SVG of item `item_id` as screen `screen_id` shows it (its language, its QR
    address), drawn from the item, not a screenshot; 404 when the screen's playlist has no
    such item (an emergency message, or a playlist changed since)."""
    hub = services.hub()
    catalog = hub.programme.catalog
    screen = catalog.screens.get(screen_id[:100]) if catalog is not None else None
    playlist = playlist_for_screen(catalog, screen.id) if catalog and screen else None
    item = next((i for i in playlist.items if i.id == item_id), None) if playlist else None
    if screen is None or item is None:
        abort(404)
    data = item.to_json(screen, services.settings().portal_url)
    picture = None
    if item.kind == "image":
        found = thumbnail_file(str(data.get("media", "")))
        picture = found.read_bytes() if found is not None else None
    svg, key = services.slide_thumbnails().get(data, screen.orientation == "portrait", picture)
    response = Response(svg, mimetype="image/svg+xml")
    # The address names the item, not its drawing (a screen's language may change): ask again
    # each time, and the ETag answers 304 while the drawing is the same.
    response.set_etag(key)
    response.headers["Cache-Control"] = "private, no-cache"
    # Opened on its own, the drawing may show nothing but itself and its embedded picture.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src data:"
    return response.make_conditional(request)


def _form_screen() -> NewScreen:
    groups = tuple(g for g in request.form.getlist("groups") if g)
    languages = tuple(dict.fromkeys(["vi", *request.form.getlist("languages")]))
    return NewScreen(
        id=request.form.get("id", "").strip(),
        name=request.form.get("name", "").strip(),
        groups=groups,
        location=request.form.get("location", "").strip(),
        languages=languages,
        orientation=request.form.get("orientation", "landscape"),
    )


@bp.route("/register", methods=["GET", "POST"])
@role_required("admin")
def register_screen() -> ResponseReturnValue:
    """Declare a screen in screens.yaml from its "not registered" id (admins)."""
    directory = Path(services.settings().playlists_dir)
    if request.method == "GET":
        screen = NewScreen(id=request.args.get("id", "")[:100], name="", groups=())
        return _register_page(screen, {}, 200)
    screen = _form_screen()
    try:
        register(directory, screen)
    except ScreensFileError as error:
        return _register_page(screen, {error.field or "file": _field_error(error)}, 400)
    record(
        "screen.register",
        screen.id,
        f"{screen.name}; {', '.join(screen.groups)}; {screen.orientation}",
    )
    services.hub().presence.forget_stranger(screen.id)
    flash(
        _(
            "Screen %(id)s is registered. It starts its programme within a few seconds.",
            id=screen.id,
        ),
        "success",
    )
    return redirect(url_for("console_screens.board"), 303)


def _register_page(screen: NewScreen, errors: dict[str, str], status: int) -> Response:
    page = render_template(
        "console/screen_register.html",
        screen=screen,
        errors=errors,
        orientations=ORIENTATIONS,
        languages=SCREEN_LANGUAGES,
        **_venue_context(),
    )
    return Response(page, status=status, mimetype="text/html")


@bp.route("/<screen_id>/groups", methods=["GET", "POST"])
@role_required("admin")
def groups(screen_id: str) -> ResponseReturnValue:
    """Change the groups of a declared screen (admins); the first group's playlist plays."""
    hub = services.hub()
    screen = hub.programme.screen(screen_id)
    if screen is None:
        flash(_("This screen is not in screens.yaml any more."), "error")
        return redirect(url_for("console_screens.board"), 303)
    if request.method == "GET":
        return _groups_page(screen, list(screen.groups), {}, 200)
    chosen = [g for g in request.form.getlist("groups") if g]
    main = request.form.get("main", "")
    if main:
        # The main group is shown first whether or not its box was ticked as well.
        chosen = [main, *(g for g in chosen if g != main)]
    try:
        set_groups(Path(services.settings().playlists_dir), screen_id, chosen)
    except ScreensFileError as error:
        return _groups_page(screen, chosen, {error.field or "file": _field_error(error)}, 400)
    record("screen.groups", screen_id, ", ".join(chosen))
    flash(_("The groups of %(name)s are saved.", name=screen.name), "success")
    return redirect(url_for("console_screens.board"), 303)


def _groups_page(screen: Any, chosen: list[str], errors: dict[str, str], status: int) -> Response:
    page = render_template(
        "console/screen_groups.html",
        screen=screen,
        chosen=chosen,
        errors=errors,
        **_venue_context(),
    )
    return Response(page, status=status, mimetype="text/html")


@bp.post("/pairings/approve")
@role_required("admin")
def approve_pairing() -> ResponseReturnValue:
    """Approve the pairing code a screen shows (admins): that screen collects its credential
    within seconds and is believed from then on."""
    code = request.form.get("code", "")[:40]
    hub = services.hub()
    try:
        approved = hub.trust.store.approve(code, g.operator.name)
    except UnknownCode:
        flash(
            _(
                "No screen is waiting with the code %(code)s. Check the code on the screen.",
                code=code,
            ),
            "error",
        )
        return redirect(url_for("console_screens.board"), 303)
    record("screen.approve", approved.screen, f"code {approved.code}; {approved.address}")
    screen = hub.programme.screen(approved.screen)
    flash(
        _(
            "The code %(code)s is approved: %(name)s is enrolled within a few seconds.",
            code=approved.code,
            name=screen.name if screen is not None else approved.screen,
        ),
        "success",
    )
    return redirect(url_for("console_screens.board"), 303)


@bp.post("/<screen_id>/revoke")
@role_required("admin")
def revoke(screen_id: str) -> ResponseReturnValue:
    """Revoke a screen's credential (admins): its open connections stop being believed at once
    and it shows a pairing code again."""
    hub = services.hub()
    screen_id = screen_id[:100]
    was = hub.trust.store.revoke(screen_id)
    record("screen.revoke", screen_id, "enrolled" if was else "not enrolled")
    # This process tells its own sockets in its next pass; other processes read the store.
    hub.reread_enrollment()
    screen = hub.programme.screen(screen_id)
    flash(
        _(
            "The credential of %(name)s is revoked: it shows a pairing code again.",
            name=screen.name if screen is not None else screen_id,
        ),
        "success",
    )
    return redirect(url_for("console_screens.board"), 303)
