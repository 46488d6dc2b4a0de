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
    message: str


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

    def issue(self, message: str) -> None:
        line, offset = self.getpos()
        self.issues.append(Issue(line, offset + 1, message))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            self.issue(
                f"<{tag}> is not allowed in html items; allowed tags: "
                + ", ".join(sorted(ALLOWED_TAGS))
            )
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
            self.issue(f"</{tag}> closes a tag that is not open; remove it")
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
        self.issue("comments (<!-- -->) are not allowed in html items; remove them")

    def handle_decl(self, decl: str) -> None:
        self.issue("declarations such as <!DOCTYPE> are not allowed in html items")

    def handle_pi(self, data: str) -> None:
        self.issue("processing instructions (<?...>) are not allowed in html items")

    def unknown_decl(self, data: str) -> None:
        self.issue("CDATA sections are not allowed in html items")

    def _attribute_ok(self, tag: str, name: str, value: str | None) -> bool:
        if name.startswith("on"):
            self.issue(f"event handler '{name}' on <{tag}> is not allowed: screens run no scripts")
            return False
        if name not in ALLOWED_ATTRIBUTES:
            self.issue(
                f"attribute '{name}' on <{tag}> is not allowed; allowed attributes: "
                + ", ".join(sorted(ALLOWED_ATTRIBUTES))
            )
            return False
        text = value or ""
        if name == "class" and not _CLASS.match(text):
            self.issue(f"class '{text}' on <{tag}>: use lowercase names such as 'accent'")
            return False
        if name == "lang" and not _LANG.match(text):
            self.issue(f"lang '{text}' on <{tag}> is not a language code such as 'vi' or 'en'")
            return False
        if name == "dir" and text not in ("ltr", "rtl", "auto"):
            self.issue(f"dir '{text}' on <{tag}>: use ltr, rtl or auto")
            return False
        return True
