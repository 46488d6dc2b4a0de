"""What a screen would show for a playlist (saved, or a draft) at a chosen moment.

The draft is read by the same loader as the playlist directory (the draft stands in for its
file), its schedule is evaluated by `signage.catalog.schedule` and the state message is built by
`signage.live.programme.state_body`, exactly as for a real screen; the console then hands it to the
real player. This module does not import Flask.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from signage.catalog import loader as catalog_loader
from signage.catalog import schedule
from signage.catalog.directory import playlist_path
from signage.catalog.playlist import (
    LANGUAGES,
    Catalog,
    ClockContent,
    Content,
    HtmlContent,
    ImageContent,
    Orientation,
    QrContent,
    Screen,
    TextContent,
    TickerContent,
    VideoContent,
)
from signage.catalog.problem import Problem
from signage.live.programme import state_body

PREVIEW_SCREEN = "preview"


@dataclass(frozen=True)
class Entry:
    """One item of the rotation (includes expanded) and whether it shows at the chosen moment.

    `why` is "" when it shows, "schedule" when its schedule excludes the moment, "priority" when
    items of a higher priority replace it then. `label` is a short text to recognise it by.
    """

    number: int
    kind: str
    label: str
    why: str
    file: str


@dataclass(frozen=True)
class Preview:
    """The `state` message for the preview screen, or the problems that prevent one, and the
    items with whether each shows."""

    state: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()
    entries: tuple[Entry, ...] = ()


def languages_of(catalog: Catalog | None, screens: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The languages of `screens`, or, when none is given (or known), those of every screen
    plus Vietnamese and English; in the order of `LANGUAGES`."""
    found: set[str] = set()
    if catalog is not None and screens:
        for screen_id in screens:
            if screen_id in catalog.screens:
                found.update(catalog.screens[screen_id].languages)
    if not found:
        found = {"vi", "en"}
        if catalog is not None:
            for screen in catalog.screens.values():
                found.update(screen.languages)
    return tuple(lang for lang in LANGUAGES if lang in found)


def preview(
    directory: Path,
    playlist_id: str,
    draft: str | None,
    previous: Catalog | None,
    at: datetime,
    orientation: Orientation,
    languages: tuple[str, ...],
    portal_url: str,
) -> Preview:
    """The state a screen in `orientation` with `languages` shows at `at` (timezone-aware).

    With `draft`, the playlist file reads as `draft`; problems in it leave no preview.
    """
    name = playlist_path(directory, playlist_id).name
    overlay = {name: draft} if draft is not None else None
    result = catalog_loader.load_catalog(directory, previous, overlay)
    own = tuple(p for p in sorted(result.problems) if p.file == name)
    catalog = result.catalog
    if (draft is not None and own) or catalog is None or playlist_id not in catalog.playlists:
        return Preview(None, own)
    playlist = catalog.playlists[playlist_id]
    screen = Screen(PREVIEW_SCREEN, playlist.name, (), "", languages, orientation)
    local = at.astimezone(catalog.timezone)
    active = schedule.active_items(playlist, local)
    items = [item.to_json(screen, portal_url) for item in active]
    shown = {item.id for item in active}
    entries = tuple(
        Entry(
            number,
            item.kind,
            label(item.content),
            ""
            if item.id in shown
            else "schedule"
            if item.schedule is not None and not item.schedule.is_active(local)
            else "priority",
            item.file,
        )
        for number, item in enumerate(playlist.items, start=1)
    )
    state = state_body(screen, items, schedule.next_change(playlist, local))
    return Preview(state, (), entries)


def label(content: Content) -> str:
    """A short text to recognise an item by: its Vietnamese title or text, or its file or link."""
    if isinstance(content, TextContent):
        return _first({lang: block.title for lang, block in content.texts.items()})
    if isinstance(content, ImageContent | VideoContent):
        return content.file
    if isinstance(content, QrContent):
        return _first(content.title) or content.url or f"/go/{content.campaign}"
    if isinstance(content, HtmlContent):
        return _shortened(" ".join(re.sub(r"<[^>]+>", " ", _first(content.html)).split()))
    if isinstance(content, TickerContent):
        return _shortened(_first(content.text))
    return _first(content.caption) if isinstance(content, ClockContent) else ""


def _shortened(text: str, limit: int = 80) -> str:
    """`text`, cut at a word boundary with an ellipsis when it is longer than `limit`."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _first(values: Mapping[str, str]) -> str:
    """The Vietnamese value, else the first one, else ""."""
    return values.get("vi") or next(iter(values.values()), "")
