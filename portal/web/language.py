"""Choosing the visitor's language from an explicit choice or the Accept-Language header.

Codes are Babel locale identifiers (``zh_Hans``); :func:`html_lang` gives the BCP 47 tag for
the ``lang`` attribute (``zh-Hans``). Cookies are never needed: the choice travels in ``?lang=``.
"""

from __future__ import annotations

from collections.abc import Sequence

_HTML = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}
_TRADITIONAL_REGIONS = ("tw", "hk", "mo")

# Each language's name written in that language, for the switcher.
NATIVE_NAMES = {
    "vi": "Tiếng Việt",
    "en": "English",
    "ko": "한국어",
    "zh_Hans": "简体中文",
    "zh_Hant": "繁體中文",
    "ja": "日本語",
    "ru": "Русский",
}


def html_lang(code: str) -> str:
    """The BCP 47 tag for a locale code, for ``<html lang>``."""
    return _HTML.get(code, code)


def _from_tag(tag: str) -> str:
    """Map one BCP 47 tag (``zh-TW``, ``ko-KR``, ``en``) to our code (may be unsupported)."""
    parts = tag.strip().replace("_", "-").lower().split("-")
    primary = parts[0]
    if primary == "zh":
        rest = parts[1:]
        if "hant" in rest or any(r in _TRADITIONAL_REGIONS for r in rest):
            return "zh_Hant"
        return "zh_Hans"
    return primary


def parse_accept_language(header: str | None) -> list[str]:
    """Language codes from an Accept-Language header, best first; ``q=0`` entries dropped."""
    if not header or len(header) > 1024:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")):
        tag, _, params = item.partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if quality <= 0:
            continue
        weighted.append((-quality, index, _from_tag(tag)))
    return [code for _, _, code in sorted(weighted)]


def choose_language(
    explicit: str | None, accept_language: str | None, supported: Sequence[str], default: str
) -> str:
    """The explicit choice if supported, else the best supported Accept-Language entry,
    else ``default``."""
    if explicit:
        code = explicit if explicit in supported else _from_tag(explicit)
        if code in supported:
            return code
    for code in parse_accept_language(accept_language):
        if code in supported:
            return code
    return default
