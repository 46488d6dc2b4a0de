"""The screens file is never a playlist: no playlist page opens, changes or creates it.

`screens.yaml` declares the screens and their groups; only administrators change it, on the
screens pages. Were `screens` accepted as a playlist id, an editor could move every screen into
their own group and reach them all with an emergency message.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.signage.console.conftest import Login, console_of
from tests.signage.serverkit import SCREENS_YAML

# Every screen moved into the editor's group, and one more screen registered.
HOSTILE = (
    SCREENS_YAML.replace("groups: [gate]", "groups: [lobby]")
    + "  - id: rogue-1\n    name: Màn hình lạ\n    location: Ngoài cổng\n    groups: [lobby]\n"
    "    languages: [vi]\n    orientation: landscape\n"
)

PAGES = [
    ("GET", "/console/playlists/screens"),
    ("POST", "/console/playlists/screens"),
    ("GET", "/console/playlists/screens/yaml"),
    ("POST", "/console/playlists/screens/yaml"),
    ("GET", "/console/playlists/screens/history"),
    ("GET", "/console/playlists/screens/history/1"),
    ("POST", "/console/playlists/screens/history/1/restore"),
    ("POST", "/console/playlists/screens/delete"),
    ("GET", "/console/playlists/screens/preview"),
    ("POST", "/console/playlists/screens/preview"),
    ("GET", "/console/playlists/screens/preview/frame"),
]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def hostile_version(app: Flask) -> None:
    """A version of `screens` in the history, as if it had once been published: restoring it
    would be a way in if the id were accepted."""
    with app.app_context():
        app.extensions["signage.playlists"].history.record("screens", HOSTILE, "x", "publish")


@pytest.mark.usefixtures("hostile_version")
@pytest.mark.parametrize("who", ["viewer", "editor", "admin"])
@pytest.mark.parametrize(("method", "path"), PAGES)
def test_no_playlist_page_opens_the_screens_file(
    app: Flask,
    client: FlaskClient,
    login: Login,
    playlists: Path,
    who: str,
    method: str,
    path: str,
) -> None:
    screens = playlists / "screens.yaml"
    before = screens.read_bytes()
    login(client, who)
    data = None
    if method == "POST":
        text = before.decode()
        data = {"text": HOSTILE, "base": _sha(text), "name": "Màn hình", "action": "publish"}
    response = client.open(path, method=method, data=data)
    assert response.status_code == 404, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    assert "Không tìm thấy trang" in page and "rogue-1" not in page
    assert screens.read_bytes() == before
    assert not any(e.target == "screens" for e in console_of(app).audit.entries())


@pytest.mark.parametrize("who", ["editor", "admin"])
def test_a_new_playlist_cannot_be_called_screens(
    client: FlaskClient, login: Login, playlists: Path, who: str
) -> None:
    screens = playlists / "screens.yaml"
    before = screens.read_bytes()
    login(client, who)
    response = client.post("/console/playlists/new", data={"id": "screens", "name": "Màn hình"})
    assert response.status_code == 422
    assert "tệp khai báo màn hình" in response.get_data(as_text=True)
    # Nor a copy of the screens file under another name.
    response = client.post(
        "/console/playlists/new", data={"id": "copy", "name": "Bản sao", "source": "screens"}
    )
    assert response.status_code == 422
    assert not (playlists / "copy.yaml").exists()
    assert screens.read_bytes() == before


def test_the_list_and_the_form_never_offer_the_screens_file(
    client: FlaskClient, login: Login
) -> None:
    login(client, "editor")
    listing = client.get("/console/playlists/").get_data(as_text=True)
    assert "/console/playlists/screens" not in listing
    form = client.get("/console/playlists/lobby").get_data(as_text=True)
    assert 'value="screens"' not in form


def test_the_publisher_refuses_the_screens_file(app: Flask) -> None:
    publisher = app.extensions["signage.playlists"]
    with pytest.raises(ValueError, match="not a playlist id"):
        publisher.path("screens")


def test_ids_that_only_start_with_screens_are_playlists(
    client: FlaskClient, login: Login, playlists: Path
) -> None:
    login(client, "editor")
    response = client.post("/console/playlists/new", data={"id": "screens-2", "name": "Hai"})
    assert response.status_code == 303
    assert client.get("/console/playlists/screens-2/yaml").status_code == 200
