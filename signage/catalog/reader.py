"""Reading YAML nodes into values: the building blocks shared by every file.

A `Reader` walks the nodes of one file against the format (see `playlists/README.md`) and
collects a `Problem` for each thing wrong, placed on the line and column it concerns and said
for someone who is not a programmer: what is wrong and what is expected instead. Unknown keys
are always problems, never ignored.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from signage.catalog.playlist import (
    LANGUAGES,
)
from signage.catalog.problem import Problem, Term, term
from signage.catalog.yamlsource import Mapping as YamlMapping
from signage.catalog.yamlsource import Node, Scalar, Sequence

T = TypeVar("T")
# Identifiers appear in web addresses (/screen/<id>, ?src=<id>) and file names.
IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class Reader:
    """Walks the nodes of one file, collecting problems as it builds values.

    The building blocks every file shares (blocks of keys, text, numbers, names, lists,
    languages); the readers of playlists and of the screens file extend it. Each method
    returns the value read, or None after recording the problems that prevent it.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def error(self, node: Node | None, code: str, /, **params: str | int | float | Term) -> None:
        line, column = (node.line, node.column) if node is not None else (1, 1)
        self.problems.append(Problem.of(self.file, line, column, code, **params))

    # -- building blocks ----------------------------------------------------------------

    def fields(
        self,
        node: Node | None,
        where: Term,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
        hints: Mapping[str, str] | None = None,
    ) -> dict[str, Node] | None:
        """The values of a block of keys; unknown keys and missing required keys are problems."""
        allowed = required + optional
        if not isinstance(node, YamlMapping):
            self.error(node, "not-block", where=where, keys=", ".join(allowed), what=describe(node))
            return None
        values: dict[str, Node] = {}
        for key, value in node.entries:
            if key.text not in allowed:
                self.error(
                    key,
                    "unknown-key",
                    key=key.text,
                    where=where,
                    keys=", ".join(allowed),
                    suggest=suggest(key.text, allowed),
                )
                continue
            values[key.text] = value
        for name in required:
            if name not in values:
                hint = (hints or {}).get(name)
                if hint is not None:
                    self.error(node, hint, where=where)
                else:
                    self.error(node, "missing-key", where=where, key=name)
        return values

    def text(self, node: Node | None, where: Term, one_line: bool = False) -> str | None:
        """A non-blank piece of text in Unicode NFC."""
        if not isinstance(node, Scalar) or not isinstance(node.value, str):
            quote = isinstance(node, Scalar) and node.value is not None
            self.error(
                node, "not-text-quote" if quote else "not-text", where=where, what=describe(node)
            )
            return None
        value = node.value
        if not value.strip():
            self.error(node, "empty-text", where=where)
            return None
        if one_line and "\n" in value.strip():
            self.error(node, "not-one-line", where=where)
            return None
        self.nfc(node, value, where)
        return value

    def nfc(self, node: Node, value: str, where: Term) -> None:
        if unicodedata.is_normalized("NFC", value):
            return
        word = next(
            (w for w in value.split() if not unicodedata.is_normalized("NFC", w)), value[:20]
        )
        shown = unicodedata.normalize("NFC", word)
        self.error(node, "not-nfc", where=where, word=shown)

    def number(self, node: Node | None, where: Term, low: float, high: float) -> float | None:
        if (
            not isinstance(node, Scalar)
            or isinstance(node.value, bool)
            or not isinstance(node.value, int | float)
            or not math.isfinite(node.value)
        ):
            self.error(node, "not-number", where=where, example=int(low) + 7, what=describe(node))
            return None
        if not low <= node.value <= high:
            self.error(
                node, "out-of-range", where=where, low=f"{low:g}", high=f"{high:g}", value=node.text
            )
            return None
        return float(node.value)

    def integer(self, node: Node | None, where: Term, low: int, high: int) -> int | None:
        if not isinstance(node, Scalar) or type(node.value) is not int:
            self.error(
                node, "not-whole-number", where=where, low=low, high=high, what=describe(node)
            )
            return None
        if not low <= node.value <= high:
            self.error(node, "out-of-range", where=where, low=low, high=high, value=node.text)
            return None
        return node.value

    def identifier(self, node: Node | None, what: Term) -> str | None:
        if not isinstance(node, Scalar) or not isinstance(node.value, str):
            self.error(node, "not-identifier", where=what, what=describe(node))
            return None
        if not IDENTIFIER.match(node.value):
            self.error(node, "bad-identifier", where=what, value=node.value)
            return None
        return node.value

    def sequence(self, node: Node | None, where: Term, example: str) -> tuple[Node, ...] | None:
        if not isinstance(node, Sequence):
            self.error(node, "not-list", where=where, example=example, what=describe(node))
            return None
        if not node.items:
            self.error(node, "empty-list", where=where, example=example)
            return None
        return node.items

    def language(self, node: Node, where: Term) -> str | None:
        code = node.text if isinstance(node, Scalar) else ""
        if isinstance(node, Scalar) and code in LANGUAGES:
            return code
        shown = term("quoted", value=code) if isinstance(node, Scalar) else describe(node)
        known = ", ".join(LANGUAGES)
        if code.lower() in ("zh", "zh-cn", "zh-tw", "cn"):
            self.error(node, "unknown-language-chinese", given=shown, where=where, known=known)
            return None
        for same in LANGUAGES:
            if code.lower() == same.lower():
                self.error(
                    node,
                    "unknown-language-case",
                    given=shown,
                    where=where,
                    known_as=same,
                    known=known,
                )
                return None
        self.error(node, "unknown-language", given=shown, where=where, known=known)
        return None

    def languages(
        self, node: Node | None, where: Term, read: Callable[[Node, Term], T | None]
    ) -> dict[str, T] | None:
        """A block keyed by language code; Vietnamese is required because every screen shows it."""
        if not isinstance(node, YamlMapping):
            self.error(node, "not-languages", where=where, what=describe(node))
            return None
        values: dict[str, T] = {}
        ok = True
        for key, value in node.entries:
            lang = self.language(key, where)
            if lang is None:
                ok = False
                continue
            read_value = read(value, term("part.in-language", part=where, lang=lang))
            if read_value is None:
                ok = False
                continue
            values[lang] = read_value
        if "vi" not in values and ok:
            self.error(node, "no-vietnamese", where=where)
            return None
        return values if ok else None

    def flag(self, node: Node, where: Term) -> bool | None:
        """A yes/no value, written true or false."""
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            return node.value
        self.error(node, "not-flag", where=where, what=describe(node))
        return None

    def choice(self, node: Node, where: Term, options: tuple[str, ...]) -> str | None:
        if isinstance(node, Scalar) and node.text in options and isinstance(node.value, str):
            return node.text
        self.error(node, "not-choice", where=where, options=", ".join(options), what=describe(node))
        return None


def describe(node: Node | None) -> Term:
    """What was written instead of what was expected, as a part of a problem."""
    if node is None:
        return term("value.nothing")
    if isinstance(node, YamlMapping):
        return term("value.block")
    if isinstance(node, Sequence):
        return term("value.list")
    value = node.value
    if value is None:
        return term("value.empty")
    if isinstance(value, bool):
        return term("value.bool", value=node.text)
    if isinstance(value, int | float):
        return term("value.number", value=node.text)
    if isinstance(value, dt.date):
        return term("value.date", value=node.text)
    return term("value.text", value=node.text)


def part(name: str) -> Term:
    """A part of a file named in problems: a `part.*` code of `messages`."""
    return term(f"part.{name}")


def key_part(name: str) -> Term:
    """A part of a file named by its key, as written ('video')."""
    return term("part.key", key=name)


def kind_item(kind: str) -> Term:
    """The item of `kind` ("a text item"); each kind has its own code, for its article."""
    return term(f"part.{kind}-item")


def listing(names: Iterable[str]) -> str | Term:
    names = list(names)
    return ", ".join(names) if names else term("none")


def suggest(word: str, options: Iterable[str]) -> str | Term:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.7)
    return term("did-you-mean", word=close[0]) if close else ""
