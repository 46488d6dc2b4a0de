"""The playlist grammar, declared once: item kinds, their keys, types and limits.

Everything that needs to know what a playlist item may contain reads it from here: the
readers (`playlistreader`: which keys a block allows and requires, "did you mean", types,
limits, file types), the form editor (`signage.editing.yamledit`: which fields a kind has),
the media library (`signage.media.library`: which keys name media files), and the tests that
hold the JSON Schema (`playlist.schema.json`, kept for editors' yaml-language-server) and the
`Kind` literal of `playlist.py` to this declaration. Adding an item kind starts here; see
`playlists/README.md` for the rest (the content dataclass, its reader, its screen template).

Pure: no I/O, no Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

# What a key's value must be: text (several lines allowed), a single line, restricted HTML,
# a name (identifier: a-z, 0-9, '-'), a web address, a media file, a number of seconds, a
# whole number, or a schedule block.
ValueType = Literal[
    "text", "line", "html", "identifier", "url", "media", "number", "integer", "schedule"
]
# The shape of a kind's content: a block per language (`vi:`, `en:`, ...) or a block of keys;
# `block-or-empty` may also be left empty (`clock:` alone).
Shape = Literal["per-language", "block", "block-or-empty"]


@dataclass(frozen=True)
class Key:
    """One key of a block.

    `part` is the code (`signage.catalog.messages`) naming the key in problems; `missing` is
    the code reported when a required key is absent (empty: the generic "has no 'key'").
    `per_language` keys hold one value per language, Vietnamese required. `low`/`high` bound
    numbers, `max_length` text (per language for a per-language key), and `media` lists the
    file types of a media key (lowercase, with the dot).
    """

    name: str
    type: ValueType
    part: str
    required: bool = False
    per_language: bool = False
    missing: str = ""
    low: float | None = None
    high: float | None = None
    max_length: int | None = None
    media: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    """One kind of item: the key that names it in an item and the content it holds.

    A `per-language` kind holds, per language, a value of `value` type, or a block of `keys`
    when it has keys (text: title and body). A `block` kind holds `keys`. `one_of` names keys
    of which exactly one must be given (a QR code's fixed url or portal campaign).
    `item_keys` names the keys of `ITEM_KEYS` an item of this kind accepts: a sound is not a
    slide, so it has no `duration` (its length is its audio's) and no `priority`.
    """

    name: str
    shape: Shape
    keys: tuple[Key, ...] = ()
    value: ValueType = "text"
    one_of: tuple[str, ...] = ()
    item_keys: tuple[str, ...] = ("duration", "schedule", "priority")

    def key(self, name: str) -> Key:
        """The key called `name`; raises KeyError for a key the kind does not have."""
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(name)

    def required(self) -> tuple[str, ...]:
        """The keys the content must have, in declaration order."""
        return tuple(key.name for key in self.keys if key.required)

    def optional(self) -> tuple[str, ...]:
        """The keys the content may have, in declaration order."""
        return tuple(key.name for key in self.keys if not key.required)

    def hints(self) -> dict[str, str]:
        """Required key → the code of the problem reported when it is missing."""
        return {key.name: key.missing for key in self.keys if key.required and key.missing}

    def media_keys(self) -> tuple[str, ...]:
        """The keys whose value names a file of the media library."""
        return tuple(key.name for key in self.keys if key.type == "media")

    def item_fields(self) -> tuple[Key, ...]:
        """The keys of `ITEM_KEYS` an item of this kind accepts, in declaration order."""
        return tuple(key for key in ITEM_KEYS if key.name in self.item_keys)

    @property
    def multiline(self) -> bool:
        """Whether the content's text may span several lines (the form uses a text area)."""
        return self.shape == "per-language" and self.value != "line"


IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg")
VIDEO_TYPES = (".mp4", ".webm")
AUDIO_TYPES = (".ogg", ".opus", ".mp3", ".wav")
MAX_QR_URL = 300  # characters; more do not fit in a QR code readable from a distance
# Characters of spoken text per language: about a minute and a half of speech, longer than
# any loudspeaker reminder, and a bound on what one publish asks the speech engine to do.
MAX_SPOKEN_TEXT = 1000
INCLUDE = "include"  # the entry `- include: <playlist id>`, which is not an item kind


def _caption(part: str) -> Key:
    return Key("caption", "text", part, per_language=True)


KINDS: Mapping[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "text",
            "per-language",
            (
                Key("title", "text", "part.title", required=True, missing="missing.title"),
                Key("body", "text", "part.body"),
            ),
        ),
        Kind(
            "image",
            "block",
            (
                Key("file", "media", "part.image-file", required=True, media=IMAGE_TYPES),
                _caption("part.image-caption"),
            ),
        ),
        Kind(
            "video",
            "block",
            (Key("file", "media", "part.video-file", required=True, media=VIDEO_TYPES),),
        ),
        Kind(
            "qr",
            "block",
            (
                Key("url", "url", "part.url", max_length=MAX_QR_URL),
                Key("campaign", "identifier", "part.campaign"),
                Key("title", "text", "part.qr-title", per_language=True),
                _caption("part.qr-caption"),
                Key("short", "line", "part.short"),
            ),
            one_of=("url", "campaign"),
        ),
        Kind("html", "per-language", value="html"),
        Kind("clock", "block-or-empty", (_caption("part.clock-caption"),)),
        Kind("ticker", "per-language", value="line"),
        Kind(
            "sound",
            "block",
            (
                Key(
                    "text",
                    "text",
                    "part.sound-text",
                    per_language=True,
                    max_length=MAX_SPOKEN_TEXT,
                ),
                Key("file", "media", "part.sound-file", media=AUDIO_TYPES),
                Key("every", "integer", "part.every", low=5, high=1440),
            ),
            one_of=("text", "file"),
            item_keys=("schedule",),
        ),
    )
}

# The keys every item has besides its kind.
ITEM_KEYS: tuple[Key, ...] = (
    Key("duration", "number", "part.duration", True, missing="missing.duration", low=3, high=600),
    Key("schedule", "schedule", "part.schedule"),
    Key("priority", "integer", "part.priority", low=0, high=100),
)
SCHEDULE_KEYS = ("from", "until", "weekdays", "times")


def item_key(name: str) -> Key:
    """The item key called `name`; raises KeyError for a key items do not have."""
    for key in ITEM_KEYS:
        if key.name == name:
            return key
    raise KeyError(name)


def media_keys() -> dict[str, tuple[str, ...]]:
    """Kind → its keys naming media files, for the kinds that have any."""
    return {name: kind.media_keys() for name, kind in KINDS.items() if kind.media_keys()}


def known_keys() -> frozenset[str]:
    """Every key a playlist item may contain at any depth, language codes aside."""
    names = {*KINDS, INCLUDE, *SCHEDULE_KEYS}
    names.update(key.name for key in ITEM_KEYS)
    for kind in KINDS.values():
        names.update(key.name for key in kind.keys)
    return frozenset(names)
