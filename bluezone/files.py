"""Files written whole, and an exclusive lock between processes.

A reader (the playlist watcher, another worker, a process starting at the same moment) must
see a file as it was or as it is now, never half written, and a change must survive a power
cut once the call returns. So data goes to a hidden temporary file in the same directory (a
rename is atomic only within one file system), is fsynced, then renamed or linked into place,
and the directory is fsynced so the new name is durable too. Temporary files are hidden and end
in `.tmp`, which the playlist watcher and loader ignore. This module does not import Flask.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

DEFAULT_MODE = 0o644


def temporary_beside(path: Path) -> Path:
    """A fresh hidden name in `path`'s directory for a file that becomes `path`."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def write_whole(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Replace (or create) `path` with `data` (text is written as UTF-8) so that a reader sees
    the old file or the new one, never part of either.

    The new file has `mode`; without it, the old file's permissions (a hand-edited file keeps
    its own), or 0644 for a new file. A failure at any point leaves the old file as it was and
    removes the temporary file.
    """
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = DEFAULT_MODE
    temporary = temporary_beside(path)
    try:
        _write_synced(temporary, data, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    sync_directory(path.parent)


def create_whole(path: Path, data: str | bytes, mode: int = 0o600) -> None:
    """Create `path` holding `data`, whole, unless it exists: then raise `FileExistsError` and
    leave the existing file alone. Of two processes creating the same file at once, exactly
    one succeeds and the other sees the winner's complete file."""
    temporary = temporary_beside(path)
    try:
        _write_synced(temporary, data, mode)
        link_into_place(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def link_into_place(temporary: Path, path: Path) -> None:
    """Give the complete, fsynced file `temporary` the name `path`, which must not exist:
    `FileExistsError` when it does (never replaced). `temporary` may remain as a second name;
    the caller removes it. The directory is fsynced after."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: reserve the name, then rename over the reservation.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DEFAULT_MODE))
        os.replace(temporary, path)
    sync_directory(path.parent)


def sync_directory(directory: Path) -> None:
    """Make a rename, link or removal in `directory` durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` (created when missing) while the block runs.

    The file is opened on each entry: flock locks belong to an open file description, and one
    opened before a server forks its workers would be shared by all of them, so they would not
    exclude each other. Threads of one process each open their own, so they exclude each other
    too. Raises `OSError` when the file cannot be opened.
    """
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _write_synced(path: Path, data: str | bytes, mode: int) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    # The umask may have narrowed `mode` at creation.
    os.chmod(path, mode)
