"""Files written whole, linked into place without replacing, and the lock between processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bluezone import files
from tests.conftest import ROOT


def test_a_failure_mid_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lobby.yaml"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o640)

    def broken(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="No space"):
        files.write_whole(path, "new\n" * 1000)
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lobby.yaml"]
    monkeypatch.undo()
    files.write_whole(path, "new\n")
    assert path.read_text(encoding="utf-8") == "new\n"
    assert path.stat().st_mode & 0o777 == 0o640  # a hand-edited file keeps its permissions


def test_a_new_file_gets_the_default_or_the_given_mode(tmp_path: Path) -> None:
    files.write_whole(tmp_path / "a", b"\x00\x01")
    files.write_whole(tmp_path / "b", "b", mode=0o600)
    assert (tmp_path / "a").read_bytes() == b"\x00\x01"
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o600


def test_a_process_killed_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "lobby.yaml"
    path.write_text("old\n", encoding="utf-8")
    # The child dies (no cleanup, as on a power cut) after writing but before the rename.
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from bluezone import files
        files.os.fsync = lambda fd: os._exit(9)
        files.write_whole(Path({str(path)!r}), "new\\n" * 100000)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=30, check=False)
    assert result.returncode == 9
    assert path.read_text(encoding="utf-8") == "old\n"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "lobby.yaml"]
    assert leftovers
    # What is left behind is hidden and ends in .tmp: the watcher and the loader ignore it.
    assert all(name.startswith(".") and name.endswith(".tmp") for name in leftovers)


def test_create_whole_never_replaces(tmp_path: Path) -> None:
    path = tmp_path / "key"
    files.create_whole(path, "first\n")
    with pytest.raises(FileExistsError):
        files.create_whole(path, "second\n")
    assert path.read_text(encoding="utf-8") == "first\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key"]


def test_link_into_place_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "taken").write_text("kept", encoding="utf-8")
    temporary = tmp_path / ".new.tmp"
    temporary.write_text("new", encoding="utf-8")
    with pytest.raises(FileExistsError):
        files.link_into_place(temporary, tmp_path / "taken")
    files.link_into_place(temporary, tmp_path / "free")
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "kept"
    assert (tmp_path / "free").read_text(encoding="utf-8") == "new"


def test_the_lock_excludes_other_processes(tmp_path: Path) -> None:
    lock = tmp_path / ".lock"
    # The child takes the lock, says so, and holds it until its stdin closes.
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from bluezone import files
        with files.locked(Path({str(lock)!r})):
            print("held", flush=True)
            sys.stdin.read()
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline() == "held\n"
        entered = threading.Event()

        def take() -> None:
            with files.locked(lock):
                entered.set()

        waiter = threading.Thread(target=take)
        waiter.start()
        # Not a timing assertion: the child holds the lock until we release it below, so the
        # waiter cannot have entered whatever the scheduling.
        assert not entered.wait(0.3)
        child.stdin.close()
        assert child.wait(timeout=30) == 0
        waiter.join(timeout=30)
    assert entered.is_set()
