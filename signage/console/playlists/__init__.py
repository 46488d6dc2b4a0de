"""The console's playlist pages: list, create, duplicate, delete, form and YAML editors,
history and restore, and the preview (one module each; `blueprint` holds what they share, this
one registers them).

Thin edges over `signage.editing`: `publish` (writing, conflicts), `history`, `yamledit`
(form edits that keep comments), `usage` (who may edit what) and `preview`.
Every change goes through `Publisher`, so a file changed since the page was opened is never
overwritten, and every change is in the audit log as `playlist.<action>`. Every page of one
playlist takes its id through the `<playlist:...>` URL converter, so no page ever runs for
anything but a playlist id: not for `screens`, whose file only administrators change, on the
screens pages.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from bluezone.storage.database import Database
from signage import services
from signage.editing.history import History
from signage.editing.publish import Publisher

# The pages add their routes to `bp` when imported.
from . import editor, history, listing, preview, yamltext  # noqa: F401
from .blueprint import PlaylistIdConverter, bp


def init_app(app: Flask, database: Database) -> None:
    """Give the app its playlist publisher (history in `database`) and register the pages."""
    hub = services.hub(app)
    # Before the blueprint: its rules are bound to the converter when they are registered.
    app.url_map.converters["playlist"] = PlaylistIdConverter
    services.publisher.set(
        app,
        Publisher(
            Path(services.settings(app).playlists_dir),
            History(database),
            lambda: hub.programme.catalog,
            hub.programme.spoken,
        ),
    )
    app.register_blueprint(bp)
