"""Screens' states built from shared item JSON are what building each one afresh gives."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from signage.catalog import schedule
from signage.catalog.playlist import Screen, playlist_for_screen
from signage.live.programme import Programme, state_body
from tests.conftest import ROOT

PORTAL = "http://portal.test"
NOW = dt.datetime(2026, 12, 7, 7, 10, tzinfo=dt.UTC)
BODY = ("screen", "items", "sounds", "epoch", "valid_until")


def _plain_digest(payload: dict[str, Any]) -> str:
    """The digest as `json.dumps` of the whole body gives it."""
    body = {key: payload[key] for key in BODY}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _programme(tmp_path: Path) -> Programme:
    directory = tmp_path / "playlists"
    shutil.copytree(ROOT / "playlists", directory)
    programme = Programme(directory, PORTAL)
    assert programme.reload().problems == ()
    return programme


def test_every_screen_gets_the_items_and_digest_a_fresh_build_gives(tmp_path: Path) -> None:
    programme = _programme(tmp_path)
    catalog = programme.catalog
    assert catalog is not None
    campaign_urls: set[str] = set()
    for _ in range(2):  # built once, then from what the first pass kept
        for screen_id in programme.screen_ids():
            payload = programme.payload(screen_id, NOW)
            assert payload is not None
            screen = catalog.screens[screen_id]
            playlist = playlist_for_screen(catalog, screen_id)
            assert playlist is not None
            active = schedule.active_items(playlist, NOW.astimezone(catalog.timezone))
            assert payload["items"] == [item.to_json(screen, PORTAL) for item in active]
            assert payload["digest"] == payload["version"] == _plain_digest(payload)
            campaign_urls.update(i["url"] for i in payload["items"] if "?src=" in i.get("url", ""))
            assert all(
                i["url"].endswith(f"?src={screen_id}")
                for i in payload["items"]
                if "?src=" in i.get("url", "")
            )
    # Each screen its own code: the shared JSON never carries another screen's address.
    assert len(campaign_urls) > 1


def test_state_body_digest_is_that_of_the_whole_body() -> None:
    catalog_screen = _programme_screen()
    for boundary in (None, NOW):
        for sounds in (None, [{"id": "s", "media": ["a.mp3"], "sha256": None, "plays": [1, 2]}]):
            items = [{"id": "x", "kind": "text", "content": [{"lang": "vi", "title": "Ồ"}]}]
            body = state_body(catalog_screen, items, boundary, sounds)
            assert body["digest"] == _plain_digest(body)


def _programme_screen() -> Screen:
    return Screen("s1", "Sảnh", ("lobby",), "Tầng 1", ("vi", "en"), "portrait", True)


def test_a_changed_item_reaches_the_screens_after_a_reload(tmp_path: Path) -> None:
    programme = _programme(tmp_path)
    screen_id = programme.screen_ids()[0]
    before = programme.payload(screen_id, NOW)
    assert before is not None
    path = programme.directory / "bluezone.yaml"
    text = path.read_text("utf-8")
    edited = text.replace("title: ", "title: Mới · ", 1)
    assert edited != text
    path.write_text(edited, "utf-8")
    assert programme.reload().applied
    after = programme.payload(screen_id, NOW)
    assert after is not None and after["digest"] != before["digest"]
    assert any("Mới · " in json.dumps(i, ensure_ascii=False) for i in after["items"])
    assert after["digest"] == _plain_digest(after)
