"""A counter of session changes shared by every process that opens the same database.

Answering an OS probe is the portal's hottest path. Asking SQLite costs the query and, worse, a
hand-over of the GIL between gunicorn's threads; remembering answers per process is cheap but
goes stale when another process grants or revokes. :class:`Revision` makes remembering safe:
every change to the sessions table bumps a 64-bit counter in a small file mapped into every
process (``<database>-rev``), and a remembered answer is used only while the counter still
reads the value it had when the answer was looked up. Reading it is a memory read, not a
system call.
"""

from __future__ import annotations

import fcntl
import mmap
import os

_SIZE = 8


class Revision:
    """The change counter of one database file (a private counter for ``:memory:``)."""

    def __init__(self, database: str) -> None:
        self._map: mmap.mmap | bytearray
        self._fd = -1
        if database in ("", ":memory:") or database.startswith("file:"):
            self._map = bytearray(_SIZE)
            return
        self._fd = os.open(f"{database}-rev", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if os.fstat(self._fd).st_size < _SIZE:
            os.ftruncate(self._fd, _SIZE)
        self._map = mmap.mmap(self._fd, _SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)

    def current(self) -> int:
        """The counter as it reads now."""
        return int.from_bytes(self._map[:_SIZE], "little")

    def bump(self) -> None:
        """Count one change; call it once the change is committed. The increment holds an
        exclusive lock on the file, so writers in different processes never lose one and the
        counter only grows: a reader that remembered an answer before the change can never
        see its old count again."""
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            self._map[:_SIZE] = ((self.current() + 1) % 2**64).to_bytes(_SIZE, "little")
        finally:
            if self._fd >= 0:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
