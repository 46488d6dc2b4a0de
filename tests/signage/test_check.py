"""`bluezone-signage check`: exit code, one line per problem, a summary when clean."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from signage.check import run_check

EXAMPLES = Path(__file__).resolve().parents[2] / "playlists"


def test_clean_directory_exits_zero_with_a_summary(tmp_path: Path) -> None:
    directory = tmp_path / "playlists"
    shutil.copytree(EXAMPLES, directory)
    out = io.StringIO()
    assert run_check(directory, out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{directory}: OK: 5 screens, 4 groups, 4 playlists (")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def test_problems_exit_non_zero_one_line_each(tmp_path: Path) -> None:
    directory = tmp_path / "playlists"
    shutil.copytree(EXAMPLES, directory)
    (directory / "media" / "bluezone-contact.svg").unlink()
    screens = directory / "screens.yaml"
    shipped = screens.read_text("utf-8")
    screens.write_text(shipped.replace("[vi, en, ru]", "[vi, en, ru, de]", 1), "utf-8")
    image = line_of(directory / "bluezone.yaml", "file: bluezone-contact.svg")
    language = line_of(screens, "[vi, en, ru, de]")
    out = io.StringIO()
    assert run_check(directory, out) == 1
    assert out.getvalue().splitlines() == [
        f"{directory}/bluezone.yaml:{image}:13: media file 'bluezone-contact.svg' does not exist: "
        "copy it to the media/ folder next to the playlists or correct the name (names are "
        "case-sensitive)",
        f"{directory}/screens.yaml:{language}:29: unknown language code 'de' in "
        "'languages'; expected one of: vi, en, ko, zh-Hans, zh-Hant, ja, ru",
        f"2 problems found in {directory}",
    ]


def test_a_missing_directory_is_a_problem(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_check(tmp_path / "nowhere", out) == 1
    assert out.getvalue().splitlines() == [
        f"{tmp_path}/nowhere:1:1: this playlist directory does not exist",
        f"1 problem found in {tmp_path}/nowhere",
    ]
