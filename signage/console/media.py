"""The media library page: browse, upload and delete the pictures and videos of `media/`.

Everyone signed in may browse; editors and admins upload and delete files no playlist uses.
Each upload and deletion goes to the audit log. The checks themselves are in `signage.media`.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, format_decimal
from werkzeug.exceptions import RequestEntityTooLarge

from signage import services
from signage.catalog.loader import MEDIA_DIR
from signage.catalog.playlist import DEFAULT_TIMEZONE
from signage.config import SignageSettings
from signage.database import local_folder
from signage.media import library, thumbnails
from signage.media.library import Limits
from signage.media.sniff import MediaError

from .audit import record
from .auth import login_required, role_required
from .i18n import _
from .problems import shown

bp = Blueprint("console_media", __name__, url_prefix="/console")

MEGABYTE = 1024 * 1024
THUMBNAILS = "media-thumbnails"


def limits(settings: SignageSettings) -> Limits:
    """The upload limits of the `media_*_max_mb` settings."""
    return Limits(
        image=int(settings.media_image_max_mb * MEGABYTE),
        video=int(settings.media_video_max_mb * MEGABYTE),
    )


def init_app(app: Flask) -> None:
    """Cap request bodies at the largest upload (Flask answers 413 beyond it) and register."""
    app.config["MAX_CONTENT_LENGTH"] = limits(services.settings(app)).request
    app.register_blueprint(bp)


def _playlists() -> Path:
    return Path(services.settings().playlists_dir)


def _timezone() -> ZoneInfo:
    catalog = services.hub().programme.catalog
    zone: ZoneInfo = catalog.timezone if catalog is not None else ZoneInfo(DEFAULT_TIMEZONE)
    return zone


def _size(size: int) -> str:
    if size >= MEGABYTE:
        return _("%(size)s MB", size=format_decimal(round(size / MEGABYTE, 1)))
    return _("%(size)s kB", size=format_decimal(max(1, round(size / 1024))))


def _megabytes(size: int) -> str:
    """A size limit in MB, written the operator's way (`0,5` in Vietnamese)."""
    return str(format_decimal(round(size / MEGABYTE, 2)))


def explain(error: MediaError, file: str) -> str:
    """The refusal in the operator's language."""
    reason, details = error.reason, error.details
    current = limits(services.settings())
    if reason == "svg":
        return _(
            "“%(file)s” is an SVG drawing. SVG files can carry scripts, so the library does not "
            "accept them: export the drawing as PNG and upload that.",
            file=file,
        )
    if reason == "too_large":
        return _(
            "“%(file)s” is too large: pictures may be up to %(image)s MB, videos and sound "
            "files up to %(video)s MB.",
            file=file,
            image=_megabytes(current.image),
            video=_megabytes(current.video),
        )
    if reason == "too_many_pixels":
        return _(
            "“%(file)s” has too many pixels for a screen; make it smaller (for example "
            "1920 x 1080) and upload it again.",
            file=file,
        )
    if reason == "damaged":
        return _(
            "“%(file)s” is incomplete or damaged (was the copy finished?). Open it on your "
            "computer to check it, then upload it again.",
            file=file,
        )
    if reason == "empty":
        return _("“%(file)s” is empty.", file=file)
    if reason == "in_use":
        return _(
            "“%(file)s” is used by these playlists: %(playlists)s. Remove it from them first, "
            "then delete it.",
            file=file,
            playlists=str(details.get("playlists", "")),
        )
    if reason == "not_saved":
        return _(
            "“%(file)s” could not be saved on the server (%(reason)s). Ask the administrator "
            "to check the free disk space and the media folder.",
            file=file,
            reason=str(details.get("cause", "")),
        )
    if reason == "missing":
        return _("There is no media file called “%(file)s”.", file=file)
    return _(
        "“%(file)s” is not a picture, video or sound file the screens can play. Accepted: "
        "JPEG, PNG, WebP and GIF pictures, MP4 and WebM videos, Ogg, MP3 and WAV sound.",
        file=file,
    )


def _spoken() -> dict[str, tuple[str, ...]]:
    """The spoken audio the playlists in use and the active emergency messages need (kept
    from deletion), name → who uses it."""
    hub = services.hub()
    programme = hub.programme
    if programme.spoken is None:
        return {}
    active = hub.overrides.active(time.time())
    return programme.spoken.needed(
        programme.catalog, active, lambda number: _("emergency message %(number)d", number=number)
    )


@bp.get("/media")
@login_required
def index() -> ResponseReturnValue:
    """Every file with its thumbnail, size, date and the playlists using it."""
    current = limits(services.settings())
    found = library.browse(_playlists(), _spoken())
    files = found.files
    zone = _timezone()
    return render_template(
        "console/media.html",
        files=files,
        unreadable=[shown(p) for p in found.unreadable],
        sizes={f.name: _size(f.size) for f in files},
        dates={
            f.name: format_datetime(datetime.fromtimestamp(f.modified, zone), "short", rebase=False)
            for f in files
        },
        image_mb=_megabytes(current.image),
        video_mb=_megabytes(current.video),
        max_bytes=max(current.image, current.video),
        groups=sorted(_groups().items()),
        today=datetime.now(zone).date().isoformat(),
    )


def _groups() -> dict[str, str]:
    catalog = services.hub().programme.catalog
    return {g.id: g.name for g in catalog.groups.values()} if catalog is not None else {}


@bp.get("/media/announcements")
@login_required
def announcements() -> ResponseReturnValue:
    """One day's announcements as a zip for a commune loudspeaker system: the audio files in
    play order, `announcements.m3u` and `announcements.csv` (see `signage.speech.export`)."""
    from signage.speech import export

    programme = services.hub().programme
    group = request.args.get("group", "") or None
    try:
        day = date.fromisoformat(request.args.get("date", "")[:10])
    except ValueError:
        flash(_("Choose the day of the announcements."), "error")
        return redirect(url_for(".index"), 303)
    if group is not None and group not in _groups():
        flash(_("There is no group “%(group)s”.", group=group), "error")
        return redirect(url_for(".index"), 303)
    if programme.catalog is None or programme.spoken is None:
        flash(_("The playlists cannot be read; correct them first."), "error")
        return redirect(url_for(".index"), 303)
    try:
        found = export.entries(programme.catalog, programme.spoken, day, group)
    except export.ExportError as error:
        for problem in error.problems:
            flash(f"{problem.file}:{problem.line}: {shown(problem).message}", "error")
        return redirect(url_for(".index"), 303)
    name = f"announcements-{day.isoformat()}{'-' + group if group else ''}.zip"
    return Response(
        export.archive(found),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/media")
@role_required("editor")
def upload() -> ResponseReturnValue:
    """Store each chosen file (checked from its content) and make its thumbnail."""
    uploads = [f for f in request.files.getlist("file") if f.filename]
    if not uploads:
        flash(_("Choose a picture or video to upload first."), "error")
    media_dir = _playlists() / MEDIA_DIR
    for upload in uploads:
        original = upload.filename or ""
        try:
            name = library.store(upload.stream, original, media_dir, limits(services.settings()))
        except MediaError as error:
            flash(explain(error, original), "error")
            continue
        path = media_dir / name
        _thumbnail(name, path)
        size = path.stat().st_size
        record("media.upload", name, f"{original} ({size} bytes)")
        if name == original:
            flash(_("“%(name)s” was uploaded.", name=name), "success")
        else:
            flash(_("“%(file)s” was uploaded as “%(name)s”.", file=original, name=name), "success")
    return redirect(url_for(".index"), 303)


@bp.post("/media/delete")
@role_required("editor")
def delete() -> ResponseReturnValue:
    """Delete one file that no playlist uses; otherwise say which playlists use it."""
    name = request.form.get("name", "")
    try:
        thumbnail = _thumbnail_path(name, library.resolve(_playlists() / MEDIA_DIR, name))
        library.delete(_playlists(), name, _spoken())
    except MediaError as error:
        flash(explain(error, name), "error")
        return redirect(url_for(".index"), 303)
    thumbnail.unlink(missing_ok=True)
    record("media.delete", name)
    flash(_("“%(name)s” was deleted.", name=name), "success")
    return redirect(url_for(".index"), 303)


def _thumbnail_path(name: str, path: Path) -> Path:
    """Where the thumbnail of this version of the file is kept: in this node's folder
    (`signage.database.local_folder`), under a name that changes when the file does."""
    info = path.stat()
    key = hashlib.sha256(f"{name}\0{info.st_size}\0{info.st_mtime_ns}".encode()).hexdigest()
    return local_folder(current_app) / THUMBNAILS / f"{key[:32]}.jpg"


def _thumbnail(name: str, path: Path) -> Path | None:
    target = _thumbnail_path(name, path)
    if target.is_file():
        return target
    kind = library.kind_of(name)
    if kind is None or not thumbnails.thumbnail(path, kind, target, thumbnails.find_ffmpeg()):
        return None
    return target


def thumbnail_file(name: str) -> Path | None:
    """The JPEG thumbnail of the library's file `name` (made once), or None when there is no
    such file or no thumbnail can be made. Inside a request of the app."""
    try:
        path = library.resolve(_playlists() / MEDIA_DIR, name)
    except MediaError:
        return None
    return _thumbnail(name, path)


@bp.get("/media/thumbnail/<path:name>")
@login_required
def thumbnail(name: str) -> ResponseReturnValue:
    """A small JPEG of the file, made once; a generic icon when none can be made."""
    try:
        path = library.resolve(_playlists() / MEDIA_DIR, name)
    except MediaError:
        return redirect(url_for("static", filename="console/media-missing.svg"), 303)
    made = _thumbnail(name, path)
    if made is None:
        icon = "media-video.svg" if library.kind_of(name) == "video" else "media-image.svg"
        return redirect(url_for("static", filename=f"console/{icon}"), 303)
    response = Response(made.read_bytes(), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A body over the largest upload: a page saying the limits, never a bare 413."""
    current = limits(services.settings())
    return (
        render_template(
            "console/error.html",
            title=_("The file is too large"),
            text=_(
                "Pictures may be up to %(image)s MB and videos up to %(video)s MB. Make the file "
                "smaller and upload it again.",
                image=_megabytes(current.image),
                video=_megabytes(current.video),
            ),
            status=413,
        ),
        413,
    )
