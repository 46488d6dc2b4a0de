"""The original URL is validated and only ever shown as a link: never an open redirect."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from portal.web.destination import MAX_LENGTH, clean_destination

from ..conftest import PORTAL_HOST, accept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://example.com/", "http://example.com/"),
        ("https://vnexpress.net/path?q=1&r=2", "https://vnexpress.net/path?q=1&r=2"),
        ("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("ftp://example.com/file", None),
        ("//evil.example/", None),
        ("/relative/path", None),
        ("http://example.com/\r\nSet-Cookie: a=b", None),
        ("http://example.com/%0d%0aSet-Cookie:a", "http://example.com/%0d%0aSet-Cookie:a"),
        ("http://example.com/a b", None),
        ('http://example.com/"><script>', None),
        ("http://user:pass@example.com/", None),
        ("http://example.com:99999/", None),
        ("http://exa\u0000mple.com/", None),
        ("http://пример.рф/", None),
        ("http:///nohost", None),
        ("", None),
        (None, None),
        ("http://example.com/" + "a" * MAX_LENGTH, None),
    ],
)
def test_clean_destination(text: str | None, expected: str | None) -> None:
    assert clean_destination(text) == expected


@pytest.mark.parametrize(
    "attempt",
    ["https://evil.example/phish", "//evil.example", "javascript:alert(document.domain)"],
)
def test_accept_never_redirects_to_the_destination(client: FlaskClient, attempt: str) -> None:
    page = client.get(f"/?continue={quote(attempt, safe='')}", headers={"Host": PORTAL_HOST})
    assert page.status_code == 200
    assert 'evil.example"' not in page.text and "javascript:" not in page.text.lower()
    from ..conftest import token_from

    response = client.post(
        "/accept",
        data={"token": token_from(page.text), "continue": attempt},
        headers={"Host": PORTAL_HOST},
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/online?")


def test_valid_destination_becomes_a_continue_link(client: FlaskClient) -> None:
    accept(client)
    response = client.get(
        "/online?continue=" + quote("http://example.com/a?b=1&c=2", safe=""),
        headers={"Host": PORTAL_HOST},
    )
    assert 'href="http://example.com/a?b=1&amp;c=2"' in response.text


def test_oversized_intercepted_url_is_dropped(client: FlaskClient) -> None:
    response = client.get("/" + "x" * 5000, headers={"Host": "example.com"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"http://{PORTAL_HOST}/"


def test_header_injection_in_intercepted_path_is_not_reflected(client: FlaskClient) -> None:
    response = client.get("/a%0d%0aSet-Cookie:%20x=y", headers={"Host": "example.com"})
    assert response.status_code == 302
    assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]
    assert "Set-Cookie" not in response.headers
