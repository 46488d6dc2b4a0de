"""Reading `screens.yaml`: the venue, its screen groups and its screens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from signage.catalog.documents import ScreensDocument
from signage.catalog.playlist import (
    DEFAULT_TIMEZONE,
    Group,
    Orientation,
    Screen,
)
from signage.catalog.problem import term
from signage.catalog.reader import Reader, describe, listing, part, suggest
from signage.catalog.yamlsource import Mapping as YamlMapping
from signage.catalog.yamlsource import Node

ORIENTATIONS: tuple[Orientation, ...] = get_args(Orientation)


class ScreensReader(Reader):
    """Reads the screens file into a `ScreensDocument`."""

    def screens_document(self, root: Node | None) -> ScreensDocument | None:
        if root is None:
            self.error(None, "screens-empty-file")
            return None
        top = self.fields(
            root,
            part("screens-file"),
            ("groups", "screens"),
            ("venue",),
            {"groups": "missing.groups-top", "screens": "missing.screens-top"},
        )
        if top is None:
            return None
        venue, timezone = "", DEFAULT_TIMEZONE
        if "venue" in top:
            venue, timezone = self.venue(top["venue"])
        groups, refs = self.groups(top.get("groups"))
        screens = self.screens(top.get("screens"), groups)
        return ScreensDocument(venue, timezone, groups, screens, refs)

    def venue(self, node: Node) -> tuple[str, str]:
        values = self.fields(node, part("venue"), (), ("name", "timezone"))
        if values is None:
            return "", DEFAULT_TIMEZONE
        name = self.text(values["name"], part("venue-name")) if "name" in values else None
        timezone = DEFAULT_TIMEZONE
        if "timezone" in values:
            zone = self.text(values["timezone"], part("timezone"), one_line=True)
            if zone is not None:
                try:
                    ZoneInfo(zone)
                    timezone = zone
                except (ZoneInfoNotFoundError, ValueError):
                    self.error(
                        values["timezone"], "unknown-timezone", zone=zone, example=DEFAULT_TIMEZONE
                    )
        return name or "", timezone

    def groups(self, node: Node | None) -> tuple[dict[str, Group], dict[str, tuple[int, int]]]:
        groups: dict[str, Group] = {}
        refs: dict[str, tuple[int, int]] = {}
        if node is None:
            return groups, refs
        if not isinstance(node, YamlMapping) or not node.entries:
            self.error(node, "groups-not-block", what=describe(node))
            return groups, refs
        for key, value in node.entries:
            group_id = self.identifier(key, part("group-id"))
            values = self.fields(
                value,
                term("part.group", group=key.text),
                ("name", "playlist"),
                hints={"name": "missing.group-name", "playlist": "missing.group-playlist"},
            )
            if group_id is None or values is None:
                continue
            name = self.text(values.get("name"), part("group-name")) if "name" in values else None
            playlist_node = values.get("playlist")
            playlist = None
            if playlist_node is not None:
                playlist = self.identifier(playlist_node, part("playlist-ref"))
                refs[group_id] = (playlist_node.line, playlist_node.column)
            if name is not None and playlist is not None:
                groups[group_id] = Group(group_id, name, playlist)
        return groups, refs

    def screens(self, node: Node | None, groups: Mapping[str, Group]) -> dict[str, Screen]:
        screens: dict[str, Screen] = {}
        if node is None:
            return screens
        items = self.sequence(node, part("screens"), "'- id: tuy-hoa-airport-1' with its keys")
        first_line: dict[str, int] = {}
        for entry in items or ():
            values = self.fields(
                entry,
                part("screen"),
                ("id", "name", "groups", "languages"),
                ("location", "orientation", "sound"),
                {
                    "id": "missing.screen-id",
                    "name": "missing.screen-name",
                    "groups": "missing.screen-groups",
                    "languages": "missing.screen-languages",
                },
            )
            if values is None:
                continue
            screen_id = (
                self.identifier(values.get("id"), part("screen-id")) if "id" in values else None
            )
            if screen_id is not None and screen_id in first_line:
                self.error(
                    values["id"], "screen-id-taken", id=screen_id, line=first_line[screen_id]
                )
                screen_id = None
            if screen_id is not None:
                first_line[screen_id] = values["id"].line
            name = self.text(values.get("name"), part("screen-name")) if "name" in values else None
            location = ""
            if "location" in values:
                location = self.text(values["location"], part("location")) or ""
            member = self.group_list(values.get("groups"), groups) if "groups" in values else None
            languages = (
                self.language_order(values.get("languages")) if "languages" in values else None
            )
            orientation: Orientation = "landscape"
            if "orientation" in values:
                found = self.choice(values["orientation"], part("orientation"), ORIENTATIONS)
                orientation = cast(Orientation, found or "landscape")
            sound = False
            if "sound" in values:
                heard = self.flag(values["sound"], part("sound"))
                if heard is None:
                    continue
                sound = heard
            if screen_id and name and member and languages:
                screens[screen_id] = Screen(
                    screen_id, name, member, location, languages, orientation, sound
                )
        return screens

    def group_list(self, node: Node | None, groups: Mapping[str, Group]) -> tuple[str, ...] | None:
        items = self.sequence(node, part("groups"), "[airport]")
        if items is None:
            return None
        result: list[str] = []
        for entry in items:
            group_id = self.identifier(entry, part("the-group"))
            if group_id is None:
                return None
            if group_id in result:
                self.error(entry, "group-listed-twice", group=group_id)
                return None
            if group_id not in groups:
                self.error(
                    entry,
                    "unknown-group",
                    group=group_id,
                    known=listing(sorted(groups)),
                    suggest=suggest(group_id, list(groups)),
                )
                return None
            result.append(group_id)
        return tuple(result)

    def language_order(self, node: Node | None) -> tuple[str, ...] | None:
        items = self.sequence(node, part("languages"), "[vi, en]")
        if items is None:
            return None
        result: list[str] = []
        for entry in items:
            lang = self.language(entry, part("languages"))
            if lang is None:
                return None
            if lang in result:
                self.error(entry, "language-listed-twice", lang=lang)
                return None
            result.append(lang)
        if "vi" not in result:
            self.error(node, "languages-without-vi")
            return None
        return tuple(result)
