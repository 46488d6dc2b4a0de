"""The console and sound items: the form editor, the media library (spoken files, audio
uploads) and the day's announcements as a zip for loudspeakers."""

from __future__ import annotations

import io
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from signage import services
from signage.catalog.loader import load_catalog
from signage.editing import yamledit
from tests.signage.console.conftest import Login
from tests.signage.console.test_media_views import flashes, speak, upload
from tests.signage.speech.test_announcements import SOUND_PLAYLIST


@pytest.fixture
def playlists(playlists: Path) -> Path:
    (playlists / "lobby.yaml").write_text(SOUND_PLAYLIST, "utf-8")
    return playlists


def test_the_form_edits_a_sound_item_without_slide_keys(playlists: Path) -> None:
    text = (playlists / "lobby.yaml").read_text("utf-8")
    form = yamledit.form_items(text)
    sound = form.items[1]
    assert sound.kind == "sound" and sound.get("sound-every") == "30"
    assert sound.get("sound-text-vi").startswith("Hãy cài đặt")
    values = {**sound.values, "sound-every": "15", "duration": "9", "priority": "5"}
    changed = yamledit.apply_form(
        text,
        yamledit.PlaylistForm(
            form.name, (form.items[0], yamledit.ItemForm("sound", 1, values), *form.items[2:])
        ),
    )
    (playlists / "lobby.yaml").write_text(changed, "utf-8")
    result = load_catalog(playlists)
    assert result.problems == []
    assert "every: 15" in changed and changed.count("duration") == 1


def test_spoken_files_are_listed_used_and_kept(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    programme = services.hub(app).programme
    assert programme.spoken is not None
    names = programme.spoken.users(programme.catalog)
    assert len(names) == 3
    login(client, "editor")
    speak(client, "en")
    page = client.get("/console/media").text
    for name in names:
        assert name in page
    assert "spoken by the speech engine" in page
    name = next(iter(names))
    response = client.post("/console/media/delete", data={"name": name}, follow_redirects=True)
    assert "lobby" in flashes(response.text)[0]
    assert (Path(programme.spoken.media_dir) / name).is_file()


def test_an_audio_file_is_uploaded(
    client: FlaskClient, login: Login, playlists: Path, tmp_path: Path
) -> None:
    sound = tmp_path / "loa.ogg"
    subprocess.run(
        ["sox", "-n", "-r", "16000", str(sound), "synth", "0.5", "sine", "440"], check=True
    )
    login(client, "editor")
    speak(client, "en")
    response = upload(client, (sound.read_bytes(), "Loa phường.ogg"), follow_redirects=True)
    assert flashes(response.text) == ["“Loa phường.ogg” was uploaded as “loa-phuong.ogg”."]
    assert (playlists / "media" / "loa-phuong.ogg").is_file()
    assert "<audio controls" in response.text


def test_the_day_s_announcements_download_as_a_zip(client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    speak(client, "en")
    response = client.get("/console/media/announcements?date=2026-12-07&group=lobby")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "announcements-2026-12-07-lobby.zip" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        names = bundle.namelist()
        table = bundle.read("announcements.csv").decode("utf-8")
    audio = [n for n in names if n.endswith(".ogg")]
    assert len(audio) == 9 and audio == sorted(audio)
    assert table.splitlines()[1].startswith("1,00:00,001-0000-")
    refused = client.get("/console/media/announcements?date=yesterday", follow_redirects=True)
    assert flashes(refused.text) == ["Choose the day of the announcements."]
    hostile = '"><script>alert(1)</script>'
    refused = client.get(
        "/console/media/announcements", query_string={"date": "2026-12-07", "group": hostile}
    )
    assert refused.status_code == 303
    page = client.get("/console/media").text
    assert hostile not in page
    assert flashes(page) == [f"There is no group “{escape(hostile)}”."]


def test_an_emergency_message_sent_from_the_console_can_be_spoken(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    login(client, "admin")
    form = {
        "target": ["group:lobby", "group:gate"],
        "headline-vi": "Sơ tán ngay",
        "body-vi": "Ra cửa gần nhất.",
        "headline-en": "Evacuate now",
        "until": "+30m",
        "speak": "1",
    }
    assert client.post("/console/emergency", data=form).status_code == 303
    overrides = services.hub(app).overrides.active(time.time())
    assert len(overrides) == 2
    spoken = {lang: m.audio for lang, m in overrides[0].messages.items()}
    assert set(spoken) == {"vi", "en"} and all(spoken.values())
    # Both targets share the same files, spoken once.
    assert {lang: m.audio for lang, m in overrides[1].messages.items()} == spoken
    assert all((playlists / "media" / name).is_file() for name in spoken.values())
    # Without the box ticked nothing is spoken.
    del form["speak"]
    form["target"] = ["all"]
    assert client.post("/console/emergency", data=form).status_code == 303
    newest = max(services.hub(app).overrides.active(time.time()), key=lambda o: o.id)
    assert all(not m.audio for m in newest.messages.values())


def test_the_audio_of_an_active_spoken_emergency_message_cannot_be_deleted(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    login(client, "admin")
    form = {"target": ["all"], "headline-vi": "Sơ tán ngay", "until": "+30m", "speak": "1"}
    assert client.post("/console/emergency", data=form).status_code == 303
    (override,) = services.hub(app).overrides.active(time.time())
    name = override.messages["vi"].audio
    response = client.post("/console/media/delete", data={"name": name}, follow_redirects=True)
    assert f"thông báo khẩn số {override.id}" in flashes(response.text)[-1]
    assert (playlists / "media" / name).is_file()
    # Once the message is cancelled nothing needs the file any more.
    services.hub(app).overrides.cancel(override.id, "admin")
    response = client.post("/console/media/delete", data={"name": name}, follow_redirects=True)
    assert "Đã xóa" in flashes(response.text)[-1]
    assert not (playlists / "media" / name).exists()
