"""Playlist and screens files that would cost too much to read: every console page that reads
them answers with the bounded reader's problem, never a stall or a 500."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.catalog import yamlsource
from signage.console.playlists.blueprint import MAX_BODY
from signage.editing.publish import MAX_TEXT
from signage.media import library
from tests.signage.console.conftest import Login

EN = {"Accept-Language": "en"}


def alias_bomb(levels: int = 6) -> str:
    """A few lines whose aliases expand to 10**levels values."""
    names = "abcdefghij"
    text = "name: Bom\nitems: []\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for n in range(1, levels):
        text += f"{names[n]}: &{names[n]} [" + ", ".join([f"*{names[n - 1]}"] * 10) + "]\n"
    return text


HOSTILE = {
    "bomb": (alias_bomb(), "expands to more than"),
    "self": ("name: Vòng\nitems: &r [*r]\n", "refers to the block that contains it"),
    "deep": ("name: Sâu\nitems: " + "[" * 5000 + "\n", "nested more than"),
}


@pytest.fixture(params=sorted(HOSTILE))
def hostile(request: pytest.FixtureRequest, playlists: Path) -> tuple[str, str]:
    """A hostile playlist file `<name>.yaml` on disk next to the test playlists."""
    name: str = request.param
    text, message = HOSTILE[name]
    (playlists / f"{name}.yaml").write_text(text, encoding="utf-8")
    media_dir = playlists / "media"
    media_dir.mkdir(exist_ok=True)
    return name, message


def test_the_media_page_lists_the_file_as_unreadable(
    client: FlaskClient, login: Login, hostile: tuple[str, str]
) -> None:
    name, message = hostile
    login(client, "viewer")
    response = client.get("/console/media", headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"{name}.yaml" in page and message in page


def test_the_usage_scan_reports_the_file(playlists: Path, hostile: tuple[str, str]) -> None:
    name, message = hostile
    found = library.scan(playlists, ["poster.png"])
    assert [p.file for p in found.unreadable] == [f"{name}.yaml"]
    assert message in found.unreadable[0].message
    assert found.by_name == {"poster.png": ()}


def test_a_file_that_names_a_picture_keeps_it_while_unreadable(playlists: Path) -> None:
    (playlists / "bomb.yaml").write_text(
        alias_bomb() + "b: {image: {file: poster.png}}\n", encoding="utf-8"
    )
    assert library.usage(playlists, ["poster.png"]) == {"poster.png": ("bomb",)}


@pytest.mark.parametrize(
    "page",
    [
        "/console/playlists/",
        "/console/playlists/{}",
        "/console/playlists/{}/yaml",
        "/console/playlists/{}/preview",
        "/console/playlists/{}/preview/frame",
    ],
)
def test_pages_reading_the_file_answer(
    client: FlaskClient, login: Login, hostile: tuple[str, str], page: str
) -> None:
    name, _message = hostile
    login(client, "admin")
    response = client.get(page.format(name), headers=EN)
    # The form editor sends an unreadable file to the YAML editor; the frame says why it
    # cannot show it.
    assert response.status_code in (200, 303, 422)


def test_the_preview_names_the_problem(
    client: FlaskClient, login: Login, hostile: tuple[str, str]
) -> None:
    name, message = hostile
    login(client, "admin")
    response = client.get(f"/console/playlists/{name}/preview/frame", headers=EN)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_publishing_the_text_is_refused_with_the_problem(
    client: FlaskClient, login: Login, playlists: Path, hostile: tuple[str, str]
) -> None:
    name, message = hostile
    text = (playlists / "lobby.yaml").read_text(encoding="utf-8")
    base = hashlib.sha256(text.encode()).hexdigest()
    login(client, "admin")
    response = client.post(
        "/console/playlists/lobby/yaml", data={"text": HOSTILE[name][0], "base": base}, headers=EN
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (playlists / "lobby.yaml").read_text(encoding="utf-8") == text


def test_registering_a_screen_refuses_a_screens_file_with_an_alias_bomb(
    app: Flask, client: FlaskClient, login: Login, playlists: Path
) -> None:
    screens = playlists / "screens.yaml"
    bomb = screens.read_text(encoding="utf-8") + alias_bomb().split("items: []\n", 1)[1]
    screens.write_text(bomb, encoding="utf-8")
    login(client, "admin")
    response = client.post(
        "/console/screens/register",
        data={
            "id": "kiosk-9",
            "name": "Quầy vé 9",
            "groups": ["gate"],
            "languages": ["vi"],
            "orientation": "portrait",
        },
        headers=EN,
    )
    assert response.status_code == 400
    assert screens.read_text(encoding="utf-8") == bomb


def test_a_file_over_the_size_limit_is_refused_before_it_is_read() -> None:
    text = "# " + "x" * yamlsource.MAX_BYTES + "\n"
    problem = yamlsource.check_bounds(text, "big.yaml")
    assert problem is not None and problem.file == "big.yaml"
    assert f"{yamlsource.MAX_BYTES:,}" in problem.message
    assert yamlsource.parse(text, "big.yaml").problems == (problem,)


def test_nesting_through_aliases_counts_as_nesting() -> None:
    text = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 100))
    problems = yamlsource.parse(text, "chain.yaml").problems
    assert [p.message for p in problems] == [
        f"blocks are nested more than {yamlsource.MAX_DEPTH} deep here; write the file flatter"
    ]
    assert problems[0].line == yamlsource.MAX_DEPTH


def test_a_paste_over_the_limit_is_refused_without_echoing_it_whole(
    client: FlaskClient, login: Login, playlists: Path
) -> None:
    text = (playlists / "lobby.yaml").read_text(encoding="utf-8")
    base = hashlib.sha256(text.encode()).hexdigest()
    paste = "# " + "ư" * (MAX_TEXT + MAX_TEXT // 2) + "\n"
    login(client, "admin")
    response = client.post(
        "/console/playlists/lobby/yaml", data={"text": paste, "base": base}, headers=EN
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"a playlist file may have at most {MAX_TEXT}" in page
    # The page holds the editor and the numbered lines: each at most the limit.
    assert len(page) < 2 * MAX_TEXT + 100_000
    assert (playlists / "lobby.yaml").read_text(encoding="utf-8") == text


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(
    client: FlaskClient, login: Login, playlists: Path
) -> None:
    text = (playlists / "lobby.yaml").read_text(encoding="utf-8")
    login(client, "admin")
    response = client.post(
        "/console/playlists/lobby/yaml",
        data={"text": "#" * (MAX_BODY + 1)},
        headers={"Accept-Language": "vi"},
    )
    assert response.status_code == 413
    assert "Quá lớn" in response.get_data(as_text=True)
    assert (playlists / "lobby.yaml").read_text(encoding="utf-8") == text


def test_the_form_editor_says_why_in_the_operators_language(
    client: FlaskClient, login: Login, hostile: tuple[str, str]
) -> None:
    name, _message = hostile
    login(client, "admin")
    response = client.get(f"/console/playlists/{name}", headers={"Accept-Language": "vi"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert any(word in page.lower() for word in ("bí danh", "lồng nhau")), page[:2000]
