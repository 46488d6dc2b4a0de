"""Reading a playlist file: its items, each kind's content, and includes."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import cast, get_args
from urllib.parse import urlsplit

from signage.catalog import markup
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
    TextBlock,
    TextContent,
    TickerContent,
    VideoContent,
)
from signage.catalog.problem import Term
from signage.catalog.reader import describe, key_part, kind_item, part
from signage.catalog.schedulereader import ScheduleReader
from signage.catalog.yamlsource import Mapping as YamlMapping
from signage.catalog.yamlsource import Node, Scalar

MIN_DURATION = 3
MAX_DURATION = 600
MAX_PRIORITY = 100
MAX_QR_URL = 300
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg")
VIDEO_TYPES = (".mp4", ".webm")
KINDS: tuple[Kind, ...] = get_args(Kind)
ITEM_KEYS = ("duration", "schedule", "priority")


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
            self.fields(node, part("item"), (), (*KINDS, "include", *ITEM_KEYS))
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
        values = self.fields(
            node,
            kind_item(kind),
            (kind, "duration"),
            ("schedule", "priority"),
            {"duration": "missing.duration"},
        )
        if values is None:
            return None
        duration = None
        if "duration" in values:
            duration = self.number(values["duration"], part("duration"), MIN_DURATION, MAX_DURATION)
        priority = 0
        if "priority" in values:
            priority = self.integer(values["priority"], part("priority"), 0, MAX_PRIORITY) or 0
        when = self.schedule(values["schedule"]) if "schedule" in values else None
        content = self.content(cast(Kind, kind), values[kind])
        if duration is None or content is None or ("schedule" in values and when is None):
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
        if kind == "text":
            texts = self.languages(node, key_part("text"), self.text_block)
            return TextContent(texts) if texts is not None else None
        if kind == "image":
            return self.image(node)
        if kind == "video":
            values = self.fields(node, key_part("video"), ("file",))
            if values is None or "file" not in values:
                return None
            found = self.media_file(values["file"], part("video-file"), VIDEO_TYPES)
            return VideoContent(*found) if found is not None else None
        if kind == "qr":
            return self.qr(node)
        if kind == "html":
            html = self.languages(node, key_part("html"), self.html)
            return HtmlContent(html) if html is not None else None
        if kind == "clock":
            if isinstance(node, Scalar) and node.value is None:
                return ClockContent()
            values = self.fields(node, key_part("clock"), (), ("caption",))
            if values is None:
                return None
            caption = self.captions(values.get("caption"), part("clock-caption"))
            return ClockContent(caption=caption) if caption is not None else None
        ticker = self.languages(
            node, key_part("ticker"), lambda n, w: self.text(n, w, one_line=True)
        )
        return TickerContent(ticker) if ticker is not None else None

    def text_block(self, node: Node, where: Term) -> TextBlock | None:
        values = self.fields(node, where, ("title",), ("body",), {"title": "missing.title"})
        if values is None:
            return None
        title = self.text(values.get("title"), part("title")) if "title" in values else None
        body = self.text(values["body"], part("body")) if "body" in values else None
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

    def captions(self, node: Node | None, where: Term) -> dict[str, str] | None:
        if node is None:
            return {}
        return self.languages(node, where, self.text)

    def image(self, node: Node) -> ImageContent | None:
        values = self.fields(node, key_part("image"), ("file",), ("caption",))
        if values is None or "file" not in values:
            return None
        found = self.media_file(values["file"], part("image-file"), IMAGE_TYPES)
        caption = self.captions(values.get("caption"), part("image-caption"))
        if found is None or caption is None:
            return None
        return ImageContent(found[0], found[1], caption)

    def qr(self, node: Node) -> QrContent | None:
        values = self.fields(
            node, key_part("qr"), (), ("url", "campaign", "title", "caption", "short")
        )
        if values is None:
            return None
        if ("url" in values) == ("campaign" in values):
            self.error(node, "qr-url-or-campaign")
            return None
        url = campaign = None
        if "url" in values:
            url = self.url(values["url"])
            if url is None:
                return None
        else:
            campaign = self.identifier(values["campaign"], part("campaign"))
            if campaign is None:
                return None
        title = self.captions(values.get("title"), part("qr-title"))
        caption = self.captions(values.get("caption"), part("qr-caption"))
        short = None
        if "short" in values:
            short = self.text(values["short"], part("short"), one_line=True)
            if short is None:
                return None
        if title is None or caption is None:
            return None
        return QrContent(url, campaign, title, caption, short)

    def url(self, node: Node) -> str | None:
        text = self.text(node, part("url"), one_line=True)
        if text is None:
            return None
        parts = urlsplit(text.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.error(node, "not-web-address", value=text)
            return None
        if len(text) > MAX_QR_URL:
            self.error(node, "url-too-long", length=len(text), limit=MAX_QR_URL)
            return None
        return text.strip()
