"""Publishing a playlist file from the console: checked, never over someone else's change, atomic.

`Publisher.publish` takes the text an operator wants on disk and the content hash of the file as
it was when their editor opened it. Under a lock it compares that hash with the file on disk: if
someone changed the file since (another operator, or a hand edit), nothing is written and a
`Conflict` carries the diff and a three-way merge proposal. Otherwise the text is checked with
the rules of `bluezone-signage check` (a problem in the file, or a new problem it causes in
another file, refuses it), its sound items' text is spoken into audio (`signage.speech`;
a text that cannot be spoken refuses it too), it is written whole (`bluezone.files.write_whole`:
the watcher sees one complete change, exactly as after an editor's save) and recorded in the
history. This module
does not import Flask.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bluezone import files
from signage.catalog import loader as catalog_loader
from signage.catalog.directory import playlist_path
from signage.catalog.playlist import Catalog
from signage.catalog.problem import Problem
from signage.editing.history import History, Version, sha256, unified_diff
from signage.editing.merge import Merge, three_way
from signage.speech.spoken import SpokenAudio

LOCK_FILE = ".console-publish.lock"
# Far above any real playlist (the shipped ones are a few kilobytes); a paste gone wrong stops here.
MAX_TEXT = 1_000_000
_MARKER = re.compile(r"^(<<<<<<<|=======|>>>>>>>)( |$)", re.MULTILINE)


@dataclass(frozen=True)
class Published:
    """The text is on disk; `version` is its entry in the history."""

    version: Version


@dataclass(frozen=True)
class Conflict:
    """The file changed on disk since the editor opened it; nothing was written.

    `theirs` is the text on disk now (None when the file was deleted) and `theirs_sha256` its
    hash, to open the merged text on; `diff` goes from theirs to yours; `merge` is the proposal
    built against `base` (the opened text, None when it is no longer known: then the proposal is
    yours against theirs as a whole).
    """

    base: str | None
    yours: str
    theirs: str | None
    theirs_sha256: str | None
    diff: str
    merge: Merge


@dataclass(frozen=True)
class Unchanged:
    """The text is what the file already holds; nothing was written or recorded."""


@dataclass(frozen=True)
class Refused:
    """The text breaks a rule of the playlist format; nothing was written."""

    problems: tuple[Problem, ...]


Outcome = Published | Conflict | Refused | Unchanged


def read_text(path: Path) -> str | None:
    """The file's text (UTF-8), or None when it does not exist."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


class Publisher:
    """Publishes, restores and deletes the playlist files of `directory`.

    `catalog` returns the catalog in use (or None); it is passed to the loader as the previous
    catalog, so checking a draft reuses what is already checked.
    """

    def __init__(
        self,
        directory: Path,
        history: History,
        catalog: Callable[[], Catalog | None] = lambda: None,
        spoken: SpokenAudio | None = None,
    ) -> None:
        self.directory = directory
        self.history = history
        self.catalog = catalog
        self.spoken = spoken
        self._lock = threading.Lock()

    def path(self, playlist_id: str) -> Path:
        """The file of `playlist_id` (its existing `.yaml` or `.yml`, else a new `.yaml`: see
        `signage.catalog.directory`); raises ValueError for an id that is not one (such as
        `screens`: the screens file is never written as a playlist)."""
        if not catalog_loader.is_playlist_id(playlist_id):
            raise ValueError(f"{playlist_id!r} is not a playlist id")
        return playlist_path(self.directory, playlist_id)

    def open(self, playlist_id: str) -> tuple[str | None, str | None]:
        """The text on disk and its hash, remembered as the base of a later merge."""
        text = read_text(self.path(playlist_id))
        if text is None:
            return None, None
        return text, self.history.remember(text)

    def check(self, playlist_id: str, text: str | None) -> list[Problem]:
        """What would be wrong if `text` were the file (None: if the file were deleted).

        Problems in the file itself, and problems in other files that it would cause (a group
        or an include naming a playlist that is gone, an include loop); problems other files
        already have are not its concern.
        """
        return self._check(playlist_id, text)[0]

    def _check(self, playlist_id: str, text: str | None) -> tuple[list[Problem], Catalog | None]:
        """`check`, and the catalog as it would be."""
        name = self.path(playlist_id).name
        previous = self.catalog()
        before = catalog_loader.load_catalog(self.directory, previous).problems
        result = catalog_loader.load_catalog(self.directory, previous, {name: text})
        known = {str(p) for p in before if p.file != name}
        problems = sorted(p for p in result.problems if p.file == name or str(p) not in known)
        return problems, result.catalog

    def _speak(self, name: str, catalog: Catalog | None) -> list[Problem]:
        """Make the audio of the file's sound items now, so it is ready when screens get the
        playlist: a text that cannot be spoken refuses the publish, with why."""
        if self.spoken is None or catalog is None:
            return []
        items = {
            item.id: item
            for playlist in catalog.playlists.values()
            for item in playlist.items
            if item.file == name
        }
        return self.spoken.render_all(items.values())[0]

    def publish(
        self,
        playlist_id: str,
        text: str,
        base_sha256: str | None,
        author: str,
        action: str = "publish",
        restored_from: int | None = None,
    ) -> Outcome:
        """Write `text` if the file is still the one hashed `base_sha256` (None: no file yet)."""
        if not text.endswith("\n"):
            text += "\n"
        if len(text) > MAX_TEXT:
            too_long = Problem.of(
                self.path(playlist_id).name, 1, 1, "text-too-long", size=len(text), limit=MAX_TEXT
            )
            return Refused((too_long,))
        with self._locked():
            path = self.path(playlist_id)
            theirs = read_text(path)
            conflict = self._conflict(text, base_sha256, theirs)
            if conflict is not None:
                return conflict
            if text == theirs and action == "publish":
                return Unchanged()
            markers = [
                Problem.of(path.name, text[: m.start()].count("\n") + 1, 1, "conflict-marker")
                for m in _MARKER.finditer(text)
            ]
            problems, catalog = (markers, None) if markers else self._check(playlist_id, text)
            problems = problems or self._speak(path.name, catalog)
            if problems:
                return Refused(tuple(problems))
            self._note_disk(playlist_id, theirs)
            try:
                files.write_whole(path, text)
            except OSError as error:
                return Refused((_unwritable(path, error),))
            return Published(
                self.history.record(
                    playlist_id, text, author, action, restored_from, file=path.name
                )
            )

    def delete(self, playlist_id: str, base_sha256: str | None, author: str) -> Outcome:
        """Remove the file if it is still the one hashed `base_sha256` and nothing needs it."""
        with self._locked():
            path = self.path(playlist_id)
            theirs = read_text(path)
            conflict = self._conflict("", base_sha256, theirs)
            if conflict is not None:
                return conflict
            problems = self.check(playlist_id, None)
            if problems:
                return Refused(tuple(problems))
            self._note_disk(playlist_id, theirs)
            if theirs is not None:
                try:
                    path.unlink()
                    files.sync_directory(self.directory)
                except OSError as error:
                    return Refused((_unwritable(path, error),))
            return Published(self.history.record(playlist_id, "", author, "delete", file=path.name))

    def _conflict(self, yours: str, base_sha256: str | None, theirs: str | None) -> Conflict | None:
        current = sha256(theirs) if theirs is not None else None
        if current == base_sha256:
            return None
        base = self.history.text_for(base_sha256) if base_sha256 is not None else ""
        on_disk = theirs if theirs is not None else ""
        merge = three_way(base if base is not None else on_disk, yours, on_disk, "yours", "disk")
        diff = unified_diff(on_disk, yours, "on disk", "yours")
        return Conflict(base, yours, theirs, current, diff, merge)

    def _note_disk(self, playlist_id: str, theirs: str | None) -> None:
        """Record a change made outside the console, so every diff in the history is true."""
        latest = self.history.latest(playlist_id)
        if theirs is None:
            if latest is not None and latest.action != "delete":
                self.history.record(playlist_id, "", "", "delete", file=self.path(playlist_id).name)
            return
        if latest is None or latest.sha256 != sha256(theirs):
            self.history.record(playlist_id, theirs, "", "disk", file=self.path(playlist_id).name)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One publish at a time, in this process and in any other on the same directory."""
        with self._lock, files.locked(self.directory / LOCK_FILE):
            yield


def _unwritable(path: Path, error: OSError) -> Problem:
    return Problem.of(
        path.name, 1, 1, "unwritable", why=str(error.strerror or error), folder=str(path.parent)
    )
