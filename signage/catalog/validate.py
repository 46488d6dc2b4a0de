"""Reading operators' YAML into checked values, and every check on the way.

Each reader walks the nodes of one file against the format (see `playlists/README.md`) and
returns the values it could build together with a list of `Problem`s, each placed on the line
and column it concerns and worded for someone who is not a programmer: what is wrong, and what
is expected instead. Unknown keys are always problems, never ignored. Checks that span files
(a group naming a playlist, a playlist including another) are the `check_*` functions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TypeVar, cast, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from signage.catalog import markup
from signage.catalog.playlist import (
    DEFAULT_TIMEZONE,
    LANGUAGES,
    ClockContent,
    Content,
    Group,
    HtmlContent,
    ImageContent,
    Item,
    Kind,
    Orientation,
    QrContent,
    Screen,
    TextBlock,
    TextContent,
    TickerContent,
    VideoContent,
)
from signage.catalog.problem import Problem, Term, term
from signage.catalog.schedule import WEEKDAYS, Schedule, Window, WindowError, parse_window
from signage.catalog.yamlsource import Mapping as YamlMapping
from signage.catalog.yamlsource import Node, Scalar, Sequence

T = TypeVar("T")

MIN_DURATION = 3
MAX_DURATION = 600
MAX_PRIORITY = 100
MAX_QR_URL = 300
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg")
VIDEO_TYPES = (".mp4", ".webm")
KINDS: tuple[Kind, ...] = get_args(Kind)
ITEM_KEYS = ("duration", "schedule", "priority")
ORIENTATIONS: tuple[Orientation, ...] = get_args(Orientation)
# Identifiers appear in web addresses (/screen/<id>, ?src=<id>) and file names.
IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def read_screens(root: Node | None, file: str) -> tuple[ScreensDocument | None, list[Problem]]:
    """Check the screens file: venue settings, groups and screens."""
    reader = _Reader(file)
    document = reader.screens_document(root)
    return (document if not reader.problems else None), reader.problems


def read_playlist(
    root: Node | None, file: str, playlist_id: str, media_dir: Path
) -> tuple[PlaylistDocument | None, list[Problem]]:
    """Check one playlist file; media paths are looked up in `media_dir`."""
    reader = _Reader(file, media_dir)
    document = reader.playlist_document(root, playlist_id)
    return (document if not reader.problems else None), reader.problems


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
                    known=_listing(known),
                    suggest=_suggest(group.playlist, known),
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
                        known=_listing(known),
                        suggest=_suggest(entry.playlist, known),
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


class _Reader:
    """Walks the nodes of one file, collecting problems as it builds values."""

    def __init__(self, file: str, media_dir: Path | None = None) -> None:
        self.file = file
        self.media_dir = media_dir
        self.problems: list[Problem] = []
        self.media: dict[str, str] = {}

    def error(self, node: Node | None, code: str, /, **params: str | int | float | Term) -> None:
        line, column = (node.line, node.column) if node is not None else (1, 1)
        self.problems.append(Problem.of(self.file, line, column, code, **params))

    # -- building blocks ----------------------------------------------------------------

    def fields(
        self,
        node: Node | None,
        where: Term,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
        hints: Mapping[str, str] | None = None,
    ) -> dict[str, Node] | None:
        """The values of a block of keys; unknown keys and missing required keys are problems."""
        allowed = required + optional
        if not isinstance(node, YamlMapping):
            self.error(
                node, "not-block", where=where, keys=", ".join(allowed), what=_describe(node)
            )
            return None
        values: dict[str, Node] = {}
        for key, value in node.entries:
            if key.text not in allowed:
                self.error(
                    key,
                    "unknown-key",
                    key=key.text,
                    where=where,
                    keys=", ".join(allowed),
                    suggest=_suggest(key.text, allowed),
                )
                continue
            values[key.text] = value
        for name in required:
            if name not in values:
                hint = (hints or {}).get(name)
                if hint is not None:
                    self.error(node, hint, where=where)
                else:
                    self.error(node, "missing-key", where=where, key=name)
        return values

    def text(self, node: Node | None, where: Term, one_line: bool = False) -> str | None:
        """A non-blank piece of text in Unicode NFC."""
        if not isinstance(node, Scalar) or not isinstance(node.value, str):
            quote = isinstance(node, Scalar) and node.value is not None
            self.error(
                node, "not-text-quote" if quote else "not-text", where=where, what=_describe(node)
            )
            return None
        value = node.value
        if not value.strip():
            self.error(node, "empty-text", where=where)
            return None
        if one_line and "\n" in value.strip():
            self.error(node, "not-one-line", where=where)
            return None
        self.nfc(node, value, where)
        return value

    def nfc(self, node: Node, value: str, where: Term) -> None:
        if unicodedata.is_normalized("NFC", value):
            return
        word = next(
            (w for w in value.split() if not unicodedata.is_normalized("NFC", w)), value[:20]
        )
        shown = unicodedata.normalize("NFC", word)
        self.error(node, "not-nfc", where=where, word=shown)

    def number(self, node: Node | None, where: Term, low: float, high: float) -> float | None:
        if (
            not isinstance(node, Scalar)
            or isinstance(node.value, bool)
            or not isinstance(node.value, int | float)
            or not math.isfinite(node.value)
        ):
            self.error(node, "not-number", where=where, example=int(low) + 7, what=_describe(node))
            return None
        if not low <= node.value <= high:
            self.error(
                node, "out-of-range", where=where, low=f"{low:g}", high=f"{high:g}", value=node.text
            )
            return None
        return float(node.value)

    def integer(self, node: Node | None, where: Term, low: int, high: int) -> int | None:
        if not isinstance(node, Scalar) or type(node.value) is not int:
            self.error(
                node, "not-whole-number", where=where, low=low, high=high, what=_describe(node)
            )
            return None
        if not low <= node.value <= high:
            self.error(node, "out-of-range", where=where, low=low, high=high, value=node.text)
            return None
        return node.value

    def identifier(self, node: Node | None, what: Term) -> str | None:
        if not isinstance(node, Scalar) or not isinstance(node.value, str):
            self.error(node, "not-identifier", where=what, what=_describe(node))
            return None
        if not IDENTIFIER.match(node.value):
            self.error(node, "bad-identifier", where=what, value=node.value)
            return None
        return node.value

    def sequence(self, node: Node | None, where: Term, example: str) -> tuple[Node, ...] | None:
        if not isinstance(node, Sequence):
            self.error(node, "not-list", where=where, example=example, what=_describe(node))
            return None
        if not node.items:
            self.error(node, "empty-list", where=where, example=example)
            return None
        return node.items

    def language(self, node: Node, where: Term) -> str | None:
        code = node.text if isinstance(node, Scalar) else ""
        if isinstance(node, Scalar) and code in LANGUAGES:
            return code
        shown = term("quoted", value=code) if isinstance(node, Scalar) else _describe(node)
        known = ", ".join(LANGUAGES)
        if code.lower() in ("zh", "zh-cn", "zh-tw", "cn"):
            self.error(node, "unknown-language-chinese", given=shown, where=where, known=known)
            return None
        for same in LANGUAGES:
            if code.lower() == same.lower():
                self.error(
                    node,
                    "unknown-language-case",
                    given=shown,
                    where=where,
                    known_as=same,
                    known=known,
                )
                return None
        self.error(node, "unknown-language", given=shown, where=where, known=known)
        return None

    def languages(
        self, node: Node | None, where: Term, read: Callable[[Node, Term], T | None]
    ) -> dict[str, T] | None:
        """A block keyed by language code; Vietnamese is required because every screen shows it."""
        if not isinstance(node, YamlMapping):
            self.error(node, "not-languages", where=where, what=_describe(node))
            return None
        values: dict[str, T] = {}
        ok = True
        for key, value in node.entries:
            lang = self.language(key, where)
            if lang is None:
                ok = False
                continue
            read_value = read(value, term("part.in-language", part=where, lang=lang))
            if read_value is None:
                ok = False
                continue
            values[lang] = read_value
        if "vi" not in values and ok:
            self.error(node, "no-vietnamese", where=where)
            return None
        return values if ok else None

    def media_file(
        self, node: Node | None, where: Term, types: tuple[str, ...]
    ) -> tuple[str, str] | None:
        """A file in the media directory: (path relative to it, sha256)."""
        name = self.text(node, where, one_line=True)
        if name is None:
            return None
        assert node is not None and self.media_dir is not None
        path = PurePosixPath(name)
        if path.is_absolute() or "\\" in name or ".." in path.parts:
            self.error(node, "media-outside", where=where, name=name)
            return None
        if path.suffix.lower() not in types:
            self.error(node, "media-type", where=where, name=name, types=", ".join(types))
            return None
        full = self.media_dir / path
        try:
            inside = full.resolve().is_relative_to(self.media_dir.resolve())
        except OSError:
            inside = False
        if not inside or not full.is_file():
            prefixed = path.parts[0] == "media"
            self.error(node, "media-missing-prefix" if prefixed else "media-missing", name=name)
            return None
        digest = hashlib.sha256()
        with full.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        self.media[f"media/{path.as_posix()}"] = sha
        return path.as_posix(), sha

    # -- screens.yaml --------------------------------------------------------------------

    def screens_document(self, root: Node | None) -> ScreensDocument | None:
        if root is None:
            self.error(None, "screens-empty-file")
            return None
        top = self.fields(
            root,
            _part("screens-file"),
            ("groups", "screens"),
            ("venue",),
            {"groups": "missing.groups-top", "screens": "missing.screens-top"},
        )
        if top is None:
            return None
        venue, timezone = "", DEFAULT_TIMEZONE
        if "venue" in top:
            venue, timezone = self.venue(top["venue"])
        groups, refs = self.groups(top.get("groups"))
        screens = self.screens(top.get("screens"), groups)
        return ScreensDocument(venue, timezone, groups, screens, refs)

    def venue(self, node: Node) -> tuple[str, str]:
        values = self.fields(node, _part("venue"), (), ("name", "timezone"))
        if values is None:
            return "", DEFAULT_TIMEZONE
        name = self.text(values["name"], _part("venue-name")) if "name" in values else None
        timezone = DEFAULT_TIMEZONE
        if "timezone" in values:
            zone = self.text(values["timezone"], _part("timezone"), one_line=True)
            if zone is not None:
                try:
                    ZoneInfo(zone)
                    timezone = zone
                except (ZoneInfoNotFoundError, ValueError):
                    self.error(
                        values["timezone"], "unknown-timezone", zone=zone, example=DEFAULT_TIMEZONE
                    )
        return name or "", timezone

    def groups(self, node: Node | None) -> tuple[dict[str, Group], dict[str, tuple[int, int]]]:
        groups: dict[str, Group] = {}
        refs: dict[str, tuple[int, int]] = {}
        if node is None:
            return groups, refs
        if not isinstance(node, YamlMapping) or not node.entries:
            self.error(node, "groups-not-block", what=_describe(node))
            return groups, refs
        for key, value in node.entries:
            group_id = self.identifier(key, _part("group-id"))
            values = self.fields(
                value,
                term("part.group", group=key.text),
                ("name", "playlist"),
                hints={"name": "missing.group-name", "playlist": "missing.group-playlist"},
            )
            if group_id is None or values is None:
                continue
            name = self.text(values.get("name"), _part("group-name")) if "name" in values else None
            playlist_node = values.get("playlist")
            playlist = None
            if playlist_node is not None:
                playlist = self.identifier(playlist_node, _part("playlist-ref"))
                refs[group_id] = (playlist_node.line, playlist_node.column)
            if name is not None and playlist is not None:
                groups[group_id] = Group(group_id, name, playlist)
        return groups, refs

    def screens(self, node: Node | None, groups: Mapping[str, Group]) -> dict[str, Screen]:
        screens: dict[str, Screen] = {}
        if node is None:
            return screens
        items = self.sequence(node, _part("screens"), "'- id: tuy-hoa-airport-1' with its keys")
        first_line: dict[str, int] = {}
        for entry in items or ():
            values = self.fields(
                entry,
                _part("screen"),
                ("id", "name", "groups", "languages"),
                ("location", "orientation"),
                {
                    "id": "missing.screen-id",
                    "name": "missing.screen-name",
                    "groups": "missing.screen-groups",
                    "languages": "missing.screen-languages",
                },
            )
            if values is None:
                continue
            screen_id = (
                self.identifier(values.get("id"), _part("screen-id")) if "id" in values else None
            )
            if screen_id is not None and screen_id in first_line:
                self.error(
                    values["id"], "screen-id-taken", id=screen_id, line=first_line[screen_id]
                )
                screen_id = None
            if screen_id is not None:
                first_line[screen_id] = values["id"].line
            name = self.text(values.get("name"), _part("screen-name")) if "name" in values else None
            location = ""
            if "location" in values:
                location = self.text(values["location"], _part("location")) or ""
            member = self.group_list(values.get("groups"), groups) if "groups" in values else None
            languages = (
                self.language_order(values.get("languages")) if "languages" in values else None
            )
            orientation: Orientation = "landscape"
            if "orientation" in values:
                found = self.choice(values["orientation"], _part("orientation"), ORIENTATIONS)
                orientation = cast(Orientation, found or "landscape")
            if screen_id and name and member and languages:
                screens[screen_id] = Screen(
                    screen_id, name, member, location, languages, orientation
                )
        return screens

    def choice(self, node: Node, where: Term, options: tuple[str, ...]) -> str | None:
        if isinstance(node, Scalar) and node.text in options and isinstance(node.value, str):
            return node.text
        self.error(
            node, "not-choice", where=where, options=", ".join(options), what=_describe(node)
        )
        return None

    def group_list(self, node: Node | None, groups: Mapping[str, Group]) -> tuple[str, ...] | None:
        items = self.sequence(node, _part("groups"), "[airport]")
        if items is None:
            return None
        result: list[str] = []
        for entry in items:
            group_id = self.identifier(entry, _part("the-group"))
            if group_id is None:
                return None
            if group_id in result:
                self.error(entry, "group-listed-twice", group=group_id)
                return None
            if group_id not in groups:
                self.error(
                    entry,
                    "unknown-group",
                    group=group_id,
                    known=_listing(sorted(groups)),
                    suggest=_suggest(group_id, list(groups)),
                )
                return None
            result.append(group_id)
        return tuple(result)

    def language_order(self, node: Node | None) -> tuple[str, ...] | None:
        items = self.sequence(node, _part("languages"), "[vi, en]")
        if items is None:
            return None
        result: list[str] = []
        for entry in items:
            lang = self.language(entry, _part("languages"))
            if lang is None:
                return None
            if lang in result:
                self.error(entry, "language-listed-twice", lang=lang)
                return None
            result.append(lang)
        if "vi" not in result:
            self.error(node, "languages-without-vi")
            return None
        return tuple(result)

    # -- playlist files ------------------------------------------------------------------

    def playlist_document(self, root: Node | None, playlist_id: str) -> PlaylistDocument | None:
        if root is None:
            self.error(None, "playlist-empty-file")
            return None
        top = self.fields(
            root, _part("playlist"), ("items",), ("name",), {"items": "missing.items"}
        )
        if top is None:
            return None
        name = playlist_id
        if "name" in top:
            name = self.text(top["name"], _part("playlist-name"), one_line=True) or playlist_id
        entries: list[Item | Include] = []
        ids: set[str] = set()
        for entry in self.sequence(top.get("items"), _part("items"), "'- text:'") or ():
            read = self.item(entry, playlist_id)
            if isinstance(read, Item):
                unique, n = read.id, 2
                while unique in ids:
                    unique, n = f"{read.id}-{n}", n + 1
                ids.add(unique)
                read = dataclasses.replace(read, id=unique)
            if read is not None:
                entries.append(read)
        return PlaylistDocument(playlist_id, name, tuple(entries), dict(self.media))

    def item(self, node: Node, playlist_id: str) -> Item | Include | None:
        if not isinstance(node, YamlMapping):
            self.error(node, "item-not-block", kinds=", ".join(KINDS), what=_describe(node))
            return None
        kinds = [key for key, _ in node.entries if key.text in (*KINDS, "include")]
        if not kinds:
            self.error(node, "item-no-kind", kinds=", ".join(KINDS))
            self.fields(node, _part("item"), (), (*KINDS, "include", *ITEM_KEYS))
            return None
        if len(kinds) > 1:
            self.error(kinds[1], "item-two-kinds", first=kinds[0].text, second=kinds[1].text)
            return None
        kind = kinds[0].text
        if kind == "include":
            values = self.fields(node, _part("include"), ("include",))
            if values is None:
                return None
            target = self.identifier(values["include"], _part("included-playlist"))
            if target is None:
                return None
            return Include(target, values["include"].line, values["include"].column)
        values = self.fields(
            node,
            _kind_item(kind),
            (kind, "duration"),
            ("schedule", "priority"),
            {"duration": "missing.duration"},
        )
        if values is None:
            return None
        duration = None
        if "duration" in values:
            duration = self.number(
                values["duration"], _part("duration"), MIN_DURATION, MAX_DURATION
            )
        priority = 0
        if "priority" in values:
            priority = self.integer(values["priority"], _part("priority"), 0, MAX_PRIORITY) or 0
        when = self.schedule(values["schedule"]) if "schedule" in values else None
        content = self.content(cast(Kind, kind), values[kind])
        if duration is None or content is None or ("schedule" in values and when is None):
            return None
        digest = hashlib.sha256(
            repr((kind, content, duration, when, priority)).encode()
        ).hexdigest()
        return Item(
            f"{playlist_id}-{digest[:8]}",
            cast(Kind, kind),
            duration,
            content,
            when,
            priority,
            self.file,
            node.line,
        )

    def content(self, kind: Kind, node: Node) -> Content | None:
        if kind == "text":
            texts = self.languages(node, _key("text"), self.text_block)
            return TextContent(texts) if texts is not None else None
        if kind == "image":
            return self.image(node)
        if kind == "video":
            values = self.fields(node, _key("video"), ("file",))
            if values is None or "file" not in values:
                return None
            found = self.media_file(values["file"], _part("video-file"), VIDEO_TYPES)
            return VideoContent(*found) if found is not None else None
        if kind == "qr":
            return self.qr(node)
        if kind == "html":
            html = self.languages(node, _key("html"), self.html)
            return HtmlContent(html) if html is not None else None
        if kind == "clock":
            if isinstance(node, Scalar) and node.value is None:
                return ClockContent()
            values = self.fields(node, _key("clock"), (), ("caption",))
            if values is None:
                return None
            caption = self.captions(values.get("caption"), _part("clock-caption"))
            return ClockContent(caption=caption) if caption is not None else None
        ticker = self.languages(node, _key("ticker"), lambda n, w: self.text(n, w, one_line=True))
        return TickerContent(ticker) if ticker is not None else None

    def text_block(self, node: Node, where: Term) -> TextBlock | None:
        values = self.fields(node, where, ("title",), ("body",), {"title": "missing.title"})
        if values is None:
            return None
        title = self.text(values.get("title"), _part("title")) if "title" in values else None
        body = self.text(values["body"], _part("body")) if "body" in values else None
        if title is None or ("body" in values and body is None):
            return None
        return TextBlock(title.strip(), body.strip() if body is not None else None)

    def html(self, node: Node, where: Term) -> str | None:
        source = self.text(node, where)
        if source is None:
            return None
        result = markup.sanitize(source)
        for issue in result.issues:
            if "\n" in source.strip():
                self.error(node, "html-issue-at", where=where, line=issue.line, issue=issue.what)
            else:
                self.error(node, "html-issue", where=where, issue=issue.what)
        return result.html if not result.issues else None

    def captions(self, node: Node | None, where: Term) -> dict[str, str] | None:
        if node is None:
            return {}
        return self.languages(node, where, self.text)

    def image(self, node: Node) -> ImageContent | None:
        values = self.fields(node, _key("image"), ("file",), ("caption",))
        if values is None or "file" not in values:
            return None
        found = self.media_file(values["file"], _part("image-file"), IMAGE_TYPES)
        caption = self.captions(values.get("caption"), _part("image-caption"))
        if found is None or caption is None:
            return None
        return ImageContent(found[0], found[1], caption)

    def qr(self, node: Node) -> QrContent | None:
        values = self.fields(node, _key("qr"), (), ("url", "campaign", "title", "caption", "short"))
        if values is None:
            return None
        if ("url" in values) == ("campaign" in values):
            self.error(node, "qr-url-or-campaign")
            return None
        url = campaign = None
        if "url" in values:
            url = self.url(values["url"])
            if url is None:
                return None
        else:
            campaign = self.identifier(values["campaign"], _part("campaign"))
            if campaign is None:
                return None
        title = self.captions(values.get("title"), _part("qr-title"))
        caption = self.captions(values.get("caption"), _part("qr-caption"))
        short = None
        if "short" in values:
            short = self.text(values["short"], _part("short"), one_line=True)
            if short is None:
                return None
        if title is None or caption is None:
            return None
        return QrContent(url, campaign, title, caption, short)

    def url(self, node: Node) -> str | None:
        text = self.text(node, _part("url"), one_line=True)
        if text is None:
            return None
        parts = urlsplit(text.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.error(node, "not-web-address", value=text)
            return None
        if len(text) > MAX_QR_URL:
            self.error(node, "url-too-long", length=len(text), limit=MAX_QR_URL)
            return None
        return text.strip()

    # -- schedules -----------------------------------------------------------------------

    def schedule(self, node: Node) -> Schedule | None:
        values = self.fields(node, _part("schedule"), (), ("from", "until", "weekdays", "times"))
        if values is None:
            return None
        ok = True
        start = end = None
        if "from" in values:
            start = self.date(values["from"], _part("from"))
            ok = ok and start is not None
        if "until" in values:
            end = self.date(values["until"], _part("until"))
            ok = ok and end is not None
        if start is not None and end is not None and end < start:
            self.error(
                values["until"], "until-before-from", end=end.isoformat(), start=start.isoformat()
            )
            ok = False
        weekdays = None
        if "weekdays" in values:
            weekdays = self.weekdays(values["weekdays"])
            ok = ok and weekdays is not None
        windows: tuple[Window, ...] = ()
        if "times" in values:
            read = self.windows(values["times"])
            ok = ok and read is not None
            windows = read or ()
        if not ok:
            return None
        result = Schedule(start, end, weekdays, windows)
        if start is not None and end is not None and weekdays is not None:
            days = (end - start).days + 1
            if days < 7 and not any(
                result.day_allowed(start + dt.timedelta(days=n)) for n in range(days)
            ):
                self.error(
                    values["weekdays"],
                    "no-weekday-in-range",
                    start=start.isoformat(),
                    end=end.isoformat(),
                )
                return None
        return result

    def date(self, node: Node, where: Term) -> dt.date | None:
        if isinstance(node, Scalar):
            value = node.value
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return value
            if isinstance(value, str) and _DATE.match(value):
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    pass
        self.error(node, "not-date", where=where, what=_describe(node))
        return None

    def weekdays(self, node: Node) -> frozenset[int] | None:
        items = self.sequence(node, _part("weekdays"), "[mon, tue, wed, thu, fri]")
        if items is None:
            return None
        days: set[int] = set()
        for entry in items:
            name = entry.text if isinstance(entry, Scalar) else ""
            if not isinstance(entry, Scalar) or name not in WEEKDAYS:
                self.error(
                    entry, "not-weekday", what=_describe(entry), weekdays=", ".join(WEEKDAYS)
                )
                return None
            day = WEEKDAYS.index(name)
            if day in days:
                self.error(entry, "listed-twice", value=entry.text)
                return None
            days.add(day)
        return frozenset(days)

    def windows(self, node: Node) -> tuple[Window, ...] | None:
        items = self.sequence(node, _part("times"), "['07:00-11:30', '13:30-17:00']")
        if items is None:
            return None
        windows: list[tuple[Window, Node]] = []
        ok = True
        for entry in items:
            if not isinstance(entry, Scalar) or not isinstance(entry.value, str):
                self.error(entry, "window-not-text", what=_describe(entry))
                ok = False
                continue
            try:
                window = parse_window(entry.value)
            except WindowError as error:
                self.error(entry, error.code, value=entry.value, time=error.time)
                ok = False
                continue
            if window.start == window.end:
                self.error(entry, "window-empty", window=str(window))
                ok = False
                continue
            for other, other_node in windows:
                if _overlap(window, other):
                    self.error(
                        entry,
                        "window-overlap",
                        window=str(window),
                        other=str(other),
                        line=other_node.line,
                    )
                    ok = False
            windows.append((window, entry))
        return tuple(window for window, _ in windows) if ok else None


def _overlap(a: Window, b: Window) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a.spans() for s2, e2 in b.spans())


def _describe(node: Node | None) -> Term:
    """What was written instead of what was expected, as a part of a problem."""
    if node is None:
        return term("value.nothing")
    if isinstance(node, YamlMapping):
        return term("value.block")
    if isinstance(node, Sequence):
        return term("value.list")
    value = node.value
    if value is None:
        return term("value.empty")
    if isinstance(value, bool):
        return term("value.bool", value=node.text)
    if isinstance(value, int | float):
        return term("value.number", value=node.text)
    if isinstance(value, dt.date):
        return term("value.date", value=node.text)
    return term("value.text", value=node.text)


def _part(name: str) -> Term:
    """A part of a file named in problems: a `part.*` code of `messages`."""
    return term(f"part.{name}")


def _key(name: str) -> Term:
    """A part of a file named by its key, as written ('video')."""
    return term("part.key", key=name)


def _kind_item(kind: str) -> Term:
    """The item of `kind` ("a text item"); each kind has its own code, for its article."""
    return term(f"part.{kind}-item")


def _listing(names: Iterable[str]) -> str | Term:
    names = list(names)
    return ", ".join(names) if names else term("none")


def _suggest(word: str, options: Iterable[str]) -> str | Term:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.7)
    return term("did-you-mean", word=close[0]) if close else ""
