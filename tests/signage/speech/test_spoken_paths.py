"""Sound items through publishing, the screens' state, emergency messages, uploads and the
`announcements export` command."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bluezone.storage.database import Database
from signage.editing.history import History
from signage.editing.publish import Published, Publisher, Refused
from signage.emergency.model import Message, OverrideError
from signage.emergency.requests import parse_request
from signage.live.programme import Programme
from signage.media import sniff
from signage.speech.engine import SpeechEngine
from signage.speech.spoken import SpokenAudio
from tests.conftest import ROOT
from tests.signage.serverkit import make_playlists
from tests.signage.speech.test_announcements import SOUND_PLAYLIST


def _spoken(directory: Path, program: str = "") -> SpokenAudio:
    return SpokenAudio(directory / "media", SpeechEngine.configure("espeak-ng", program))


def _made(directory: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (directory / "media" / "spoken").glob("*")}


def test_publishing_speaks_once_and_a_republish_hits_the_cache(
    tmp_path: Path, database: Database
) -> None:
    directory = make_playlists(tmp_path / "playlists")
    publisher = Publisher(directory, History(database), spoken=_spoken(directory))
    _, base = publisher.open("lobby")
    assert isinstance(publisher.publish("lobby", SOUND_PLAYLIST, base, "an"), Published)
    made = _made(directory)
    assert len(made) == 3
    # Another change to the same file: the spoken texts are the same files, not made again.
    changed = SOUND_PLAYLIST.replace("title: Cài Bluezone", "title: Hãy cài Bluezone")
    _, base = publisher.open("lobby")
    assert isinstance(publisher.publish("lobby", changed, base, "an"), Published)
    assert _made(directory) == made
    # A new sentence is spoken; the old files stay until the library deletes them.
    reworded = changed.replace("Đeo khẩu trang nơi công cộng.", "Hãy đeo khẩu trang.")
    _, base = publisher.open("lobby")
    assert isinstance(publisher.publish("lobby", reworded, base, "an"), Published)
    assert len(_made(directory)) == 4


def test_a_text_that_cannot_be_spoken_refuses_the_publish(
    tmp_path: Path, database: Database
) -> None:
    directory = make_playlists(tmp_path / "playlists")
    absent = _spoken(directory, program="/nonexistent/espeak-ng")
    publisher = Publisher(directory, History(database), spoken=absent)
    text, base = publisher.open("lobby")
    outcome = publisher.publish("lobby", SOUND_PLAYLIST, base, "an")
    assert isinstance(outcome, Refused)
    assert {p.code for p in outcome.problems} == {"speech-no-program"}
    assert publisher.open("lobby")[0] == text


def test_only_a_screen_with_speakers_gets_the_day_s_plays(tmp_path: Path) -> None:
    directory = make_playlists(tmp_path / "playlists")
    (directory / "lobby.yaml").write_text(SOUND_PLAYLIST, "utf-8")
    screens = (directory / "screens.yaml").read_text("utf-8")
    screens = screens.replace(
        "    orientation: portrait\n", "    orientation: portrait\n    sound: true\n"
    )
    (directory / "screens.yaml").write_text(screens, "utf-8")
    programme = Programme(directory, "http://portal.test", _spoken(directory))
    report = programme.reload()
    assert report.problems == ()
    now = dt.datetime(2026, 12, 7, 7, 10, tzinfo=dt.UTC)
    loud = programme.payload("lobby-2", now)
    quiet = programme.payload("lobby-1", now)
    assert loud is not None and quiet is not None
    assert quiet["sounds"] == [] and quiet["screen"]["sound"] is False
    assert loud["screen"]["sound"] is True and len(loud["sounds"]) == 2
    first = loud["sounds"][0]
    # The screen's languages in its order: vi, then en.
    assert programme.spoken is not None
    assert first["media"] == [
        programme.spoken.name("vi", "Hãy cài đặt ứng dụng Bluezone để phòng chống dịch."),
        programme.spoken.name("en", "Please install Bluezone."),
    ]
    venue = dt.timezone(dt.timedelta(hours=7))
    assert [
        dt.datetime.fromtimestamp(ms / 1000, venue).strftime("%H:%M") for ms in first["plays"]
    ] == [
        "00:00",
        "07:00",
        "07:30",
        "23:30",
    ]
    assert all((directory / "media" / name).is_file() for name in first["media"])
    # The state is sent again at midnight, with the next day's plays.
    assert loud["valid_until"] == int(
        dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC).timestamp() * 1000
    )


def test_an_emergency_message_can_be_spoken(tmp_path: Path) -> None:
    spoken = _spoken(tmp_path)
    now = dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC)
    request = {"target": "all", "until": "+30m", "messages": {"vi": "Sơ tán"}, "speak": "yes"}
    with pytest.raises(OverrideError) as refused:
        parse_request(request, now, [], [])
    assert refused.value.field == "speak"
    wanted = parse_request({**request, "speak": True}, now, [], [])
    assert wanted.speak
    messages = spoken.messages(
        {"*": Message("Mất điện", "Giữ bình tĩnh.\u0007"), "en": Message("Power cut")}
    )
    assert messages["*"].audio == spoken.name("vi", "Mất điện. Giữ bình tĩnh.")
    assert messages["en"].to_json()["audio"] == spoken.name("en", "Power cut")
    assert (tmp_path / "media" / messages["*"].audio).is_file()
    with pytest.raises(OverrideError, match="at most 1000") as long:
        spoken.messages({"vi": Message("A" * 300, "b " * 600)})
    assert long.value.field == "speak"
    assert Message("x").to_json() == {"headline": "x", "body": ""}


def test_audio_uploads_are_told_from_their_bytes(tmp_path: Path) -> None:
    spoken = _spoken(tmp_path)
    spoken.render("vi", "Xin chào.")
    ogg = spoken.path("vi", "Xin chào.")
    assert sniff.detect(ogg) == sniff.Detected("audio", ".ogg")
    cut = tmp_path / "cut.ogg"
    cut.write_bytes(ogg.read_bytes()[: ogg.stat().st_size // 2])
    with pytest.raises(sniff.MediaError) as damaged:
        sniff.detect(cut)
    assert damaged.value.reason == "damaged"
    wav = tmp_path / "x.wav"
    subprocess.run(["sox", "-n", "-r", "8000", str(wav), "trim", "0", "0.5"], check=True)
    assert sniff.detect(wav).kind == "audio"
    short = tmp_path / "short.wav"
    short.write_bytes(wav.read_bytes()[:2000])
    with pytest.raises(sniff.MediaError):
        sniff.detect(short)


def test_the_export_command(tmp_path: Path) -> None:
    directory = make_playlists(tmp_path / "playlists")
    (directory / "lobby.yaml").write_text(SOUND_PLAYLIST, "utf-8")
    out = tmp_path / "loa"
    environment = {
        **os.environ,
        "SIGNAGE_PLAYLISTS_DIR": str(directory),
        "SIGNAGE_DATABASE": str(tmp_path / "signage.sqlite3"),
        "SIGNAGE_BACKGROUND": "false",
        "PYTHONPATH": str(ROOT),
    }
    environment.pop("SIGNAGE_CONFIG", None)
    command = [sys.executable, "-m", "signage.cli", "announcements", "export", "--date"]
    done = subprocess.run(
        [*command, "2026-12-07", "--group", "lobby", "--out", str(out)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "9 announcement files for 2026-12-07" in done.stdout
    rows = list(csv.DictReader((out / "announcements.csv").read_text("utf-8").splitlines()))
    assert [r["time"] for r in rows][:3] == ["00:00", "00:00", "07:00"]
    again = subprocess.run(
        [*command, "2026-12-07", "--group", "nowhere", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert again.returncode != 0 and "there is no group 'nowhere'" in again.stderr
    full = subprocess.run(
        [*command, "2026-12-07", "--out", str(out)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert full.returncode != 0 and "is not empty" in full.stderr
    pruned = subprocess.run(
        [sys.executable, "-m", "signage.cli", "announcements", "prune", "--days", "0"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert pruned.returncode == 0, pruned.stderr
    assert "0 spoken files deleted, 3 in use kept" in pruned.stdout


def test_prune_deletes_only_spoken_files_nothing_uses(tmp_path: Path) -> None:
    directory = make_playlists(tmp_path / "playlists")
    (directory / "lobby.yaml").write_text(SOUND_PLAYLIST, "utf-8")
    spoken = _spoken(directory)
    programme = Programme(directory, "http://portal.test", spoken)
    programme.reload()
    used = spoken.users(programme.catalog)
    spoken.render("vi", "Câu cũ không còn dùng.")
    old = spoken.name("vi", "Câu cũ không còn dùng.")
    emergency = spoken.messages({"vi": Message("Sơ tán")})["vi"].audio
    assert spoken.prune([*used, emergency]) == []  # everything is younger than an hour
    assert spoken.prune([*used, emergency], older_than=0) == [old]
    assert sorted(_made(directory)) == sorted(n.split("/")[1] for n in [*used, emergency])
