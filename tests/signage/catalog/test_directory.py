"""Which files of a playlist directory are playlists, and which file an id opens."""

from __future__ import annotations

from pathlib import Path

from signage.catalog.directory import playlist_files, playlist_path, playlist_paths


def test_yaml_and_yml_are_playlists_and_the_screens_file_is_not(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yml", "screens.yaml", "screens.yml", ".c.yaml.tmp", ".d.yml"):
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    (tmp_path / "e.yaml").mkdir()
    (tmp_path / "notes.txt").write_text("x\n", encoding="utf-8")
    assert [p.name for p in playlist_files(tmp_path)] == ["a.yaml", "b.yml"]
    assert playlist_paths(tmp_path) == {"a": tmp_path / "a.yaml", "b": tmp_path / "b.yml"}
    assert playlist_files(tmp_path / "missing") == []


def test_twins_resolve_to_the_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "x.yml").write_text("x\n", encoding="utf-8")
    assert playlist_path(tmp_path, "x") == tmp_path / "x.yml"
    (tmp_path / "x.yaml").write_text("x\n", encoding="utf-8")
    assert [p.name for p in playlist_files(tmp_path)] == ["x.yaml", "x.yml"]
    assert playlist_paths(tmp_path) == {"x": tmp_path / "x.yaml"}
    assert playlist_path(tmp_path, "x") == tmp_path / "x.yaml"
    assert playlist_path(tmp_path, "new") == tmp_path / "new.yaml"
