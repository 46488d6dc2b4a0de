"""The campaign: which app to promote, where to get it, and what to say, per language.

Campaign content is data. The shipped default (``default_campaign.yaml``) promotes Bluezone;
a venue replaces any value with its own YAML file (``campaign_file``) without touching code.
The signage server reads the same file. :func:`load_campaign` checks every value and raises
:class:`CampaignError` with ``file:line: key: problem`` on the first thing that is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..yamlfile import compose_file

DEFAULT_FILE = Path(__file__).parent.parent / "default_campaign.yaml"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class CampaignError(ValueError):
    """The campaign file is unreadable or has a wrong value; the message says where."""


@dataclass(frozen=True)
class CampaignText:
    """Everything the campaign says, in one language."""

    title: str
    lead: str
    facts: tuple[str, ...]
    why: str
    steps: tuple[str, ...]
    ask: str


@dataclass(frozen=True)
class Campaign:
    """One campaign; ``id`` appears in the smart install link ``/go/<id>``."""

    id: str
    app_name: str
    app_store_url: str
    google_play_url: str
    official_url: str
    install_url: str
    texts: Mapping[str, CampaignText]

    def text(self, language: str, fallback: str = "en") -> CampaignText:
        """The texts in ``language``, or in ``fallback`` when the campaign lacks it."""
        return self.texts.get(language) or self.texts[fallback]


_TOP_KEYS = ("id", "app_name", "app_store_url", "google_play_url", "official_url", "install_url")
_TEXT_KEYS = ("title", "lead", "facts", "why", "steps", "ask")


class _Reader:
    """Walks composed YAML nodes, so every error can name its file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, node: yaml.Node, key: str, message: str) -> CampaignError:
        return CampaignError(f"{self.path}:{node.start_mark.line + 1}: {key}: {message}")

    def mapping(self, node: yaml.Node, key: str, allowed: Iterable[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, key, "expected 'key: value' entries")
        allowed = tuple(allowed)
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            name = str(key_node.value)
            where = f"{key}.{name}" if key else name
            if name not in allowed:
                raise self.error(key_node, where, f"unknown key; expected one of {list(allowed)}")
            if name in result:
                raise self.error(key_node, where, "given twice")
            result[name] = value_node
        missing = [k for k in allowed if k not in result]
        if missing:
            raise self.error(node, key or "campaign", f"missing {missing}")
        return result

    def text(self, node: yaml.Node, key: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.error(node, key, "expected text")
        value = str(node.value).strip()
        if not value:
            raise self.error(node, key, "must not be empty")
        return unicodedata.normalize("NFC", value)

    def text_list(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.error(node, key, "expected a list of one or more texts")
        return tuple(self.text(item, f"{key}[{i}]") for i, item in enumerate(node.value))

    def url(self, node: yaml.Node, key: str) -> str:
        value = self.text(node, key)
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise self.error(node, key, f"expected an https:// address, got {value!r}")
        return value


def load_campaign(path: Path | None = None, languages: Iterable[str] = ()) -> Campaign:
    """Read and check a campaign file (the shipped default when ``path`` is ``None``).

    Every language in ``languages`` must have texts.
    """
    path = path or DEFAULT_FILE
    root = compose_file(path, "campaign file", CampaignError)
    if root is None:
        raise CampaignError(f"{path}: the campaign file is empty")
    reader = _Reader(path)
    top = reader.mapping(root, "", (*_TOP_KEYS, "texts"))
    campaign_id = reader.text(top["id"], "id")
    if not _ID.match(campaign_id):
        raise reader.error(top["id"], "id", "use 1-40 lower-case letters, digits and '-'")
    texts_node = top["texts"]
    if not isinstance(texts_node, yaml.MappingNode):
        raise reader.error(texts_node, "texts", "expected one entry per language")
    texts: dict[str, CampaignText] = {}
    for lang_node, body in texts_node.value:
        lang = str(lang_node.value)
        fields = reader.mapping(body, f"texts.{lang}", _TEXT_KEYS)
        texts[lang] = CampaignText(
            title=reader.text(fields["title"], f"texts.{lang}.title"),
            lead=reader.text(fields["lead"], f"texts.{lang}.lead"),
            facts=reader.text_list(fields["facts"], f"texts.{lang}.facts"),
            why=reader.text(fields["why"], f"texts.{lang}.why"),
            steps=reader.text_list(fields["steps"], f"texts.{lang}.steps"),
            ask=reader.text(fields["ask"], f"texts.{lang}.ask"),
        )
    missing = [lang for lang in (*languages, "en") if lang not in texts]
    if missing:
        raise reader.error(texts_node, "texts", f"no texts for {sorted(set(missing))}")
    return Campaign(
        id=campaign_id,
        app_name=reader.text(top["app_name"], "app_name"),
        app_store_url=reader.url(top["app_store_url"], "app_store_url"),
        google_play_url=reader.url(top["google_play_url"], "google_play_url"),
        official_url=reader.url(top["official_url"], "official_url"),
        install_url=reader.url(top["install_url"], "install_url"),
        texts=MappingProxyType(texts),
    )


def as_dict(campaign: Campaign) -> dict[str, Any]:
    """A JSON-ready view of the campaign (for other services and the signage side)."""
    return {
        "id": campaign.id,
        "app_name": campaign.app_name,
        "app_store_url": campaign.app_store_url,
        "google_play_url": campaign.google_play_url,
        "official_url": campaign.official_url,
        "install_url": campaign.install_url,
        "texts": {
            lang: {
                "title": t.title,
                "lead": t.lead,
                "facts": list(t.facts),
                "why": t.why,
                "steps": list(t.steps),
                "ask": t.ask,
            }
            for lang, t in campaign.texts.items()
        },
    }
