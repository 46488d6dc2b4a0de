"""Making printed materials for the console: checked requests, PDFs and page previews, cached.

The sheets themselves are the portal's (`portal.campaign.materials`: its `render` and
`png_pages` are the documented core, the same one `bluezone-portal materials` uses), made from
the campaign file named by the `campaign_file` setting for the venues of `material_venues`.
This module decides what may be made and keeps the work bounded:

- an unknown venue, material or language is refused with `PrintError` before anything is drawn;
- rendering is expensive (a second or more per sheet), so results are cached by content (the
  campaign's texts, the venue, the material, the languages and the portal address), at most
  `CACHE_SIZE` of them, and only one sheet is drawn at a time: a second request for the same
  sheet waits for the first and takes its result instead of drawing it again;
- the PDF is drawn through `offload` (the server passes gevent's thread pool), so the screens'
  connections are served while a sheet is drawn; Poppler's `pdftoppm` runs as a subprocess,
  which gevent waits for without blocking.

No Flask import.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from portal.campaign.content import Campaign, CampaignError, as_dict, load_campaign
from portal.campaign.materials import (
    MATERIALS,
    MaterialError,
    Venue,
    check_request,
    png_pages,
    prepare,
    render,
)

CACHE_SIZE = 32
PREVIEW_DPI = 60
MAX_VENUES = 500
_VENUE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NAME_LIMIT = 120


Offload = Callable[[Callable[[], bytes]], bytes]


def _direct(function: Callable[[], bytes]) -> bytes:
    return function()


class PrintError(ValueError):
    """A request the print shop refuses; `reason` is a code the console translates
    (`venue`, `material`, `languages`, `campaign`), `message` says what and where in English."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_venues(text: str, default_id: str, default_name: str) -> dict[str, str]:
    """The venues of the `material_venues` setting, id to name, in order.

    `id=Name` pairs separated by `;` (the name may be left out: the id is printed); an empty
    setting gives `{default_id: default_name or default_id}`. Raises `PrintError("venue")`
    naming the bad entry: an id not made of 1-64 letters, digits, `-` and `_` (the portal's
    venue ids), a name over 120 characters, an id given twice, or more than 500 venues.
    """
    entries = [entry.strip() for entry in text.split(";") if entry.strip()]
    if not entries:
        return {default_id: default_name or default_id}
    if len(entries) > MAX_VENUES:
        raise PrintError("venue", f"material_venues: at most {MAX_VENUES} venues")
    venues: dict[str, str] = {}
    for number, entry in enumerate(entries, start=1):
        venue_id, _, name = (part.strip() for part in entry.partition("="))
        where = f"material_venues: entry {number} ({entry[:80]!r})"
        if not _VENUE_ID.match(venue_id):
            raise PrintError("venue", f"{where}: the id must be 1-64 letters, digits, '-' or '_'")
        if len(name) > _NAME_LIMIT:
            raise PrintError("venue", f"{where}: the name is longer than {_NAME_LIMIT} characters")
        if venue_id in venues:
            raise PrintError("venue", f"{where}: {venue_id} is given twice")
        venues[venue_id] = name or venue_id
    return venues


@dataclass(frozen=True)
class Sheet:
    """A checked request: the material, the venue, the languages as campaign keys."""

    material: str
    venue: Venue
    languages: tuple[str, ...]

    @property
    def stem(self) -> str:
        """The file name without extension, as `bluezone-portal materials` names it."""
        return f"{self.material}-{self.venue.id}-{'-'.join(self.languages)}"


class PrintShop:
    """Checks, renders and caches sheets for one campaign file and portal address.

    Safe to share between threads.
    """

    def __init__(self, campaign_file: str, portal_url: str, offload: Offload = _direct) -> None:
        self.campaign_file = Path(campaign_file) if campaign_file else None
        self._offload = offload
        self.portal_url = portal_url
        self._lock = threading.Lock()
        self._drawing = threading.Lock()
        self._cache: OrderedDict[str, tuple[bytes, ...]] = OrderedDict()
        self._campaign: tuple[tuple[int, int] | None, Campaign] | None = None

    def campaign(self) -> Campaign:
        """The campaign, read again when its file changed. `PrintError("campaign")` when it
        cannot be read or has a wrong value (the message names file and line)."""
        stamp = None
        if self.campaign_file is not None:
            try:
                info = self.campaign_file.stat()
            except OSError as exc:
                message = f"{self.campaign_file}: cannot read the campaign file: {exc.strerror}"
                raise PrintError("campaign", message) from None
            stamp = (info.st_mtime_ns, info.st_size)
        with self._lock:
            if self._campaign is not None and self._campaign[0] == stamp:
                return self._campaign[1]
        try:
            campaign = load_campaign(self.campaign_file)
        except CampaignError as exc:
            raise PrintError("campaign", str(exc)) from None
        with self._lock:
            self._campaign = (stamp, campaign)
        return campaign

    def languages(self) -> list[str]:
        """The languages the campaign has texts in, as campaign keys."""
        return sorted(self.campaign().texts)

    def check(
        self, material: str, venue_id: str, languages: Sequence[str], venues: Mapping[str, str]
    ) -> Sheet:
        """The sheet asked for, at one of `venues` (id to name), or `PrintError` saying what is
        not known."""
        if venue_id not in venues:
            raise PrintError("venue", f"unknown venue {venue_id[:80]!r}")
        if material not in MATERIALS:
            raise PrintError("material", f"unknown material {material[:80]!r}")
        try:
            langs = check_request(self.campaign(), material, [code[:20] for code in languages])
        except MaterialError as exc:
            raise PrintError("languages", str(exc)) from None
        return Sheet(material, Venue(venue_id, venues[venue_id]), tuple(langs))

    def pdf(self, sheet: Sheet) -> bytes:
        """The print-ready PDF of `sheet`."""
        return self._made(sheet, "pdf")[0]

    def previews(self, sheet: Sheet) -> tuple[bytes, ...]:
        """One PNG per page of `sheet`, at `PREVIEW_DPI`."""
        return self._made(sheet, "png")

    def _key(self, sheet: Sheet, what: str) -> str:
        content = {
            "campaign": as_dict(self.campaign()),
            "venue": [sheet.venue.id, sheet.venue.name],
            "material": sheet.material,
            "languages": sheet.languages,
            "portal": self.portal_url,
            "what": what,
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def _cached(self, key: str) -> tuple[bytes, ...] | None:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def _made(self, sheet: Sheet, what: str) -> tuple[bytes, ...]:
        key = self._key(sheet, what)
        found = self._cached(key)
        if found is not None:
            return found
        # One drawing at a time: a request waiting here for the same sheet finds it cached.
        with self._drawing:
            found = self._cached(key)
            if found is not None:
                return found
            if what == "pdf":
                made: tuple[bytes, ...] = (self._render(sheet),)
            else:
                made = tuple(png_pages(self._pdf_locked(sheet), PREVIEW_DPI))
            with self._lock:
                self._cache[key] = made
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            return made

    def _pdf_locked(self, sheet: Sheet) -> bytes:
        """The PDF while holding the drawing lock (cached like `pdf`)."""
        key = self._key(sheet, "pdf")
        found = self._cached(key)
        if found is not None:
            return found[0]
        pdf = self._render(sheet)
        with self._lock:
            self._cache[key] = (pdf,)
        return pdf

    def _render(self, sheet: Sheet) -> bytes:
        campaign, portal_url = self.campaign(), self.portal_url
        prepare()
        return self._offload(
            lambda: render(campaign, sheet.venue, sheet.material, sheet.languages, portal_url)
        )
