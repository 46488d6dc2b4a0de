"""Message catalogs: every language complete, placeholders intact, Vietnamese in NFC."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.config import LANGUAGES

TRANSLATIONS = Path(__file__).parents[2] / "portal" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _template_ids() -> set[str]:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        return {str(m.id) for m in read_po(handle) if m.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete(lang: str) -> None:
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    messages = {str(m.id): m for m in catalog if m.id}
    assert set(messages) == _template_ids(), "catalog and template differ: run pybabel update"
    for msgid, message in messages.items():
        assert message.string, f"{lang}: untranslated: {msgid!r}"
        assert not message.fuzzy, f"{lang}: fuzzy: {msgid!r}"
        assert sorted(PLACEHOLDER.findall(str(message.string))) == sorted(
            PLACEHOLDER.findall(msgid)
        )
    assert unicodedata.is_normalized("NFC", path.read_text(encoding="utf-8"))


def test_template_matches_the_sources() -> None:
    """Every _() in templates and code is in messages.pot (re-extract when this fails)."""
    sources = Path(__file__).parents[2] / "portal"
    found: set[str] = set()
    for path in [*sources.glob("templates/*.html"), *sources.glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', text))
    assert found <= _template_ids()
