"""Assembling a `Catalog` from the files of a playlist directory.

`screens.yaml` declares the venue, groups and screens; every playlist file (`.yaml` or `.yml`,
see `signage.catalog.directory`) is a playlist named after the file. Media live in
`media/`. A file with problems is replaced by its last good version from the previous catalog
when there is one, so a bad save leaves the screens as they were.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from signage.catalog import validate, yamlsource
from signage.catalog.directory import PLAYLIST_SUFFIXES, SCREENS_FILE, SCREENS_ID, playlist_files
from signage.catalog.playlist import (
    Catalog,
    ClockContent,
    Item,
    LoadResult,
    Playlist,
)
from signage.catalog.problem import Problem

MEDIA_DIR = "media"

Document = validate.ScreensDocument | validate.PlaylistDocument


def is_playlist_id(text: str) -> bool:
    """True when `text` can name a playlist file `<text>.yaml`: an identifier, and not
    `screens`, whose file declares the screens and groups and is never a playlist. Whatever
    resolves a playlist id to a file asks this first."""
    return bool(validate.IDENTIFIER.match(text)) and text != SCREENS_ID


@dataclass(frozen=True)
class Source:
    """One file's checked content and the sha256 of the bytes it was read from."""

    file: str
    sha256: str
    document: Document


def load_catalog(
    directory: Path,
    previous: Catalog | None = None,
    overlay: Mapping[str, str | None] | None = None,
) -> LoadResult:
    """Read and check every file in `directory`.

    Without `previous`, a file with problems is left out of the catalog. With `previous` (the
    catalog in use), a file with problems is replaced by its version in `previous`, so one bad
    save never takes a working screen down. `problems` lists every problem either way, and
    `catalog` is None only when the directory is missing or `screens.yaml` has no usable
    version at all.

    `overlay` maps file names to the text to read instead of the file on disk (None: as if the
    file did not exist), so a draft is checked by exactly the rules a saved file is.
    """
    overlay = overlay or {}
    problems: list[Problem] = []
    earlier: Mapping[str, object] = previous.documents if previous is not None else {}
    current: dict[str, Source] = {}
    on_disk: set[str] = set()
    if not directory.is_dir():
        problems.append(Problem.of(str(directory), 1, 1, "no-directory"))
        return LoadResult(None, problems)
    screens = directory / SCREENS_FILE
    drafts = [
        directory / name
        for name in overlay
        if Path(name).suffix in PLAYLIST_SUFFIXES and not name.startswith(".")
    ]
    paths = [
        path
        for path in sorted(
            {*playlist_files(directory), *([screens] if screens.is_file() else []), *drafts}
        )
        if overlay.get(path.name, "") is not None
    ]
    on_disk.update(path.name for path in paths)
    for path in paths:
        source, found = _read(directory, path, on_disk, earlier, overlay.get(path.name))
        problems.extend(found)
        if source is not None:
            current[path.name] = source
    if SCREENS_FILE not in on_disk:
        problems.append(Problem.of(SCREENS_FILE, 1, 1, "no-screens-file"))

    chosen = dict(current)
    for name in on_disk - set(current):
        _fall_back(chosen, earlier, name)

    # A playlist file that exists but is invalid is reported on its own; naming it from a group
    # or an include is not a second mistake.
    stems = {Path(name).stem for name in on_disk if name != SCREENS_FILE}
    playlists = _playlists(chosen)
    include_problems = validate.check_includes(playlists, stems - set(playlists))
    problems.extend(include_problems)
    for name in {p.file for p in include_problems}:
        if name in current and chosen.get(name) is current[name]:
            del chosen[name]
            _fall_back(chosen, earlier, name)
    playlists = _playlists(chosen)

    screens_source = chosen.get(SCREENS_FILE)
    if screens_source is not None:
        assert isinstance(screens_source.document, validate.ScreensDocument)
        named = set(playlists) | stems
        group_problems = validate.check_groups(screens_source.document, SCREENS_FILE, named)
        if screens_source is current.get(SCREENS_FILE):
            problems.extend(group_problems)
            if group_problems:
                del chosen[SCREENS_FILE]
                _fall_back(chosen, earlier, SCREENS_FILE)
        screens_source = chosen.get(SCREENS_FILE)
    if screens_source is None:
        return LoadResult(None, problems)
    assert isinstance(screens_source.document, validate.ScreensDocument)
    return LoadResult(_assemble(chosen, screens_source.document, playlists), problems)


def _playlists(chosen: Mapping[str, Source]) -> dict[str, tuple[str, validate.PlaylistDocument]]:
    return {
        source.document.id: (name, source.document)
        for name, source in chosen.items()
        if isinstance(source.document, validate.PlaylistDocument)
    }


def _read(
    directory: Path,
    path: Path,
    on_disk: set[str],
    earlier: Mapping[str, object],
    text: str | None = None,
) -> tuple[Source | None, list[Problem]]:
    name = path.name
    try:
        data = path.read_bytes() if text is None else text.encode("utf-8")
    except OSError as error:
        return None, [Problem.of(name, 1, 1, "unreadable-file", why=str(error.strerror))]
    sha = hashlib.sha256(data).hexdigest()
    known = earlier.get(name)
    if name == SCREENS_FILE and isinstance(known, Source) and known.sha256 == sha:
        # A province's screens file can list thousands of screens; when a playlist is saved it
        # has not changed, and it depends on nothing else, so its checked content is reused.
        # (Playlists are always read again: the media they name may have changed.)
        return known, []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [Problem.of(name, line, 1, "not-utf8")]
    text = text.removeprefix("\ufeff")
    parsed = yamlsource.parse(text, name)
    if parsed.problems:
        return None, list(parsed.problems)
    document: Document | None
    if name == SCREENS_FILE:
        document, problems = validate.read_screens(parsed.root, name)
    else:
        stem = path.stem
        twin = stem + (".yml" if path.suffix == ".yaml" else ".yaml")
        if twin in on_disk:
            return None, [Problem.of(name, 1, 1, "same-playlist-name", twin=twin)]
        if not validate.IDENTIFIER.match(stem):
            return None, [Problem.of(name, 1, 1, "bad-file-name", stem=stem)]
        document, problems = validate.read_playlist(parsed.root, name, stem, directory / MEDIA_DIR)
    if document is None:
        return None, problems
    return Source(name, sha, document), problems


def _fall_back(chosen: dict[str, Source], earlier: Mapping[str, object], name: str) -> None:
    source = earlier.get(name)
    if isinstance(source, Source):
        chosen[name] = source


def _assemble(
    chosen: Mapping[str, Source],
    screens: validate.ScreensDocument,
    documents: Mapping[str, tuple[str, validate.PlaylistDocument]],
) -> Catalog:
    timezone = ZoneInfo(screens.timezone)
    files: dict[str, str] = {}
    for name, source in chosen.items():
        files[name] = source.sha256
        if isinstance(source.document, validate.PlaylistDocument):
            files.update(source.document.media)
    playlists = {}
    for playlist_id, (_, document) in documents.items():
        items: list[Item] = []
        sources: list[str] = []
        _expand(documents, playlist_id, items, sources, [])
        items = [_localised(item, screens.timezone) for item in items]
        playlists[playlist_id] = Playlist(
            playlist_id, document.name, tuple(items), timezone, tuple(sources)
        )
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{files[name]}\n".encode())
    return Catalog(
        screens=dict(screens.screens),
        groups=dict(screens.groups),
        playlists=playlists,
        timezone=timezone,
        version=digest.hexdigest()[:12],
        files=files,
        venue=screens.venue,
        documents=dict(chosen),
    )


def _expand(
    documents: Mapping[str, tuple[str, validate.PlaylistDocument]],
    playlist_id: str,
    items: list[Item],
    sources: list[str],
    path: list[str],
) -> None:
    if playlist_id in path or playlist_id not in documents:
        return
    name, document = documents[playlist_id]
    if name not in sources:
        sources.append(name)
    for media in document.media:
        if media not in sources:
            sources.append(media)
    for entry in document.entries:
        if isinstance(entry, Item):
            items.append(entry)
        else:
            _expand(documents, entry.playlist, items, sources, [*path, playlist_id])


def _localised(item: Item, timezone: str) -> Item:
    if isinstance(item.content, ClockContent):
        return dataclasses.replace(
            item, content=dataclasses.replace(item.content, timezone=timezone)
        )
    return item
