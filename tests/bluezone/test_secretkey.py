"""The secret key: configured, read from its file, or made once by the first process."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest

from bluezone.secretkey import MIN_LENGTH, SecretKeyError, load_secret_key


def test_a_configured_key_is_used_as_it_is(tmp_path: Path) -> None:
    key = "k" * MIN_LENGTH
    assert load_secret_key(key, tmp_path / "secret_key", "X_SECRET_KEY") == key
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("setting", ["PORTAL_SECRET_KEY", "SIGNAGE_SECRET_KEY"])
def test_a_short_key_names_its_setting(tmp_path: Path, setting: str) -> None:
    with pytest.raises(SecretKeyError, match=rf"^{setting} must have at least 32 characters"):
        load_secret_key("k" * (MIN_LENGTH - 1), tmp_path / "secret_key", setting)


def test_the_key_is_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "secret_key"
    first = load_secret_key("", path, "X_SECRET_KEY")
    assert len(first) >= MIN_LENGTH and path.read_text(encoding="utf-8") == first + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret_key("", path, "X_SECRET_KEY") == first
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]


def test_a_short_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("short\n", encoding="utf-8")
    with pytest.raises(SecretKeyError, match=r"delete the file.*or set PORTAL_SECRET_KEY"):
        load_secret_key("", path, "PORTAL_SECRET_KEY")


def test_the_loser_of_a_race_uses_the_winners_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process writes its key between our read (no file) and our link."""
    path = tmp_path / "secret_key"
    winner = "w" * 64

    def other_process_first(length: int) -> str:
        path.write_text(winner + "\n", encoding="utf-8")
        return "l" * 64

    monkeypatch.setattr(secrets, "token_urlsafe", other_process_first)
    assert load_secret_key("", path, "X_SECRET_KEY") == winner
    assert path.read_text(encoding="utf-8") == winner + "\n"
