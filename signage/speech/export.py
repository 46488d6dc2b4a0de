"""One day's announcements for commune loudspeaker systems: audio files and their play list.

A loudspeaker system is separate hardware fed with audio files; it is given, for one day, a
copy of each announcement due (in the order and at the times they are due: an announcement
with several languages is one file per language, Vietnamese first), named so that the file
names sort in play order (`001-0700-<item>-vi.ogg`), an M3U play list and a CSV with the time
of each file. No Flask import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from signage.catalog import announcements
from signage.catalog.playlist import LANGUAGES, Catalog, Item, SoundContent
from signage.catalog.problem import Problem
from signage.speech.spoken import SpokenAudio

PLAYLIST_FILE = "announcements.m3u"
TABLE_FILE = "announcements.csv"
COLUMNS = ("order", "time", "file", "seconds", "playlist", "item", "language", "text")


class ExportError(ValueError):
    """Nothing can be exported: an unknown group, or audio that cannot be made (`problems`)."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Entry:
    """One file to play: when, what, and where its audio is."""

    order: int
    due: dt.datetime
    playlist: str
    item: Item
    lang: str
    text: str
    source: Path

    @property
    def name(self) -> str:
        """The file's name in the export; names sort in play order."""
        return f"{self.order:03d}-{self.due:%H%M}-{self.item.id}-{self.lang}{self.source.suffix}"


def entries(
    catalog: Catalog, spoken: SpokenAudio, day: dt.date, group: str | None = None
) -> list[Entry]:
    """The announcements due on `day` (the venue's date) in the playlists of `group` (every
    group's when None), in play order; the spoken audio missing is made first. Raises
    `ExportError` for an unknown group or a text that cannot be spoken."""
    if group is not None and group not in catalog.groups:
        known = ", ".join(sorted(catalog.groups)) or "none"
        raise ExportError(f"there is no group {group!r}; groups: {known}")
    chosen = [g for g in catalog.groups.values() if group is None or g.id == group]
    playlist_ids = list(
        dict.fromkeys(g.playlist for g in chosen if g.playlist in catalog.playlists)
    )
    due = sorted(
        (play, playlist_id)
        for playlist_id in playlist_ids
        for play in announcements.due(catalog.playlists[playlist_id], day)
    )
    problems, _ = spoken.render_all(play.item for play, _ in due)
    if problems:
        raise ExportError("some announcements cannot be spoken", tuple(problems))
    found: list[Entry] = []
    for play, playlist_id in due:
        for lang, text, source in _parts(play.item, spoken):
            found.append(Entry(len(found) + 1, play.at, playlist_id, play.item, lang, text, source))
    return found


def _parts(item: Item, spoken: SpokenAudio) -> Iterator[tuple[str, str, Path]]:
    content = item.content
    assert isinstance(content, SoundContent)
    if content.file is not None:
        yield "", "", spoken.media_dir / content.file
        return
    for lang in sorted(content.text, key=LANGUAGES.index):
        yield lang, content.text[lang], spoken.path(lang, content.text[lang])


def seconds(path: Path) -> float | None:
    """The length of an audio file in seconds, read by ffprobe; None when it cannot be told."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    command = [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"]
    try:
        done = subprocess.run(
            [*command, str(path)], capture_output=True, text=True, timeout=30, check=False
        )
        return round(float(done.stdout.strip()), 2)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def play_list(found: list[Entry], lengths: dict[str, float | None]) -> str:
    """The M3U play list: each file in play order, with its length and when it is due."""
    lines = ["#EXTM3U"]
    for entry in found:
        length = lengths.get(entry.name)
        title = f"{entry.due:%H:%M} {entry.playlist} {entry.lang or entry.item.id}".strip()
        lines.append(f"#EXTINF:{round(length) if length is not None else -1},{title}")
        lines.append(entry.name)
    return "\n".join(lines) + "\n"


def table(found: list[Entry], lengths: dict[str, float | None]) -> str:
    """The CSV: order, time (HH:MM, the venue's time zone), file, seconds, playlist, item,
    language (empty for an audio file) and the spoken text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in found:
        length = lengths.get(entry.name)
        writer.writerow(
            (
                entry.order,
                f"{entry.due:%H:%M}",
                entry.name,
                "" if length is None else f"{length:.2f}",
                entry.playlist,
                entry.item.id,
                entry.lang,
                entry.text,
            )
        )
    return out.getvalue()


def write(found: list[Entry], out: Path) -> list[Path]:
    """Copy the files and write the play list and CSV into directory `out` (made if needed);
    the paths written, play list and CSV last."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    lengths: dict[str, float | None] = {}
    for entry in found:
        target = out / entry.name
        shutil.copyfile(entry.source, target)
        lengths[entry.name] = seconds(target)
        written.append(target)
    for name, text in (
        (PLAYLIST_FILE, play_list(found, lengths)),
        (TABLE_FILE, table(found, lengths)),
    ):
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written


def archive(found: list[Entry]) -> bytes:
    """The same files as `write`, in a zip archive (audio is stored, not compressed again)."""
    buffer = io.BytesIO()
    lengths = {entry.name: seconds(entry.source) for entry in found}
    with zipfile.ZipFile(buffer, "w") as bundle:
        for entry in found:
            bundle.write(entry.source, entry.name, compress_type=zipfile.ZIP_STORED)
        bundle.writestr(PLAYLIST_FILE, play_list(found, lengths), zipfile.ZIP_DEFLATED)
        bundle.writestr(TABLE_FILE, table(found, lengths), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
