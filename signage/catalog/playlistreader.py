"""Reading a playlist file: its items, each kind's content, and includes."""

from __future__ import annotations

import dataclasses
import hashlib
import unicodedata
from collections.abc import Mapping
from typing import cast, get_args
from urllib.parse import urlsplit

from signage.catalog import grammar, markup
from signage.catalog.documents import Include, PlaylistDocument
from signage.catalog.mediafiles import MediaReader
from signage.catalog.playlist import (
    ClockContent,
    Content,
    HtmlContent,
    ImageContent,
    Item,
    Kind,
    QrContent,
    SoundContent,
    TextBlock,
    TextContent,
    TickerContent,
    VideoContent,
)
from signage.catalog.problem import Term, term
from signage.catalog.reader import describe, key_part, kind_item, part
from signage.catalog.schedulereader import ScheduleReader
from signage.catalog.yamlsource import Mapping as YamlMapping
from signage.catalog.yamlsource import Node, Scalar

KINDS: tuple[Kind, ...] = get_args(Kind)
ITEM_KEYS = tuple(key.name for key in grammar.ITEM_KEYS)


class PlaylistReader(MediaReader, ScheduleReader):
    """Reads one playlist file into a `PlaylistDocument`, hashing the media it names."""

    def playlist_document(self, root: Node | None, playlist_id: str) -> PlaylistDocument | None:
        if root is None:
            self.error(None, "playlist-empty-file")
            return None
        top = self.fields(root, part("playlist"), ("items",), ("name",), {"items": "missing.items"})
        if top is None:
            return None
        name = playlist_id
        if "name" in top:
            name = self.text(top["name"], part("playlist-name"), one_line=True) or playlist_id
        entries: list[Item | Include] = []
        ids: set[str] = set()
        for entry in self.sequence(top.get("items"), part("items"), "'- text:'") or ():
            read = self.item(entry, playlist_id)
            if isinstance(read, Item):
                unique, n = read.id, 2
                while unique in ids:
                    unique, n = f"{read.id}-{n}", n + 1
                ids.add(unique)
                read = dataclasses.replace(read, id=unique)
            if read is not None:
                entries.append(read)
        return PlaylistDocument(playlist_id, name, tuple(entries), dict(self.media))

    def item(self, node: Node, playlist_id: str) -> Item | Include | None:
        if not isinstance(node, YamlMapping):
            self.error(node, "item-not-block", kinds=", ".join(KINDS), what=describe(node))
            return None
        kinds = [key for key, _ in node.entries if key.text in (*KINDS, "include")]
        if not kinds:
            self.error(node, "item-no-kind", kinds=", ".join(KINDS))
            self.fields(node, part("item"), (), (*KINDS, grammar.INCLUDE, *ITEM_KEYS))
            return None
        if len(kinds) > 1:
            self.error(kinds[1], "item-two-kinds", first=kinds[0].text, second=kinds[1].text)
            return None
        kind = kinds[0].text
        if kind == "include":
            values = self.fields(node, part("include"), ("include",))
            if values is None:
                return None
            target = self.identifier(values["include"], part("included-playlist"))
            if target is None:
                return None
            return Include(target, values["include"].line, values["include"].column)
        accepted = grammar.KINDS[kind].item_fields()
        values = self.fields(
            node,
            kind_item(kind),
            (kind, *(key.name for key in accepted if key.required)),
            tuple(key.name for key in accepted if not key.required),
            {key.name: key.missing for key in accepted if key.missing},
        )
        if values is None:
            return None
        duration = None if "duration" in (key.name for key in accepted) else 0.0
        if "duration" in values:
            duration = self.bounded(grammar.item_key("duration"), values["duration"])
        priority = 0
        if "priority" in values:
            priority = int(self.bounded(grammar.item_key("priority"), values["priority"]) or 0)
        when = self.schedule(values["schedule"]) if "schedule" in values else None
        content = self.content(cast(Kind, kind), values[kind])
        if duration is None or content is None or ("schedule" in values and when is None):
            return None
        timeless = when is None or not when.windows
        if isinstance(content, SoundContent) and content.every is None and timeless:
            # Once a day at midnight is never what is meant: say when it should play.
            self.error(node, "sound-when")
            return None
        digest = hashlib.sha256(
            repr((kind, content, duration, when, priority)).encode()
        ).hexdigest()
        return Item(
            f"{playlist_id}-{digest[:8]}",
            cast(Kind, kind),
            duration,
            content,
            when,
            priority,
            self.file,
            node.line,
        )

    def content(self, kind: Kind, node: Node) -> Content | None:
        spec = grammar.KINDS[kind]
        if kind == "text":
            texts = self.languages(node, key_part(kind), self.text_block)
            return TextContent(texts) if texts is not None else None
        if kind == "html":
            html = self.languages(node, key_part(kind), self.html)
            return HtmlContent(html) if html is not None else None
        if kind == "ticker":
            ticker = self.languages(node, key_part(kind), lambda n, w: self.line(n, w))
            return TickerContent(ticker) if ticker is not None else None
        if spec.shape == "block-or-empty" and isinstance(node, Scalar) and node.value is None:
            return ClockContent()
        values = self.fields(node, key_part(kind), spec.required(), spec.optional(), spec.hints())
        if values is None or any(name not in values for name in spec.required()):
            return None
        if kind == "image":
            return self.image(spec, values)
        if kind == "video":
            found = self.media_file(
                values["file"], self.where(spec, "file"), spec.key("file").media
            )
            return VideoContent(*found) if found is not None else None
        if kind == "qr":
            return self.qr(node, spec, values)
        if kind == "sound":
            return self.sound(node, spec, values)
        caption = self.captions(spec, "caption", values)
        return ClockContent(caption=caption) if caption is not None else None

    @staticmethod
    def where(spec: grammar.Kind, name: str) -> Term:
        """The key `name` of `spec` as problems name it."""
        return term(spec.key(name).part)

    def line(self, node: Node, where: Term) -> str | None:
        return self.text(node, where, one_line=True)

    def bounded(self, key: grammar.Key, node: Node) -> float | None:
        """A number (or a whole number, as `key` says) within the key's limits."""
        assert key.low is not None and key.high is not None
        if key.type == "integer":
            return self.integer(node, term(key.part), int(key.low), int(key.high))
        return self.number(node, term(key.part), key.low, key.high)

    def text_block(self, node: Node, where: Term) -> TextBlock | None:
        spec = grammar.KINDS["text"]
        values = self.fields(node, where, spec.required(), spec.optional(), spec.hints())
        if values is None:
            return None
        title = self.text(values["title"], self.where(spec, "title")) if "title" in values else None
        body = self.text(values["body"], self.where(spec, "body")) if "body" in values else None
        if title is None or ("body" in values and body is None):
            return None
        return TextBlock(title.strip(), body.strip() if body is not None else None)

    def html(self, node: Node, where: Term) -> str | None:
        source = self.text(node, where)
        if source is None:
            return None
        result = markup.sanitize(source)
        for issue in result.issues:
            if "\n" in source.strip():
                self.error(node, "html-issue-at", where=where, line=issue.line, issue=issue.what)
            else:
                self.error(node, "html-issue", where=where, issue=issue.what)
        return result.html if not result.issues else None

    def captions(
        self, spec: grammar.Kind, name: str, values: Mapping[str, Node]
    ) -> dict[str, str] | None:
        """The per-language key `name` of a block (none given: no languages)."""
        if name not in values:
            return {}
        return self.languages(values[name], self.where(spec, name), self.text)

    def image(self, spec: grammar.Kind, values: Mapping[str, Node]) -> ImageContent | None:
        found = self.media_file(values["file"], self.where(spec, "file"), spec.key("file").media)
        caption = self.captions(spec, "caption", values)
        if found is None or caption is None:
            return None
        return ImageContent(found[0], found[1], caption)

    def qr(self, node: Node, spec: grammar.Kind, values: Mapping[str, Node]) -> QrContent | None:
        if sum(name in values for name in spec.one_of) != 1:
            self.error(node, "qr-url-or-campaign")
            return None
        url = campaign = None
        if "url" in values:
            url = self.url(spec.key("url"), values["url"])
            if url is None:
                return None
        else:
            campaign = self.identifier(values["campaign"], self.where(spec, "campaign"))
            if campaign is None:
                return None
        title = self.captions(spec, "title", values)
        caption = self.captions(spec, "caption", values)
        short = None
        if "short" in values:
            short = self.line(values["short"], self.where(spec, "short"))
            if short is None:
                return None
        if title is None or caption is None:
            return None
        return QrContent(url, campaign, title, caption, short)

    def url(self, key: grammar.Key, node: Node) -> str | None:
        text = self.line(node, term(key.part))
        if text is None:
            return None
        parts = urlsplit(text.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.error(node, "not-web-address", value=text)
            return None
        if key.max_length is not None and len(text) > key.max_length:
            self.error(node, "url-too-long", length=len(text), limit=key.max_length)
            return None
        return text.strip()

    def sound(
        self, node: Node, spec: grammar.Kind, values: Mapping[str, Node]
    ) -> SoundContent | None:
        """Spoken text per language or an audio file of the media library, and how often."""
        if sum(name in values for name in spec.one_of) != 1:
            self.error(node, "sound-text-or-file")
            return None
        every = None
        if "every" in values:
            found_every = self.bounded(spec.key("every"), values["every"])
            if found_every is None:
                return None
            every = int(found_every)
        if "file" in values:
            found = self.media_file(
                values["file"], self.where(spec, "file"), spec.key("file").media
            )
            return SoundContent(file=found[0], sha256=found[1], every=every) if found else None
        text = self.languages(values["text"], self.where(spec, "text"), self.spoken)
        return SoundContent(text=text, every=every) if text is not None else None

    def spoken(self, node: Node, where: Term) -> str | None:
        """Text for the speech engine: bounded, without control characters, on one voice."""
        text = self.text(node, where)
        if text is None:
            return None
        limit = grammar.KINDS["sound"].key("text").max_length
        assert limit is not None
        if len(text) > limit:
            self.error(node, "spoken-too-long", where=where, length=len(text), limit=limit)
            return None
        bad = next((c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t"), None)
        if bad is not None:
            self.error(node, "spoken-control", where=where, code=f"U+{ord(bad):04X}")
            return None
        return " ".join(text.split())
