"""Reading operators' YAML into checked documents: the entry points of the checks.

Each reader walks the nodes of one file against the format (see `playlists/README.md`) and
returns the document it could build together with a list of `Problem`s, each placed on the
line and column it concerns (see `signage.catalog.messages` for their wording). The work is
split by job: `reader` (the building blocks), `playlistreader` and `schedulereader` (playlist
files), `screensreader` (screens.yaml), `mediafiles` (the media files on disk) and `checks`
(checks that span files). This module keeps the names the rest of the program uses.
"""

from __future__ import annotations

from pathlib import Path

from signage.catalog.checks import check_groups, check_includes
from signage.catalog.documents import Include, PlaylistDocument, ScreensDocument
from signage.catalog.grammar import IMAGE_TYPES, VIDEO_TYPES
from signage.catalog.playlistreader import PlaylistReader
from signage.catalog.problem import Problem
from signage.catalog.reader import IDENTIFIER
from signage.catalog.screensreader import ORIENTATIONS, ScreensReader
from signage.catalog.yamlsource import Node

__all__ = [
    "IDENTIFIER",
    "IMAGE_TYPES",
    "ORIENTATIONS",
    "VIDEO_TYPES",
    "Include",
    "PlaylistDocument",
    "ScreensDocument",
    "check_groups",
    "check_includes",
    "read_playlist",
    "read_screens",
]


def read_screens(root: Node | None, file: str) -> tuple[ScreensDocument | None, list[Problem]]:
    """Check the screens file: venue settings, groups and screens.

    The document is None when there is any problem; the problems are listed either way.
    """
    reader = ScreensReader(file)
    document = reader.screens_document(root)
    return (document if not reader.problems else None), reader.problems


def read_playlist(
    root: Node | None, file: str, playlist_id: str, media_dir: Path
) -> tuple[PlaylistDocument | None, list[Problem]]:
    """Check one playlist file; media paths are looked up (and hashed) in `media_dir`.

    The document is None when there is any problem; the problems are listed either way.
    """
    reader = PlaylistReader(file, media_dir)
    document = reader.playlist_document(root, playlist_id)
    return (document if not reader.problems else None), reader.problems
