"""Signing in and out, guarded views by role, lockout as the operator sees it, languages."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from signage.console.auth import current_operator, login_required, role_required, safe_next
from tests.signage.console.conftest import PASSWORD, Login, console_of, csrf_token


def _probe_blueprint() -> Blueprint:
    """Views guarded like the console areas guard theirs, to check the decorators."""
    bp = Blueprint("probe", __name__, url_prefix="/console/probe")

    @bp.get("/any")
    @login_required
    def any_role() -> str:
        return f"hello {current_operator().name}"

    for role in ("viewer", "editor", "admin"):

        @role_required(role)
        def view(role: str = role) -> str:
            return f"{role} page for {current_operator().name}"

        bp.add_url_rule(f"/{role}", f"{role}_page", view)
        bp.add_url_rule(f"/{role}", f"{role}_post", view, methods=["POST"])

    @bp.get("/api/data")
    @role_required("editor")
    def data() -> dict[str, str]:
        return {"ok": current_operator().name}

    return bp


@pytest.fixture
def probed(app: Flask) -> Flask:
    app.register_blueprint(_probe_blueprint())
    return app


PERMISSIONS = [
    # who, method, path, status
    *[(who, "GET", "/console/probe/any", 200) for who in ("viewer", "editor", "admin")],
    ("viewer", "GET", "/console/probe/viewer", 200),
    ("viewer", "GET", "/console/probe/editor", 403),
    ("viewer", "POST", "/console/probe/editor", 403),
    ("viewer", "GET", "/console/probe/admin", 403),
    ("editor", "GET", "/console/probe/editor", 200),
    ("editor", "POST", "/console/probe/editor", 200),
    ("editor", "GET", "/console/probe/admin", 403),
    ("editor", "POST", "/console/probe/admin", 403),
    ("admin", "GET", "/console/probe/admin", 200),
    ("admin", "POST", "/console/probe/admin", 200),
    ("viewer", "GET", "/console/probe/api/data", 403),
    ("editor", "GET", "/console/probe/api/data", 200),
    ("viewer", "GET", "/console/audit", 200),
    ("viewer", "GET", "/console/", 200),
]


@pytest.mark.parametrize(("who", "method", "path", "status"), PERMISSIONS)
def test_permissions(
    probed: Flask, login: Login, who: str, method: str, path: str, status: int
) -> None:
    client = probed.test_client()
    login(client, who)
    response = client.open(path, method=method)
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 403:
        body = response.get_data(as_text=True)
        assert "Không được phép" in body or response.json == {
            "error": "forbidden",
            "message": "Tài khoản của bạn không có quyền làm việc này. Nếu cần, hãy liên hệ "
            "quản trị viên.",
        }


@pytest.mark.parametrize(
    "path", ["/console/", "/console/audit", "/console/probe/admin", "/console/probe/any?x=1"]
)
def test_pages_send_strangers_to_the_sign_in_page(probed: Flask, path: str) -> None:
    response = probed.test_client().get(path)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/console/login"
    assert parse_qs(location.query) == {"next": [path]}


@pytest.mark.parametrize(
    "headers",
    [{"Accept": "application/json"}, {}],
    ids=["accept-json", "api-path"],
)
def test_json_endpoints_answer_401(probed: Flask, headers: dict[str, str]) -> None:
    path = "/console/probe/any" if headers else "/console/probe/api/data"
    response = probed.test_client().get(path, headers=headers)
    assert response.status_code == 401
    assert response.json is not None and response.json["error"] == "signin"


def test_sign_in_goes_to_next_and_sign_out_ends_the_session(client: FlaskClient) -> None:
    response = client.post(
        "/console/login",
        data={
            "name": "Editor",
            "password": PASSWORD,
            "next": "/console/audit?action=login",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/audit?action=login"
    page = client.get("/console/").get_data(as_text=True)
    assert "editor" in page and "lobby" in page
    client.post("/console/logout", headers={"X-CSRF-Token": csrf_token(client)})
    assert client.get("/console/").status_code == 303


def test_wrong_password_says_how_many_tries_are_left(client: FlaskClient) -> None:
    response = client.post(
        "/console/login",
        data={"name": "editor", "password": "nope nope nope", "csrf_token": csrf_token(client)},
        headers={"Accept-Language": "en"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Wrong name or password. 4 more failures will lock the account." in body


def _fail(client: FlaskClient, name: str, times: int) -> str:
    body = ""
    for _ in range(times):
        body = client.post(
            "/console/login",
            data={"name": name, "password": "wrong password!", "csrf_token": csrf_token(client)},
        ).get_data(as_text=True)
    return body


def test_lockout_and_unlock(app: Flask, client: FlaskClient, login: Login) -> None:
    body = _fail(client, "editor", 5)
    assert "Tài khoản này hiện đã bị khóa" in body
    # Locked: even the right password is refused, with who can unlock it.
    response = client.post(
        "/console/login",
        data={"name": "editor", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tài khoản này đã bị khóa" in text and "Quản trị viên có thể mở khóa" in text
    # An unknown name answers the same after as many failures: nothing tells names apart.
    stranger = _fail(client, "nobody", 6)
    assert "Tài khoản này đã bị khóa" in stranger
    console_of(app).guard.unlock("editor")
    login(client, "editor")
    entries = console_of(app).audit.entries()
    assert [e.action for e in entries[:2]] == ["login", "login.refused"]
    # Names that are no account (perhaps a password typed in the wrong field) are not logged.
    logged = {(e.action, e.target) for e in entries}
    assert logged == {
        ("login", "editor"),
        ("login.refused", "editor"),
        ("login.refused", "?"),
        ("login.failed", "editor"),
        ("login.failed", "?"),
        ("login.locked", "editor"),
        ("login.locked", "?"),
    }
    assert all(e.actor == "-" for e in entries[1:])


def test_address_limit(console_settings: dict[str, object], login: Login) -> None:
    from signage import create_app

    console_settings.update(LOGIN_ADDRESS_LIMIT=3, LOGIN_MAX_FAILURES=0)
    app = create_app(console_settings)
    client = app.test_client()
    _fail(client, "a", 1)
    _fail(client, "b", 1)
    _fail(client, "c", 1)
    response = client.post(
        "/console/login",
        data={"name": "d", "password": "whatever it is", "csrf_token": csrf_token(client)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins from this device" in response.get_data(as_text=True)


def test_removed_operator_is_signed_out_at_once(
    app: Flask, client: FlaskClient, login: Login
) -> None:
    login(client, "viewer")
    assert client.get("/console/").status_code == 200
    console_of(app).operators.remove("viewer")
    assert client.get("/console/").status_code == 303


def test_password_reset_ends_other_sessions(app: Flask, client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    console_of(app).operators.set_password("viewer", "a brand new password")
    assert client.get("/console/").status_code == 303


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/console/audit?x=1", "/console/audit?x=1"),
        ("/console/", "/console/"),
        (None, "/console/"),
        ("https://evil.example/console", "/console/"),
        ("//evil.example/console", "/console/"),
        ("/\\evil.example", "/console/"),
        ("/screen/lobby-1", "/console/"),
        ("javascript:alert(1)", "/console/"),
    ],
)
def test_next_stays_inside_the_console(app: Flask, target: str | None, expected: str) -> None:
    with app.test_request_context():
        assert safe_next(target) == expected


@pytest.mark.parametrize(
    ("accept", "chosen", "expected"),
    [
        (None, None, "vi"),
        ("en-US,en;q=0.9", None, "en"),
        ("fr, en;q=0.5", None, "en"),
        ("ja", None, "vi"),
        ("en", "vi", "vi"),
        (None, "en", "en"),
    ],
)
def test_language(
    client: FlaskClient, accept: str | None, chosen: str | None, expected: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    if chosen:
        response = client.post(
            "/console/language",
            data={"lang": chosen, "next": "/console/login", "csrf_token": csrf_token(client)},
        )
        assert response.headers["Location"] == "/console/login"
    page = client.get("/console/login", headers=headers).get_data(as_text=True)
    assert re.search(r'<html lang="(\w+)"', page)[1] == expected  # type: ignore[index]
    assert ("Đăng nhập" in page) is (expected == "vi")


def test_language_choice_survives_sign_in(client: FlaskClient, login: Login) -> None:
    client.post("/console/language", data={"lang": "en", "csrf_token": csrf_token(client)})
    login(client, "admin")
    assert "Sign out" in client.get("/console/").get_data(as_text=True)


def test_unknown_role_in_decorator_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        role_required("owner")


def test_operator_from_session_outside_the_console(app: Flask, login: Login) -> None:
    """What a Socket.IO handler of a console page (path /socket.io) uses to know who it is."""
    from signage.console.auth import operator_from_session

    @app.get("/elsewhere")
    def elsewhere() -> str:
        found = operator_from_session()
        return found.name if found else "nobody"

    client = app.test_client()
    assert client.get("/elsewhere").get_data(as_text=True) == "nobody"
    login(client, "editor")
    assert client.get("/elsewhere").get_data(as_text=True) == "editor"
    console_of(app).operators.set_password("editor", "a brand new password")
    assert client.get("/elsewhere").get_data(as_text=True) == "nobody"
