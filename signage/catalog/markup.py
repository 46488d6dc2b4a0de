"""The HTML allowed in `html` items, and the sanitizer that enforces it.

Screens are unattended public displays, so the allow-list is strict: text structure and
emphasis only. No scripts, no event handlers, no styles (CSS can fetch URLs), no links, images,
frames or any attribute that holds a URL, so nothing can run and nothing is loaded from
elsewhere. Pictures belong in `image` items. The sanitizer rebuilds the markup from the parsed
tokens, so what comes out is well formed whatever went in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from signage.catalog.problem import Term, term

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "b", "i", "u", "mark", "small", "sub", "sup",
        "h1", "h2", "h3", "ul", "ol", "li", "span", "div", "blockquote",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = frozenset({"class", "lang", "dir"})
VOID_TAGS = frozenset({"br"})
# Tags whose content is code or hidden text, dropped together with the tag.
_DROP_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "template", "noscript", "title", "textarea",
     "svg", "math", "head"}
)  # fmt: skip
_CLASS = re.compile(r"^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*$")
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Issue:
    """Something the sanitizer removed, at `line` and `column` (from 1) of the HTML text."""

    line: int
    column: int
    what: Term

    @property
    def message(self) -> str:
        """The issue in English."""
        return self.what.render()


@dataclass(frozen=True)
class Sanitized:
    """The safe HTML and what had to be removed to get it (empty when the input was clean)."""

    html: str
    issues: tuple[Issue, ...]


def sanitize(source: str) -> Sanitized:
    """Keep only allowed tags and attributes of `source`; report everything else as an issue."""
    parser = _Sanitizer()
    parser.feed(source)
    parser.close()
    while parser.stack:
        parser.out.append(f"</{parser.stack.pop()}>")
    return Sanitized("".join(parser.out), tuple(parser.issues))


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.issues: list[Issue] = []
        self.stack: list[str] = []
        self.dropping: list[str] = []

    def issue(self, code: str, /, **params: str) -> None:
        line, offset = self.getpos()
        self.issues.append(Issue(line, offset + 1, term(code, **params)))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            self.issue("html.tag", tag=tag, allowed=", ".join(sorted(ALLOWED_TAGS)))
            if tag in _DROP_CONTENT:
                self.dropping.append(tag)
            return
        kept = []
        for name, value in attrs:
            if self._attribute_ok(tag, name, value):
                kept.append(f' {name}="{escape(value or "", quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ALLOWED_TAGS and tag not in VOID_TAGS and not self.dropping:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag not in ALLOWED_TAGS or tag in VOID_TAGS:
            return
        if tag not in self.stack:
            self.issue("html.unopened", tag=tag)
            return
        while self.stack:
            open_tag = self.stack.pop()
            self.out.append(f"</{open_tag}>")
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def handle_comment(self, data: str) -> None:
        self.issue("html.comment")

    def handle_decl(self, decl: str) -> None:
        self.issue("html.declaration")

    def handle_pi(self, data: str) -> None:
        self.issue("html.instruction")

    def unknown_decl(self, data: str) -> None:
        self.issue("html.cdata")

    def _attribute_ok(self, tag: str, name: str, value: str | None) -> bool:
        if name.startswith("on"):
            self.issue("html.handler", name=name, tag=tag)
            return False
        if name not in ALLOWED_ATTRIBUTES:
            self.issue(
                "html.attribute", name=name, tag=tag, allowed=", ".join(sorted(ALLOWED_ATTRIBUTES))
            )
            return False
        text = value or ""
        if name == "class" and not _CLASS.match(text):
            self.issue("html.class", value=text, tag=tag)
            return False
        if name == "lang" and not _LANG.match(text):
            self.issue("html.lang", value=text, tag=tag)
            return False
        if name == "dir" and text not in ("ltr", "rtl", "auto"):
            self.issue("html.dir", value=text, tag=tag)
            return False
        return True
