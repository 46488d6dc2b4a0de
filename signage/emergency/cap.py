"""CAP 1.2 alerts (OASIS Common Alerting Protocol) turned into override decisions.

Parsing uses defusedxml, so entity expansion and external references in a hostile feed are
refused. Only `Actual` + `Public` alerts are shown; `Update` and `Cancel` end the alerts they
name in `references`; each `<info>` becomes the text for its language, and screens pick theirs.
Alerts rank by urgency, then severity, then certainty. This module does not import Flask and
does no input or output.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from signage.emergency.model import Message

NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"

URGENCY = {"Immediate": 4, "Expected": 3, "Future": 2, "Past": 1, "Unknown": 0}
SEVERITY = {"Extreme": 4, "Severe": 3, "Moderate": 2, "Minor": 1, "Unknown": 0}
CERTAINTY = {"Observed": 4, "Likely": 3, "Possible": 2, "Unlikely": 1, "Unknown": 0}


# CAP 1.2 dates from 1970 (Unix time 0) to the end of 2999: every real alert lies between, and
# a date beyond plus any lifetime or offset still converts to a Unix time without overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)

# An error quotes at most this much of the text it refuses, so a log line stays a line.
MAX_QUOTED = 100


class CapError(ValueError):
    """The document is not a usable CAP 1.2 alert; the message says what is missing or wrong."""


@dataclass(frozen=True)
class Info:
    """One `<info>` block: the alert in one language."""

    language: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str
    description: str
    instruction: str
    expires: datetime | None


@dataclass(frozen=True)
class Alert:
    """A parsed `<alert>`; `key` identifies it as `sender,identifier,sent` (CAP's own form)."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    references: tuple[str, ...]
    infos: tuple[Info, ...]

    @property
    def key(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent.isoformat()}"

    @property
    def rank(self) -> int:
        """Priority of the override: urgency first, then severity, then certainty."""
        best = 0
        for info in self.infos:
            score = (
                URGENCY.get(info.urgency, 0) * 16
                + SEVERITY.get(info.severity, 0) * 4
                + CERTAINTY.get(info.certainty, 0)
            )
            best = max(best, score)
        return best


@dataclass(frozen=True)
class Decision:
    """What to do with one alert: overrides to end (by CAP key) and one to create, if any."""

    cancel_keys: tuple[str, ...] = ()
    create: bool = False
    messages: dict[str, Message] = field(default_factory=dict)
    until: float = 0.0
    priority: int = 0
    ignored: str = ""


def _text(parent: Element, name: str) -> str:
    node = parent.find(f"{{{NS}}}{name}")
    text = node.text if node is not None and node.text else ""
    return unicodedata.normalize("NFC", text.strip())


def _time(text: str, where: str) -> datetime:
    """The date-time `text`; `CapError` unless it has an offset and lies within `EARLIEST` and
    `LATEST`, so adding a lifetime to it or taking its Unix time cannot overflow."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CapError(
            f"{where}: {text[:MAX_QUOTED]!r} is not a CAP date-time (2026-11-28T14:30:00+07:00)"
        ) from None
    if value.tzinfo is None:
        raise CapError(f"{where}: {text[:MAX_QUOTED]!r} has no time zone offset")
    try:
        inside = EARLIEST <= value <= LATEST
    except OverflowError:
        # Comparing converts to UTC; 0001-01-01T00:00-01:00 does not exist there.
        inside = False
    if not inside:
        raise CapError(
            f"{where}: {text!r} is not between {EARLIEST.year} and {LATEST.year}: not a real "
            "alert time"
        )
    return value


def _references(text: str) -> tuple[str, ...]:
    """CAP references: space-separated `sender,identifier,sent` triples."""
    keys: list[str] = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3:
            raise CapError(f"references: {triple[:MAX_QUOTED]!r} is not sender,identifier,sent")
        sender, identifier, sent = parts
        keys.append(f"{sender},{identifier},{_time(sent, 'references').isoformat()}")
    return tuple(keys)


def language_tag(cap_language: str) -> str:
    """The screen language a CAP `<language>` serves: its primary subtag (`en-US` -> `en`).

    CAP's default language, when the element is absent, is `en-US`.
    """
    tag = (cap_language or "en-US").strip()
    return tag.split("-")[0].lower() or "en"


def parse_alert(root: Element) -> Alert:
    """Read one `<alert>` element; raise `CapError` naming the first missing element."""
    if root.tag != f"{{{NS}}}alert":
        raise CapError(f"not a CAP 1.2 alert: the root element is {root.tag}")
    fields = {}
    for name in ("identifier", "sender", "sent", "status", "msgType", "scope"):
        fields[name] = _text(root, name)
        if not fields[name]:
            raise CapError(f"<alert> has no <{name}>")
    infos: list[Info] = []
    for node in root.findall(f"{{{NS}}}info"):
        expires = _text(node, "expires")
        infos.append(
            Info(
                language=language_tag(_text(node, "language")),
                event=_text(node, "event"),
                urgency=_text(node, "urgency"),
                severity=_text(node, "severity"),
                certainty=_text(node, "certainty"),
                headline=_text(node, "headline"),
                description=_text(node, "description"),
                instruction=_text(node, "instruction"),
                expires=_time(expires, "<info><expires>") if expires else None,
            )
        )
    return Alert(
        identifier=fields["identifier"],
        sender=fields["sender"],
        sent=_time(fields["sent"], "<sent>"),
        status=fields["status"],
        msg_type=fields["msgType"],
        scope=fields["scope"],
        references=_references(_text(root, "references")),
        infos=tuple(infos),
    )


def parse_document(data: bytes) -> list[Alert]:
    """Alerts in a CAP document: one `<alert>`, or an Atom feed with alerts in its entries."""
    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        raise CapError(f"refused: the XML uses a forbidden construct ({exc})") from None
    except ParseError as exc:
        raise CapError(f"not well-formed XML: {exc}") from None
    if root.tag == f"{{{ATOM}}}feed":
        return [parse_alert(node) for node in root.iter(f"{{{NS}}}alert")]
    return [parse_alert(root)]


def decide(alert: Alert, now: datetime, default_lifetime: timedelta) -> Decision:
    """What showing `alert` at `now` means for the override store."""
    if alert.status != "Actual":
        return Decision(ignored=f"status {alert.status} is not shown on public screens")
    if alert.scope != "Public":
        return Decision(ignored=f"scope {alert.scope} is not shown on public screens")
    if alert.msg_type == "Cancel":
        return Decision(cancel_keys=alert.references)
    if alert.msg_type not in {"Alert", "Update"}:
        return Decision(ignored=f"msgType {alert.msg_type} carries nothing to show")
    cancels = alert.references if alert.msg_type == "Update" else ()
    messages: dict[str, Message] = {}
    for info in alert.infos:
        if info.language in messages:
            continue
        headline = info.headline or info.event
        body = "\n".join(part for part in (info.description, info.instruction) if part)
        if headline or body:
            messages[info.language] = Message(headline[:300], body[:2000])
    if not messages:
        return Decision(cancel_keys=cancels, ignored="no <info> has a headline or description")
    ends = [info.expires for info in alert.infos if info.expires is not None]
    until = max(ends) if ends else alert.sent + default_lifetime
    if until <= now:
        return Decision(cancel_keys=cancels, ignored=f"expired at {until.isoformat()}")
    return Decision(
        cancel_keys=cancels,
        create=True,
        messages=messages,
        until=until.timestamp(),
        priority=alert.rank,
    )
