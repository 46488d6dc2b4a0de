"""Spoken audio: each sound item's text made into Ogg Vorbis audio once, kept by its content.

The file of a text in a language is `media/spoken/<hash>.ogg`, where the hash covers the
engine, the voice and the text: publishing the same words again finds the file and runs
nothing; a changed text, voice or engine makes a new file. Files are written under a hidden
temporary name and given their final name only when complete, so a screen never fetches half
a file. They are in the media library (listed, used by the playlists whose text they speak,
deleted only when no playlist speaks them). No Flask import.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bluezone import files
from signage.catalog.grammar import MAX_SPOKEN_TEXT
from signage.catalog.playlist import Catalog, Item, SoundContent
from signage.catalog.problem import Problem, term
from signage.emergency.model import Message, Override, OverrideError
from signage.media.library import SPOKEN_DIR
from signage.speech.engine import SpeechEngine, SpeechError, run_bounded

EXTENSION = ".ogg"
# Ogg Vorbis: every Chromium plays it, so do most network loudspeaker players and SoX, and
# speech at quality 3 takes about 12 KB a second.
_ENCODE = ("-c:a", "libvorbis", "-q:a", "3", "-f", "ogg")


@dataclass(frozen=True)
class Spoken:
    """One text to speak: the item it belongs to, its language and words."""

    item: Item
    lang: str
    text: str


def texts(items: Iterable[Item]) -> Iterator[Spoken]:
    """The texts of the sound items among `items`, per language in the item's order."""
    for item in items:
        if isinstance(item.content, SoundContent):
            for lang, text in item.content.text.items():
                yield Spoken(item, lang, text)


class SpokenAudio:
    """The spoken audio of `media_dir`'s `spoken/` folder, made by `engine`."""

    def __init__(self, media_dir: Path, engine: SpeechEngine) -> None:
        self.media_dir = media_dir
        self.engine = engine

    def name(self, lang: str, text: str) -> str:
        """The library name (below `media/`) of `text` spoken in `lang`."""
        key = json.dumps([self.engine.identity(lang), lang, text], ensure_ascii=False)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return f"{SPOKEN_DIR}/{digest}{EXTENSION}"

    def path(self, lang: str, text: str) -> Path:
        """Where the audio of `text` in `lang` is (or will be)."""
        return self.media_dir / self.name(lang, text)

    def render(self, lang: str, text: str) -> bool:
        """Make the audio of `text` in `lang` unless it exists; True when it was made now.
        Raises `SpeechError` when the engine or ffmpeg fails (nothing is left behind)."""
        final = self.path(lang, text)
        if final.is_file():
            return False
        final.parent.mkdir(parents=True, exist_ok=True)
        stem = final.parent / f".{secrets.token_hex(8)}"
        wav, ogg = stem.with_suffix(".wav"), stem.with_suffix(EXTENSION)
        try:
            self.engine.speak(lang, text, wav)
            ffmpeg = shutil.which("ffmpeg")
            if ffmpeg is None:
                raise SpeechError("speech-no-converter", "ffmpeg is not installed")
            command = [ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(wav), *_ENCODE]
            run_bounded([*command, str(ogg)], "", ogg, self.engine.timeout, self.engine.max_bytes)
            with contextlib.suppress(FileExistsError):
                files.link_into_place(ogg, final)
        finally:
            for temporary in (wav, ogg):
                temporary.unlink(missing_ok=True)
        return True

    def render_all(self, items: Iterable[Item]) -> tuple[list[Problem], int]:
        """Make every missing audio of `items`' sound texts: (a problem per text that could
        not be spoken, placed on its item; how many files were made)."""
        problems: list[Problem] = []
        made = 0
        done: set[tuple[str, str]] = set()
        for spoken in texts(items):
            if (spoken.lang, spoken.text) in done:
                continue
            done.add((spoken.lang, spoken.text))
            try:
                made += self.render(spoken.lang, spoken.text)
            except SpeechError as error:
                where = term("part.in-language", part=term("part.sound-text"), lang=spoken.lang)
                item = spoken.item
                problems.append(
                    Problem.of(item.file, item.line, 1, error.code, where=where, **error.params)
                )
        return problems, made

    def messages(self, messages: Mapping[str, Message]) -> dict[str, Message]:
        """`messages` (an emergency message per language) each with its spoken version made
        (headline, then details); raises `OverrideError` (field `speak`) saying why one
        cannot be spoken. Text for any language (`*`) is read with the Vietnamese voice."""
        spoken: dict[str, Message] = {}
        for lang, message in messages.items():
            text = " ".join(f"{message.headline}. {message.body}".strip(" .").split())
            text = "".join(c for c in text if unicodedata.category(c) != "Cc")
            if len(text) > MAX_SPOKEN_TEXT:
                raise OverrideError(
                    f"the message in {lang} is {len(text)} characters long; at most "
                    f"{MAX_SPOKEN_TEXT} can be spoken",
                    "speak",
                )
            voice = "vi" if lang == "*" else lang
            try:
                self.render(voice, text)
            except SpeechError as error:
                raise OverrideError(
                    f"the message in {lang} cannot be spoken: {error}", "speak"
                ) from None
            spoken[lang] = Message(message.headline, message.body, self.name(voice, text))
        return spoken

    def prune(self, in_use: Iterable[str], older_than: float = 3600.0) -> list[str]:
        """Delete the spoken files not in `in_use` (library names) and last changed more than
        `older_than` seconds ago (a file just made for a publish under way is not in use yet);
        the names deleted, sorted."""
        keep = set(in_use)
        folder = self.media_dir / SPOKEN_DIR
        now = time.time()
        deleted = []
        for path in sorted(folder.glob(f"*{EXTENSION}")) if folder.is_dir() else ():
            name = f"{SPOKEN_DIR}/{path.name}"
            with contextlib.suppress(FileNotFoundError):
                if name not in keep and now - path.stat().st_mtime > older_than:
                    path.unlink()
                    deleted.append(name)
        return deleted

    def users(self, catalog: Catalog | None) -> dict[str, tuple[str, ...]]:
        """Library name of each spoken file the catalog needs → the playlists speaking it."""
        found: dict[str, set[str]] = {}
        for playlist in catalog.playlists.values() if catalog is not None else ():
            for spoken in texts(playlist.items):
                found.setdefault(self.name(spoken.lang, spoken.text), set()).add(playlist.id)
        return {name: tuple(sorted(ids)) for name, ids in found.items()}

    def needed(
        self, catalog: Catalog | None, overrides: Iterable[Override], label: Callable[[int], str]
    ) -> dict[str, tuple[str, ...]]:
        """What must not be deleted: `users` plus the spoken version of each message of the
        active `overrides`, used by `label(override id)`. One answer for the console's delete
        and for pruning, so neither removes the audio of an emergency message screens are
        reading."""
        found = self.users(catalog)
        for override in overrides:
            for message in override.messages.values():
                if message.audio:
                    found[message.audio] = (*found.get(message.audio, ()), label(override.id))
        return found
