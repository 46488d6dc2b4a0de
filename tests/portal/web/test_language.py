"""Language negotiation: explicit choice, then Accept-Language, then Vietnamese."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from portal.config import LANGUAGES
from portal.web.language import choose_language, html_lang, parse_accept_language

from ..conftest import PORTAL_HOST


@pytest.mark.parametrize(
    ("explicit", "header", "expected"),
    [
        (None, None, "vi"),
        (None, "", "vi"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "ko-KR,ko;q=0.9,en-US;q=0.8", "ko"),
        (None, "zh-CN,zh;q=0.9", "zh_Hans"),
        (None, "zh-TW,zh;q=0.9,en;q=0.8", "zh_Hant"),
        (None, "zh-HK", "zh_Hant"),
        (None, "zh-Hant-TW", "zh_Hant"),
        (None, "zh-Hans-SG", "zh_Hans"),
        (None, "zh", "zh_Hans"),
        (None, "ja-JP", "ja"),
        (None, "ru-RU,ru;q=0.9", "ru"),
        (None, "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        (None, "uk-UA,ru;q=0.9,en;q=0.8", "ru"),
        (None, "fr-FR,fr;q=0.9,en;q=0.5", "en"),
        (None, "fr-FR", "vi"),
        (None, "en;q=0.1,ja;q=0.8", "ja"),
        (None, "ja;q=0,en", "en"),
        (None, "vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        (None, "*", "vi"),
        (None, "en;q=abc,ko", "ko"),
        ("ko", "en", "ko"),
        ("zh_Hant", None, "zh_Hant"),
        ("zh-TW", None, "zh_Hant"),
        ("xx", "ja", "ja"),
        ("<script>", None, "vi"),
    ],
)
def test_choose_language(explicit: str | None, header: str | None, expected: str) -> None:
    assert choose_language(explicit, header, LANGUAGES, "vi") == expected


def test_absurd_header_is_ignored() -> None:
    assert parse_accept_language("en," * 1000) == []


@pytest.mark.parametrize(
    ("header", "query", "html", "marker"),
    [
        ("vi", "", "vi", "Cài Bluezone"),
        ("en-GB", "", "en", "Install Bluezone"),
        ("ko-KR", "", "ko", "Bluezone"),
        ("zh-CN", "", "zh-Hans", "Bluezone"),
        ("zh-TW", "", "zh-Hant", "Bluezone"),
        ("ja", "", "ja", "Bluezone"),
        ("en", "?lang=ja", "ja", "Bluezone"),
        ("ru-RU,ru;q=0.9", "", "ru", "Установите «электронную маску» Bluezone"),
        ("en", "?lang=ru", "ru", "Установите «электронную маску» Bluezone"),
        ("vi", "?lang=ru-RU", "ru", "Принять и подключиться"),
    ],
)
def test_splash_is_served_in_the_negotiated_language(
    client: FlaskClient, header: str, query: str, html: str, marker: str
) -> None:
    response = client.get(f"/{query}", headers={"Host": PORTAL_HOST, "Accept-Language": header})
    assert response.status_code == 200
    assert f'<html lang="{html}">' in response.text
    assert response.headers["Content-Language"] == html
    assert marker in response.text


def test_switcher_links_every_language_in_its_own_name(client: FlaskClient) -> None:
    text = client.get("/?continue=http%3A%2F%2Fexample.com%2F", headers={"Host": PORTAL_HOST}).text
    for code, name in [
        ("vi", "Tiếng Việt"),
        ("en", "English"),
        ("ko", "한국어"),
        ("ja", "日本語"),
        ("zh_Hans", "简体中文"),
        ("zh_Hant", "繁體中文"),
        ("ru", "Русский"),
    ]:
        query = "continue=http%3A%2F%2Fexample.com%2F"
        link = f'href="/?lang={code}&amp;{query}" lang="{html_lang(code)}"'
        assert link in text
        assert name in text
    assert 'aria-current="true">Tiếng Việt' in text
