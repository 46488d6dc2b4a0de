"""The media library: the images and videos in `media/` of the playlist directory.

Uploads are checked from their content (Pillow for images, the container structure for MP4 and
WebM), never from their name or the browser's Content-Type, then written atomically under a
safe name that never replaces an existing file. A file that a playlist names is "in use" and
cannot be deleted. SVG uploads are refused: an SVG is a document that may carry scripts and
links, and sanitising it well enough to serve it from the console's own address is not worth
the risk when a PNG does the same job on a screen. No Flask import.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from signage.catalog import yamlsource
from signage.catalog.loader import MEDIA_DIR, PLAYLIST_SUFFIXES, SCREENS_FILE
from signage.catalog.problem import Problem
from signage.catalog.validate import IMAGE_TYPES, VIDEO_TYPES

MediaKind = Literal["image", "video"]

#: Pillow format name -> the extension a stored image gets.
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
#: ISO base media brands that browsers play as MP4 (QuickTime and HEIF images are not).
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash"}
)
#: A picture larger than this (width x height) is refused before it is decoded.
MAX_PIXELS = 40_000_000
THUMBNAIL_SIZE = (320, 180)
NAME_LIMIT = 60
CHUNK = 1 << 20
FFMPEG_SECONDS = 30


class MediaError(ValueError):
    """An upload or a deletion is refused. `reason` is a stable code the console translates;
    `details` fills its placeholders; str() is an English sentence for logs and the CLI."""

    def __init__(self, reason: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.details = details


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
class Detected:
    """What a file really is: its kind and the extension it is stored under."""

    kind: MediaKind
    extension: str
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class MediaFile:
    """One file of the library; `name` is its path below `media/` as playlists write it."""

    name: str
    kind: MediaKind
    size: int
    modified: float
    used_by: tuple[str, ...] = field(default_factory=tuple)


def detect(path: Path) -> Detected:
    """The kind of the file at `path` from its bytes; raise `MediaError` when it is not a
    complete JPEG, PNG, WebP, GIF, MP4 or WebM file."""
    with path.open("rb") as stream:
        head = stream.read(4096)
    if not head:
        raise MediaError("empty", "the file is empty")
    if _looks_like_svg(head):
        raise MediaError(
            "svg", "SVG files are not accepted: they may contain scripts; upload a PNG instead"
        )
    if head[4:8] == b"ftyp":
        return _mp4(path)
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return _webm(path)
    return _image(path)


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return (text.startswith((b"<?xml", b"<!doctype svg", b"<svg", b"<!--"))) and b"<svg" in text


def _image(path: Path) -> Detected:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                extension = IMAGE_FORMATS.get(image.format or "")
                if extension is None:
                    raise MediaError(
                        "unsupported",
                        f"{image.format} pictures are not accepted; use JPEG, PNG, WebP or GIF",
                    )
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise MediaError(
                        "too_many_pixels",
                        f"the picture has more than {MAX_PIXELS // 1_000_000} million pixels",
                    )
                image.load()
    except MediaError:
        raise
    except UnidentifiedImageError:
        raise MediaError(
            "unsupported",
            "this is not a picture or video we accept (JPEG, PNG, WebP, GIF, MP4, WebM)",
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaError(
            "too_many_pixels",
            f"the picture has more than {MAX_PIXELS // 1_000_000} million pixels",
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise MediaError("damaged", "the picture is incomplete or damaged") from None
    return Detected("image", extension, width, height)


def _mp4(path: Path) -> Detected:
    """An ISO base media file: top-level boxes that exactly fill the file, a browser-playable
    brand, and a `moov` box (without it nothing can be played)."""
    size = path.stat().st_size
    boxes: list[bytes] = []
    brands: set[bytes] = set()
    with path.open("rb") as stream:
        offset = 0
        while offset < size:
            stream.seek(offset)
            header = stream.read(16)
            if len(header) < 8:
                raise MediaError("damaged", "the video is incomplete or damaged")
            length = int.from_bytes(header[:4], "big")
            kind = header[4:8]
            if length == 1:
                if len(header) < 16:
                    raise MediaError("damaged", "the video is incomplete or damaged")
                length = int.from_bytes(header[8:16], "big")
            elif length == 0:
                length = size - offset
            if length < 8 or offset + length > size:
                raise MediaError("damaged", "the video is incomplete or damaged")
            if kind == b"ftyp":
                stream.seek(offset + 8)
                body = stream.read(min(length - 8, 256))
                brands = {body[i : i + 4] for i in range(0, len(body) - 3, 4) if i != 4}
            boxes.append(kind)
            offset += length
    if not brands & MP4_BRANDS:
        raise MediaError(
            "unsupported", "this is not an MP4 video a browser can play (MOV and HEIC are not)"
        )
    if b"moov" not in boxes:
        raise MediaError("damaged", "the video is incomplete or damaged")
    return Detected("video", ".mp4")


def _ebml_number(data: bytes, at: int, keep_marker: bool) -> tuple[int, int]:
    """A variable-length EBML number at `at`: (value, length in bytes); -1 means unknown size."""
    if at >= len(data) or data[at] == 0:
        raise MediaError("damaged", "the video is incomplete or damaged")
    first = data[at]
    length = 8 - first.bit_length() + 1
    if at + length > len(data):
        raise MediaError("damaged", "the video is incomplete or damaged")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return -1, length
    return value, length


def _webm(path: Path) -> Detected:
    """A Matroska file whose EBML header says `webm` and whose Segment fits in the file."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        data = stream.read(64 * 1024)
    _, id_length = _ebml_number(data, 0, keep_marker=True)
    header_size, size_length = _ebml_number(data, id_length, keep_marker=False)
    start = id_length + size_length
    end = start + header_size
    if header_size < 0 or end > len(data):
        raise MediaError("damaged", "the video is incomplete or damaged")
    doctype = b""
    at = start
    while at < end:
        element, length = _ebml_number(data, at, keep_marker=True)
        value_size, value_length = _ebml_number(data, at + length, keep_marker=False)
        value_start = at + length + value_length
        if value_size < 0:
            raise MediaError("damaged", "the video is incomplete or damaged")
        if element == 0x4282:
            doctype = data[value_start : value_start + value_size]
        at = value_start + value_size
    if doctype != b"webm":
        raise MediaError("unsupported", "this is a Matroska file but not WebM; convert it to WebM")
    segment, length = _ebml_number(data, end, keep_marker=True)
    segment_size, value_length = _ebml_number(data, end + length, keep_marker=False)
    if segment != 0x18538067:
        raise MediaError("damaged", "the video is incomplete or damaged")
    if segment_size >= 0 and end + length + value_length + segment_size > size:
        raise MediaError("damaged", "the video is incomplete or damaged")
    return Detected("video", ".webm")


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
            _claim(temporary, media_dir / name)
        except FileExistsError:
            continue
        _sync_directory(media_dir)
        return name
    raise MediaError("name", f"too many files are called {stem}{extension}")


def _claim(temporary: Path, final: Path) -> None:
    """Put `temporary` at `final`; `FileExistsError` when `final` exists already."""
    try:
        os.link(temporary, final)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: reserve the name, then rename over the reservation.
        os.close(os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        os.replace(temporary, final)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def kind_of(name: str) -> MediaKind | None:
    """The kind a playlist would use a file of this name for, by its extension."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in VIDEO_TYPES:
        return "video"
    if suffix in IMAGE_TYPES:
        return "image"
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
    if not playlists_dir.is_dir():
        return Usage({name: () for name in wanted})
    for path in sorted(playlists_dir.iterdir()):
        if path.suffix not in PLAYLIST_SUFFIXES or path.name == SCREENS_FILE:
            continue
        if path.name.startswith(".") or not path.is_file():
            continue
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


def _named_media(node: yamlsource.Node | None) -> Iterable[str]:
    """Every `file` of an `image:` or `video:` block anywhere in a playlist document."""
    if isinstance(node, yamlsource.Mapping):
        for key, value in node.entries:
            if key.text in ("image", "video") and isinstance(value, yamlsource.Mapping):
                file = value.get("file")
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
    playlist item can choose from."""
    return sorted(name for name, found, _ in _entries(playlists_dir) if found == kind)


@dataclass(frozen=True)
class Library:
    """The library's files (see `library`) and the playlist files that could not be read."""

    files: tuple[MediaFile, ...]
    unreadable: tuple[Problem, ...]


def library(playlists_dir: Path) -> list[MediaFile]:
    """Every image and video below `media/`, newest first, with the playlists using each."""
    return list(browse(playlists_dir).files)


def browse(playlists_dir: Path) -> Library:
    """`library` together with the playlist files the usage scan could not read."""
    entries = [(name, kind, path.stat()) for name, kind, path in _entries(playlists_dir)]
    used = scan(playlists_dir, (name for name, _, _ in entries))
    files = [
        MediaFile(name, kind, info.st_size, info.st_mtime, used.by_name[name])
        for name, kind, info in entries
    ]
    return Library(tuple(sorted(files, key=lambda f: (-f.modified, f.name))), used.unreadable)


def delete(playlists_dir: Path, name: str) -> None:
    """Delete library file `name`; raise `MediaError` ("in_use", with `playlists`) when a
    playlist names it, or ("missing") when there is no such file."""
    path = resolve(playlists_dir / MEDIA_DIR, name)
    users = usage(playlists_dir, [name])[name]
    if users:
        raise MediaError(
            "in_use",
            f"{name} is used by the playlists {', '.join(users)}; remove it from them first",
            name=name,
            playlists=", ".join(users),
        )
    path.unlink()


def thumbnail(source: Path, kind: MediaKind, target: Path, ffmpeg: str | None) -> bool:
    """Write a JPEG of at most `THUMBNAIL_SIZE` for `source` to `target` (atomically).

    Pictures are scaled with Pillow; videos get their frame at 1 s (or the first frame) from
    `ffmpeg` when it is given. Return False when no thumbnail can be made (no ffmpeg, an SVG,
    a damaged file): the console then shows a generic icon.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        if kind == "image":
            made = _picture_thumbnail(source, temporary)
        else:
            made = ffmpeg is not None and _video_thumbnail(source, temporary, ffmpeg)
        if made:
            os.replace(temporary, target)
        return made
    finally:
        temporary.unlink(missing_ok=True)


def _picture_thumbnail(source: Path, target: Path) -> bool:
    try:
        detect(source)
        with Image.open(source) as image:
            picture = ImageOps.exif_transpose(image)
            picture.thumbnail(THUMBNAIL_SIZE)
            if picture.mode in ("RGBA", "LA", "P"):
                rgba = picture.convert("RGBA")
                picture = Image.new("RGB", rgba.size, "white")
                picture.paste(rgba, mask=rgba.getchannel("A"))
            picture.convert("RGB").save(target, "JPEG", quality=82)
    except (MediaError, OSError):
        return False
    return True


def _video_thumbnail(source: Path, target: Path, ffmpeg: str) -> bool:
    width, height = THUMBNAIL_SIZE
    scale = f"scale={width}:{height}:force_original_aspect_ratio=decrease"
    for seek in ("1", "0"):
        command = [
            ffmpeg,
            "-nostdin",
            "-v",
            "error",
            "-ss",
            seek,
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-vf",
            scale,
            "-f",
            "image2",
            "-c:v",
            "mjpeg",
            "-y",
            str(target),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=FFMPEG_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        if target.is_file() and target.stat().st_size > 0:
            return True
    return False


def find_ffmpeg() -> str | None:
    """The ffmpeg executable, or None (video thumbnails are then a generic icon)."""
    return shutil.which("ffmpeg")
