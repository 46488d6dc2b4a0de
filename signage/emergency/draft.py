"""An emergency message as an operator composes it in the console, before it becomes overrides.

`read_draft` turns the submitted form into a `Draft`; `requests` turns a draft into one
validated `OverrideRequest` per target with `signage.emergency.requests.parse_request`, the same
validation as the HTTP API, so the console stores exactly what the API and the CLI would. The
form: `target` (repeatable: `all` or `group:<id>`), `headline-<lang>` and `body-<lang>` for
each offered language, `until` (a date-time in the venue's time zone, or any form
`parse_until` takes). Errors carry a stable `code` the console translates. No Flask import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from signage.emergency.requests import OverrideRequest, parse_request


class DraftError(ValueError):
    """The form is incomplete: `code` is `target`, `message` or `until`, also the field."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Draft:
    """Targets (`all` alone, or groups), texts per language, and the end as typed."""

    targets: tuple[str, ...]
    messages: Mapping[str, Mapping[str, str]]
    until: str
    speak: bool = False


def read_draft(form: Mapping[str, Sequence[str]], languages: Iterable[str]) -> Draft:
    """The draft in `form` (each field a list of values); raises `DraftError`."""
    chosen = [t for t in form.get("target", ()) if t]
    targets = ("all",) if "all" in chosen else tuple(dict.fromkeys(chosen))
    if not targets:
        raise DraftError("target", "choose the screens: all screens or at least one group")
    messages: dict[str, dict[str, str]] = {}
    for lang in languages:
        headline = _first(form, f"headline-{lang}")
        body = _first(form, f"body-{lang}")
        if headline.strip() or body.strip():
            messages[lang] = {"headline": headline, "body": body}
    if not messages:
        raise DraftError("message", "write the message in at least one language")
    until = _first(form, "until").strip()
    if not until:
        raise DraftError("until", "say until when the message is shown")
    return Draft(targets, messages, until, _first(form, "speak") == "1")


def requests(
    draft: Draft, now: datetime, groups: Iterable[str], screens: Iterable[str]
) -> list[OverrideRequest]:
    """One validated request per target; raises `signage.emergency.model.OverrideError`."""
    group_list, screen_list = list(groups), list(screens)
    return [
        parse_request(
            {
                "target": target,
                "until": draft.until,
                "messages": dict(draft.messages),
                "speak": draft.speak,
            },
            now,
            group_list,
            screen_list,
        )
        for target in draft.targets
    ]


def _first(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name, ())
    return values[0] if values else ""
