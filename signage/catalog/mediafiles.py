"""Media files named by playlists: where they may be, and the sha256 of their bytes.

The only part of the checks that reads the disk besides the playlist files themselves: a
media file must be inside the media directory, of a type its key accepts, and exist; its hash
goes into the catalog so screens fetch a changed file again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from signage.catalog.problem import Term
from signage.catalog.reader import Reader
from signage.catalog.yamlsource import Node


class MediaReader(Reader):
    """A reader that also looks media files up in `media_dir` and hashes them."""

    def __init__(self, file: str, media_dir: Path) -> None:
        super().__init__(file)
        self.media_dir = media_dir
        self.media: dict[str, str] = {}

    def media_file(
        self, node: Node | None, where: Term, types: tuple[str, ...]
    ) -> tuple[str, str] | None:
        """A file in the media directory: (path relative to it, sha256)."""
        name = self.text(node, where, one_line=True)
        if name is None:
            return None
        assert node is not None
        path = PurePosixPath(name)
        if path.is_absolute() or "\\" in name or ".." in path.parts:
            self.error(node, "media-outside", where=where, name=name)
            return None
        if path.suffix.lower() not in types:
            self.error(node, "media-type", where=where, name=name, types=", ".join(types))
            return None
        full = self.media_dir / path
        try:
            inside = full.resolve().is_relative_to(self.media_dir.resolve())
        except OSError:
            inside = False
        if not inside or not full.is_file():
            prefixed = path.parts[0] == "media"
            self.error(node, "media-missing-prefix" if prefixed else "media-missing", name=name)
            return None
        digest = hashlib.sha256()
        with full.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        self.media[f"media/{path.as_posix()}"] = sha
        return path.as_posix(), sha
