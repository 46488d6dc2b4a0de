"""Every rendered page: light enough for a slow link, self-contained, accessible basics."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from portal.config import LANGUAGES

from ..conftest import PORTAL_HOST, accept

MAX_FIRST_LOAD = 60 * 1024
PAGES = ["/", "/online", "/venue", "/nowhere", "/go/unknown"]
USER_AGENTS = {
    "iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148",
    "unknown": "",
}


class _Resources(HTMLParser):
    """Collects what a browser would fetch while loading the page, plus a11y facts."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.html_lang: str | None = None
        self.buttons: list[str] = []
        self.images_without_label: list[str] = []
        self.styles_with_url = False
        self._in_button = False
        self._in_style = False
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.html_lang = values.get("lang")
        if tag == "h1":
            self.h1 += 1
        for name in ("src", "srcset", "poster", "data", "background"):
            if values.get(name):
                self.fetched.append(str(values[name]))
        if tag == "link" and values.get("href"):
            self.fetched.append(str(values["href"]))
        if tag == "form":
            self.fetched.append(str(values.get("action") or ""))
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.fetched.append(str(values.get("content")))
        if tag in ("img", "svg") and not (
            values.get("alt") or values.get("aria-label") or values.get("aria-hidden") == "true"
        ):
            self.images_without_label.append(tag)
        if tag == "button":
            self._in_button = True
            self.buttons.append("")
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self.buttons[-1] += data.strip()
        if self._in_style and "url(" in data:
            self.styles_with_url = True


def _external(reference: str) -> bool:
    parts = urlsplit(reference)
    if reference.startswith("data:"):
        return False
    return bool(parts.scheme or parts.netloc) and parts.hostname != PORTAL_HOST


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("agent", USER_AGENTS)
def test_page_is_light_self_contained_and_labelled(
    client: FlaskClient, lang: str, path: str, agent: str
) -> None:
    if path == "/online":
        accept(client)
    response = client.get(
        f"{path}?lang={lang}&continue=http%3A%2F%2Fexample.com%2F",
        headers={"Host": PORTAL_HOST, "User-Agent": USER_AGENTS[agent]},
    )
    assert response.status_code in (200, 404)
    parser = _Resources()
    parser.feed(response.text)
    # Everything the first load needs is inline: the page is the whole weight.
    fetched = [ref for ref in parser.fetched if not ref.startswith("data:")]
    assert fetched in ([], ["/accept"]), fetched
    assert not [ref for ref in parser.fetched if _external(ref)]
    assert not parser.styles_with_url
    assert len(response.data) <= MAX_FIRST_LOAD, len(response.data)
    assert parser.html_lang == lang.replace("_", "-")
    assert parser.h1 == 1
    assert all(parser.buttons), "every button has a visible label"
    assert not parser.images_without_label
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "<script" not in response.text.lower()


def test_viewport_is_set_for_small_phones(client: FlaskClient) -> None:
    text = client.get("/", headers={"Host": PORTAL_HOST}).text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text


@pytest.mark.parametrize(
    ("foreground", "background"),
    [
        ("#18202a", "#f3f6fa"),
        ("#fff", "#0b7a3b"),
        ("#fff", "#0a4f99"),
        ("#0a4f99", "#f3f6fa"),
        ("#3b4654", "#fff"),
        ("#0b6b34", "#f3f6fa"),
        ("#0b2d52", "#f3f6fa"),
    ],
)
def test_colour_pairs_in_the_stylesheet_meet_wcag_aa(foreground: str, background: str) -> None:
    from pathlib import Path

    css = (Path(__file__).parents[3] / "portal" / "templates" / "portal.css").read_text()
    assert foreground in css and background in css

    def luminance(colour: str) -> float:
        if len(colour) == 4:
            colour = "#" + "".join(c * 2 for c in colour[1:])
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5


def test_no_page_answers_500_on_malformed_input(client: FlaskClient) -> None:
    for path in ("/?lang=%ff%fe", "/?continue=%ff", "/online?continue=%00", "/go/bluezone?src=%ff"):
        assert client.get(path, headers={"Host": PORTAL_HOST}).status_code < 500
    response = client.post("/accept", data=b"\xff" * 20000, headers={"Host": PORTAL_HOST})
    assert response.status_code == 413
    assert "<html" in response.text


def test_a_splash_address_with_many_fields_is_the_normal_page(client: FlaskClient) -> None:
    many = "&".join(f"f{n}=x" for n in range(200))
    response = client.get("/?a&b&c&d&e&f&g&h&i", headers={"Host": PORTAL_HOST})
    assert response.status_code == 200 and "<html" in response.text
    response = client.get(
        f"/?{many}&lang=en&continue=http%3A%2F%2Fexample.com%2Fnews&lang=ko",
        headers={"Host": PORTAL_HOST},
    )
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    assert "example.com/news" in response.text
