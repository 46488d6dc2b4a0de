"""The playlist grammar is declared once (`signage.catalog.grammar`) and everything agrees.

The `Kind` literal, the JSON Schema shipped for editors, the form editor's fields and the
media scan are each held to the grammar here, and no other module spells out a kind's keys.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, get_args

import pytest

from signage.catalog import grammar, messages
from signage.catalog.playlist import LANGUAGES, Kind
from signage.editing import yamledit
from signage.media import library
from tests.conftest import ROOT

SCHEMA: dict[str, Any] = json.loads(
    (ROOT / "signage" / "catalog" / "playlist.schema.json").read_text("utf-8")
)
DEFS: dict[str, Any] = SCHEMA["$defs"]


def test_the_kind_literal_is_the_grammar() -> None:
    assert get_args(Kind) == tuple(grammar.KINDS)


def test_every_part_and_missing_code_has_a_message() -> None:
    keys = [*grammar.ITEM_KEYS, *(key for kind in grammar.KINDS.values() for key in kind.keys)]
    for key in keys:
        assert key.part in messages.MESSAGES, key
        assert not key.missing or key.missing in messages.MESSAGES, key
    for name in grammar.KINDS:
        assert f"part.{name}-item" in messages.MESSAGES, name


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DEFS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _per_language(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of one language's value in a per-language block."""
    assert set(schema["properties"]) == set(LANGUAGES)
    assert schema["required"] == ["vi"] and schema["additionalProperties"] is False
    return _resolve(schema["properties"]["vi"])


def _agrees(key: grammar.Key, schema: dict[str, Any]) -> None:
    schema = _resolve(schema)
    if key.per_language:
        schema = _per_language(schema)
    if key.max_length is not None:
        assert schema["maxLength"] == key.max_length, key.name
    for suffix in key.media:
        letters = "".join(f"[{c.lower()}{c.upper()}]" for c in suffix[1:])
        assert letters in schema["pattern"] or suffix == ".mp4", key.name
    if key.type == "identifier":
        assert schema == DEFS["identifier"], key.name
    if key.type == "line":
        assert schema == DEFS["line"], key.name
    if key.low is not None:
        assert (schema["minimum"], schema["maximum"]) == (key.low, key.high), key.name


@pytest.mark.parametrize("name", list(grammar.KINDS))
def test_the_schema_agrees_with_the_grammar_key_by_key(name: str) -> None:
    kind = grammar.KINDS[name]
    item = DEFS[f"{name}Item"]
    item_keys = [key.name for key in kind.item_fields()]
    assert set(item["properties"]) == {name, *item_keys}
    assert item["required"] == [name, *(k.name for k in kind.item_fields() if k.required)]
    for key in kind.item_fields():
        _agrees(key, item["properties"][key.name])
    content = item["properties"][name]
    if kind.shape == "per-language":
        value = _per_language(content)
        if kind.keys:
            assert set(value["properties"]) == {key.name for key in kind.keys}
            assert value.get("required", []) == list(kind.required())
            for key in kind.keys:
                _agrees(key, value["properties"][key.name])
        else:
            assert value == DEFS["line" if kind.value == "line" else "text"]
        return
    assert content["type"] == ("object" if kind.shape == "block" else ["object", "null"])
    assert list(content["properties"]) == [key.name for key in kind.keys]
    assert content.get("required", []) == list(kind.required())
    assert content["additionalProperties"] is False
    for key in kind.keys:
        _agrees(key, content["properties"][key.name])


def test_the_schema_lists_exactly_the_grammar_kinds() -> None:
    refs = [option["$ref"].rsplit("/", 1)[1] for option in DEFS["item"]["oneOf"]]
    assert refs == [f"{name}Item" for name in grammar.KINDS] + ["includeItem"]


def test_the_form_shows_the_grammar_fields() -> None:
    assert (*grammar.KINDS, grammar.INCLUDE) == yamledit.KINDS
    assert set(yamledit.CONTENT_FIELDS) == set(grammar.KINDS)
    for name, kind in grammar.KINDS.items():
        fields = yamledit.CONTENT_FIELDS[name]
        for key in kind.keys:
            assert any(field.endswith(key.name) or field == key.name for field in fields), key
        assert all(key in yamledit.KNOWN_KEYS for key in grammar.known_keys())


def test_the_media_scan_follows_the_grammar(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "lobby.yaml").write_text(
        "items:\n"
        "  - image: {file: a.png}\n    duration: 5\n"
        "  - video: {file: b.mp4}\n    duration: 5\n"
        "  - qr: {url: 'https://x.vn', short: c.png}\n    duration: 5\n"
        "  - sound: {file: d.ogg, every: 30}\n",
        "utf-8",
    )
    found = library.usage(tmp_path, ["a.png", "b.mp4", "c.png", "d.ogg"])
    assert found == {"a.png": ("lobby",), "b.mp4": ("lobby",), "c.png": (), "d.ogg": ("lobby",)}
    assert grammar.media_keys() == {"image": ("file",), "video": ("file",), "sound": ("file",)}


def _string_sets(tree: ast.AST) -> list[set[str]]:
    """The string constants of each tuple, list, set or Literal[...] written in a module."""
    found = []
    for node in ast.walk(tree):
        elements: list[ast.expr] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elements = list(node.elts)
        strings = {e.value for e in elements if isinstance(e, ast.Constant)}
        found.append({s for s in strings if isinstance(s, str)})
    return found


def test_kinds_and_their_keys_are_declared_in_exactly_one_place() -> None:
    """Outside the grammar no module lists the kinds or all the keys of a kind.

    The grammar declares them one `Kind(...)`/`Key(...)` at a time, so it has no such list;
    `playlist.py`'s `Kind` literal is the one copy (for the type checker), held equal to the
    grammar above.
    """
    kinds = set(grammar.KINDS)
    declared: dict[str, list[str]] = {}
    for path in sorted((ROOT / "signage").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for strings in _string_sets(tree):
            if len(strings & kinds) >= 3:
                declared.setdefault("kinds", []).append(path.name)
            for kind in grammar.KINDS.values():
                names = {key.name for key in kind.keys}
                if len(names) >= 2 and names <= strings:
                    declared.setdefault(kind.name, []).append(path.name)
    assert declared.pop("kinds") == ["playlist.py"]
    assert not declared, declared


@pytest.mark.parametrize("template", ["edit.html", "preview.html"])
def test_the_console_names_every_kind(template: str) -> None:
    """The form and the preview label each kind of the grammar (a new kind needs a label)."""
    text = (ROOT / "signage" / "templates" / "console" / "playlists" / template).read_text()
    block = text[text.index("{% set kind_labels = {") :]
    block = block[: block.index("} %}")]
    for name in grammar.KINDS:
        assert f'"{name}": _(' in block, (template, name)
