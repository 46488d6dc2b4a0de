"""The playlist catalog: screens, groups and playlists as operators declare them in YAML.

This module holds the domain values (frozen dataclasses) and the entry points the server uses:
`playlist_for_screen` and `Item.to_json`. A directory is read into a `Catalog` by
`signage.catalog.loader.load_catalog`, which checks the YAML with `signage.catalog.validate`;
the format itself is documented in `playlists/README.md`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from signage.catalog.problem import Problem
from signage.catalog.schedule import Schedule

__all__ = [
    "DEFAULT_TIMEZONE",
    "LANGUAGES",
    "Catalog",
    "ClockContent",
    "Group",
    "HtmlContent",
    "ImageContent",
    "Item",
    "LoadResult",
    "Playlist",
    "Problem",
    "QrContent",
    "Screen",
    "SoundContent",
    "TextBlock",
    "TextContent",
    "TickerContent",
    "VideoContent",
    "playlist_for_screen",
]

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
# Vietnamese first, then the languages of the most numerous foreign arrivals.
LANGUAGES = ("vi", "en", "ko", "zh-Hans", "zh-Hant", "ja", "ru")

Kind = Literal["text", "image", "video", "qr", "html", "clock", "ticker", "sound"]
Orientation = Literal["landscape", "portrait"]


@dataclass(frozen=True)
class TextBlock:
    """The title and optional body of a text slide in one language."""

    title: str
    body: str | None = None


@dataclass(frozen=True)
class TextContent:
    """A text announcement: one block per language code."""

    texts: Mapping[str, TextBlock]


@dataclass(frozen=True)
class ImageContent:
    """A picture from the media directory, with an optional caption per language."""

    file: str
    sha256: str
    caption: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VideoContent:
    """A video from the media directory, played muted from the start for the item's duration."""

    file: str
    sha256: str


@dataclass(frozen=True)
class QrContent:
    """A QR code: either a fixed `url` or a `campaign` whose link the portal counts per screen."""

    url: str | None
    campaign: str | None
    title: Mapping[str, str] = field(default_factory=dict)
    caption: Mapping[str, str] = field(default_factory=dict)
    short: str | None = None

    def target(self, screen: Screen, portal_url: str) -> str:
        """The URL encoded in the code shown on `screen`."""
        if self.campaign is None:
            assert self.url is not None
            return self.url
        base = portal_url.rstrip("/")
        return f"{base}/go/{quote(self.campaign)}?src={quote(screen.id)}"

    def short_text(self, portal_url: str) -> str:
        """The address printed beside the code, for people who type instead of scanning."""
        if self.short is not None:
            return self.short
        if self.campaign is None:
            assert self.url is not None
            return _without_scheme(self.url)
        return _without_scheme(f"{portal_url.rstrip('/')}/go/{quote(self.campaign)}")


@dataclass(frozen=True)
class HtmlContent:
    """Sanitized HTML per language (see `signage.catalog.markup` for what is allowed)."""

    html: Mapping[str, str]


@dataclass(frozen=True)
class ClockContent:
    """A clock showing the venue's time and date, with an optional caption per language."""

    timezone: str = DEFAULT_TIMEZONE
    caption: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TickerContent:
    """A line of text for the ticker band, per language."""

    text: Mapping[str, str]


@dataclass(frozen=True)
class SoundContent:
    """A spoken announcement: text per language, spoken by the speech engine, or an audio
    `file` of the media library (with its `sha256`); exactly one of the two is given.

    `every` (minutes) repeats it while its schedule holds; without it, it plays once at the
    start of each of its schedule's time windows (see `signage.catalog.announcements`).
    """

    text: Mapping[str, str] = field(default_factory=dict)
    file: str | None = None
    sha256: str | None = None
    every: int | None = None


Content = (
    TextContent
    | ImageContent
    | VideoContent
    | QrContent
    | HtmlContent
    | ClockContent
    | TickerContent
    | SoundContent
)


@dataclass(frozen=True)
class Item:
    """One entry of a rotation, with all its language variants.

    `id` is stable across edits that do not touch the item (it is derived from the item's
    content), so proof-of-play records stay comparable. `file` and `line` say where it is written.
    """

    id: str
    kind: Kind
    duration: float
    content: Content
    schedule: Schedule | None = None
    priority: int = 0
    file: str = ""
    line: int = 0

    def to_json(self, screen: Screen, portal_url: str) -> dict[str, Any]:
        """What the player needs to show this item on `screen`.

        Always: `id`, `kind`, `duration` (seconds), `priority`, and `content`, a list with one
        entry per language the item has, in the screen's language order, each with `lang` and:
        text: `title`, `body` (or None); image: `caption` (or None); qr: `title`, `caption`
        (either may be None); html: `html` (already sanitized); clock: `caption` (or None);
        ticker: `text`. Video has an empty `content`.
        Kind-specific keys: image and video `media` (path relative to the media directory)
        and `sha256` (for cache busting); qr `url` (the address in the code, per screen for a
        campaign) and `short_url` (the text printed beside it); clock `timezone` (IANA name).
        Ticker items belong in the ticker band, sound items are heard (see
        `signage.live.programme` for when), every other kind is a full slide. Sound: `every`
        (minutes or None), `media` and `sha256` for an audio file, and for spoken text one
        `text` entry per language.
        """
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "duration": self.duration,
            "priority": self.priority,
        }
        languages = screen.languages
        content = self.content
        entries: list[dict[str, Any]] = []
        if isinstance(content, TextContent):
            for lang in _present(languages, content.texts):
                block = content.texts[lang]
                entries.append({"lang": lang, "title": block.title, "body": block.body})
        elif isinstance(content, ImageContent):
            data.update(media=content.file, sha256=content.sha256)
            for lang in _present(languages, content.caption) or languages[:1]:
                entries.append({"lang": lang, "caption": content.caption.get(lang)})
        elif isinstance(content, VideoContent):
            data.update(media=content.file, sha256=content.sha256)
        elif isinstance(content, QrContent):
            data.update(url=content.target(screen, portal_url))
            data.update(short_url=content.short_text(portal_url))
            present = _present(languages, {**content.title, **content.caption}) or languages[:1]
            for lang in present:
                entries.append(
                    {
                        "lang": lang,
                        "title": content.title.get(lang),
                        "caption": content.caption.get(lang),
                    }
                )
        elif isinstance(content, HtmlContent):
            for lang in _present(languages, content.html):
                entries.append({"lang": lang, "html": content.html[lang]})
        elif isinstance(content, ClockContent):
            data.update(timezone=content.timezone)
            for lang in _present(languages, content.caption) or languages[:1]:
                entries.append({"lang": lang, "caption": content.caption.get(lang)})
        elif isinstance(content, SoundContent):
            data.update(every=content.every)
            if content.file is not None:
                data.update(media=content.file, sha256=content.sha256)
            for lang in _present(languages, content.text):
                entries.append({"lang": lang, "text": content.text[lang]})
        else:
            for lang in _present(languages, content.text):
                entries.append({"lang": lang, "text": content.text[lang]})
        data["content"] = entries
        return data


@dataclass(frozen=True)
class Playlist:
    """A rotation of items, with includes already expanded.

    `sources` are the files (relative to the playlist directory) it was built from, its own
    first, then included playlists and media, so a change to any of them concerns it.
    """

    id: str
    name: str
    items: tuple[Item, ...]
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Screen:
    """A physical screen. `groups[0]` is its main group, whose playlist it shows.

    `sound` says it has speakers that may play announcements; off unless declared, because a
    screen that speaks unasked (a hotel lobby, an office) does more harm than one that stays
    silent, and most screens have no speakers.
    """

    id: str
    name: str
    groups: tuple[str, ...]
    location: str
    languages: tuple[str, ...]
    orientation: Orientation = "landscape"
    sound: bool = False


@dataclass(frozen=True)
class Group:
    """A named set of screens that show the same playlist, in sync."""

    id: str
    name: str
    playlist: str


@dataclass(frozen=True)
class Catalog:
    """Everything declared in a playlist directory, ready to show.

    `version` is a short hash of every file's content; `files` maps each file the catalog was
    built from (relative path, media included) to its sha256. `documents` keeps each file's
    checked content so a later load can fall back to it when that file turns invalid.
    """

    screens: Mapping[str, Screen]
    groups: Mapping[str, Group]
    playlists: Mapping[str, Playlist]
    timezone: ZoneInfo
    version: str
    files: Mapping[str, str]
    venue: str = ""
    documents: Mapping[str, object] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class LoadResult:
    """A loaded catalog (None when there is nothing usable) and every problem found."""

    catalog: Catalog | None
    problems: list[Problem]


def playlist_for_screen(catalog: Catalog, screen_id: str) -> Playlist | None:
    """The playlist of the screen's main group; None for an unknown screen or a missing playlist."""
    screen = catalog.screens.get(screen_id)
    if screen is None or not screen.groups:
        return None
    group = catalog.groups.get(screen.groups[0])
    if group is None:
        return None
    return catalog.playlists.get(group.playlist)


def _present(languages: tuple[str, ...], available: Mapping[str, object]) -> list[str]:
    return [lang for lang in languages if lang in available]


def _without_scheme(url: str) -> str:
    parts = urlsplit(url)
    text = parts.netloc + parts.path
    if parts.query:
        text += "?" + parts.query
    return text.rstrip("/") if not parts.query else text
