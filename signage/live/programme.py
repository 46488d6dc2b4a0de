"""What every screen shows now: the last good catalog, its problems, and per-screen payloads.

The programme holds the catalog in use. A file with problems never replaces its last good
version (its problems are reported), so screens keep showing what last worked. It is the
pure core between the playlist format and the Socket.IO edge; it does not import Flask.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring, encode_basestring_ascii
from pathlib import Path
from typing import Any, TypeVar, cast

from signage.catalog import announcements, schedule
from signage.catalog import playlist as playlist_format
from signage.catalog.loader import load_catalog
from signage.emergency.model import Message, OverrideError
from signage.speech.spoken import SpokenAudio

T = TypeVar("T")

# Every screen of a group counts its rotation from this instant (Unix ms), so two screens that
# hold the same items compute the same slide from the server clock alone.
ROTATION_EPOCH_MS = 0


def state_body(
    screen: playlist_format.Screen,
    items: list[dict[str, Any]],
    boundary: datetime | None,
    sounds: list[dict[str, Any]] | None = None,
    encoded_items: list[str] | None = None,
) -> dict[str, Any]:
    """The `state` message for `screen` showing `items` and playing `sounds` (see
    `Programme.payload`), with its `digest`; the console's preview builds its screens' states
    with it too. `encoded_items`, when given, is `items` each already encoded with `encode`:
    the digest is the same, without encoding again items that thousands of screens share."""
    body = {
        "screen": {
            "id": screen.id,
            "name": screen.name,
            "groups": list(screen.groups),
            "location": screen.location,
            "languages": list(screen.languages),
            "orientation": screen.orientation,
            "sound": screen.sound,
        },
        "items": items,
        "sounds": sounds or [],
        "epoch": ROTATION_EPOCH_MS,
        "valid_until": int(boundary.timestamp() * 1000) if boundary is not None else None,
    }
    if encoded_items is None:
        encoded_items = [encode(item) for item in items]
    digest = hashlib.sha256(_encoded_body(body, encoded_items).encode()).hexdigest()[:16]
    return {**body, "digest": digest, "version": digest}


def encode(value: object) -> str:
    """The JSON text a state's digest is computed from (keys sorted, non-ASCII kept)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _encoded_body(body: dict[str, Any], encoded_items: list[str]) -> str:
    """``encode(body)``, with its items given already encoded: a JSON object with sorted keys
    is its members in key order, and a list its elements, joined with ", " (what `json.dumps`
    writes with its default separators), so the text is the same character for character."""
    members = [
        f'"epoch": {_integer(body["epoch"])}',
        f'"items": [{", ".join(encoded_items)}]',
        f'"screen": {encode(body["screen"])}',
        f'"sounds": {encode(body["sounds"]) if body["sounds"] else "[]"}',
        f'"valid_until": {_integer(body["valid_until"])}',
    ]
    return "{" + ", ".join(members) + "}"


def compact(value: object) -> str:
    """``value`` as python-socketio writes it in a packet (compact separators, ASCII)."""
    return json.dumps(value, separators=(",", ":"))


class State(dict[str, Any]):
    """A screen's `state` payload (see `Programme.payload`): a dict, which also keeps its
    `items` each already encoded as sent (`items_sent`, see `compact`). Thousands of screens'
    states share those texts, so the Socket.IO edge can write a state without encoding its
    items again (`signage.web.statepacket`); a copy made with `State(state, key=value)` keeps
    them. Nothing may change a state's `items` after it is built."""

    items_sent: tuple[str, ...]

    def __init__(
        self, data: Mapping[str, Any], items_sent: tuple[str, ...] | None = None, **more: Any
    ) -> None:
        super().__init__(data, **more)
        if items_sent is None:
            items_sent = data.items_sent if isinstance(data, State) else ()
        self.items_sent = items_sent

    def sent(self) -> str:
        """``compact(self)``, with the items' texts taken from `items_sent` when they are
        those of `items` (a JSON object is its members in order, joined with ",")."""
        items = self.get("items")
        if not isinstance(items, list) or len(items) != len(self.items_sent):
            return compact(dict(self))
        members = [
            _string(key)
            + ":"
            + ("[" + ",".join(self.items_sent) + "]" if key == "items" else _scalar(value))
            for key, value in self.items()
        ]
        return "{" + ",".join(members) + "}"


def _scalar(value: object) -> str:
    """``compact(value)``; strings, integers and None (most of a state's members) directly, as
    `json.dumps` writes them, without its per-call overhead (ten calls a screen on a save)."""
    if type(value) is str:
        return _string(value)
    if type(value) is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return compact(value)


def _string(text: str) -> str:
    return str(encode_basestring_ascii(text))


def _integer(value: int | None) -> str:
    """``encode(value)`` of an integer or None, without the encoder's overhead."""
    return "null" if value is None else str(int(value))


# Stands for a screen's address in a QR item's JSON text (`_Template`). An item whose own
# text holds it (a playlist can write NUL characters in an escape) is encoded for each screen
# as before.
_URL_MARK = "\x00screen-address\x00"


class _Template:
    """The JSON text of an item with `_URL_MARK` for its address, to fill in for each screen:
    the same text as encoding the item with that address (`encode` or `compact`), in a string
    concatenation instead of walking the whole item again."""

    __slots__ = ("after", "before", "string")

    def __init__(self, text: str, ascii: bool) -> None:
        mark = json.dumps(_URL_MARK)
        self.before, found, self.after = text.partition(mark)
        if not found or mark in self.after:
            raise ValueError("the address mark must appear exactly once")
        # `compact` writes strings in ASCII (escaping the rest), `encode` as they are.
        self.string = encode_basestring_ascii if ascii else encode_basestring

    def fill(self, url: str) -> str:
        return self.before + str(self.string(url)) + self.after


@dataclass(frozen=True)
class _Rotation:
    """`Programme._items_json` of one list of active items on one language order: what every
    screen showing it shares, and where each screen's own QR address goes."""

    active: list[playlist_format.Item]
    items: list[dict[str, Any]]
    encoded: list[str]
    wire: list[str]
    per_screen: tuple[
        tuple[int, playlist_format.QrContent, _Template | None, _Template | None], ...
    ]


@dataclass(frozen=True)
class LoadReport:
    """Outcome of the latest load of the playlist directory."""

    at: float
    applied: bool
    version: str | None
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "applied": self.applied,
            "version": self.version,
            "problems": list(self.problems),
        }


@dataclass
class Programme:
    """The last good catalog of `directory` and the payload each screen gets from it."""

    directory: Path
    portal_url: str
    spoken: SpokenAudio | None = None
    catalog: playlist_format.Catalog | None = None
    report: LoadReport | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Schedules evaluated at one moment, per playlist: thousands of screens share a handful of
    # playlists, and a push evaluates them all at the same moment.
    _evaluated: dict[tuple[str, str, datetime], Any] = field(default_factory=dict, repr=False)
    # Each item's JSON (and its encoded text) per language order, for the catalog in
    # `_items_of`: a save sends a state to every screen, and thousands of them share a handful
    # of playlists and language orders; building and encoding each item once per screen was
    # most of the time a save took to reach the last of 10,000 screens.
    _items_of: object = field(default=None, repr=False)
    _item_json: dict[
        tuple[int, tuple[str, ...]], tuple[playlist_format.Item, dict[str, Any], str, str]
    ] = field(default_factory=dict, repr=False)
    # The three lists of `_items_json` per list of active items (one per playlist at the
    # moment `_evaluated` holds) and language order: as many as playlists and language orders.
    _rotations: dict[tuple[int, tuple[str, ...]], _Rotation] = field(
        default_factory=dict, repr=False
    )

    def reload(self) -> LoadReport:
        """Load the directory on top of the catalog in use.

        A file with problems keeps its last good version (the playlist loader falls back to it
        in the previous catalog), so a bad save never reaches the screens; its problems are
        reported. `applied` is true when the catalog in use changed.
        """
        with self._lock:
            previous = self.catalog
            result = load_catalog(self.directory, previous)
            found = list(result.problems)
            if result.catalog is not None and self.spoken is not None:
                # Text changed by hand (not published from the console) is spoken here.
                items = [i for p in result.catalog.playlists.values() for i in p.items]
                found += self.spoken.render_all(items)[0]
            problems = tuple(str(p) for p in sorted(set(found)))
            if result.catalog is not None:
                self.catalog = result.catalog
            applied = result.catalog is not None and (
                previous is None or result.catalog.version != previous.version
            )
            version = self.catalog.version if self.catalog is not None else None
            self.report = LoadReport(time.time(), applied, version, problems)
            return self.report

    def screen_ids(self) -> list[str]:
        """Ids of every declared screen, in declaration order."""
        catalog = self.catalog
        return list(catalog.screens) if catalog is not None else []

    def screen(self, screen_id: str) -> Any:
        """The declared screen with this id, or None."""
        catalog = self.catalog
        return catalog.screens.get(screen_id) if catalog is not None else None

    def payload(self, screen_id: str, now: datetime) -> State | None:
        """The `state` message for a screen at `now` (venue-aware), or None if it is unknown.

        `items` are the items active now in rotation order; `epoch` and the item durations fix
        the rotation against the server clock; `valid_until` is the next schedule boundary
        (Unix ms) at which the server sends a new state. `sounds` (only for a screen with
        `sound: true`) lists each sound item due today with `id`, `media` (library names to
        play one after the other: an audio file, or the spoken text in each of the screen's
        languages), `sha256` (of an audio file, for cache busting; None for spoken text, whose
        names are hashes) and `plays` (Unix ms of each time it is due today). `digest` (also sent as
        `version`, the playlist version screens report) changes exactly when what this screen
        shows changes;
        `catalog_version` is the version of the whole playlist directory.
        """
        catalog = self.catalog
        if catalog is None or screen_id not in catalog.screens:
            return None
        screen = catalog.screens[screen_id]
        playlist = playlist_format.playlist_for_screen(catalog, screen_id)
        items: list[dict[str, Any]] = []
        encoded: list[str] = []
        wire: list[str] = []
        sounds: list[dict[str, Any]] = []
        boundary: datetime | None = None
        if playlist is not None:
            at = now.astimezone(catalog.timezone)
            active = self._once(catalog, playlist, at, schedule.active_items)
            items, encoded, wire = self._items_json(catalog, screen, active)
            boundary = self._once(catalog, playlist, at, schedule.next_change)
            if screen.sound:
                sounds = self._sounds(screen, self._once(catalog, playlist, at, _today))
        body = state_body(screen, items, boundary, sounds, encoded)
        return State({**body, "catalog_version": catalog.version}, items_sent=tuple(wire))

    def _items_json(
        self,
        catalog: playlist_format.Catalog,
        screen: playlist_format.Screen,
        active: list[playlist_format.Item],
    ) -> tuple[list[dict[str, Any]], list[str], list[str]]:
        """`Item.to_json` of each of `active` on `screen`, each encoded for the digest (see
        `encode`) and each as sent (see `compact`).

        What an item shows depends on the screen's languages alone, except the address in a
        campaign's QR code, which names the screen (`QrContent.target`): that one is put in a
        copy of the shared JSON, and its texts are filled in from templates (`_Template`). The
        shared dicts go to many screens' states: nothing may change them.

        The lists are built once per list of active items and language order (`_rotation`);
        a save at 10,000 screens then costs each screen three list copies and its QR address,
        where it looked up each item's entry and encoded the QR item twice (BENCHMARKS.md).
        """
        if self._items_of is not catalog:
            self._items_of = catalog
            self._item_json.clear()
            self._rotations.clear()
        key = (id(active), screen.languages)
        rotation = self._rotations.get(key)
        # An entry holds its list, so no other list can have that id while it is kept.
        if rotation is None or rotation.active is not active:
            rotation = self._rotations[key] = self._rotation(screen, active)
        items, encoded, wire = list(rotation.items), list(rotation.encoded), list(rotation.wire)
        for index, content, text, sent in rotation.per_screen:
            url = content.target(screen, self.portal_url)
            items[index] = data = {**items[index], "url": url}
            if text is None or sent is None:
                encoded[index], wire[index] = encode(data), compact(data)
            else:
                encoded[index], wire[index] = text.fill(url), sent.fill(url)
        return items, encoded, wire

    def _rotation(
        self, screen: playlist_format.Screen, active: list[playlist_format.Item]
    ) -> _Rotation:
        """The lists of `_items_json` for every screen with `screen`'s languages showing
        `active`, with templates for each campaign QR code (whose address names the screen)."""
        items: list[dict[str, Any]] = []
        encoded: list[str] = []
        wire: list[str] = []
        per_screen: list[
            tuple[int, playlist_format.QrContent, _Template | None, _Template | None]
        ] = []
        languages = screen.languages
        for item in active:
            key = (id(item), languages)
            shared = self._item_json.get(key)
            # An entry holds its item, so no other item can have that id while it is kept.
            if shared is None or shared[0] is not item:
                data = item.to_json(screen, self.portal_url)
                shared = self._item_json[key] = (item, data, encode(data), compact(data))
            _, data, text, sent = shared
            content = item.content
            if isinstance(content, playlist_format.QrContent) and content.campaign is not None:
                blank = {**data, "url": _URL_MARK}
                templates: tuple[_Template | None, _Template | None]
                try:
                    templates = (
                        _Template(encode(blank), ascii=False),
                        _Template(compact(blank), ascii=True),
                    )
                except ValueError:
                    templates = (None, None)
                per_screen.append((len(items), content, *templates))
            items.append(data)
            encoded.append(text)
            wire.append(sent)
        return _Rotation(active, items, encoded, wire, tuple(per_screen))

    def _sounds(
        self, screen: playlist_format.Screen, due: list[announcements.Due]
    ) -> list[dict[str, Any]]:
        """The `sounds` of `screen`'s state from today's plays of its playlist."""
        found: dict[str, dict[str, Any]] = {}
        for play in due:
            item = play.item
            entry = found.get(item.id)
            if entry is None:
                content = item.content
                assert isinstance(content, playlist_format.SoundContent)
                entry = found[item.id] = {
                    "id": item.id,
                    "media": self.media(item, screen),
                    "sha256": content.sha256,
                    "plays": [],
                }
            entry["plays"].append(int(play.at.timestamp() * 1000))
        return [entry for entry in found.values() if entry["media"]]

    def media(self, item: playlist_format.Item, screen: playlist_format.Screen) -> list[str]:
        """The library names a sound item plays on `screen`, in order: its audio file, or its
        text spoken in each of the screen's languages that the item has."""
        content = item.content
        assert isinstance(content, playlist_format.SoundContent)
        if content.file is not None:
            return [content.file]
        if self.spoken is None:
            return []
        langs = [lang for lang in screen.languages if lang in content.text]
        return [self.spoken.name(lang, content.text[lang]) for lang in langs]

    def speak(self, messages: Mapping[str, Message]) -> dict[str, Message]:
        """An emergency message with its spoken version per language (see
        `SpokenAudio.messages`); raises `OverrideError` when it cannot be spoken."""
        if self.spoken is None:
            raise OverrideError("this server has no speech engine", "speak")
        return self.spoken.messages(messages)

    def next_boundary(self, after: datetime) -> datetime | None:
        """The earliest schedule boundary after `after` over every screen's playlist."""
        catalog = self.catalog
        if catalog is None:
            return None
        at = after.astimezone(catalog.timezone)
        found: datetime | None = None
        for screen_id in catalog.screens:
            playlist = playlist_format.playlist_for_screen(catalog, screen_id)
            if playlist is None:
                continue
            change = self._once(catalog, playlist, at, schedule.next_change)
            if change is not None and (found is None or change < found):
                found = change
        return found

    def _once(
        self,
        catalog: playlist_format.Catalog,
        playlist: playlist_format.Playlist,
        at: datetime,
        evaluate: Callable[[playlist_format.Playlist, datetime], T],
    ) -> T:
        """``evaluate(playlist, at)``, computed once per catalog version, playlist and moment."""
        key = (f"{catalog.version}:{playlist.id}", evaluate.__name__, at)
        if key in self._evaluated:
            return cast(T, self._evaluated[key])
        first = next(iter(self._evaluated), None)
        if first is not None and (first[2] != at or len(self._evaluated) > 4096):
            self._evaluated.clear()
            # Their lists of active items are gone from here: so are the rotations built on
            # them (kept, each would hold its list and texts until the catalog changes).
            self._rotations.clear()
        value = evaluate(playlist, at)
        self._evaluated[key] = value
        return value


def _today(playlist: playlist_format.Playlist, at: datetime) -> list[announcements.Due]:
    """The plays of `playlist`'s sound items on the venue's day of `at`."""
    return announcements.due(playlist, at.astimezone(playlist.timezone).date())
