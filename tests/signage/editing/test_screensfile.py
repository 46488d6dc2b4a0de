"""Registering screens and setting their groups in a hand-edited screens.yaml."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from signage.catalog.loader import load_catalog
from signage.editing.screensfile import NewScreen, ScreensFileError, register, set_groups
from tests.signage.serverkit import make_playlists

HAND_EDITED = """\
# Screens of the test bus station.   Kept by hand: do not reformat.
venue:
  name: Bến xe thử nghiệm   # shown nowhere yet
  timezone: Asia/Ho_Chi_Minh

groups:
  lobby:
    name: "Sảnh chờ"
    playlist: lobby
  gate:
    name: Cửa ra
    playlist: gate

screens:
  # The two screens of the waiting room.
  - id: lobby-1
    name: Sảnh chờ 1
    groups: [lobby]          # main group first
    languages: [vi, en]

  - id: gate-1
    name: 'Cửa ra 1'
    groups:
      - gate
    languages: [vi]
"""


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    path = make_playlists(tmp_path / "playlists")
    (path / "screens.yaml").write_text(HAND_EDITED, encoding="utf-8")
    return path


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_register_appends_one_entry_and_keeps_everything_else(directory: Path) -> None:
    (directory / "screens.yaml").chmod(0o640)
    register(
        directory,
        NewScreen(
            "kiosk-7", "Quầy vé 7", ("gate", "lobby"), "Cạnh quầy vé số 7", ("vi", "en"), "portrait"
        ),
    )
    after = (directory / "screens.yaml").read_text(encoding="utf-8")
    assert changed_lines(HAND_EDITED, after) == [
        "+  - id: kiosk-7",
        "+    name: Quầy vé 7",
        "+    location: Cạnh quầy vé số 7",
        "+    groups: [gate, lobby]",
        "+    languages: [vi, en]",
        "+    orientation: portrait",
    ]
    result = load_catalog(directory)
    assert result.problems == []
    assert result.catalog is not None
    screen = result.catalog.screens["kiosk-7"]
    assert (screen.groups, screen.orientation) == (("gate", "lobby"), "portrait")
    assert not list(directory.glob(".*.tmp"))
    assert (directory / "screens.yaml").stat().st_mode & 0o777 == 0o640


def test_set_groups_changes_only_that_line(directory: Path) -> None:
    set_groups(directory, "lobby-1", ["gate", "lobby"])
    after = (directory / "screens.yaml").read_text(encoding="utf-8")
    assert changed_lines(HAND_EDITED, after) == [
        "-    groups: [lobby]          # main group first",
        # The comment stays in its column.
        "+    groups: [gate, lobby]    # main group first",
    ]
    set_groups(directory, "gate-1", ["lobby"])
    after_block = (directory / "screens.yaml").read_text(encoding="utf-8")
    assert "    groups:\n      - lobby\n" in after_block
    catalog = load_catalog(directory).catalog
    assert catalog is not None and catalog.screens["gate-1"].groups == ("lobby",)


@pytest.mark.parametrize(
    ("screen", "code", "field"),
    [
        (NewScreen("Kiosk 7", "Quầy", ("lobby",)), "id", "id"),
        (NewScreen("lobby-1", "Quầy", ("lobby",)), "id-taken", "id"),
        (NewScreen("kiosk-7", "  ", ("lobby",)), "name", "name"),
        (NewScreen("kiosk-7", "Quầy", ()), "groups", "groups"),
        (
            NewScreen("kiosk-7", "Quầy", ("lobby",), orientation="sideways"),
            "orientation",
            "orientation",
        ),
        (NewScreen("kiosk-7", "Quầy", ("lobby",), languages=("en",)), "languages", "languages"),
        (NewScreen("kiosk-7", "Quầy", ("nowhere",)), "file", ""),
        (NewScreen("kiosk-7", "Quầy", ("lobby",), languages=("vi", "xx")), "file", ""),
    ],
)
def test_refused_registrations_write_nothing(
    directory: Path, screen: NewScreen, code: str, field: str
) -> None:
    with pytest.raises(ScreensFileError) as raised:
        register(directory, screen)
    assert (raised.value.code, raised.value.field) == (code, field)
    assert (directory / "screens.yaml").read_text(encoding="utf-8") == HAND_EDITED


def test_file_problems_name_the_line_as_check_does(directory: Path) -> None:
    with pytest.raises(ScreensFileError) as raised:
        register(directory, NewScreen("kiosk-7", "Quầy", ("nowhere",)))
    (problem,) = raised.value.problems
    assert problem.file == "screens.yaml" and problem.line > 20
    assert "unknown group 'nowhere'" in problem.message


def test_set_groups_of_an_unknown_screen(directory: Path) -> None:
    with pytest.raises(ScreensFileError) as raised:
        set_groups(directory, "nobody", ["lobby"])
    assert raised.value.code == "not-found"


def test_a_broken_file_is_reported_not_overwritten(directory: Path) -> None:
    (directory / "screens.yaml").write_text("screens: [\n", encoding="utf-8")
    with pytest.raises(ScreensFileError) as raised:
        register(directory, NewScreen("kiosk-7", "Quầy", ("lobby",)))
    assert raised.value.code == "file"
    assert (directory / "screens.yaml").read_text(encoding="utf-8") == "screens: [\n"


def test_a_failed_save_leaves_the_old_file(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bluezone.files.os.replace", full_disk)
    with pytest.raises(ScreensFileError, match="No space left on device") as raised:
        register(directory, NewScreen("kiosk-7", "Quầy", ("lobby",)))
    assert raised.value.code == "file"
    assert (directory / "screens.yaml").read_text(encoding="utf-8") == HAND_EDITED
    assert not list(directory.glob(".*.tmp"))


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScreensFileError, match="cannot be changed"):
        set_groups(tmp_path / "nowhere", "lobby-1", ["lobby"])
