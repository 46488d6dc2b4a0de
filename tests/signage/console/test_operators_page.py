"""The operators page: only admins; add, change, new password, unlock, remove; the last
admin stays; every change in the audit log."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.accounts.operators import Operator, OperatorStore
from tests.signage.console.conftest import PASSWORD, Login, console_of, csrf_token

NEW = {
    "name": "lan.nguyen",
    "role": "editor",
    "groups": ["gate"],
    "password": "một mật khẩu dài",
    "password2": "một mật khẩu dài",
}


@pytest.mark.parametrize(
    ("who", "method", "path", "status"),
    [
        ("admin", "GET", "/console/operators", 200),
        ("editor", "GET", "/console/operators", 403),
        ("viewer", "GET", "/console/operators", 403),
        ("editor", "POST", "/console/operators", 403),
        ("editor", "POST", "/console/operators/viewer/remove", 403),
        ("viewer", "POST", "/console/operators/editor/unlock", 403),
        ("editor", "POST", "/console/operators/editor/update", 403),
        ("admin", "POST", "/console/operators/ghost/remove", 404),
        ("admin", "POST", "/console/operators/ghost/password", 404),
    ],
)
def test_only_admins(
    client: FlaskClient, login: Login, who: str, method: str, path: str, status: int
) -> None:
    login(client, who)
    assert client.open(path, method=method, data={"role": "admin"}).status_code == status


def test_page_lists_accounts_with_groups(client: FlaskClient, login: Login) -> None:
    login(client, "admin")
    page = client.get("/console/operators").get_data(as_text=True)
    for name in ("admin", "editor", "viewer"):
        assert f'id="operator-{name}"' in page
    assert "Sảnh chờ" in page and "(lobby)" in page  # the declared groups, by name
    assert "Quản trị viên cuối cùng không thể bị xóa" in page


def test_add(app: Flask, client: FlaskClient, login: Login, operators: OperatorStore) -> None:
    login(client, "admin")
    response = client.post("/console/operators", data=NEW)
    assert response.status_code == 303
    assert operators.get("lan.nguyen") == Operator("lan.nguyen", "editor", ("gate",))
    assert "Đã thêm người vận hành lan.nguyen." in client.get("/console/operators").get_data(
        as_text=True
    )
    entry = console_of(app).audit.entries()[0]
    assert (entry.actor, entry.action, entry.target) == ("admin", "operator.add", "lan.nguyen")
    assert entry.detail == "role editor, groups gate"
    login(app.test_client(), "lan.nguyen", "một mật khẩu dài")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Lân"}, "chữ thường không dấu"),
        ({"name": "editor"}, "Đã có người vận hành mang tên này."),
        ({"password": "ngắn", "password2": "ngắn"}, "Mật khẩu phải có từ 10 đến 1024 ký tự."),
        ({"password2": "khác hẳn mật khẩu"}, "Hai mật khẩu không giống nhau."),
        ({"groups": ["Sảnh"]}, "Có một nhóm không hợp lệ."),
        ({"role": "owner"}, "Hãy chọn một vai trò."),
    ],
)
def test_add_refused_with_the_reason_next_to_the_field(
    client: FlaskClient,
    login: Login,
    operators: OperatorStore,
    changes: dict[str, object],
    message: str,
) -> None:
    login(client, "admin")
    response = client.post("/console/operators", data={**NEW, **changes})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="field-error"' in page
    assert len(operators.all()) == 3


def test_change_role_and_groups(
    client: FlaskClient, login: Login, operators: OperatorStore
) -> None:
    login(client, "admin")
    client.post("/console/operators/viewer/update", data={"role": "editor", "groups": ["gate"]})
    assert operators.get("viewer") == Operator("viewer", "editor", ("gate",))


def test_last_admin_is_neither_demoted_nor_removed(
    app: Flask, client: FlaskClient, login: Login, operators: OperatorStore
) -> None:
    login(client, "admin")
    response = client.post("/console/operators/admin/update", data={"role": "viewer"})
    assert response.status_code == 303
    assert "Đây là quản trị viên cuối cùng" in client.get("/console/operators").get_data(
        as_text=True
    )
    client.post("/console/operators/admin/remove")
    assert operators.get("admin") == Operator("admin", "admin", ())
    assert not [e for e in console_of(app).audit.entries() if e.action.startswith("operator.")]


def test_new_password(app: Flask, client: FlaskClient, login: Login) -> None:
    other = app.test_client()
    login(other, "viewer")
    login(client, "admin")
    data = {"password": "mật khẩu mới toanh", "password2": "mật khẩu mới toanh"}
    assert client.post("/console/operators/viewer/password", data=data).status_code == 303
    assert other.get("/console/").status_code == 303  # the old session has ended
    login(app.test_client(), "viewer", "mật khẩu mới toanh")
    refused = app.test_client()
    response = refused.post(
        "/console/operators/viewer/password",
        data={**data, "csrf_token": csrf_token(refused)},
    )
    assert response.status_code == 303 and "/console/login" in response.headers["Location"]


def test_unlock(app: Flask, client: FlaskClient, login: Login) -> None:
    guard = console_of(app).guard
    for _ in range(5):
        guard.attempt("editor", "10.0.0.9", 1.0)
    login(client, "admin")
    page = client.get("/console/operators").get_data(as_text=True)
    assert "Bị khóa từ" in page
    assert client.post("/console/operators/editor/unlock").status_code == 303
    login(app.test_client(), "editor")
    assert [e.action for e in console_of(app).audit.entries()][1] == "operator.unlock"


def test_remove(app: Flask, client: FlaskClient, login: Login, operators: OperatorStore) -> None:
    login(client, "admin")
    assert client.post("/console/operators/viewer/remove").status_code == 303
    assert operators.get("viewer") is None
    # An admin may remove themselves when another admin remains, and is signed out.
    operators.add("second", "admin", (), PASSWORD)
    response = client.post("/console/operators/admin/remove")
    assert response.headers["Location"] == "/console/login"
    assert client.get("/console/").status_code == 303
