"""Checks that span files: groups naming playlists, playlists including playlists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from signage.catalog.documents import Include, PlaylistDocument, ScreensDocument
from signage.catalog.problem import Problem
from signage.catalog.reader import listing, suggest


def check_groups(document: ScreensDocument, file: str, playlists: Iterable[str]) -> list[Problem]:
    """Every group must name a playlist that exists."""
    known = sorted(set(playlists))
    problems = []
    for group in document.groups.values():
        if group.playlist not in known:
            line, column = document.playlist_refs.get(group.id, (1, 1))
            problems.append(
                Problem.of(
                    file,
                    line,
                    column,
                    "group-without-playlist",
                    group=group.id,
                    playlist=group.playlist,
                    known=listing(known),
                    suggest=suggest(group.playlist, known),
                )
            )
    return problems


def check_includes(
    documents: Mapping[str, tuple[str, PlaylistDocument]], invalid: Iterable[str] = ()
) -> list[Problem]:
    """Every include must name an existing playlist, and no playlist may include itself.

    `documents` maps playlist id to (file, document). Playlists in `invalid` have files with
    problems of their own; including one is not reported again.
    """
    known = sorted(documents)
    skip = set(invalid)
    problems = []
    for playlist_id, (file, document) in documents.items():
        for entry in document.entries:
            if not isinstance(entry, Include) or entry.playlist in skip:
                continue
            if entry.playlist not in documents:
                problems.append(
                    Problem.of(
                        file,
                        entry.line,
                        entry.column,
                        "no-such-include",
                        name=entry.playlist,
                        known=listing(known),
                        suggest=suggest(entry.playlist, known),
                    )
                )
                continue
            path = _include_path(documents, entry.playlist, playlist_id, [playlist_id])
            if path is not None:
                problems.append(
                    Problem.of(
                        file,
                        entry.line,
                        entry.column,
                        "include-loop",
                        path=" → ".join([*path, playlist_id]),
                    )
                )
    return problems


def _include_path(
    documents: Mapping[str, tuple[str, PlaylistDocument]],
    current: str,
    target: str,
    path: list[str],
) -> list[str] | None:
    if current == target:
        return path
    if current in path[1:] or current not in documents:
        return None
    for entry in documents[current][1].entries:
        if isinstance(entry, Include):
            found = _include_path(documents, entry.playlist, target, [*path, current])
            if found is not None:
                return found
    return None
