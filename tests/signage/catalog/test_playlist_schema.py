"""The published JSON Schemas agree with the validator.

Editors check YAML against `signage/catalog/*.schema.json` as it is typed; `bluezone-signage check`
uses the validator. On the shipped examples both must accept, and on every bad input that a
schema can express both must refuse. The rest (media that exists, Unicode NFC, overlapping
windows, includes, the HTML allow-list) only the validator can see, and it must refuse those.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from signage.catalog.loader import load_catalog

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "playlists"
SCHEMAS = ROOT / "signage" / "catalog"


def schema_for(name: str) -> dict[str, Any]:
    stem = "screens" if name == "screens.yaml" else "playlist"
    data: dict[str, Any] = json.loads((SCHEMAS / f"{stem}.schema.json").read_text("utf-8"))
    return data


def as_json(value: object) -> object:
    """What an editor's YAML-to-JSON step hands the schema: dates become ISO strings."""
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def schema_accepts(name: str, text: str) -> bool:
    validator = jsonschema.Draft202012Validator(schema_for(name))
    return validator.is_valid(as_json(yaml.safe_load(text)))


def test_schemas_are_valid_draft_2020_12() -> None:
    for name in ("screens.yaml", "main.yaml"):
        jsonschema.Draft202012Validator.check_schema(schema_for(name))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_examples_satisfy_the_schema(path: Path) -> None:
    assert schema_accepts(path.name, path.read_text("utf-8"))


def test_shipped_examples_satisfy_the_validator() -> None:
    assert [str(p) for p in load_catalog(EXAMPLES).problems] == []


SCREENS = """\
groups:
  hall:
    name: Sảnh chính
    playlist: main
screens:
  - id: hall-1
    name: Màn hình sảnh
    groups: [hall]
    languages: [vi, en]
"""


def playlist_with(item: str) -> str:
    return "items:\n  - " + item.replace("\n", "\n    ") + "\n"


TEXT = "text:\n  vi:\n    title: Xin chào\n"

GOOD = [
    pytest.param("main.yaml", playlist_with(TEXT + "duration: 10"), id="text"),
    pytest.param(
        "main.yaml",
        playlist_with(
            TEXT + "duration: 7.5\npriority: 3\nschedule:\n  from: 2026-12-01\n  until: 2026-12-31"
            "\n  weekdays: [sat, sun]\n  times: ['22:00-06:00', '07:00-08:00']"
        ),
        id="schedule",
    ),
    pytest.param(
        "main.yaml", playlist_with("video:\n  file: clips/intro.mp4\nduration: 30"), id="video"
    ),
    pytest.param(
        "main.yaml", playlist_with("image:\n  file: PIC.SVG\nduration: 5"), id="image-caps"
    ),
    pytest.param("main.yaml", playlist_with("clock:\nduration: 5"), id="clock-plain"),
    pytest.param(
        "main.yaml",
        playlist_with("qr:\n  campaign: bluezone\n  short: bz.example/x\nduration: 9"),
        id="qr-campaign",
    ),
    pytest.param(
        "main.yaml", playlist_with("ticker:\n  vi: Một dòng\n  ja: 一行\nduration: 20"), id="ticker"
    ),
    pytest.param("main.yaml", "items:\n  - include: other\n", id="include"),
    pytest.param("screens.yaml", SCREENS, id="screens"),
    pytest.param(
        "screens.yaml",
        "venue:\n  timezone: Asia/Tokyo\n" + SCREENS + "    orientation: portrait\n",
        id="screens-full",
    ),
]


@pytest.mark.parametrize(("name", "text"), GOOD)
def test_schema_accepts_good_variants(name: str, text: str) -> None:
    assert schema_accepts(name, text)


# (file, text, whether a schema can see the mistake); the validator must refuse every one.
BAD = [
    pytest.param("main.yaml", playlist_with(TEXT + "duraton: 10"), True, id="unknown-key"),
    pytest.param("main.yaml", playlist_with(TEXT), True, id="missing-duration"),
    pytest.param("main.yaml", playlist_with(TEXT + "duration: ten"), True, id="duration-text"),
    pytest.param("main.yaml", playlist_with(TEXT + "duration: 2"), True, id="duration-short"),
    pytest.param("main.yaml", playlist_with(TEXT + "duration: 601"), True, id="duration-long"),
    pytest.param("main.yaml", playlist_with(TEXT + "duration: yes"), True, id="duration-bool"),
    pytest.param(
        "main.yaml", playlist_with(TEXT + "duration: 9\npriority: 1.5"), True, id="priority"
    ),
    pytest.param(
        "main.yaml",
        playlist_with("text:\n  vi:\n    title: 2020\nduration: 9"),
        True,
        id="number-as-text",
    ),
    pytest.param(
        "main.yaml", playlist_with("text:\n  en:\n    title: Hi\nduration: 9"), True, id="no-vi"
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "  fr:\n    title: Salut\nduration: 9"),
        True,
        id="language",
    ),
    pytest.param(
        "main.yaml", playlist_with("text:\n  vi:\n    body: x\nduration: 9"), True, id="no-title"
    ),
    pytest.param(
        "main.yaml", playlist_with("text:\n  vi:\n    title: ' '\nduration: 9"), True, id="blank"
    ),
    pytest.param("main.yaml", playlist_with(TEXT + "clock:\nduration: 9"), True, id="two-kinds"),
    pytest.param("main.yaml", playlist_with("duration: 9"), True, id="no-kind"),
    pytest.param(
        "main.yaml", playlist_with("image:\n  file: pic.bmp\nduration: 9"), True, id="media-type"
    ),
    pytest.param(
        "main.yaml", playlist_with("image:\n  file: ../x.svg\nduration: 9"), True, id="media-up"
    ),
    pytest.param(
        "main.yaml", playlist_with("image:\n  file: /etc/x.svg\nduration: 9"), True, id="media-abs"
    ),
    pytest.param(
        "main.yaml", playlist_with("qr:\n  url: www.x.vn\nduration: 9"), True, id="qr-url"
    ),
    pytest.param(
        "main.yaml",
        playlist_with("qr:\n  url: https://x.vn\n  campaign: bz\nduration: 9"),
        True,
        id="qr-both",
    ),
    pytest.param(
        "main.yaml", playlist_with("qr:\n  title:\n    vi: x\nduration: 9"), True, id="qr-none"
    ),
    pytest.param(
        "main.yaml",
        playlist_with("ticker:\n  vi: |\n    a\n    b\nduration: 9"),
        True,
        id="ticker-lines",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "duration: 9\nschedule:\n  weekdays: [Mon]"),
        True,
        id="weekday",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "duration: 9\nschedule:\n  weekdays: []"),
        True,
        id="weekdays-empty",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "duration: 9\nschedule:\n  times: ['7h-9h']"),
        True,
        id="window",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "duration: 9\nschedule:\n  times: ['08:00-24:30']"),
        True,
        id="window-end",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "duration: 9\nschedule:\n  from: '2026/12/01'"),
        True,
        id="date",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "duration: 9\nschedule:\n  on: 2026-12-01"),
        True,
        id="schedule-key",
    ),
    pytest.param("main.yaml", playlist_with("include: Other"), True, id="include-id"),
    pytest.param("main.yaml", "items: []\n", True, id="items-empty"),
    pytest.param("main.yaml", "name: x\n", True, id="items-missing"),
    pytest.param("screens.yaml", SCREENS.replace("[vi, en]", "[en]"), True, id="screen-no-vi"),
    pytest.param(
        "screens.yaml", SCREENS.replace("[vi, en]", "[vi, vi]"), True, id="screen-languages-twice"
    ),
    pytest.param(
        "screens.yaml", SCREENS.replace("[vi, en]", "[vi, fr]"), True, id="screen-language"
    ),
    pytest.param("screens.yaml", SCREENS.replace("hall-1", "Hall 1"), True, id="screen-id"),
    pytest.param("screens.yaml", SCREENS + "    size: 55\n", True, id="screen-key"),
    pytest.param("screens.yaml", SCREENS + "    orientation: sideways\n", True, id="orientation"),
    pytest.param(
        "screens.yaml", SCREENS.replace("    groups: [hall]\n", ""), True, id="screen-no-groups"
    ),
    pytest.param("screens.yaml", SCREENS.replace("  hall:", "  Hall:"), True, id="group-id"),
    # Beyond what a schema can express:
    pytest.param(
        "main.yaml",
        playlist_with("image:\n  file: gone.svg\nduration: 9"),
        False,
        id="media-missing",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(
            "text:\n  vi:\n    title: " + unicodedata.normalize("NFD", "Việt") + "\nduration: 9"
        ),
        False,
        id="nfc",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "duration: 9\nschedule:\n  times: ['07:00-09:00', '08:00-10:00']"),
        False,
        id="overlap",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "duration: 9\nschedule:\n  times: ['08:00-08:00']"),
        False,
        id="zero-window",
    ),
    pytest.param(
        "main.yaml",
        playlist_with(TEXT + "duration: 9\nschedule:\n  from: 2026-12-02\n  until: 2026-12-01"),
        False,
        id="dates-reversed",
    ),
    pytest.param(
        "main.yaml", playlist_with("html:\n  vi: <img src=x>\nduration: 9"), False, id="html"
    ),
    pytest.param("main.yaml", "items:\n  - include: main\n", False, id="include-loop"),
    pytest.param("screens.yaml", SCREENS.replace("[hall]", "[hal]"), False, id="unknown-group"),
    pytest.param(
        "screens.yaml",
        SCREENS.replace("playlist: main", "playlist: nowhere"),
        False,
        id="unknown-playlist",
    ),
    pytest.param(
        "screens.yaml", "venue:\n  timezone: Mars/Olympus\n" + SCREENS, False, id="timezone"
    ),
    pytest.param(
        "screens.yaml",
        SCREENS + "  - id: hall-1\n    name: B\n    groups: [hall]\n    languages: [vi]\n",
        False,
        id="screen-duplicate",
    ),
]


@pytest.mark.parametrize(("name", "text", "schema_sees_it"), BAD)
def test_validator_and_schema_agree_on_bad_input(
    tmp_path: Path, name: str, text: str, schema_sees_it: bool
) -> None:
    shutil.copytree(EXAMPLES / "media", tmp_path / "media")
    (tmp_path / "screens.yaml").write_text(SCREENS, "utf-8")
    (tmp_path / "main.yaml").write_text(playlist_with(TEXT + "duration: 10"), "utf-8")
    (tmp_path / "other.yaml").write_text(playlist_with(TEXT + "duration: 10"), "utf-8")
    (tmp_path / name).write_text(text, "utf-8")
    assert load_catalog(tmp_path).problems, "the validator accepted it"
    assert schema_accepts(name, text) is not schema_sees_it
