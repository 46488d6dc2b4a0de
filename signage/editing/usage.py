"""Which groups and screens use a playlist, and who may therefore change it.

A group *uses* a playlist when the group's `playlist` is that playlist or includes it, directly
or through other includes: a change to it changes what the group's screens show. A screen
*shows* a playlist when its main (first) group uses it.

The editing rule (documented in the README): viewers change nothing; admins change every
playlist; an editor may change a playlist when every group that uses it is one of the editor's
groups, so a playlist used by no group (a new one, or one only kept for later) is open to every
editor, and one shared by groups of several editors (such as an included campaign) only to an
editor given all of them, or to an admin. This module does not import Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from signage.catalog.loader import Source
from signage.catalog.playlist import Catalog
from signage.catalog.validate import Include, PlaylistDocument

ROLES = ("viewer", "editor", "admin")


@dataclass(frozen=True)
class Usage:
    """The groups that use a playlist and the screens that show it, in declaration order."""

    groups: tuple[str, ...] = ()
    screens: tuple[str, ...] = ()
    included_by: tuple[str, ...] = ()


def includes(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """Each playlist's direct includes, read from the catalog's checked documents."""
    found: dict[str, tuple[str, ...]] = {}
    for source in catalog.documents.values():
        if isinstance(source, Source) and isinstance(source.document, PlaylistDocument):
            document = source.document
            found[document.id] = tuple(
                entry.playlist for entry in document.entries if isinstance(entry, Include)
            )
    return found


def reach(playlist_id: str, graph: Mapping[str, Iterable[str]]) -> set[str]:
    """`playlist_id` and every playlist it includes, directly or not."""
    seen: set[str] = set()
    stack = [playlist_id]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(graph.get(current, ()))
    return seen


def usage(catalog: Catalog | None, playlist_id: str) -> Usage:
    """Who uses `playlist_id` in `catalog` (nobody when there is no catalog)."""
    if catalog is None:
        return Usage()
    graph = includes(catalog)
    groups = tuple(
        group.id for group in catalog.groups.values() if playlist_id in reach(group.playlist, graph)
    )
    screens = tuple(
        screen.id
        for screen in catalog.screens.values()
        if screen.groups and screen.groups[0] in groups
    )
    included_by = tuple(sorted(other for other, targets in graph.items() if playlist_id in targets))
    return Usage(groups, screens, included_by)


def may_edit(role: str, may_edit_group: Callable[[str], bool], used: Usage) -> bool:
    """Whether someone with `role` and these groups may change a playlist with this usage."""
    if role == "admin":
        return True
    if role != "editor":
        return False
    return all(may_edit_group(group) for group in used.groups)
