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
from signage.live.programme import Programme, State, compact, state_body
from tests.conftest import ROOT

PORTAL = "http://portal.test"
NOW = dt.datetime(2026, 12, 7, 7, 10, tzinfo=dt.UTC)
BODY = ("screen", "items", "sounds", "epoch", "valid_until")


def _plain_digest(payload: dict[str, Any]) -> str:
    """The digest as `json.dumps` of the whole body gives it."""
    body = {key: payload[key] for key in BODY}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _programme(tmp_path: Path, portal: str = PORTAL) -> Programme:
    directory = tmp_path / "playlists"
    shutil.copytree(ROOT / "playlists", directory)
    programme = Programme(directory, portal)
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


def _campaign_payloads(programme: Programme) -> list[State]:
    """Every screen's state twice (built, then from what was kept), with their QR codes."""
    payloads = [programme.payload(s, NOW) for s in programme.screen_ids() * 2]
    found = [p for p in payloads if p is not None and "?src=" in json.dumps(p["items"])]
    assert found
    return found


def test_a_portal_address_beyond_ascii_is_written_in_each_screen_s_qr_code(
    tmp_path: Path,
) -> None:
    """The QR texts filled in per screen are those of encoding the item (the digest keeps
    the characters, the wire escapes them)."""
    programme = _programme(tmp_path, portal="http://cổng-vào.test")
    for payload in _campaign_payloads(programme):
        assert payload["digest"] == _plain_digest(payload)
        assert payload.sent() == compact(dict(payload))


def test_a_qr_item_whose_text_holds_the_address_mark_is_still_encoded_right(
    tmp_path: Path,
) -> None:
    """A playlist can write NUL characters (a YAML escape); a QR caption that is the very mark
    the templates put for the address is encoded whole for each screen."""
    directory = tmp_path / "playlists"
    shutil.copytree(ROOT / "playlists", directory)
    path = directory / "bluezone.yaml"
    text = path.read_text("utf-8")
    caption = "en: Point your phone camera at this code"
    assert caption in text
    path.write_text(text.replace(caption, 'en: "\\0screen-address\\0"'), "utf-8")
    programme = Programme(directory, PORTAL)
    assert programme.reload().problems == ()
    payloads = _campaign_payloads(programme)
    marked = [p for p in payloads if "\\u0000screen-address\\u0000" in json.dumps(p["items"])]
    assert marked
    for payload in marked:
        assert payload["digest"] == _plain_digest(payload)
        assert payload.sent() == compact(dict(payload))
        qr = [i for i in payload["items"] if "?src=" in i.get("url", "")]
        assert all(i["url"].endswith(f"?src={payload['screen']['id']}") for i in qr)


def test_what_is_kept_for_building_states_does_not_grow_with_the_moments_asked(
    tmp_path: Path,
) -> None:
    """Screens connecting one by one each ask at their own moment: the lists kept for the
    screens of one moment go when the moment changes."""
    programme = _programme(tmp_path)
    screens = programme.screen_ids()
    for second in range(300):
        for screen_id in screens:
            assert programme.payload(screen_id, NOW + dt.timedelta(seconds=second)) is not None
    languages = (
        {s.languages for s in programme.catalog.screens.values()} if programme.catalog else set()
    )
    assert 0 < len(programme._rotations) <= len(screens) * len(languages)
