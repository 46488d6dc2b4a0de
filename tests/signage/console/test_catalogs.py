"""The console's message catalogs: Vietnamese complete, placeholders intact, NFC; English is
the source language (the msgids), so it needs no catalog."""

from __future__ import annotations

import ast
import re
import unicodedata

import pytest
from babel.messages.pofile import read_po

from signage.console.language import LANGUAGES
from tests.conftest import ROOT

PACKAGE = ROOT / "signage"
TRANSLATIONS = PACKAGE / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TRANSLATED = [code for code in LANGUAGES if code != "en"]


def _template_ids() -> set[str]:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        return {str(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_is_complete(lang: str) -> None:
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    messages = {str(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    assert set(messages) == _template_ids(), "catalog and template differ: run make messages"
    for msgid, message in messages.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        assert all(strings), f"{lang}: untranslated: {msgid!r}"
        assert not message.fuzzy, f"{lang}: fuzzy: {msgid!r}"
        expected = set(PLACEHOLDER.findall(" ".join(str(i) for i in ids)))
        for string in strings:
            assert set(PLACEHOLDER.findall(str(string))) == expected, (lang, msgid)
    assert unicodedata.is_normalized("NFC", path.read_text(encoding="utf-8"))


def test_english_is_the_source_language() -> None:
    assert "en" in LANGUAGES
    assert not (TRANSLATIONS / "en").exists()


def test_template_matches_the_sources() -> None:
    """Every _("...") in console templates and code is in messages.pot (else: make messages)."""
    found: set[str] = set()
    for path in PACKAGE.glob("templates/console/**/*.html"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', text))
        found.update(re.findall(r"_\(\s*'((?:[^'\\]|\\.)*)'", text))
    for path in PACKAGE.glob("console/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    assert found
    assert found <= _template_ids(), sorted(found - _template_ids())
