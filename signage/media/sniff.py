"""What an uploaded file really is, told from its bytes, never from its name or Content-Type.

Pictures are opened with Pillow (JPEG, PNG, WebP, GIF; a picture over `MAX_PIXELS` is refused
before it is decoded); MP4 and WebM are recognised from their container structure. SVG is
refused: an SVG is a document that may carry scripts and links, and sanitising it well enough to
serve it from the console's own address is not worth the risk when a PNG does the same job on a
screen. No Flask import.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, UnidentifiedImageError

MediaKind = Literal["image", "video", "audio"]


#: Pillow format name -> the extension a stored image gets.
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}


#: ISO base media brands that browsers play as MP4 (QuickTime and HEIF images are not).
MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash"}
)


#: A picture larger than this (width x height) is refused before it is decoded.
MAX_PIXELS = 40_000_000


class MediaError(ValueError):
    """An upload or a deletion is refused. `reason` is a stable code the console translates;
    `details` fills its placeholders; str() is an English sentence for logs and the CLI."""

    def __init__(self, reason: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class Detected:
    """What a file really is: its kind and the extension it is stored under."""

    kind: MediaKind
    extension: str
    width: int = 0
    height: int = 0


def detect(path: Path) -> Detected:
    """The kind of the file at `path` from its bytes; raise `MediaError` when it is not a
    complete JPEG, PNG, WebP, GIF, MP4, WebM, Ogg, WAV or MP3 file."""
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
    audio = _audio(path, head)
    if audio is not None:
        return audio
    return _image(path)


def _audio(path: Path, head: bytes) -> Detected | None:
    """An Ogg (Vorbis or Opus), WAV or MP3 file, from its header and, where the format says
    its own length, that length; None when it is none of these."""
    size = path.stat().st_size
    if head[:4] == b"OggS":
        with path.open("rb") as stream:
            stream.seek(max(0, size - 65536))
            tail = stream.read()
        # The last page of a complete Ogg stream has the end-of-stream flag (0x04).
        last = tail.rfind(b"OggS")
        if last < 0 or len(tail) < last + 6 or not tail[last + 5] & 0x04:
            raise MediaError("damaged", "the sound file is incomplete or damaged")
        return Detected("audio", ".ogg")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        if int.from_bytes(head[4:8], "little") + 8 > size:
            raise MediaError("damaged", "the sound file is incomplete or damaged")
        return Detected("audio", ".wav")
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Detected("audio", ".mp3")
    return None


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
            "this is not a picture, video or sound we accept (JPEG, PNG, WebP, GIF, MP4, WebM,"
            " Ogg, MP3, WAV)",
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
