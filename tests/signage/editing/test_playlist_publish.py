"""Publishing playlist files: atomic writes, the history, restores and conflicts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bluezone.storage.database import Database
from signage.editing.history import History, sha256
from signage.editing.merge import has_markers, three_way
from signage.editing.publish import (
    Conflict,
    Published,
    Publisher,
    Refused,
    Unchanged,
)
from tests.signage.serverkit import make_playlists, playlist_yaml


@pytest.fixture
def publisher(tmp_path: Path, database: Database) -> Publisher:
    return Publisher(make_playlists(tmp_path / "playlists"), History(database))


def test_publish_history_and_restore(publisher: Publisher) -> None:
    text, base = publisher.open("lobby")
    assert text is not None and base == sha256(text)
    first = publisher.publish("lobby", playlist_yaml(["Bốn"]), base, "lan")
    assert isinstance(first, Published)
    assert (publisher.directory / "lobby.yaml").read_text(encoding="utf-8") == playlist_yaml(
        ["Bốn"]
    )
    # The file as it was before the console first wrote it is version 1, from the disk.
    versions = publisher.history.versions("lobby")
    assert [(v.number, v.action, v.author) for v in versions] == [
        (2, "publish", "lan"),
        (1, "disk", ""),
    ]
    assert "-        title: Một" in versions[0].diff and "+        title: Bốn" in versions[0].diff

    restored = publisher.publish(
        "lobby", versions[1].text, first.version.sha256, "minh", "restore", restored_from=1
    )
    assert isinstance(restored, Published)
    assert restored.version.restored_from == 1
    assert (publisher.directory / "lobby.yaml").read_text(encoding="utf-8") == versions[1].text
    assert [v.action for v in publisher.history.versions("lobby")] == ["restore", "publish", "disk"]


def test_publishing_the_same_text_changes_nothing(publisher: Publisher) -> None:
    text, base = publisher.open("lobby")
    assert text is not None
    assert isinstance(publisher.publish("lobby", text, base, "lan"), Unchanged)
    assert publisher.history.versions("lobby") == []


def test_a_hand_edit_in_between_is_recorded(publisher: Publisher) -> None:
    _, base = publisher.open("lobby")
    published = publisher.publish("lobby", playlist_yaml(["Bốn"]), base, "lan")
    assert isinstance(published, Published)
    (publisher.directory / "lobby.yaml").write_text(playlist_yaml(["Tay"]), encoding="utf-8")
    _, base = publisher.open("lobby")
    assert isinstance(publisher.publish("lobby", playlist_yaml(["Năm"]), base, "lan"), Published)
    actions = [(v.action, v.author) for v in publisher.history.versions("lobby")]
    assert actions == [("publish", "lan"), ("disk", ""), ("publish", "lan"), ("disk", "")]


def test_a_change_on_disk_since_opening_is_a_conflict(publisher: Publisher) -> None:
    path = publisher.directory / "lobby.yaml"
    _, base = publisher.open("lobby")
    theirs = playlist_yaml(["Một", "Hai", "Ba (sửa tay)"])
    path.write_text(theirs, encoding="utf-8")
    mine = playlist_yaml(["Một (bản của tôi)", "Hai", "Ba"])

    outcome = publisher.publish("lobby", mine, base, "lan")
    assert isinstance(outcome, Conflict)
    assert path.read_text(encoding="utf-8") == theirs  # nothing overwritten
    assert "-        title: Ba (sửa tay)" in outcome.diff
    assert "+        title: Một (bản của tôi)" in outcome.diff
    # Different lines changed: the proposal has both edits and no conflict to resolve.
    assert outcome.merge.conflicts == 0
    assert "Một (bản của tôi)" in outcome.merge.text and "Ba (sửa tay)" in outcome.merge.text
    assert outcome.theirs_sha256 == sha256(theirs)
    # Publishing the reviewed proposal on top of what is on disk now works.
    merged = publisher.publish("lobby", outcome.merge.text, outcome.theirs_sha256, "lan")
    assert isinstance(merged, Published)


def test_the_same_line_changed_twice_needs_a_decision(publisher: Publisher) -> None:
    path = publisher.directory / "lobby.yaml"
    _, base = publisher.open("lobby")
    path.write_text(playlist_yaml(["Của họ", "Hai", "Ba"]), encoding="utf-8")
    outcome = publisher.publish("lobby", playlist_yaml(["Của tôi", "Hai", "Ba"]), base, "lan")
    assert isinstance(outcome, Conflict)
    # Both the Vietnamese and the English title changed on both sides.
    assert outcome.merge.conflicts == 2 and has_markers(outcome.merge.text)
    # Publishing the proposal with its markers left in is refused, at the marker's line.
    refused = publisher.publish("lobby", outcome.merge.text, outcome.theirs_sha256, "lan")
    assert isinstance(refused, Refused)
    assert "conflict marker" in refused.problems[0].message


@pytest.mark.parametrize(
    ("base", "yours", "theirs", "expected", "conflicts"),
    [
        ("a\nb\nc\n", "A\nb\nc\n", "a\nb\nC\n", "A\nb\nC\n", 0),
        ("a\nb\nc\n", "a\nb\nc\n", "a\nB\nc\n", "a\nB\nc\n", 0),
        ("a\nb\nc\n", "a\nX\nc\n", "a\nX\nc\n", "a\nX\nc\n", 0),
        ("a\nb\n", "a\nb", "a\nb\nc\n", "a\nb\nc\n", 0),
        (
            "a\nb\nc\n",
            "a\nY\nc\n",
            "a\nT\nc\n",
            "a\n<<<<<<< yours\nY\n=======\nT\n>>>>>>> disk\nc\n",
            1,
        ),
    ],
)
def test_three_way(base: str, yours: str, theirs: str, expected: str, conflicts: int) -> None:
    merge = three_way(base, yours, theirs, "yours", "disk")
    assert (merge.text, merge.conflicts) == (expected, conflicts)


def test_an_invalid_text_is_refused_with_its_lines(publisher: Publisher) -> None:
    path = publisher.directory / "lobby.yaml"
    before = path.read_text(encoding="utf-8")
    _, base = publisher.open("lobby")
    outcome = publisher.publish(
        "lobby", "items:\n  - text:\n      en: {title: A}\n    duration: 5\n", base, "lan"
    )
    assert isinstance(outcome, Refused)
    assert [(p.file, p.line) for p in outcome.problems] == [("lobby.yaml", 3)]
    assert path.read_text(encoding="utf-8") == before
    assert publisher.history.versions("lobby") == []


def test_create_and_delete(publisher: Publisher) -> None:
    created = publisher.publish("spare", playlist_yaml(["Dự phòng"]), None, "lan", "create")
    assert isinstance(created, Published)
    again = publisher.publish("spare", playlist_yaml(["Khác"]), None, "minh", "create")
    assert isinstance(again, Conflict)  # it exists now: never overwritten
    # A playlist a group shows cannot go: the group would name nothing.
    _, base = publisher.open("gate")
    used = publisher.delete("gate", base, "lan")
    assert isinstance(used, Refused)
    assert "group 'gate' names playlist 'gate'" in used.problems[0].message
    assert (publisher.directory / "gate.yaml").exists()
    deleted = publisher.delete("spare", created.version.sha256, "lan")
    assert isinstance(deleted, Published) and deleted.version.action == "delete"
    assert not (publisher.directory / "spare.yaml").exists()
    assert os.listdir(publisher.directory).count(".console-publish.lock") == 1


def test_a_directory_it_may_not_write_in_is_a_clear_refusal(
    publisher: Publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = publisher.directory / "lobby.yaml"
    before = path.read_text(encoding="utf-8")
    _, base = publisher.open("lobby")

    def refused(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    outcome = publisher.publish("lobby", playlist_yaml(["Bốn"]), base, "lan")
    assert isinstance(outcome, Refused)
    assert "could not be saved (Permission denied)" in outcome.problems[0].message
    assert path.read_text(encoding="utf-8") == before
    assert [v.action for v in publisher.history.versions("lobby")] == ["disk"]
