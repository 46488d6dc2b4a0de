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

import mmap
import os
from pathlib import Path

from bluezone import files

_SIZE = 8


class Revision:
    """The change counter of one database file (a private counter for ``:memory:``)."""

    def __init__(self, database: str) -> None:
        self._map: mmap.mmap | bytearray
        self._path = ""
        if database in ("", ":memory:") or database.startswith("file:"):
            self._map = bytearray(_SIZE)
            return
        self._path = f"{database}-rev"
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            if os.fstat(fd).st_size < _SIZE:
                os.ftruncate(fd, _SIZE)
            self._map = mmap.mmap(fd, _SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)  # the mapping keeps the file

    def current(self) -> int:
        """The counter as it reads now."""
        return int.from_bytes(self._map[:_SIZE], "little")

    def bump(self) -> None:
        """Count one change; call it once the change is committed. The increment holds an
        exclusive lock on the file, so writers in different processes never lose one and the
        counter only grows: a reader that remembered an answer before the change can never
        see its old count again.

        The lock is `bluezone.files.locked`, which opens the file for each bump so gunicorn's
        forked workers exclude each other. Bumps are rare (grants and revokes), reads never
        lock."""
        if not self._path:
            self._map[:_SIZE] = ((self.current() + 1) % 2**64).to_bytes(_SIZE, "little")
            return
        with files.locked(Path(self._path)):
            self._map[:_SIZE] = ((self.current() + 1) % 2**64).to_bytes(_SIZE, "little")
