"""The blueprint the playlist pages add their routes to, and what the pages share: the
publisher, the catalog in use, who may change a playlist, and the `<playlist:...>` converter.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from flask import Blueprint, request
from werkzeug.routing import BaseConverter, ValidationError

from signage import services
from signage.catalog.directory import SCREENS_ID, playlist_paths
from signage.catalog.loader import is_playlist_id
from signage.catalog.playlist import Catalog
from signage.catalog.problem import Problem
from signage.editing.publish import MAX_TEXT
from signage.editing.usage import may_edit, usage

from ..auth import current_operator
from ..problems import Shown, shown

bp = Blueprint("console_playlists", __name__, url_prefix="/console/playlists")


# A playlist's text is read whole before it is checked against `MAX_TEXT`: a character takes
# at most 4 bytes in UTF-8 and each byte 3 once form-encoded, so a text just over the limit
# still arrives and is refused with the publish check's own message; far larger bodies stop
# here (413) instead of being read into memory and echoed back.
MAX_BODY = 12 * MAX_TEXT + 64 * 1024


def bound_body() -> None:
    """`before_request` hook, run before the CSRF check reads the form: cap the body of the
    playlist pages' posts at `MAX_BODY` (the app-wide cap is the largest media upload)."""
    if request.path.startswith(bp.url_prefix or "/console/playlists"):
        request.max_content_length = MAX_BODY


class PlaylistIdConverter(BaseConverter):
    """`<playlist:name>` in a route: matches a playlist id only (`signage.catalog.loader.
    is_playlist_id`), so any other path, `screens` included, is the console's 404 page before
    a view runs.

    The pattern leaves `screens` out as well as `to_python`: a path that matched the pattern
    of a route for another method would be answered "method not allowed" instead of 404.
    """

    regex = rf"(?!{re.escape(SCREENS_ID)}\Z)[a-z0-9][a-z0-9-]{{0,63}}"

    def to_python(self, value: str) -> str:
        if not is_playlist_id(value):
            raise ValidationError()
        return value


def catalog_in_use() -> Catalog | None:
    """The catalog the screens show now (None before any valid load)."""
    return services.hub().programme.catalog


def playlist_ids() -> list[str]:
    """The ids of the playlist files in the directory, sorted."""
    directory = services.publisher().directory
    return [playlist_id for playlist_id in playlist_paths(directory) if is_playlist_id(playlist_id)]


def may_change(playlist_id: str) -> bool:
    """Whether the signed-in operator may change this playlist (see `signage.editing.usage`)."""
    operator = current_operator()
    return may_edit(operator.role, operator.may_edit_group, usage(catalog_in_use(), playlist_id))


def existing(playlist_id: str) -> Path | None:
    """The playlist's file when the id is a playlist id and the file exists, else None."""
    if not is_playlist_id(playlist_id):
        return None
    path = services.publisher().path(playlist_id)
    return path if path.is_file() else None


def localised(problem: Problem) -> Shown:
    """The problem with its message in the operator's language."""
    return shown(problem)


def when(at: float) -> str:
    """A Unix time as the venue's wall clock, to the minute."""
    catalog = catalog_in_use()
    zone = catalog.timezone if catalog is not None else None
    return datetime.fromtimestamp(at, zone).strftime("%Y-%m-%d %H:%M")
