"""The venue report's wire format, shared by the box that sends it (`portal.campaign.reporter`)
and the signage server that reads it (`signage.venues.report`), so that the box never sends a
count the server would refuse (a refused report would hold every later hour back).

One count is keyed by (kind, lang, os, src): the event kind, the page language, the phone's
system family and the link source (a screen id, a printed material, a portal page).
"""

from __future__ import annotations

import re

#: The counted event kinds.
KINDS = ("view", "accept", "store_click", "qr_scan")
#: At most this many hours per report, and counts per hour.
MAX_HOURS = 168
MAX_KEYS = 5000
#: A count is a whole number from 0 below this.
MAX_COUNT = 1_000_000_000
#: Health texts: the release and the gateway's state, at most this long, without control
#: characters.
MAX_VERSION = 64
MAX_GATEWAY = 200

LANG = re.compile(r"^[A-Za-z_]{0,16}$")
OS = re.compile(r"^[a-z0-9_]{0,32}$")
SRC = re.compile(r"^[A-Za-z0-9_.:-]{0,64}$")
TEXT = re.compile(r"^[^\x00-\x1f\x7f]*$")


def valid_key(kind: str, lang: str, os: str, src: str) -> bool:
    """Whether a count of this key may be reported."""
    return kind in KINDS and bool(LANG.match(lang) and OS.match(os) and SRC.match(src))


def clean_text(text: str, limit: int) -> str:
    """``text`` as a health text: control characters and runs of spaces made one space, cut to
    ``limit`` characters."""
    return " ".join(text.split())[:limit]
