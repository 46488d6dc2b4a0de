"""Sound items: reading them, when they play, speaking them with espeak-ng, the cache, the
loudspeaker export and hostile input. The speech engine, ffmpeg and SoX are the real ones."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from signage import config
from signage.catalog import announcements
from signage.catalog.loader import load_catalog
from signage.catalog.playlist import SoundContent
from signage.catalog.schedule import active_items, next_change
from signage.speech import export
from signage.speech.engine import SpeechEngine, SpeechError, SpeechSettingError
from signage.speech.spoken import SpokenAudio
from tests.signage.serverkit import make_playlists

DAY = dt.date(2026, 12, 7)

SOUND_PLAYLIST = """\
name: Loa
items:
  - text:
      vi:
        title: Cài Bluezone
    duration: 5
  - sound:
      text:
        en: Please install Bluezone.
        vi: Hãy cài đặt ứng dụng Bluezone để phòng chống dịch.
      every: 30
    schedule:
      times: ['07:00-08:00', '23:30-00:30']
  - sound:
      text:
        vi: Đeo khẩu trang nơi công cộng.
    schedule:
      times: ['07:00-07:05']
"""


def _directory(tmp_path: Path, playlist: str = SOUND_PLAYLIST) -> Path:
    directory = make_playlists(tmp_path / "playlists")
    (directory / "lobby.yaml").write_text(playlist, encoding="utf-8")
    return directory


def _spoken(directory: Path, program: str = "", voices: str = "") -> SpokenAudio:
    engine = SpeechEngine.configure("espeak-ng", program, voices)
    return SpokenAudio(directory / "media", engine)


def _problems(tmp_path: Path, playlist: str) -> list[str]:
    result = load_catalog(_directory(tmp_path, playlist))
    return [str(p) for p in result.problems]


def _seconds(path: Path) -> float:
    done = subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True)
    return float(done.stdout)


def test_a_sound_item_is_read_and_plays_at_its_times(tmp_path: Path) -> None:
    result = load_catalog(_directory(tmp_path))
    assert result.problems == []
    assert result.catalog is not None
    playlist = result.catalog.playlists["lobby"]
    sound = playlist.items[1]
    assert sound.kind == "sound" and isinstance(sound.content, SoundContent)
    assert sound.content.every == 30
    times = [f"{d.at:%H:%M}" for d in announcements.due(playlist, DAY)]
    # 00:00 is the tail of the previous evening's window; 07:00 has both items, in file order.
    assert times == ["00:00", "07:00", "07:00", "07:30", "23:30"]
    at_seven = [d.item.id for d in announcements.due(playlist, DAY) if d.at.hour == 7]
    assert at_seven[:2] == [playlist.items[1].id, playlist.items[2].id]
    # Sound items are no slides, and a playlist with sound changes at midnight (a new day).
    noon = dt.datetime(2026, 12, 7, 12, 0, tzinfo=playlist.timezone)
    assert [i.kind for i in active_items(playlist, noon)] == ["text"]
    assert next_change(playlist, noon) == dt.datetime(2026, 12, 8, tzinfo=playlist.timezone)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            "  - sound:\n      text: {vi: Xin chào}\n",
            "lobby.yaml:4:5: this sound item does not say when to play",
        ),
        (
            "  - sound:\n      text: {vi: Xin chào}\n      file: a.ogg\n      every: 30\n",
            "lobby.yaml:5:7: a sound item needs exactly one of 'text'",
        ),
        (
            "  - sound:\n      text: {vi: Xin chào}\n      every: 2\n",
            "lobby.yaml:6:14: 'every' (minutes) must be from 5 to 1440, not 2",
        ),
        (
            "  - sound:\n      text: {vi: Xin chào}\n      every: 30\n    duration: 5\n",
            "lobby.yaml:7:5: unknown key 'duration' in a sound item",
        ),
        (
            "  - sound:\n      file: loa.mp4\n      every: 30\n",
            "lobby.yaml:5:13: the sound file 'loa.mp4' must be one of these file types",
        ),
        (
            "  - sound:\n      file: ../../etc/passwd.ogg\n      every: 30\n",
            "lobby.yaml:5:13: the sound file '../../etc/passwd.ogg' must be a path inside media/",
        ),
        (
            '  - sound:\n      text: {vi: "Xin\\a chào"}\n      every: 30\n',
            "the spoken text in vi contains the invisible control character U+0007",
        ),
        (
            "  - sound:\n      text: {vi: '" + "a" * 1001 + "'}\n      every: 30\n",
            "the spoken text in vi is 1001 characters long; at most 1000",
        ),
    ],
)
def test_bad_sound_items_are_explained(tmp_path: Path, item: str, expected: str) -> None:
    # The item starts on line 4 of the file (name, blank line, items:).
    problems = _problems(tmp_path, "name: Loa\n\nitems:\n" + item)
    assert any(expected in problem for problem in problems), problems


def test_text_is_spoken_once_with_a_length_that_fits_it(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    spoken = _spoken(directory)
    short, long = "Xin chào.", "Hãy cài đặt ứng dụng Bluezone để bảo vệ bản thân và cộng đồng. " * 3
    assert spoken.render("vi", short) is True
    assert spoken.render("vi", long) is True
    short_seconds, long_seconds = (
        _seconds(spoken.path("vi", short)),
        _seconds(spoken.path("vi", long)),
    )
    assert 0.3 < short_seconds < 3
    # About 0.25 s a syllable: 51 syllables take 8 to 25 seconds, and far longer than 2 words.
    assert 8 < long_seconds < 25 and long_seconds > 4 * short_seconds
    made = spoken.path("vi", long).stat().st_mtime_ns
    assert spoken.render("vi", long) is False
    assert spoken.path("vi", long).stat().st_mtime_ns == made
    # Another voice is another file; the name depends on engine, voice and text only.
    south = _spoken(directory, voices="vi=vi-vn-x-south")
    assert south.name("vi", short) != spoken.name("vi", short)
    assert _spoken(directory).name("vi", short) == spoken.name("vi", short)
    assert not list((directory / "media" / "spoken").glob(".*"))


def test_every_screen_language_has_an_espeak_voice(tmp_path: Path) -> None:
    spoken = _spoken(tmp_path)
    for lang, text in {
        "en": "Install Bluezone.",
        "ko": "블루존을 설치하세요",
        "zh-Hans": "请安装蓝区应用",
        "zh-Hant": "請安裝藍區應用",
        "ja": "ブルーゾーンをインストールしてください",
        "ru": "Установите Блюзон",
    }.items():
        spoken.render(lang, text)
        assert _seconds(spoken.path(lang, text)) > 0.5, lang


@pytest.mark.parametrize(
    "voices",
    ["vi=--foo", "vi=-v", "vi=../../bin/sh", "vi=/usr/bin/espeak-ng", "vi", "vi=a b"],
)
def test_voice_names_cannot_become_options_or_paths(voices: str) -> None:
    with pytest.raises(SpeechSettingError):
        SpeechEngine.configure("espeak-ng", voices=voices)
    with pytest.raises(config.ConfigError, match="speech_voices"):
        config.load({}, {"SPEECH_VOICES": voices})


def test_piper_voices_must_be_model_files_and_engines_known() -> None:
    with pytest.raises(SpeechSettingError):
        SpeechEngine.configure("piper", voices="vi=--model")
    with pytest.raises(SpeechSettingError):
        SpeechEngine.configure("piper", voices="vi=voices/vi.onnx")
    with pytest.raises(SpeechSettingError):
        SpeechEngine.configure("festival")
    engine = SpeechEngine.configure("piper", voices="vi=/srv/voices/vi.onnx")
    with pytest.raises(SpeechError) as missing:
        engine.command("en", Path("x.wav"))
    assert missing.value.code == "speech-no-voice"


def test_a_missing_engine_or_a_slow_one_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    result = load_catalog(directory)
    assert result.catalog is not None
    items = result.catalog.playlists["lobby"].items
    absent = _spoken(directory, program="/nonexistent/espeak-ng")
    problems, made = absent.render_all(items)
    assert made == 0
    assert problems and all(p.code == "speech-no-program" for p in problems)
    assert "lobby.yaml:7:1: the spoken text in en cannot be spoken" in str(sorted(problems)[0])
    # An engine that never ends is stopped at the time limit.
    sleeper = tmp_path / "slow-engine"
    sleeper.write_text("#!/bin/sh\nexec sleep 30\n")
    sleeper.chmod(0o755)
    slow = SpokenAudio(directory / "media", SpeechEngine("espeak-ng", str(sleeper), timeout=0.5))
    problems, _ = slow.render_all(items[1:2])
    assert {p.code for p in problems} == {"speech-timeout"}
    assert not list((directory / "media" / "spoken").glob("*"))


def test_an_engine_writing_without_end_is_stopped(tmp_path: Path) -> None:
    flood = tmp_path / "flood-engine"
    # Writes to the file named after -w (its 6th argument) without end.
    flood.write_text('#!/bin/sh\nexec cat /dev/zero > "$6"\n')
    flood.chmod(0o755)
    engine = SpeechEngine("espeak-ng", str(flood), timeout=20, max_bytes=1 << 20)
    with pytest.raises(SpeechError) as stopped:
        engine.speak("vi", "Xin chào", tmp_path / "out.wav")
    assert stopped.value.code == "speech-too-large"


def test_one_day_is_exported_in_play_order(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    result = load_catalog(directory)
    assert result.catalog is not None
    spoken = _spoken(directory)
    found = export.entries(result.catalog, spoken, DAY, "lobby")
    out = tmp_path / "out"
    export.write(found, out)
    rows = list(csv.DictReader((out / export.TABLE_FILE).read_text("utf-8").splitlines()))
    assert [(r["time"], r["language"]) for r in rows] == [
        ("00:00", "vi"),
        ("00:00", "en"),
        ("07:00", "vi"),
        ("07:00", "en"),
        ("07:00", "vi"),
        ("07:30", "vi"),
        ("07:30", "en"),
        ("23:30", "vi"),
        ("23:30", "en"),
    ]
    assert rows[4]["text"] == "Đeo khẩu trang nơi công cộng."
    names = [r["file"] for r in rows]
    assert names == sorted(names) and len(set(names)) == len(names)
    audio = sorted(p.name for p in out.glob("*.ogg"))
    assert audio == names
    for row in rows:
        assert abs(_seconds(out / row["file"]) - float(row["seconds"])) < 0.1
    m3u = (out / export.PLAYLIST_FILE).read_text("utf-8").splitlines()
    assert m3u[0] == "#EXTM3U" and [line for line in m3u if not line.startswith("#")] == names
    # The console's download holds the same.
    with zipfile.ZipFile(io.BytesIO(export.archive(found))) as bundle:
        assert sorted(bundle.namelist()) == sorted(
            [*names, export.PLAYLIST_FILE, export.TABLE_FILE]
        )
    # The gate's playlist has no sound; an unknown group is refused with the known ones.
    assert export.entries(result.catalog, spoken, DAY, "gate") == []
    with pytest.raises(export.ExportError, match="groups: gate, lobby"):
        export.entries(result.catalog, spoken, DAY, "--foo")


def test_spoken_files_are_in_the_library_and_kept_while_used(tmp_path: Path) -> None:
    from signage.media import library
    from signage.media.sniff import MediaError

    directory = _directory(tmp_path)
    result = load_catalog(directory)
    assert result.catalog is not None
    spoken = _spoken(directory)
    spoken.render_all(result.catalog.playlists["lobby"].items)
    users = spoken.users(result.catalog)
    assert len(users) == 3 and set(users.values()) == {("lobby",)}
    listed = {f.name: f for f in library.library(directory)}
    for name in users:
        assert listed[name].kind == "audio"
    name = next(iter(users))
    with pytest.raises(MediaError) as refused:
        library.delete(directory, name, users)
    assert refused.value.reason == "in_use"
    assert (directory / "media" / name).is_file()


def test_a_piper_voice_is_run_with_its_model_and_the_text_on_standard_input(
    tmp_path: Path,
) -> None:
    # A stand-in with Piper's command line (the real one needs a venue's voice model): it
    # checks its arguments and speaks what it reads with SoX's synthesizer.
    model = tmp_path / "vi_VN-test.onnx"
    model.write_bytes(b"model")
    program = tmp_path / "piper"
    program.write_text(
        "#!/bin/sh\n"
        '[ "$1" = --model ] && [ "$2" = "'
        + str(model)
        + '" ] && [ "$3" = --output_file ] || exit 3\n'
        'text=$(cat)\n[ "$text" = "Xin chào." ] || exit 4\n'
        'exec sox -n -r 16000 "$4" synth 1.5 sine 300\n'
    )
    program.chmod(0o755)
    engine = SpeechEngine.configure("piper", str(program), f"vi={model}")
    spoken = SpokenAudio(tmp_path / "media", engine)
    assert spoken.render("vi", "Xin chào.") is True
    assert 1.4 < _seconds(spoken.path("vi", "Xin chào.")) < 1.6
    # Replacing the model speaks again: the file's size and date are part of the name.
    before = spoken.name("vi", "Xin chào.")
    model.write_bytes(b"another model")
    assert spoken.name("vi", "Xin chào.") != before
    model.unlink()
    with pytest.raises(SpeechError) as missing:
        spoken.render("vi", "Xin chào.")
    assert missing.value.code == "speech-voice-missing"
