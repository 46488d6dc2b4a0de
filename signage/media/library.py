"""The media library: the images, videos and audio in `media/` of the playlist directory.

Uploads are checked by `signage.media.sniff`, then written atomically under a safe name that
never replaces an existing file. A file that a playlist names is "in use" and cannot be
deleted. No Flask import.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from bluezone import files
from signage.catalog import grammar, yamlsource
from signage.catalog.directory import playlist_files
from signage.catalog.grammar import AUDIO_TYPES, IMAGE_TYPES, VIDEO_TYPES
from signage.catalog.loader import MEDIA_DIR
from signage.catalog.problem import Problem
from signage.media.sniff import MediaError, MediaKind, detect

NAME_LIMIT = 60
# Below `media/`: the audio the speech engine made from sound items' text (`signage.speech`).
SPOKEN_DIR = "spoken"


CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Largest accepted upload per kind, in bytes."""

    image: int = 10 * 1024 * 1024
    video: int = 200 * 1024 * 1024

    @property
    def request(self) -> int:
        """The largest request body worth reading: the largest file plus the form around it."""
        return max(self.image, self.video) + 64 * 1024


@dataclass(frozen=True)
class MediaFile:
    """One file of the library; `name` is its path below `media/` as playlists write it."""

    name: str
    kind: MediaKind
    size: int
    modified: float
    used_by: tuple[str, ...] = field(default_factory=tuple)


_NOT_NAME = re.compile(r"[^a-z0-9]+")


def safe_stem(original: str) -> str:
    """A file name stem made of `a-z`, `0-9` and `-` from what the uploader called the file.

    Vietnamese letters lose their marks ("Ảnh đẹp" -> "anh-dep"); folders in the name, dots
    and anything else become a dash; at most `NAME_LIMIT` characters; "media" when nothing is
    left. The extension is chosen from the content, never taken from `original`.
    """
    base = re.split(r"[\\/]", original)[-1]
    stem, dot, _ = base.rpartition(".")
    text = stem if dot and stem else base
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    slug = _NOT_NAME.sub("-", ascii_text).strip("-")[:NAME_LIMIT].rstrip("-")
    return slug or "media"


def store(stream: IO[bytes], original: str, media_dir: Path, limits: Limits) -> str:
    """Write the upload `stream` into `media_dir` and return the name it is stored under.

    The bytes go to a hidden temporary file in `media_dir` first; only a complete file of an
    accepted type within its size limit is linked under its final name, which never replaces
    an existing file (`name-2.png`, `name-3.png`, ... on a collision). Raise `MediaError` and
    leave nothing behind otherwise.
    """
    temporary = media_dir / f".upload-{secrets.token_hex(8)}.tmp"
    largest = max(limits.image, limits.video)
    try:
        media_dir.mkdir(parents=True, exist_ok=True)
        written = 0
        with temporary.open("xb") as target:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                written += len(chunk)
                if written > largest:
                    raise _too_large("video", largest)
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())
        found = detect(temporary)
        limit = limits.image if found.kind == "image" else limits.video
        if written > limit:
            raise _too_large(found.kind, limit)
        return _link(temporary, media_dir, safe_stem(original), found.extension)
    except OSError as error:
        raise MediaError(
            "not_saved",
            f"the file could not be saved in {media_dir}: {error.strerror or error}",
            cause=error.strerror or str(error),
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def _too_large(kind: MediaKind, limit: int) -> MediaError:
    megabytes = limit / (1024 * 1024)
    return MediaError(
        "too_large",
        f"the {kind} is larger than {megabytes:g} MB",
        kind=kind,
        megabytes=f"{megabytes:g}",
    )


def _link(temporary: Path, media_dir: Path, stem: str, extension: str) -> str:
    """Give `temporary` its final name with a hard link, which fails rather than overwrite."""
    for number in range(1, 10_000):
        name = f"{stem}{extension}" if number == 1 else f"{stem}-{number}{extension}"
        try:
            files.link_into_place(temporary, media_dir / name)
        except FileExistsError:
            continue
        return name
    raise MediaError("name", f"too many files are called {stem}{extension}")


def kind_of(name: str) -> MediaKind | None:
    """The kind a playlist would use a file of this name for, by its extension."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in VIDEO_TYPES:
        return "video"
    if suffix in IMAGE_TYPES:
        return "image"
    if suffix in AUDIO_TYPES:
        return "audio"
    return None


def resolve(media_dir: Path, name: str) -> Path:
    """The path of library file `name` (as listed); raise `MediaError` for anything else."""
    relative = PurePosixPath(name)
    hidden = any(part.startswith(".") for part in relative.parts)
    if not name or relative.is_absolute() or "\\" in name or hidden or kind_of(name) is None:
        raise MediaError("missing", f"there is no media file called {name!r}", name=name)
    path = media_dir / relative
    try:
        inside = path.resolve().is_relative_to(media_dir.resolve())
    except OSError:
        inside = False
    if not inside or not path.is_file():
        raise MediaError("missing", f"there is no media file called {name!r}", name=name)
    return path


@dataclass(frozen=True)
class Usage:
    """Which playlists name each media file, and the playlist files that could not be read.

    `by_name` maps each asked-for name to the ids of the playlist files naming it, sorted.
    `unreadable` holds, per playlist file the YAML reader refuses (too large, an alias bomb,
    not YAML), its first problem; such a file counts as using every name in its text.
    """

    by_name: Mapping[str, tuple[str, ...]]
    unreadable: tuple[Problem, ...] = ()


def usage(playlists_dir: Path, names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """For each media name, the ids of the playlist files that name it, sorted (see `scan`)."""
    return dict(scan(playlists_dir, names).by_name)


def scan(playlists_dir: Path, names: Iterable[str]) -> Usage:
    """Who uses each of `names`, reading each playlist with the bounded YAML reader.

    Image and video items are found in each playlist's YAML; a file that cannot be read as
    YAML counts as using every name that appears in its text, so a file being fixed by hand
    never loses its media, and is listed as unreadable.
    """
    wanted = set(names)
    found: dict[str, set[str]] = {name: set() for name in wanted}
    unreadable: list[Problem] = []
    for path in playlist_files(playlists_dir):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        parsed = yamlsource.parse(text, path.name)
        if parsed.problems:
            unreadable.append(parsed.problems[0])
            named = {name for name in wanted if name in text}
        else:
            named = set(_named_media(parsed.root))
        for name in named & wanted:
            found[name].add(path.stem)
    return Usage({name: tuple(sorted(ids)) for name, ids in found.items()}, tuple(unreadable))


# Kind → the keys of its content that name media files.
_MEDIA_KEYS = grammar.media_keys()


def _named_media(node: yamlsource.Node | None) -> Iterable[str]:
    """Every media file named anywhere in a playlist document: the value of each key the
    grammar declares a media key (`file` of an `image:` or `video:` block)."""
    if isinstance(node, yamlsource.Mapping):
        for key, value in node.entries:
            names = _MEDIA_KEYS.get(key.text, ())
            block = value if isinstance(value, yamlsource.Mapping) else yamlsource.Mapping((), 0, 0)
            for name in names:
                file = block.get(name)
                if isinstance(file, yamlsource.Scalar) and isinstance(file.value, str):
                    yield str(PurePosixPath(file.value.strip()))
            yield from _named_media(value)
    elif isinstance(node, yamlsource.Sequence):
        for item in node.items:
            yield from _named_media(item)


def _entries(playlists_dir: Path) -> list[tuple[str, MediaKind, Path]]:
    """Every image and video below `media/` (hidden files left out): its name inside the
    folder, its kind and its path."""
    media_dir = playlists_dir / MEDIA_DIR
    if not media_dir.is_dir():
        return []
    entries: list[tuple[str, MediaKind, Path]] = []
    for path in media_dir.rglob("*"):
        relative = path.relative_to(media_dir)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        kind = kind_of(path.name)
        if kind is not None:
            entries.append((relative.as_posix(), kind, path))
    return entries


def names(playlists_dir: Path, kind: MediaKind) -> list[str]:
    """The names (inside `media/`) of the library's files of one kind, sorted: what a
    playlist item can choose from (spoken audio, made from an item's text, is not)."""
    return sorted(
        name
        for name, found, _ in _entries(playlists_dir)
        if found == kind and not name.startswith(f"{SPOKEN_DIR}/")
    )


@dataclass(frozen=True)
class Library:
    """The library's files (see `library`) and the playlist files that could not be read."""

    files: tuple[MediaFile, ...]
    unreadable: tuple[Problem, ...]


def library(
    playlists_dir: Path, spoken: Mapping[str, tuple[str, ...]] | None = None
) -> list[MediaFile]:
    """Every image, video and audio file below `media/`, newest first, with the playlists
    using each (`spoken`: the spoken audio in use, name → playlists speaking it)."""
    return list(browse(playlists_dir, spoken).files)


def browse(playlists_dir: Path, spoken: Mapping[str, tuple[str, ...]] | None = None) -> Library:
    """`library` together with the playlist files the usage scan could not read."""
    entries = [(name, kind, path.stat()) for name, kind, path in _entries(playlists_dir)]
    used = scan(playlists_dir, (name for name, _, _ in entries))
    files = [
        MediaFile(
            name,
            kind,
            info.st_size,
            info.st_mtime,
            used.by_name[name] or (spoken or {}).get(name, ()),
        )
        for name, kind, info in entries
    ]
    return Library(tuple(sorted(files, key=lambda f: (-f.modified, f.name))), used.unreadable)


def delete(
    playlists_dir: Path, name: str, spoken: Mapping[str, tuple[str, ...]] | None = None
) -> None:
    """Delete library file `name`; raise `MediaError` ("in_use", with `playlists`) when a
    playlist names it or speaks it (`spoken`, as for `library`), or ("missing") when there is
    no such file."""
    path = resolve(playlists_dir / MEDIA_DIR, name)
    users = usage(playlists_dir, [name])[name] or (spoken or {}).get(name, ())
    if users:
        raise MediaError(
            "in_use",
            f"{name} is used by the playlists {', '.join(users)}; remove it from them first",
            name=name,
            playlists=", ".join(users),
        )
    path.unlink()
