"""Notice saved changes in the playlist directory by polling modification times and sizes.

Polling every `WATCH_INTERVAL` (0.15 s) costs a `stat` per file and needs no dependency or
kernel notification support, which also makes it work on network and container mounts. A change
is reported only once the directory has looked the same for two scans in a row, so a file that
is still being written is not read; an atomic save (write a temporary file, rename it over the
old one) shows up complete in one scan. Contents are hashed so that a touch without a change is
not reported. This module does not import Flask.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

Snapshot = dict[str, tuple[int, int]]


def ignored(name: str) -> bool:
    """Editor swap files, backups and hidden temporary files are not part of the catalog."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".tmp", ".part"))


def snapshot(directory: Path) -> Snapshot:
    """Map each relevant file below `directory` to its (mtime in ns, size)."""
    result: Snapshot = {}
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not ignored(d)]
        for name in files:
            if ignored(name):
                continue
            path = Path(root, name)
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            result[str(path.relative_to(directory))] = (info.st_mtime_ns, info.st_size)
    return result


def content_hash(directory: Path, files: Snapshot) -> str:
    """A hash of the names and contents of `files`; unreadable files hash as missing."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        try:
            digest.update(hashlib.sha256((directory / name).read_bytes()).digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()


class Watcher:
    """Report, one poll at a time, whether `directory` changed and has settled since last time."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._settled: Snapshot | None = None
        self._candidate: Snapshot | None = None
        self._hash: str | None = None

    def prime(self) -> None:
        """Take the current contents as already seen (after the initial load)."""
        current = snapshot(self.directory)
        self._settled = self._candidate = current
        self._hash = content_hash(self.directory, current)

    def poll(self) -> bool:
        """True when the contents changed and the directory was unchanged since the last poll."""
        current = snapshot(self.directory)
        if current == self._settled:
            self._candidate = current
            return False
        if current != self._candidate:
            self._candidate = current
            return False
        self._settled = current
        new_hash = content_hash(self.directory, current)
        if new_hash == self._hash:
            return False
        self._hash = new_hash
        return True
