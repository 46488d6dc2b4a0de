"""The checked documents the readers build: a playlist file and the screens file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from signage.catalog.playlist import (
    Group,
    Item,
    Screen,
)


@dataclass(frozen=True)
class Include:
    """An entry that splices in the items of another playlist, written `- include: <id>`."""

    playlist: str
    line: int
    column: int


@dataclass(frozen=True)
class PlaylistDocument:
    """A checked playlist file; `media` maps each media file it uses ("media/...") to sha256."""

    id: str
    name: str
    entries: tuple[Item | Include, ...]
    media: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScreensDocument:
    """A checked `screens.yaml`; `playlist_refs` locates each group's `playlist` value."""

    venue: str
    timezone: str
    groups: Mapping[str, Group]
    screens: Mapping[str, Screen]
    playlist_refs: Mapping[str, tuple[int, int]] = field(default_factory=dict)
