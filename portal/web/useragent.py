"""Operating-system family from a User-Agent header, for store buttons and campaign figures."""

from __future__ import annotations

import re

OS_FAMILIES = ("ios", "android", "windows", "macos", "chromeos", "linux", "other")

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Android before Linux (its UA contains "Linux"); iOS before macOS (it says "like Mac OS X").
    (re.compile(r"Android", re.I), "android"),
    (re.compile(r"iPhone|iPad|iPod|CaptiveNetworkSupport.*iOS|\biOS\b", re.I), "ios"),
    (re.compile(r"CrOS"), "chromeos"),
    (re.compile(r"Windows", re.I), "windows"),
    (re.compile(r"Macintosh|Mac OS X|CaptiveNetworkSupport", re.I), "macos"),
    (re.compile(r"Linux|X11", re.I), "linux"),
)


def os_family(user_agent: str | None) -> str:
    """One of ``OS_FAMILIES`` for ``user_agent``; ``"other"`` when it says nothing useful."""
    if not user_agent:
        return "other"
    for pattern, family in _RULES:
        if pattern.search(user_agent):
            return family
    return "other"


def store_for(user_agent: str | None) -> str | None:
    """Which store a device can install from: ``"app_store"``, ``"google_play"`` or ``None``.

    iPadOS 13+ reports itself as a Mac; a Mac UA that also says "Mobile" is an iPad. Apple's
    sign-in window agent (``CaptiveNetworkSupport``) is an Apple device either way.
    """
    family = os_family(user_agent)
    agent = user_agent or ""
    if family == "ios" or (family == "macos" and ("Mobile/" in agent or "CaptiveNetwork" in agent)):
        return "app_store"
    if family == "android":
        return "google_play"
    return None
