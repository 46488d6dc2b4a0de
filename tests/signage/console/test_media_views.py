"""The media library page: who may do what, uploads checked from content, 413, deletion."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from signage.accounts.audit import Query
from tests.signage.console.conftest import Login, console_of

PLAYLIST_WITH_POSTER = """\
name: Sảnh chờ
items:
  - image:
      file: poster.png
    duration: 5
"""


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "PNG")
    return buffer.getvalue()


def upload(client: FlaskClient, *files: tuple[bytes, str], **extra: Any) -> Any:
    data: dict[str, Any] = {"file": [(io.BytesIO(body), name) for body, name in files]}
    return client.post("/console/media", data=data, content_type="multipart/form-data", **extra)


def speak(client: FlaskClient, lang: str) -> None:
    """Choose the console language of `client` (the console starts in Vietnamese)."""
    client.post("/console/language", data={"lang": lang, "next": "/console/media"})


def flashes(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(r'<p class="flash [^"]*"[^>]*>(.*?)</p>', html, re.S)
    ]


@pytest.fixture
def media_dir(playlists: Path) -> Path:
    directory = playlists / "media"
    directory.mkdir(exist_ok=True)
    return directory


def test_editor_uploads_and_sees_the_thumbnail(
    app: Flask, client: FlaskClient, login: Login, media_dir: Path
) -> None:
    login(client, "editor")
    speak(client, "en")
    picture = png((800, 600))
    response = upload(client, (picture, "Áp phích Bluezone.jpg"), follow_redirects=True)
    assert response.status_code == 200
    assert flashes(response.text) == [
        "“Áp phích Bluezone.jpg” was uploaded as “ap-phich-bluezone.png”."
    ]
    assert (media_dir / "ap-phich-bluezone.png").read_bytes() == picture
    assert "ap-phich-bluezone.png" in response.text
    thumbnail = client.get("/console/media/thumbnail/ap-phich-bluezone.png")
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(thumbnail.data)) as made:
        assert made.size == (240, 180)
    (entry,) = console_of(app).audit.entries(Query(action="media."))
    assert (entry.actor, entry.action, entry.target) == (
        "editor",
        "media.upload",
        "ap-phich-bluezone.png",
    )
    assert "Áp phích Bluezone.jpg" in entry.detail


@pytest.mark.parametrize(
    ("body", "name", "message"),
    [
        (b"Xin chao", "ghi-chu.jpg", "“ghi-chu.jpg” is not a picture, video or sound file"),
        (png()[:100], "cut.png", "“cut.png” is incomplete or damaged"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.svg", "“logo.svg” is an SVG"),
    ],
)
def test_refused_upload_is_explained_and_nothing_is_stored(
    client: FlaskClient, login: Login, media_dir: Path, body: bytes, name: str, message: str
) -> None:
    login(client, "editor")
    speak(client, "en")
    response = upload(client, (body, name), follow_redirects=True)
    assert any(text.startswith(message) for text in flashes(response.text)), response.text
    assert list(media_dir.iterdir()) == []


def test_refusals_are_in_vietnamese(client: FlaskClient, login: Login, media_dir: Path) -> None:
    login(client, "editor")
    response = upload(client, (b"Xin chao", "ghi-chu.jpg"), follow_redirects=True)
    assert flashes(response.text) == [
        "“ghi-chu.jpg” không phải là ảnh, video hay tệp âm thanh mà màn hình phát được. Chấp "
        "nhận: ảnh JPEG, PNG, WebP và GIF, video MP4 và WebM, âm thanh Ogg, MP3 và WAV."
    ]


def test_body_over_the_limit_is_a_translated_413_page(
    console_settings: dict[str, Any], login: Login, media_dir: Path
) -> None:
    from signage import create_app
    from tests.signage.console.conftest import OPERATORS, PASSWORD

    console_settings.update(MEDIA_IMAGE_MAX_MB=0.1, MEDIA_VIDEO_MAX_MB=0.2)
    app = create_app(console_settings)
    role, groups = OPERATORS["editor"]
    console_of(app).operators.add("editor", role, groups, PASSWORD)
    client = app.test_client()
    login(client, "editor")
    body = png() + b"\0" * 300_000
    response = upload(client, (body, "big.png"))
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.text
    assert "Ảnh tối đa 0,1 MB, video tối đa 0,2 MB" in response.text
    speak(client, "en")
    response = upload(client, (body, "big.png"))
    assert response.status_code == 413
    assert "The file is too large" in response.text
    assert "Pictures may be up to 0.1 MB and videos up to 0.2 MB" in response.text
    assert list(media_dir.iterdir()) == []


def test_viewer_browses_but_cannot_upload_or_delete(
    client: FlaskClient, login: Login, media_dir: Path
) -> None:
    (media_dir / "poster.png").write_bytes(png())
    login(client, "viewer")
    page = client.get("/console/media")
    assert page.status_code == 200
    assert "poster.png" in page.text and 'type="file"' not in page.text
    assert upload(client, (png(), "x.png")).status_code == 403
    assert client.post("/console/media/delete", data={"name": "poster.png"}).status_code == 403
    assert sorted(p.name for p in media_dir.iterdir()) == ["poster.png"]


def test_not_signed_in_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/console/media")
    assert response.status_code == 303 and "/console/login" in response.headers["Location"]


def test_a_file_in_use_cannot_be_deleted(
    app: Flask, client: FlaskClient, login: Login, media_dir: Path, playlists: Path
) -> None:
    (media_dir / "poster.png").write_bytes(png())
    (media_dir / "spare.png").write_bytes(png())
    (playlists / "lobby.yaml").write_text(PLAYLIST_WITH_POSTER, encoding="utf-8")
    login(client, "editor")
    speak(client, "en")
    page = client.get("/console/media").text
    assert re.search(r"Used by:\s*<a href=\"/console/playlists/lobby\">lobby</a>", page)
    response = client.post(
        "/console/media/delete", data={"name": "poster.png"}, follow_redirects=True
    )
    assert flashes(response.text) == [
        "“poster.png” is used by these playlists: lobby. Remove it from them first, then delete it."
    ]
    assert (media_dir / "poster.png").is_file()
    assert client.get("/console/media/thumbnail/spare.png").status_code == 200
    thumbnails = media_dir.parent.parent / "media-thumbnails"
    assert len(list(thumbnails.iterdir())) == 1
    response = client.post(
        "/console/media/delete", data={"name": "spare.png"}, follow_redirects=True
    )
    assert flashes(response.text) == ["“spare.png” was deleted."]
    assert not (media_dir / "spare.png").exists()
    assert list(thumbnails.iterdir()) == []
    actions = [(e.action, e.target) for e in console_of(app).audit.entries(Query(action="media."))]
    assert actions == [("media.delete", "spare.png")]


@pytest.mark.parametrize("name", ["../screens.yaml", "missing.png", ".hidden.png"])
def test_delete_of_anything_else_is_refused(
    client: FlaskClient, login: Login, media_dir: Path, playlists: Path, name: str
) -> None:
    login(client, "admin")
    speak(client, "en")
    response = client.post("/console/media/delete", data={"name": name}, follow_redirects=True)
    assert flashes(response.text) == [f"There is no media file called “{name}”."]
    assert (playlists / "screens.yaml").is_file()


def test_delete_needs_the_csrf_token(app: Flask, media_dir: Path) -> None:
    (media_dir / "spare.png").write_bytes(png())
    client = app.test_client()
    assert client.post("/console/media/delete", data={"name": "spare.png"}).status_code == 400
    assert (media_dir / "spare.png").is_file()


@pytest.mark.parametrize(
    ("name", "data", "icon"),
    [
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "media-image.svg"),
        ("cut.png", b"\x89PNG\r\n\x1a\n", "media-image.svg"),
        ("absent.png", None, "media-missing.svg"),
    ],
)
def test_generic_icon_when_no_thumbnail_can_be_made(
    client: FlaskClient, login: Login, media_dir: Path, name: str, data: bytes | None, icon: str
) -> None:
    if data is not None:
        (media_dir / name).write_bytes(data)
    login(client, "viewer")
    response = client.get(f"/console/media/thumbnail/{name}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/static/console/{icon}")
    with client.get(response.headers["Location"]) as static:
        assert static.status_code == 200 and static.mimetype == "image/svg+xml"


def test_a_file_put_into_media_by_hand_cannot_run_script_on_the_console_origin(
    client: FlaskClient, playlists: Path
) -> None:
    media = playlists / "media"
    media.mkdir(exist_ok=True)
    (media / "drawing.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    answer = client.get("/media/drawing.svg")
    answer.close()
    assert answer.status_code == 200
    policy = answer.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "script-src" not in policy
    assert "default-src 'none'" in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
