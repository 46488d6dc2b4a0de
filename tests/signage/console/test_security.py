"""CSRF on every state change, the security headers on every console page, cookie flags,
the session key, and no inline script in any console template."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage import config, create_app
from signage.console.csrf import SAFE_METHODS
from signage.console.headers import POLICY
from tests.conftest import ROOT
from tests.signage.console.conftest import PASSWORD, Login, csrf_token

CONSOLE_TEMPLATES = ROOT / "signage" / "templates" / "console"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/console/login", {"name": "admin", "password": PASSWORD}),
        ("/console/language", {"lang": "en"}),
        ("/console/logout", {}),
    ],
)
@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "wrong"])
def test_post_without_the_token_is_refused(
    client: FlaskClient, path: str, data: dict[str, str], token: str | None
) -> None:
    csrf_token(client)
    if token:
        data = {**data, "csrf_token": token}
    response = client.post(path, data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "This form has expired" in body and "Nothing was changed" in body
    with client.session_transaction() as session:
        assert "operator" not in session and "lang" not in session


def test_refusal_is_in_the_operators_language_and_json_for_scripts(
    client: FlaskClient, login: Login
) -> None:
    login(client, "admin")
    client.environ_base.pop("HTTP_X_CSRF_TOKEN")
    page = client.post("/console/logout").get_data(as_text=True)
    assert "Biểu mẫu đã hết hạn" in page
    response = client.post("/console/logout", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json is not None and response.json["error"] == "csrf"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_every_unsafe_method_is_checked(client: FlaskClient, method: str) -> None:
    assert method not in SAFE_METHODS
    assert client.open("/console/audit", method=method).status_code == 400


def test_header_token_is_accepted(client: FlaskClient, login: Login) -> None:
    token = login(client, "admin")
    client.environ_base.pop("HTTP_X_CSRF_TOKEN")
    response = client.post("/console/logout", headers={"X-CSRF-Token": token})
    assert response.status_code == 303


def test_sign_in_gives_a_new_token(client: FlaskClient, login: Login) -> None:
    before = csrf_token(client)
    assert login(client, "viewer") != before


def _console_pages(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/console") and "GET" in (rule.methods or ()) and not rule.arguments
    )


def test_every_console_page_has_the_security_headers(app: Flask, login: Login) -> None:
    client = app.test_client()
    pages = _console_pages(app)
    assert {"/console/", "/console/login", "/console/audit"} <= set(pages)
    anonymous = [(path, app.test_client().get(path)) for path in pages]
    login(client, "admin")
    signed_in = [(path, client.get(path)) for path in [*pages, "/console/no-such-page"]]
    for path, response in anonymous + signed_in:
        assert response.headers["Content-Security-Policy"] == POLICY, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Cache-Control"] == "no-store", path
    assert dict(signed_in)["/console/no-such-page"].status_code == 404


def test_policy_forbids_inline_script() -> None:
    directives = dict(d.strip().split(" ", 1) for d in POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in POLICY


def test_player_pages_keep_their_own_headers(client: FlaskClient) -> None:
    assert "Content-Security-Policy" not in client.get("/screen/lobby-1").headers


@pytest.mark.parametrize("template", sorted(CONSOLE_TEMPLATES.glob("*.html")), ids=str)
def test_templates_have_no_inline_script(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert "javascript:" not in text
    for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", text, flags=re.S):
        assert "csrf_field()" in form


@pytest.mark.parametrize(
    ("secure", "flags"),
    [(True, {"secure", "httponly", "samesite=lax"}), (False, {"httponly", "samesite=lax"})],
)
def test_cookie_flags(console_settings: dict[str, Any], secure: bool, flags: set[str]) -> None:
    console_settings["COOKIE_SECURE"] = secure
    app = create_app(console_settings)
    cookie = app.test_client().get("/console/login").headers["Set-Cookie"]
    name, *attributes = (part.strip().lower() for part in cookie.split(";"))
    assert name.startswith("signage_session=")
    present = {a for a in attributes if not a.startswith(("path", "expires"))}
    assert present == flags


def test_session_key_is_made_once_and_private(console_settings: dict[str, Any]) -> None:
    first = create_app(console_settings)
    path = Path(console_settings["SECRET_KEY_FILE"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = create_app(console_settings)
    assert first.secret_key == second.secret_key == path.read_text().strip()


def test_session_key_from_the_environment(console_settings: dict[str, Any]) -> None:
    console_settings["SECRET_KEY"] = "k" * 40
    assert create_app(console_settings).secret_key == "k" * 40
    assert not Path(console_settings["SECRET_KEY_FILE"]).exists()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SECRET_KEY": "short"}, "at least 32 characters"),
        ({"PASSWORD_SCRYPT_N": 1000}, "PASSWORD_SCRYPT_N: scrypt n must be a power of two"),
    ],
)
def test_bad_console_settings(
    console_settings: dict[str, Any], settings: dict[str, Any], message: str
) -> None:
    console_settings.update(settings)
    with pytest.raises(config.ConfigError, match=message):
        create_app(console_settings)


def test_secret_key_is_refused_in_a_settings_file(tmp_path: Path) -> None:
    settings = tmp_path / "signage.yaml"
    settings.write_text("secret_key: abc\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="set SIGNAGE_SECRET_KEY in the environment"):
        config.load({"SIGNAGE_CONFIG": str(settings)})


def test_console_over_plain_http_says_to_use_https(client: FlaskClient) -> None:
    """A browser drops a Secure cookie over plain HTTP (except on localhost): say why the
    sign-in fails instead of a puzzling "expired" message."""
    response = client.post(
        "/console/login",
        data={"name": "admin", "password": PASSWORD, "csrf_token": "x"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "Open the console with https://" in response.get_data(as_text=True)
