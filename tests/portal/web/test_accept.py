"""Accepting: a good token grants; a missing, forged, expired or other client's token does not."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.sessions.access import Access
from portal.sessions.token import AcceptTokens, TokenProblem

from ..conftest import PORTAL_HOST, token_from

PHONE_A = {"REMOTE_ADDR": "10.20.0.11"}
PHONE_B = {"REMOTE_ADDR": "10.20.0.12"}


def _granted(app: Flask, ip: str) -> bool:
    service: Access = app.extensions["bluezone.access"]
    return service.store.session(f"ip:{ip}") is not None


def test_accept_grants_and_answers_303_to_the_online_page(app: Flask, client: FlaskClient) -> None:
    page = client.get("/", headers={"Host": PORTAL_HOST}, environ_base=PHONE_A)
    response = client.post(
        "/accept",
        data={"token": token_from(page.text), "lang": "en"},
        headers={"Host": PORTAL_HOST},
        environ_base=PHONE_A,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/online?lang=en"
    assert _granted(app, PHONE_A["REMOTE_ADDR"])
    online = client.get(
        response.headers["Location"], headers={"Host": PORTAL_HOST}, environ_base=PHONE_A
    )
    assert online.status_code == 200
    assert "You are online" in online.text


def _forged(token: str) -> str:
    head, _, tail = token.rpartition(".")
    return f"{head}.{'A' if tail[0] != 'A' else 'B'}{tail[1:]}"


@pytest.mark.parametrize(
    ("make_token", "status", "message"),
    [
        (lambda good: "", 400, "Thiếu mã đăng nhập"),
        (lambda good: _forged(good), 400, "Mã đăng nhập không hợp lệ"),
        (lambda good: "garbage", 400, "Mã đăng nhập không hợp lệ"),
        (lambda good: "x" * 5000, 400, "Mã đăng nhập không hợp lệ"),
    ],
    ids=["missing", "forged-signature", "garbage", "oversized"],
)
def test_bad_tokens_grant_nothing(
    app: Flask, client: FlaskClient, make_token: object, status: int, message: str
) -> None:
    page = client.get("/", headers={"Host": PORTAL_HOST}, environ_base=PHONE_A)
    token = make_token(token_from(page.text))  # type: ignore[operator]
    response = client.post(
        "/accept",
        data={"token": token, "lang": "vi"},
        headers={"Host": PORTAL_HOST},
        environ_base=PHONE_A,
    )
    assert response.status_code == status
    assert '<html lang="vi">' in response.text
    assert message.casefold() in response.text.casefold()
    assert not _granted(app, PHONE_A["REMOTE_ADDR"])


def test_another_clients_token_grants_nothing(app: Flask, client: FlaskClient) -> None:
    page = client.get("/", headers={"Host": PORTAL_HOST}, environ_base=PHONE_A)
    response = client.post(
        "/accept",
        data={"token": token_from(page.text), "lang": "en"},
        headers={"Host": PORTAL_HOST},
        environ_base=PHONE_B,
    )
    assert response.status_code == 403
    assert "belongs to another device" in response.text
    assert not _granted(app, PHONE_A["REMOTE_ADDR"]) and not _granted(app, PHONE_B["REMOTE_ADDR"])


def test_expired_token_grants_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    page = client.get("/", headers={"Host": PORTAL_HOST}, environ_base=PHONE_A)
    token = token_from(page.text)
    later = time.time() + 16 * 60
    monkeypatch.setattr("time.time", lambda: later)
    response = client.post(
        "/accept",
        data={"token": token, "lang": "en"},
        headers={"Host": PORTAL_HOST},
        environ_base=PHONE_A,
    )
    assert response.status_code == 400
    assert "This page has expired" in response.text
    assert not _granted(app, PHONE_A["REMOTE_ADDR"])


def test_get_on_accept_grants_nothing(app: Flask, client: FlaskClient) -> None:
    response = client.get("/accept", headers={"Host": PORTAL_HOST}, environ_base=PHONE_A)
    assert response.status_code == 405
    assert not _granted(app, PHONE_A["REMOTE_ADDR"])


@pytest.mark.parametrize(
    ("token", "client_key", "problem"),
    [
        (None, "ip:1.1.1.1", TokenProblem.MISSING),
        ("", "ip:1.1.1.1", TokenProblem.MISSING),
        ("not.a.token", "ip:1.1.1.1", TokenProblem.FORGED),
        # Not ASCII: the comparison of signatures must not be asked to compare it.
        ("..\x80", "ip:1.1.1.1", TokenProblem.FORGED),
        ("1.é.ü", "ip:1.1.1.1", TokenProblem.FORGED),
        ("GOOD", "ip:2.2.2.2", TokenProblem.OTHER_CLIENT),
        ("GOOD", "ip:1.1.1.1", None),
    ],
)
def test_token_checks(token: str | None, client_key: str, problem: TokenProblem | None) -> None:
    tokens = AcceptTokens("secret", 600)
    if token == "GOOD":
        token = tokens.issue("ip:1.1.1.1")
    assert tokens.check(token, client_key) is problem


def test_token_expires_after_max_age() -> None:
    tokens = AcceptTokens("secret", 600)
    token = tokens.issue("ip:1.1.1.1", now=1000.0)
    assert tokens.check(token, "ip:1.1.1.1", now=1600.0) is None
    assert tokens.check(token, "ip:1.1.1.1", now=1601.0) is TokenProblem.EXPIRED


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(t.split(".")[0], format(int(t.split(".")[0], 16) + 3600, "x"), 1),
        lambda t: t + "x",
        lambda t: ".".join(t.split(".")[:2]),
        lambda t: "zz." + ".".join(t.split(".")[1:]),
    ],
    ids=["later-issue-time", "longer-signature", "no-signature", "bad-time"],
)
def test_tampered_tokens_are_forged(tamper: object) -> None:
    tokens = AcceptTokens("secret", 600)
    token = tokens.issue("ip:1.1.1.1")
    assert tokens.check(tamper(token), "ip:1.1.1.1") is TokenProblem.FORGED  # type: ignore[operator]


def test_token_from_another_portal_is_forged() -> None:
    other = AcceptTokens("another-secret", 600).issue("ip:1.1.1.1")
    assert AcceptTokens("secret", 600).check(other, "ip:1.1.1.1") is TokenProblem.FORGED


def test_online_page_without_a_session_goes_back_to_the_splash(client: FlaskClient) -> None:
    response = client.get("/online?lang=ko", headers={"Host": PORTAL_HOST}, environ_base=PHONE_A)
    assert response.status_code == 303
    assert response.headers["Location"] == "/?lang=ko"
