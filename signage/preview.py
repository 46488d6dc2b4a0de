"""What a screen would show for a playlist (saved, or a draft) at a chosen moment.

The draft is read by the same loader as the playlist directory (the draft stands in for its
file), its schedule is evaluated by `signage.schedule` and the state message is built by
`signage.programme.state_body`, exactly as for a real screen; the console then hands it to the
real player. This module does not import Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from signage import catalog as catalog_loader
from signage import schedule
from signage.playlist import LANGUAGES, Catalog, Orientation, Screen
from signage.problem import Problem
from signage.programme import state_body

PREVIEW_SCREEN = "preview"


@dataclass(frozen=True)
class Preview:
    """The `state` message for the preview screen, or the problems that prevent one."""

    state: dict[str, Any] | None
    problems: tuple[Problem, ...] = ()


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
    name = f"{playlist_id}.yaml"
    overlay = {name: draft} if draft is not None else None
    result = catalog_loader.load(directory, previous, overlay)
    own = tuple(p for p in sorted(result.problems) if p.file == name)
    catalog = result.catalog
    if (draft is not None and own) or catalog is None or playlist_id not in catalog.playlists:
        return Preview(None, own)
    playlist = catalog.playlists[playlist_id]
    screen = Screen(PREVIEW_SCREEN, playlist.name, (), "", languages, orientation)
    local = at.astimezone(catalog.timezone)
    items = [item.to_json(screen, portal_url) for item in schedule.active_items(playlist, local)]
    return Preview(state_body(screen, items, schedule.next_change(playlist, local)))
