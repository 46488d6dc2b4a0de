"""Problems found in a playlist, worded in the operator's language.

The playlist checks (`signage.catalog.validate`, shared with `bluezone-signage check`) word their
problems in English for the command line. The console shows them in the operator's language:
each known shape of message is matched here and rewritten from the catalog; a message of a shape
not listed stays in English, so no problem is ever hidden. In English the message is shown as
the checks wrote it. The tests feed real messages from the checks through every shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import get_locale

from .i18n import _


def _where(text: str) -> str:
    """A part of a playlist as the checks name it ("the title in vi"), in the operator's words."""
    lang = ""
    found = re.fullmatch(r"(.+) in ([a-zA-Z-]+)", text)
    if found and found.group(1) in _PARTS():
        text, lang = found.group(1), found.group(2)
    kind = re.fullmatch(r"an? (\w+) item", text)
    if kind:
        label = _KINDS().get(kind.group(1), kind.group(1))
        named = _("the %(kind)s item", kind=label[:1].lower() + label[1:])
    else:
        named = _PARTS().get(text, text)
    return f"{named} ({lang})" if lang else named


def _PARTS() -> dict[str, str]:
    return {
        "duration (seconds)": _("the seconds on screen"),
        "priority": _("the priority"),
        "the title": _("the title"),
        "the body": _("the text"),
        "the playlist name": _("the playlist name"),
        "the image file": _("the picture file"),
        "the video file": _("the video file"),
        "the url": _("the web address"),
        "the short address": _("the short address"),
        "the campaign": _("the campaign"),
        "the image caption": _("the caption"),
        "the clock caption": _("the caption"),
        "the qr caption": _("the caption"),
        "the qr title": _("the title"),
        "'text'": _("the text"),
        "'html'": _("the HTML"),
        "'ticker'": _("the ticker line"),
        "'from'": _("the first day"),
        "'until'": _("the last day"),
        "'weekdays'": _("the weekdays"),
        "'times'": _("the times of day"),
        "'items'": _("the list of items"),
        "the included playlist": _("the included playlist"),
        "the schedule": _("the schedule"),
        "an item": _("the item"),
        "a playlist": _("the playlist"),
    }


def _KINDS() -> dict[str, str]:
    return {
        "text": _("Text"),
        "image": _("Picture"),
        "video": _("Video"),
        "qr": _("QR code"),
        "html": _("Formatted text (HTML)"),
        "clock": _("Clock"),
        "ticker": _("Ticker line"),
    }


def _value(text: str) -> str:
    """A value as the checks describe it ("the text 'abc'", "an empty value")."""
    shapes: tuple[tuple[str, Callable[[str], str]], ...] = (
        (r"the text '(.*)'", lambda v: _("the text '%(value)s'", value=v)),
        (r"the number (.*)", lambda v: _("the number %(value)s", value=v)),
        (r"the date (.*)", lambda v: _("the date %(value)s", value=v)),
        (r"the yes/no value '(.*)'", lambda v: _("the yes/no value '%(value)s'", value=v)),
    )
    for pattern, word in shapes:
        found = re.fullmatch(pattern, text)
        if found:
            return word(found.group(1))
    fixed = {
        "an empty value": _("an empty value"),
        "a list": _("a list"),
        "a block of keys": _("a block of keys"),
        "nothing": _("nothing"),
    }
    return fixed.get(text, text)


def _key(key: str) -> str:
    """A missing key, by the name of its field when it has one."""
    fields = {"title": "the title", "duration": "duration (seconds)", "file": "the image file"}
    return _where(fields[key]) if key in fields else f"'{key}'"


def _suggestion(rest: str) -> str:
    found = re.search(r"\(did you mean '([^']*)'\?\)", rest)
    return " " + _("(did you mean '%(word)s'?)", word=found.group(1)) if found else ""


Rule = tuple[str, Callable[[re.Match[str]], str]]


def _rules() -> list[Rule]:
    w, v = _where, _value
    return [
        (
            r"(?P<where>.+) has no Vietnamese \('vi:'\).*",
            lambda m: _(
                "%(where)s has no Vietnamese: every screen shows Vietnamese, so it is required "
                "(the other languages are optional)",
                where=w(m["where"]),
            ),
        ),
        (
            r"(?P<where>.+) has no '(?P<key>[^']+)'(?P<rest>.*)",
            lambda m: _(
                "%(where)s has no %(key)s; fill it in", where=w(m["where"]), key=_key(m["key"])
            ),
        ),
        (
            r"(?P<where>.+) must be a number, such as (?P<example>\d+), not (?P<what>.+)",
            lambda m: _(
                "%(where)s must be a number, such as %(example)s, not %(what)s",
                where=w(m["where"]),
                example=m["example"],
                what=v(m["what"]),
            ),
        ),
        (
            r"(?P<where>.+) must be a whole number from (?P<low>\S+) to (?P<high>\S+), "
            r"not (?P<what>.+)",
            lambda m: _(
                "%(where)s must be a whole number from %(low)s to %(high)s, not %(what)s",
                where=w(m["where"]),
                low=m["low"],
                high=m["high"],
                what=v(m["what"]),
            ),
        ),
        (
            r"(?P<where>.+) must be from (?P<low>\S+) to (?P<high>\S+), not (?P<what>.+)",
            lambda m: _(
                "%(where)s must be from %(low)s to %(high)s, not %(what)s",
                where=w(m["where"]),
                low=m["low"],
                high=m["high"],
                what=m["what"],
            ),
        ),
        (
            r"(?P<where>.+) is empty; write the text or remove the key",
            lambda m: _("%(where)s is empty; write it or leave the field out", where=w(m["where"])),
        ),
        (
            r"(?P<where>.+) must be text, not (?P<what>.+?)(; put it in quotes.*)?",
            lambda m: _(
                "%(where)s must be text, not %(what)s", where=w(m["where"]), what=v(m["what"])
            ),
        ),
        (
            r"(?P<where>.+) must be a single line",
            lambda m: _("%(where)s must be a single line", where=w(m["where"])),
        ),
        (
            r"(?P<where>.+) is not in Unicode NFC: '(?P<word>[^']*)'.*",
            lambda m: _(
                "%(where)s is not in Unicode NFC: '%(word)s' is stored as letters followed by "
                "separate accent marks, which screens may draw badly; retype it with a Unicode "
                "(dựng sẵn) keyboard",
                where=w(m["where"]),
                word=m["word"],
            ),
        ),
        (
            r"media file '(?P<name>[^']+)' does not exist.*",
            lambda m: _(
                "there is no file '%(name)s' in the media folder: copy it there or correct the "
                "name (capitals count)",
                name=m["name"],
            ),
        ),
        (
            r"(?P<where>.+) '(?P<name>[^']+)' must be one of these file types: (?P<types>.+)",
            lambda m: _(
                "%(where)s '%(name)s' must be one of these file types: %(types)s",
                where=w(m["where"]),
                name=m["name"],
                types=m["types"],
            ),
        ),
        (
            r"the time window (?P<window>\S+) has no length.*",
            lambda m: _(
                "the time window %(window)s has no length, so the item would never show; for "
                "the whole day, leave the times empty",
                window=m["window"],
            ),
        ),
        (
            r"the time window (?P<window>\S+) overlaps (?P<other>\S+) \(line \d+\).*",
            lambda m: _(
                "the time window %(window)s overlaps %(other)s; merge them into one",
                window=m["window"],
                other=m["other"],
            ),
        ),
        (
            r"'(?P<text>[^']*)': write a time window as HH:MM-HH:MM.*",
            lambda m: _(
                "'%(value)s': write a time window as HH:MM-HH:MM on the 24-hour clock, such as "
                "07:00-11:30",
                value=m["text"],
            ),
        ),
        (
            r"'(?P<text>[^']*)': (?P<time>\d+:\d+) is not a time of day; the start must be .*",
            lambda m: _(
                "'%(value)s': %(time)s is not a time of day; a window starts from 00:00 to 23:59",
                value=m["text"],
                time=m["time"],
            ),
        ),
        (
            r"'(?P<text>[^']*)': (?P<time>\d+:\d+) is not a time of day; the end must be .*",
            lambda m: _(
                "'%(value)s': %(time)s is not a time of day; a window ends from 00:00 to 24:00",
                value=m["text"],
                time=m["time"],
            ),
        ),
        (
            r"'until' \((?P<end>[\d-]+)\) is before 'from' \((?P<start>[\d-]+)\).*",
            lambda m: _(
                "the last day (%(end)s) is before the first day (%(start)s), so the item would "
                "never show; both days are included",
                end=m["end"],
                start=m["start"],
            ),
        ),
        (
            r"no day from (?P<start>\S+) to (?P<end>\S+) falls on these weekdays.*",
            lambda m: _(
                "no day from %(start)s to %(end)s falls on these weekdays, so the item would "
                "never show",
                start=m["start"],
                end=m["end"],
            ),
        ),
        (
            r"(?P<where>.+) must be a date written YYYY-MM-DD, such as 2026-12-01, "
            r"not (?P<what>.+)",
            lambda m: _(
                "%(where)s must be a date such as 2026-12-01, not %(what)s",
                where=w(m["where"]),
                what=v(m["what"]),
            ),
        ),
        (
            r"a qr item needs exactly one of 'url'.*",
            lambda m: _(
                "a QR code needs exactly one of: a fixed web address, or a portal campaign "
                "(such as bluezone) that counts the scans per screen"
            ),
        ),
        (
            r"'(?P<text>.+)' is not a web address.*",
            lambda m: _(
                "'%(value)s' is not a web address; write it in full, such as "
                "https://www.bluezone.gov.vn/taiapp",
                value=m["text"],
            ),
        ),
        (
            r"there is no playlist '(?P<name>[^']+)' to include.*",
            lambda m: _("there is no playlist '%(name)s' to include", name=m["name"]),
        ),
        (
            r"this include makes a loop \((?P<path>.+)\).*",
            lambda m: _(
                "this include makes a loop (%(path)s): a playlist cannot include itself, "
                "directly or through another",
                path=m["path"],
            ),
        ),
        (
            r"unknown key '(?P<key>[^']+)' in (?P<where>.+?); expected one of: "
            r"(?P<keys>[^(]+?)(?P<rest> \(did you mean.*)?",
            lambda m: (
                _(
                    "unknown key '%(key)s' in %(where)s; expected one of: %(keys)s",
                    key=m["key"],
                    where=w(m["where"]),
                    keys=m["keys"],
                )
                + _suggestion(m["rest"] or "")
            ),
        ),
        (
            r"this item does not say what to show.*",
            lambda m: _(
                "this item does not say what to show: it needs one of text, image, video, qr, "
                "html, clock, ticker or include"
            ),
        ),
        (
            r"(?P<where>.+) is an empty list; give at least one.*",
            lambda m: _("%(where)s is empty; give at least one", where=w(m["where"])),
        ),
        (
            r"this is not valid YAML: (?P<detail>.*)",
            lambda m: _(
                "this is not valid YAML (%(detail)s); check the indentation and the colons",
                detail=m["detail"],
            ),
        ),
        (
            r"group '(?P<group>[^']+)' names playlist '(?P<playlist>[^']+)', but there is no .*",
            lambda m: _(
                "group '%(group)s' shows playlist '%(playlist)s', which would no longer exist",
                group=m["group"],
                playlist=m["playlist"],
            ),
        ),
        (
            r"this line is a conflict marker.*",
            lambda m: _(
                "this line is a conflict marker from merging two edits; keep the lines you "
                "want between the markers and delete the marker lines"
            ),
        ),
        (
            r"the file could not be saved \((?P<why>[^)]*)\); nothing was changed\. "
            r"The signage service must be allowed to write in (?P<folder>.+)",
            lambda m: _(
                "the file could not be saved (%(why)s); nothing was changed. Ask the "
                "administrator to let the signage service write in %(folder)s",
                why=m["why"],
                folder=m["folder"],
            ),
        ),
        (
            r"the text is (?P<size>\d+) characters long; a playlist file may have at most "
            r"(?P<limit>\d+).*",
            lambda m: _(
                "the text is %(size)s characters long; a playlist may have at most %(limit)s: "
                "split it into several smaller playlists and include them in one main "
                "playlist",
                size=m["size"],
                limit=m["limit"],
            ),
        ),
        (
            r"the file expands to more than (?P<limit>\d+) values; split it up",
            lambda m: _(
                "the file expands to more than %(limit)s values through its aliases (*name); "
                "split it up",
                limit=m["limit"],
            ),
        ),
        (
            r"blocks are nested more than (?P<limit>\d+) deep here; write the file flatter",
            lambda m: _(
                "blocks are nested more than %(limit)s deep here; write the file flatter",
                limit=m["limit"],
            ),
        ),
        (
            r"the file is (?P<size>[\d,]+) bytes, more than the (?P<limit>[\d,]+) a file may "
            r"have; split it up",
            lambda m: _(
                "the file is %(size)s bytes, more than the %(limit)s a file may have; split it up",
                size=m["size"],
                limit=m["limit"],
            ),
        ),
        (
            r"an alias \(\*name\) refers to the block that contains it",
            lambda m: _("an alias (*name) refers to the block that contains it; write it out"),
        ),
    ]


def localise(message: str) -> str:
    """`message` from the playlist checks, in the operator's language (see the docstring)."""
    locale = get_locale()
    if locale is None or locale.language == "en":
        return message
    for pattern, word in _rules():
        found = re.fullmatch(pattern, message, re.DOTALL)
        if found:
            text = word(found)
            return text[:1].upper() + text[1:]
    return message
