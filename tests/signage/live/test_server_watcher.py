"""The playlist directory watcher: settled changes only, atomic saves, touches ignored."""

from __future__ import annotations

import os
from pathlib import Path

from signage.live.watcher import Watcher


def primed(tmp_path: Path) -> Watcher:
    (tmp_path / "a.yaml").write_text("one\n", encoding="utf-8")
    watcher = Watcher(tmp_path)
    watcher.prime()
    return watcher


def test_nothing_changed(tmp_path: Path) -> None:
    watcher = primed(tmp_path)
    assert not watcher.poll()
    assert not watcher.poll()


def test_change_is_reported_once_settled(tmp_path: Path) -> None:
    watcher = primed(tmp_path)
    (tmp_path / "a.yaml").write_text("two, longer\n", encoding="utf-8")
    assert not watcher.poll()  # seen, not yet settled
    assert watcher.poll()
    assert not watcher.poll()


def test_file_still_growing_is_not_reported(tmp_path: Path) -> None:
    watcher = primed(tmp_path)
    path = tmp_path / "a.yaml"
    path.write_text("two\n", encoding="utf-8")
    assert not watcher.poll()
    path.write_text("two\nthree\n", encoding="utf-8")
    assert not watcher.poll()
    assert watcher.poll()


def test_atomic_save_and_editor_files(tmp_path: Path) -> None:
    watcher = primed(tmp_path)
    (tmp_path / ".a.yaml.swp").write_text("x", encoding="utf-8")
    (tmp_path / "a.yaml~").write_text("x", encoding="utf-8")
    assert not watcher.poll() and not watcher.poll()
    temporary = tmp_path / ".a.yaml.tmp"
    temporary.write_text("three\n", encoding="utf-8")
    os.replace(temporary, tmp_path / "a.yaml")
    assert not watcher.poll()
    assert watcher.poll()


def test_touch_without_change_is_ignored(tmp_path: Path) -> None:
    watcher = primed(tmp_path)
    os.utime(tmp_path / "a.yaml", ns=(1, 1))
    assert not watcher.poll()
    assert not watcher.poll()


def test_new_and_removed_files(tmp_path: Path) -> None:
    watcher = primed(tmp_path)
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "p.png").write_bytes(b"\x89PNG")
    watcher.poll()
    assert watcher.poll()
    (tmp_path / "media" / "p.png").unlink()
    watcher.poll()
    assert watcher.poll()
