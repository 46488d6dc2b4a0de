"""Every problem code renders, in English and in Vietnamese, from the message catalogs.

The console renders a problem's code and parameters through gettext; these tests fail when a
code has no template, when a template has no Vietnamese translation, or when a translation
names a parameter its template does not give (it would raise while rendering).
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from signage.catalog import messages
from signage.catalog.problem import Problem, Term, term
from signage.console import problems
from tests.conftest import ROOT

PO = ROOT / "signage" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
PARAM = re.compile(r"%\((\w+)\)s")


def _catalog() -> dict[str, str]:
    with PO.open("rb") as stream:
        return {str(m.id): str(m.string) for m in read_po(stream) if m.id}


def _sample(code: str) -> Problem:
    """A problem of `code` with every parameter filled (a nested term where one may be)."""
    names = PARAM.findall(messages.MESSAGES[code])
    values: dict[str, str | Term] = {name: f"<{name}>" for name in names}
    if "where" in values:
        values["where"] = term("part.in-language", part=term("part.title"), lang="vi")
    return Problem.of("lobby.yaml", 3, 5, code, **values)


@pytest.mark.parametrize("code", sorted(messages.MESSAGES))
def test_every_code_is_translated(code: str) -> None:
    template = messages.MESSAGES[code]
    translated = _catalog().get(template)
    assert translated, f"{code}: {template!r} has no Vietnamese msgstr in {PO.name}"
    assert unicodedata.is_normalized("NFC", translated), code
    assert set(PARAM.findall(translated)) <= set(PARAM.findall(template)), code


def test_every_code_renders_in_both_languages(app: Flask) -> None:
    samples = [_sample(code) for code in sorted(messages.MESSAGES)]
    with app.test_request_context("/console/", headers={"Accept-Language": "en"}):
        assert [problems.localise(p) for p in samples] == [p.message for p in samples]
    with app.test_request_context("/console/", headers={"Accept-Language": "vi"}):
        shown = [problems.localise(p) for p in samples]
    for problem, text in zip(samples, shown, strict=True):
        english = problem.message
        assert text and "%(" not in text, problem.code
        # Only a template of nothing but parameters and marks reads the same in both.
        if PARAM.sub("", messages.MESSAGES[problem.code]).strip(" '()<>:;,"):
            assert text != english[:1].upper() + english[1:], problem.code


def test_a_code_without_a_message_is_refused_at_once() -> None:
    with pytest.raises(KeyError):
        Problem.of("lobby.yaml", 1, 1, "no-such-code")
    with pytest.raises(KeyError):
        term("part.no-such-part")


def test_the_english_wording_is_the_command_line_text() -> None:
    problem = Problem.of(
        "lobby.yaml",
        4,
        7,
        "unknown-key",
        key="duraton",
        where=term("part.text-item"),
        keys="text, duration",
        suggest=term("did-you-mean", word="duration"),
    )
    assert str(problem) == (
        "lobby.yaml:4:7: unknown key 'duraton' in a text item; expected one of: text, duration "
        "(did you mean 'duration'?)"
    )
