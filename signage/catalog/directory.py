"""Which files of a playlist directory are playlists, and which file a playlist id names.

A playlist is a regular file at the top of the directory ending in `.yaml` or `.yml`, not
hidden (editors and the console keep their temporary files as dot files), and not the screens
file (`screens.yaml`, or `screens.yml`, which is never a playlist). The id is the file name
without its suffix.

Twins: when both `x.yaml` and `x.yml` exist, the catalog loader refuses both ("has the same
playlist name; remove one") and keeps what the screens showed before. Everything that resolves
an id to one file (the console's pages, publishing) takes `x.yaml`; deleting it from the
console leaves `x.yml` as the playlist. Every place that lists or opens playlists asks this
module, so a file the screens play is one the console shows. This module does not import Flask.
"""

from __future__ import annotations

from pathlib import Path

SCREENS_FILE = "screens.yaml"
PLAYLIST_SUFFIXES = (".yaml", ".yml")
# The stem of SCREENS_FILE: it looks like a playlist id but names the venue's declaration.
SCREENS_ID = Path(SCREENS_FILE).stem


def playlist_files(directory: Path) -> list[Path]:
    """Every playlist file of `directory`, sorted by name, twins included; none when the
    directory is missing. The ids are not checked: a file with a bad name is still a playlist
    file, which the loader reports."""
    try:
        entries = list(directory.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(
        path
        for path in entries
        if path.suffix in PLAYLIST_SUFFIXES
        and path.stem != SCREENS_ID
        and not path.name.startswith(".")
        and path.is_file()
    )


def playlist_paths(directory: Path) -> dict[str, Path]:
    """Each id of `directory`'s playlist files, with the file it resolves to (see the module
    docstring for twins), in id order."""
    found: dict[str, Path] = {}
    for path in playlist_files(directory):
        if path.stem not in found or path.suffix == PLAYLIST_SUFFIXES[0]:
            found[path.stem] = path
    return dict(sorted(found.items()))


def playlist_path(directory: Path, playlist_id: str) -> Path:
    """The file of `playlist_id`: the existing `.yaml`, else the existing `.yml`, else the
    `.yaml` a new playlist is created as. The caller checks that the id is a playlist id."""
    for suffix in PLAYLIST_SUFFIXES:
        path = directory / f"{playlist_id}{suffix}"
        if path.is_file():
            return path
    return directory / f"{playlist_id}{PLAYLIST_SUFFIXES[0]}"
