"""The audit page: every console change, newest first, with filters; client addresses from
behind a proxy when `PROXY_COUNT` says to believe it."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from signage import create_app
from tests.signage.console.conftest import OPERATORS, PASSWORD, Login, console_of, sign_in


def _rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr>")[1:]


def test_newest_first_and_filters(client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    login(client, "admin")
    client.post("/console/operators/viewer/update", data={"role": "editor", "groups": "gate"})
    rows = _rows(client.get("/console/audit").get_data(as_text=True))
    assert len(rows) == 3
    assert "operator.update" in rows[0] and "<code>login</code>" in rows[1]
    only = _rows(client.get("/console/audit?action=operator.update").get_data(as_text=True))
    assert len(only) == 1 and "role editor, groups gate" in only[0]
    by_viewer = _rows(client.get("/console/audit?actor=viewer").get_data(as_text=True))
    assert len(by_viewer) == 1
    page = client.get("/console/audit?actor=nobody").get_data(as_text=True)
    assert "Không có mục nào khớp với bộ lọc này." in page


def test_bad_filters_are_ignored_not_errors(client: FlaskClient, login: Login) -> None:
    login(client, "viewer")
    for query in ("day=2026-13-45", "page=abc", "page=-4", "day=yesterday"):
        assert client.get(f"/console/audit?{query}").status_code == 200


def test_client_address_behind_a_proxy(console_settings: dict[str, Any]) -> None:
    console_settings["PROXY_COUNT"] = 1
    app = create_app(console_settings)
    role, groups = OPERATORS["admin"]
    console_of(app).operators.add("admin", role, groups, PASSWORD)
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.7"
    sign_in(client, "admin")
    assert console_of(app).audit.entries()[0].address == "203.0.113.7"
