"""`next`, where the console goes after signing in or switching language: a console path, or
else the console's home page; never another site, never an error."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.console.auth import safe_next
from tests.signage.console.conftest import PASSWORD, Login, csrf_token

HOME = "/console/"

HOSTILE = [
    "/console/\r\nSet-Cookie: signage_session=x",
    "/console/audit\r\nLocation: https://evil.example",
    "/console/\nx",
    "/console/\rx",
    "/console/\tx",
    "\t/console/",
    "/console/\x00",
    "/console/\x7f",
    "/console/\x85",
    "/console/\u2028x",
    "/console/\u200b",
    "/\\evil.example",
    "/console\\..\\..\\evil.example",
    "\\\\evil.example/console",
    "//evil.example",
    "//evil.example/console",
    "///evil.example/console",
    "/\t/evil.example",
    "https://evil.example/console/",
    "http:/console/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example/console",
    "/console/../screen/lobby-1",
    "/console/./../api/audit",
    "/console/%2e%2e/api/audit",
    "/consolex",
    "/screen/lobby-1",
    " /console/",
    "/console/" + "a" * 2000,
    "",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_next_falls_back_to_the_console_home(app: Flask, target: str) -> None:
    with app.test_request_context():
        assert safe_next(target) == HOME


@pytest.mark.parametrize(
    "target",
    [
        "/console",
        "/console/",
        "/console/audit?action=login&day=2026-12-01",
        "/console/audit?q=%C4%91%C4%83ng",
        "/console/audit?q=đăng nhập",
        "/console/playlists/lobby/history/2",
    ],
)
def test_console_paths_are_kept(app: Flask, target: str) -> None:
    with app.test_request_context():
        assert safe_next(target) == target


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/console/audit?action=login", "/console/audit?action=login"),
        ("/console/audit?q=đăng nhập", "/console/audit?q=%C4%91%C4%83ng%20nh%E1%BA%ADp"),
    ],
)
def test_sign_in_goes_to_a_console_next(client: FlaskClient, target: str, location: str) -> None:
    response = client.post(
        "/console/login",
        data={
            "name": "editor",
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == location


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_with_a_hostile_next_goes_home(client: FlaskClient, target: str) -> None:
    response = client.post(
        "/console/login",
        data={
            "name": "editor",
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == HOME
    # Signed in already: the sign-in page goes to `next` straight away, just as safely.
    again = client.get("/console/login", query_string={"next": target})
    assert again.status_code == 303 and again.headers["Location"] == HOME


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_with_a_hostile_next_goes_home(
    client: FlaskClient, login: Login, target: str
) -> None:
    login(client, "viewer")
    response = client.post("/console/language", data={"lang": "en", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == HOME
