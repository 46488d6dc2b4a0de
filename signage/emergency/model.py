"""Emergency overrides as values: a message per language, the override itself, an audit entry,
and the errors the emergency code raises. No Flask import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class OverrideError(ValueError):
    """An override request is invalid; the message says what is wrong and `field` which
    request field it concerns (empty when it concerns the whole request)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class NotFound(LookupError):
    """No override has the given id."""


@dataclass(frozen=True)
class Message:
    """The text of an override in one language, and `audio`: the media library name of its
    spoken version (empty when it is not spoken)."""

    headline: str
    body: str = ""
    audio: str = ""

    def to_json(self) -> dict[str, str]:
        data = {"headline": self.headline, "body": self.body}
        if self.audio:
            data["audio"] = self.audio
        return data


@dataclass(frozen=True)
class Override:
    """A stored override. `target` is `all`, `group:<id>` or `screen:<id>`.

    `messages` maps a language tag (or `*` for any language) to its text. Times are Unix
    seconds. `priority` orders simultaneous overrides, highest first.
    """

    id: int
    created: float
    starts: float
    until: float
    target: str
    messages: Mapping[str, Message]
    priority: int
    source: str
    cap_key: str | None = None
    cancelled: float | None = None

    def active(self, now: float) -> bool:
        """True when the override is shown at `now`."""
        return self.cancelled is None and self.starts <= now < self.until

    def applies_to(self, screen_id: str, groups: Iterable[str]) -> bool:
        """True when the override targets this screen directly, by group or as `all`."""
        if self.target == "all":
            return True
        kind, _, name = self.target.partition(":")
        if kind == "screen":
            return name == screen_id
        return kind == "group" and name in set(groups)

    @property
    def room(self) -> str:
        """The Socket.IO room whose screens show this override."""
        return self.target

    def to_json(self) -> dict[str, Any]:
        """The wire form sent to screens and returned by the HTTP API."""
        return {
            "id": self.id,
            "target": self.target,
            "starts": self.starts,
            "until": self.until,
            "priority": self.priority,
            "source": self.source,
            "cancelled": self.cancelled,
            "messages": {lang: m.to_json() for lang, m in self.messages.items()},
        }


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log: who did what to which override, and when."""

    at: float
    override_id: int
    action: str
    actor: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "override": self.override_id,
            "action": self.action,
            "actor": self.actor,
            "detail": dict(self.detail),
        }
