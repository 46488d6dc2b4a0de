"""One word per thing: no catalog, shipped campaign, shipped playlist or screen page uses a word
that docs/glossary.yaml retired. A failure names the file, the entry and the retired word."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po

from tests.conftest import ROOT

GLOSSARY = ROOT / "docs" / "glossary.yaml"
GLOSSARY_DOC = ROOT / "docs" / "glossary.md"
LANGUAGES = ("vi", "en", "ko", "ja", "zh-Hans", "zh-Hant", "ru")
HTML_LANG = re.compile(r'<(?!html\b)(\w+)[^>]*\blang="([\w-]+)"[^>]*>(.*?)</\1>', re.S)
JS_LABEL = re.compile(r'\b(vi|en|ko|ja|ru)\s*:\s*"([^"]*)"')
TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Rule:
    """The chosen wording of one concept in one language, and the words it retired."""

    concept: str
    lang: str
    use: str
    retired: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Text:
    """A text shown to people: where it is (file, entry), its language and its words."""

    file: str
    entry: str
    lang: str
    text: str


def load_rules(data: Any) -> list[Rule]:
    """The rules of a glossary as parsed from YAML (see docs/glossary.yaml)."""
    rules = []
    for term in data["terms"]:
        for lang in LANGUAGES:
            if lang in term:
                entry = term[lang]
                rules.append(
                    Rule(
                        concept=term["concept"],
                        lang=lang,
                        use=str(entry["use"]),
                        retired=tuple(str(w) for w in entry.get("retired", ())),
                        allowed=tuple(str(w) for w in entry.get("except", ())),
                    )
                )
    return rules


def _letter(char: str) -> bool:
    """A letter or digit of an alphabet written with spaces (Latin, Vietnamese): word edges
    count only next to these, so "탭" still matches in "탭한" but "Vietnam" not in "Vietnamese"."""
    return char.isalnum() and ord(char) < 0x2E80


def _spans(phrase: str, text: str) -> Iterator[tuple[int, int]]:
    """Where `phrase` occurs in `text` as whole words, ignoring case."""
    for match in re.finditer(re.escape(phrase), text, re.IGNORECASE):
        start, end = match.span()
        if _letter(phrase[0]) and start > 0 and _letter(text[start - 1]):
            continue
        if _letter(phrase[-1]) and end < len(text) and _letter(text[end]):
            continue
        yield start, end


def find_retired(rules: Iterable[Rule], texts: Iterable[Text]) -> list[str]:
    """One line per retired word found: file, entry, the word and the word to use instead."""
    by_lang: dict[str, list[Rule]] = {}
    for rule in rules:
        by_lang.setdefault(rule.lang, []).append(rule)
    problems = []
    for item in texts:
        text = unicodedata.normalize("NFC", item.text)
        for rule in by_lang.get(item.lang, ()):
            allowed = [span for phrase in rule.allowed for span in _spans(phrase, text)]
            for word in rule.retired:
                for start, end in _spans(word, text):
                    if any(a <= start and end <= b for a, b in allowed):
                        continue
                    problems.append(
                        f"{item.file}: {item.entry!r} ({item.lang}): retired word "
                        f"{text[start:end]!r}, use {rule.use!r} ({rule.concept})"
                    )
    return problems


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def catalog_texts(path: Path, lang: str, *, source: bool = False) -> Iterator[Text]:
    """The translations of a .po file, or with `source` the msgids (the English of a .pot)."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        key = str(ids[0])
        strings = ids if source else message.string
        for string in strings if isinstance(strings, tuple) else (strings,):
            if string:
                yield Text(_relative(path), key, lang, str(string))


NAMES = ("name", "location")  # texts in YAML without a language key: in Vietnamese


def _walk(value: Any, where: str, lang: str | None) -> Iterator[tuple[str, str | None, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            inner_lang = lang
            if isinstance(key, str) and key.replace("_", "-") in LANGUAGES:
                inner_lang = key.replace("_", "-")
            yield from _walk(inner, f"{where}.{key}" if where else str(key), inner_lang)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(inner, f"{where}[{index}]", lang)
    elif isinstance(value, str):
        yield where, lang, value


def yaml_texts(path: Path, default: str | None = None) -> Iterator[Text]:
    """Every string of a YAML file under a language key (vi:, zh-Hans:, zh_Hans:...), and the
    names and locations outside one in the `default` language (playlists, groups, screens)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for where, lang, text in _walk(data, "", None):
        if lang is None and default is not None and where.rsplit(".", 1)[-1] in NAMES:
            lang = default
        if lang is not None:
            yield Text(_relative(path), where, lang, text)


def page_texts(path: Path) -> Iterator[Text]:
    """The built-in texts of a screen page (elements with lang="...") or script (vi: "...")."""
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".js":
        for lang, text in JS_LABEL.findall(source):
            yield Text(_relative(path), f"{lang}: {text}", lang, text)
        return
    for tag, lang, inner in HTML_LANG.findall(source):
        text = " ".join(TAG.sub(" ", inner).split())
        yield Text(_relative(path), f"<{tag} lang={lang}>", lang, text)


def shipped_texts() -> list[Text]:
    """Everything the product shows people in words: catalogs, campaign, playlists, screens."""
    texts: list[Text] = []
    for po in sorted((ROOT / "portal" / "translations").glob("*/LC_MESSAGES/messages.po")):
        texts += catalog_texts(po, po.parent.parent.name.replace("_", "-"))
    signage = ROOT / "signage" / "translations"
    for po in sorted(signage.glob("*/LC_MESSAGES/messages.po")):
        texts += catalog_texts(po, po.parent.parent.name.replace("_", "-"))
    texts += catalog_texts(signage / "messages.pot", "en", source=True)
    texts += yaml_texts(ROOT / "portal" / "default_campaign.yaml")
    for playlist in sorted((ROOT / "playlists").glob("*.yaml")):
        texts += yaml_texts(playlist, default="vi")
    for page in sorted((ROOT / "signage" / "templates").glob("*.html")):
        texts += page_texts(page)
    texts += page_texts(ROOT / "signage" / "static" / "override-view.js")
    return texts


RULES = load_rules(yaml.safe_load(GLOSSARY.read_text(encoding="utf-8")))


def test_no_shipped_text_uses_a_retired_word() -> None:
    problems = find_retired(RULES, shipped_texts())
    assert not problems, "retired words (see docs/glossary.md):\n" + "\n".join(problems)


def test_shipped_texts_are_nfc() -> None:
    texts = shipped_texts()
    assert {t.lang for t in texts} == set(LANGUAGES)
    bad = [f"{t.file}: {t.entry!r}" for t in texts if not unicodedata.is_normalized("NFC", t.text)]
    assert not bad, bad


def test_glossary_is_well_formed_and_documented() -> None:
    assert GLOSSARY.read_text(encoding="utf-8") == unicodedata.normalize(
        "NFC", GLOSSARY.read_text(encoding="utf-8")
    )
    doc = GLOSSARY_DOC.read_text(encoding="utf-8")
    for rule in RULES:
        # The chosen wording passes its own rule (else nothing could pass).
        assert not find_retired([rule], [Text("glossary", rule.concept, rule.lang, rule.use)])
        assert rule.use in doc, f"docs/glossary.md does not show {rule.use!r} ({rule.concept})"


# The checker itself, on small inputs with planted synonyms.

PLANTED = """
terms:
  - concept: emergency message
    vi: {use: thông báo khẩn, retired: [tin khẩn]}
  - concept: an item appears on a screen
    vi: {use: hiển thị, retired: [chiếu, hiện], except: [tham chiếu, hiện tại, hiện không]}
  - concept: tap
    ko: {use: 누르다, retired: [탭]}
  - concept: the country
    en: {use: Viet Nam, retired: [Vietnam]}
"""


def test_the_checker_names_file_entry_and_word() -> None:
    rules = load_rules(yaml.safe_load(PLANTED))
    problems = find_retired(
        rules, [Text("signage/x.po", "Emergency", "vi", "Gửi Tin khẩn cấp tới màn hình")]
    )
    assert problems == [
        "signage/x.po: 'Emergency' (vi): retired word 'Tin khẩn', use 'thông báo khẩn' "
        "(emergency message)"
    ]


@pytest.mark.parametrize(
    ("lang", "text", "found"),
    [
        ("vi", "Màn hình đang chiếu gì", ["chiếu"]),
        ("vi", "Hiện không có gì, xem bảng tham chiếu", []),  # "hiện" alone is "now" here...
        ("vi", "Mục sẽ hiện lúc 7 giờ", ["hiện"]),  # ...and "show" here
        ("vi", "Hiện tại mục đang hiển thị", []),
        ("vi", "phiếu", []),  # whole words only
        ("ko", "완료를 탭한 다음", ["탭"]),  # no spaces between Korean words and endings
        ("en", "Vietnamese and English", []),
        ("en", "Welcome to Vietnam!", ["Vietnam"]),
        ("vi", "Thông báo khẩn", []),
        ("en", "Gửi tin khẩn", []),  # a rule holds for its own language only
    ],
)
def test_the_checker_finds_only_retired_words(lang: str, text: str, found: list[str]) -> None:
    problems = find_retired(load_rules(yaml.safe_load(PLANTED)), [Text("f", "e", lang, text)])
    assert [p.split("retired word ")[1].split("'")[1] for p in problems] == found


def test_the_checker_reads_a_catalog_and_a_playlist(tmp_path: Path) -> None:
    po = tmp_path / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Emergency"\nmsgstr "Tin khẩn cấp"\n\nmsgid "Screens"\nmsgstr "Màn hình"\n',
        encoding="utf-8",
    )
    playlist = tmp_path / "lobby.yaml"
    playlist.write_text(
        "name: Sảnh\nitems:\n  - text:\n      vi: {title: Đang chiếu}\n"
        "      en: {title: Welcome to Vietnam}\n    duration: 5\n",
        encoding="utf-8",
    )
    rules = load_rules(yaml.safe_load(PLANTED))
    problems = find_retired(rules, [*catalog_texts(po, "vi"), *yaml_texts(playlist, default="vi")])
    assert len(problems) == 3, problems
    assert problems[0].startswith(f"{po}: 'Emergency' (vi): retired word 'Tin khẩn'")
    assert problems[1].startswith(f"{playlist}: 'items[0].text.vi.title' (vi): retired word")
    assert "'Vietnam', use 'Viet Nam'" in problems[2]


def test_the_checker_reads_screen_pages(tmp_path: Path) -> None:
    page = tmp_path / "unregistered.html"
    page.write_text('<p lang="vi">Người <b>quản lý</b>: hãy thêm mã</p>', encoding="utf-8")
    rule = Rule("operator", "vi", "người vận hành", ("người quản lý",))
    assert find_retired([rule], page_texts(page)) == [
        f"{page}: '<p lang=vi>' (vi): retired word 'Người quản lý', use 'người vận hành' (operator)"
    ]
