"""The console's previews of the media library: a small JPEG per picture or video.

Pictures are scaled with Pillow; a video's frame is taken by `ffmpeg` when it is installed.
No Flask import.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageOps

from signage.media.sniff import MediaError, MediaKind, detect

THUMBNAIL_SIZE = (320, 180)


FFMPEG_SECONDS = 30


def thumbnail(source: Path, kind: MediaKind, target: Path, ffmpeg: str | None) -> bool:
    """Write a JPEG of at most `THUMBNAIL_SIZE` for `source` to `target` (atomically).

    Pictures are scaled with Pillow; videos get their frame at 1 s (or the first frame) from
    `ffmpeg` when it is given. Return False when no thumbnail can be made (no ffmpeg, an SVG,
    a damaged file): the console then shows a generic icon.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        if kind == "audio":
            made = False  # nothing to see: the console shows the audio icon and a player
        elif kind == "image":
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
