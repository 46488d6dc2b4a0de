"""`bluezone-signage check`: validate a playlist directory and report each problem."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from signage.catalog.loader import load_catalog


def run_check(directory: Path, out: TextIO) -> int:
    """Check every file in `directory`, write the findings to `out`, return the exit code.

    Each problem is one line `path:line:column: message` with the path as given plus the file
    name, so editors and terminals can jump to it. Returns 1 when there is any problem, else 0
    after a one-line summary of what was checked.
    """
    result = load_catalog(directory)
    for problem in sorted(result.problems):
        location = directory / problem.file if problem.file != str(directory) else directory
        out.write(f"{location}:{problem.line}:{problem.column}: {problem.message}\n")
    if result.problems:
        count = len(result.problems)
        out.write(f"{count} problem{'s' if count != 1 else ''} found in {directory}\n")
        return 1
    catalog = result.catalog
    assert catalog is not None
    items = sum(len(playlist.items) for playlist in catalog.playlists.values())
    out.write(
        f"{directory}: OK: {len(catalog.screens)} screens, {len(catalog.groups)} groups, "
        f"{len(catalog.playlists)} playlists ({items} items), version {catalog.version}\n"
    )
    return 0
