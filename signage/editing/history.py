"""Every published version of every playlist file, in the signage SQLite file.

A version keeps the full text, who published it and when, what was done (`publish`,
`restore`, `create`, `delete`, or `disk` for a change found on disk that was not made through
the console) and the unified diff to the version before it. The texts an editor was opened on
are kept too (`remember`), by content hash, so a later conflict can be merged against them.
This module does not import Flask.
"""

from __future__ import annotations

import difflib
import hashlib
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from bluezone.storage.database import Connection, Database, Row
from bluezone.storage.migrations import Migration, migrate
from signage.database import connect, immediate

COMPONENT = "history"
#: The schema, version by version (`bluezone.storage.migrations`); 1 is the release before
#: migrations, so it holds on a database that release made.
MIGRATIONS = (
    Migration(
        1,
        "playlist versions and the texts of opened editors",
        (
            "CREATE TABLE IF NOT EXISTS playlist_versions ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " playlist TEXT NOT NULL,"
            " number INTEGER NOT NULL,"
            " action TEXT NOT NULL,"
            " author TEXT NOT NULL,"
            " at REAL NOT NULL,"
            " sha256 TEXT NOT NULL,"
            " text TEXT NOT NULL,"
            " diff TEXT NOT NULL,"
            " restored_from INTEGER,"
            " UNIQUE (playlist, number)"
            ")",
            "CREATE TABLE IF NOT EXISTS playlist_opened ("
            " sha256 TEXT PRIMARY KEY,"
            " text TEXT NOT NULL,"
            " at REAL NOT NULL"
            ")",
        ),
    ),
)

ACTIONS = ("create", "publish", "restore", "delete", "disk")
# Texts editors were opened on are needed only while someone may still publish over them.
OPENED_DAYS = 30


def sha256(text: str) -> str:
    """The content hash conflicts are detected with: sha256 of the UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unified_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """A unified diff of two texts, empty when they are equal."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        old_label,
        new_label,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class Version:
    """Version `number` (from 1) of `playlist`; `text` is empty for a deletion."""

    playlist: str
    number: int
    action: str
    author: str
    at: float
    sha256: str
    text: str
    diff: str
    restored_from: int | None = None


class History:
    """The `playlist_versions` and `playlist_opened` tables of the signage SQLite file."""

    def __init__(self, path: Database | Path) -> None:
        #: The database: a `Database`, or the path of a SQLite file.
        self.path = path
        migrate(Database.of(path), COMPONENT, MIGRATIONS)

    def _connect(self) -> AbstractContextManager[Connection]:
        return connect(self.path)

    def record(
        self,
        playlist: str,
        text: str,
        author: str,
        action: str,
        restored_from: int | None = None,
        at: float | None = None,
        file: str = "",
    ) -> Version:
        """Add the next version of `playlist`, with the diff to the latest one; `file` (the
        playlist's file name, `<playlist>.yaml` when not given) labels the diff."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
        when = time.time() if at is None else at
        # Locked before the read, so that two publishers never take the same number.
        with immediate(self.path) as db:
            row = db.execute(
                "SELECT number, text FROM playlist_versions WHERE playlist = ? "
                "ORDER BY number DESC LIMIT 1",
                (playlist,),
            ).fetchone()
            number = (row["number"] if row else 0) + 1
            before = row["text"] if row else ""
            name = file or f"{playlist}.yaml"
            diff = unified_diff(before, text, f"{name} ({number - 1})", f"{name} ({number})")
            version = Version(
                playlist, number, action, author, when, sha256(text), text, diff, restored_from
            )
            db.execute(
                "INSERT INTO playlist_versions (playlist, number, action, author, at, sha256,"
                " text, diff, restored_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (playlist, number, action, author, when, version.sha256, text, diff, restored_from),
            )
        return version

    def versions(self, playlist: str) -> list[Version]:
        """Every version of `playlist`, newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM playlist_versions WHERE playlist = ? ORDER BY number DESC",
                (playlist,),
            ).fetchall()
        return [_version(row) for row in rows]

    def version(self, playlist: str, number: int) -> Version | None:
        """Version `number` of `playlist`, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM playlist_versions WHERE playlist = ? AND number = ?",
                (playlist, number),
            ).fetchone()
        return _version(row) if row else None

    def latest(self, playlist: str) -> Version | None:
        """The newest version of `playlist`, or None when it has no history."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM playlist_versions WHERE playlist = ? ORDER BY number DESC LIMIT 1",
                (playlist,),
            ).fetchone()
        return _version(row) if row else None

    def latest_all(self) -> dict[str, Version]:
        """The newest version of every playlist that has a history."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT v.* FROM playlist_versions v JOIN (SELECT playlist, MAX(number) AS n "
                "FROM playlist_versions GROUP BY playlist) m "
                "ON v.playlist = m.playlist AND v.number = m.n"
            ).fetchall()
        return {row["playlist"]: _version(row) for row in rows}

    def remember(self, text: str) -> str:
        """Keep `text` as one an editor was opened on; return its hash."""
        digest = sha256(text)
        now = time.time()
        with self._connect() as db:
            db.execute(
                "INSERT INTO playlist_opened (sha256, text, at) VALUES (?, ?, ?) "
                "ON CONFLICT (sha256) DO UPDATE SET at = excluded.at",
                (digest, text, now),
            )
            db.execute("DELETE FROM playlist_opened WHERE at < ?", (now - OPENED_DAYS * 86400,))
        return digest

    def text_for(self, digest: str) -> str | None:
        """A text with this hash that an editor was opened on or that was published, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT text FROM playlist_opened WHERE sha256 = ?", (digest,)
            ).fetchone()
            if row is None:
                row = db.execute(
                    "SELECT text FROM playlist_versions WHERE sha256 = ? LIMIT 1", (digest,)
                ).fetchone()
        return str(row["text"]) if row else None


def _version(row: Row) -> Version:
    return Version(
        row["playlist"],
        row["number"],
        row["action"],
        row["author"],
        row["at"],
        row["sha256"],
        row["text"],
        row["diff"],
        row["restored_from"],
    )
