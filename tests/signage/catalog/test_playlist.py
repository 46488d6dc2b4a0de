"""The catalog API the server builds on: loading, falling back, and what a screen receives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from signage.catalog.loader import load_catalog
from signage.catalog.playlist import (
    Catalog,
    QrContent,
    Screen,
    playlist_for_screen,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "playlists"
PORTAL = "https://wifi.phuyen.example"


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    directory = tmp_path / "playlists"
    shutil.copytree(EXAMPLES, directory)
    return directory


def load(directory: Path, previous: Catalog | None = None) -> Catalog:
    result = load_catalog(directory, previous)
    assert result.catalog is not None
    return result.catalog


def test_examples_load(examples: Path) -> None:
    result = load_catalog(examples)
    assert result.problems == []
    catalog = result.catalog
    assert catalog is not None
    assert str(catalog.timezone) == "Asia/Ho_Chi_Minh"
    assert set(catalog.playlists) == {
        "bluezone",
        "tuy-hoa-airport",
        "tuy-hoa-bus-station",
        "so-tttt-lobby",
    }
    arrivals = catalog.screens["tuy-hoa-airport-arrivals"]
    assert arrivals.languages == ("vi", "en", "ru")
    assert arrivals.groups[0] == "tuy-hoa-airport"
    assert len(catalog.version) == 12
    assert set(catalog.files) == {
        "screens.yaml",
        "bluezone.yaml",
        "tuy-hoa-airport.yaml",
        "tuy-hoa-bus-station.yaml",
        "so-tttt-lobby.yaml",
        "media/bluezone-contact.svg",
    }


def test_playlist_for_screen_uses_the_main_group(examples: Path) -> None:
    catalog = load(examples)
    playlist = playlist_for_screen(catalog, "tuy-hoa-airport-check-in")
    assert playlist is not None
    assert playlist.id == "tuy-hoa-airport"
    assert playlist_for_screen(catalog, "no-such-screen") is None


def test_includes_are_expanded_in_place_and_tracked(examples: Path) -> None:
    catalog = load(examples)
    airport = catalog.playlists["tuy-hoa-airport"]
    bluezone = catalog.playlists["bluezone"]
    kinds = [item.kind for item in airport.items]
    assert kinds[0] == "text"
    assert airport.items[1 : 1 + len(bluezone.items)] == bluezone.items
    assert airport.sources == (
        "tuy-hoa-airport.yaml",
        "bluezone.yaml",
        "media/bluezone-contact.svg",
    )


def test_version_follows_content(examples: Path) -> None:
    first = load(examples).version
    assert load(examples).version == first
    path = examples / "bluezone.yaml"
    path.write_text(path.read_text("utf-8").replace("duration: 12", "duration: 13", 1), "utf-8")
    assert load(examples).version != first


def test_item_ids_survive_unrelated_edits(examples: Path) -> None:
    before = [item.id for item in load(examples).playlists["bluezone"].items]
    path = examples / "bluezone.yaml"
    path.write_text(path.read_text("utf-8").replace("duration: 12", "duration: 13", 1), "utf-8")
    after = [item.id for item in load(examples).playlists["bluezone"].items]
    assert before[0] != after[0]
    assert before[1:] == after[1:]
    assert len(set(after)) == len(after)


def test_an_invalid_file_falls_back_to_its_last_good_version(examples: Path) -> None:
    good = load(examples)
    (examples / "bluezone.yaml").write_text("items:\n  - text: [\n", "utf-8")
    lobby = examples / "so-tttt-lobby.yaml"
    lobby.write_text(lobby.read_text("utf-8").replace("duration: 12", "duration: 14"), "utf-8")
    result = load_catalog(examples, good)
    assert [p.file for p in result.problems] == ["bluezone.yaml"]
    catalog = result.catalog
    assert catalog is not None
    assert catalog.playlists["bluezone"] == good.playlists["bluezone"]
    assert catalog.files["bluezone.yaml"] == good.files["bluezone.yaml"]
    assert catalog.playlists["so-tttt-lobby"].items[0].duration == 14


def test_without_a_previous_version_an_invalid_playlist_is_left_out(examples: Path) -> None:
    (examples / "tuy-hoa-airport.yaml").write_text("items: 3\n", "utf-8")
    result = load_catalog(examples)
    assert [str(p) for p in result.problems] == [
        "tuy-hoa-airport.yaml:1:8: 'items' must be a list such as '- text:', not the number 3"
    ]
    catalog = result.catalog
    assert catalog is not None
    assert playlist_for_screen(catalog, "tuy-hoa-airport-arrivals") is None
    assert playlist_for_screen(catalog, "so-tttt-lobby") is not None


def test_a_broken_reference_keeps_the_previous_screens_file(examples: Path) -> None:
    good = load(examples)
    screens = examples / "screens.yaml"
    screens.write_text(
        screens.read_text("utf-8").replace("playlist: tuy-hoa-bus-station", "playlist: bus"),
        "utf-8",
    )
    result = load_catalog(examples, good)
    assert [p.message.split(",")[0] for p in result.problems] == [
        "group 'tuy-hoa-bus-station' names playlist 'bus'"
    ]
    assert result.catalog is not None
    assert result.catalog.groups == good.groups


def test_a_broken_include_keeps_the_previous_playlist(examples: Path) -> None:
    good = load(examples)
    airport = examples / "tuy-hoa-airport.yaml"
    airport.write_text(
        airport.read_text("utf-8").replace("include: bluezone", "include: bz"), "utf-8"
    )
    lines = airport.read_text("utf-8").splitlines()
    line = lines.index("  - include: bz") + 1
    result = load_catalog(examples, good)
    assert [(p.file, p.line) for p in result.problems] == [("tuy-hoa-airport.yaml", line)]
    assert result.catalog is not None
    assert result.catalog.playlists["tuy-hoa-airport"] == good.playlists["tuy-hoa-airport"]


def test_an_invalid_screens_file_without_previous_gives_no_catalog(examples: Path) -> None:
    (examples / "screens.yaml").write_text("groups: {}\nscreens: []\n", "utf-8")
    result = load_catalog(examples)
    assert result.catalog is None
    assert len(result.problems) == 2


def test_a_missing_directory_is_a_problem(tmp_path: Path) -> None:
    result = load_catalog(tmp_path / "nowhere")
    assert result.catalog is None
    assert [p.message for p in result.problems] == ["this playlist directory does not exist"]


def screen(languages: tuple[str, ...], screen_id: str = "hall-1") -> Screen:
    return Screen(screen_id, "Sảnh", ("hall",), "", languages)


def test_text_json_follows_the_screen_language_order(examples: Path) -> None:
    item = load(examples).playlists["bluezone"].items[0]
    data = item.to_json(screen(("en", "vi")), PORTAL)
    assert [entry["lang"] for entry in data["content"]] == ["en", "vi"]
    assert data["kind"] == "text"
    assert data["duration"] == 12
    assert data["content"][1]["title"] == "Khẩu trang điện tử Bluezone"
    only_vi = item.to_json(screen(("vi",)), PORTAL)
    assert [entry["lang"] for entry in only_vi["content"]] == ["vi"]


def test_russian_texts_reach_the_screens_that_declare_russian(examples: Path) -> None:
    """Russian-speaking arrivals read the airport's slides in Russian; a screen that does not
    declare Russian never receives it."""
    catalog = load(examples)
    arrivals = catalog.screens["tuy-hoa-airport-arrivals"]
    playlist = playlist_for_screen(catalog, arrivals.id)
    assert playlist is not None
    welcome = playlist.items[0].to_json(arrivals, PORTAL)
    assert [entry["lang"] for entry in welcome["content"]] == ["vi", "en", "ru"]
    assert welcome["content"][2]["title"] == "Добро пожаловать в провинцию Фуйен"
    # Every text, caption and ticker shown at the airport has its Russian version.
    for item in playlist.items:
        data = item.to_json(arrivals, PORTAL)
        langs = [entry["lang"] for entry in data.get("content", ())]
        if "en" in langs:
            assert "ru" in langs, (item.file, data)
    gate = catalog.screens["tuy-hoa-bus-station-gate"]
    assert "ru" not in gate.languages
    only_vi = playlist.items[0].to_json(gate, PORTAL)
    assert [entry["lang"] for entry in only_vi["content"]] == ["vi"]


def test_campaign_qr_points_at_the_portal_per_screen(examples: Path) -> None:
    items = load(examples).playlists["bluezone"].items
    qr = next(item for item in items if item.kind == "qr")
    assert isinstance(qr.content, QrContent)
    data = qr.to_json(screen(("vi", "en"), "tuy-hoa-airport-arrivals"), PORTAL + "/")
    assert data["url"] == f"{PORTAL}/go/bluezone?src=tuy-hoa-airport-arrivals"
    assert data["short_url"] == "wifi.phuyen.example/go/bluezone"
    assert data["content"][0] == {
        "lang": "vi",
        "title": "Quét mã để cài Bluezone",
        "caption": "Mở camera điện thoại và hướng vào mã này",
    }


def test_fixed_qr_prints_the_address_without_scheme(examples: Path) -> None:
    items = load(examples).playlists["so-tttt-lobby"].items
    qr = next(item for item in items if item.kind == "qr" and item.file == "so-tttt-lobby.yaml")
    data = qr.to_json(screen(("vi", "en")), PORTAL)
    assert data["url"] == "https://www.bluezone.gov.vn/tai-lieu"
    assert data["short_url"] == "www.bluezone.gov.vn/tai-lieu"
    assert [entry["lang"] for entry in data["content"]] == ["vi"]


def test_media_json_names_the_file_and_its_hash(examples: Path) -> None:
    catalog = load(examples)
    image = next(item for item in catalog.playlists["bluezone"].items if item.kind == "image")
    data = image.to_json(screen(("vi", "en")), PORTAL)
    assert data["media"] == "bluezone-contact.svg"
    assert data["sha256"] == catalog.files["media/bluezone-contact.svg"]
    assert data["content"][1]["caption"].startswith("Two phones")


def test_clock_and_html_json(examples: Path) -> None:
    items = load(examples).playlists["so-tttt-lobby"].items
    clock = next(item for item in items if item.kind == "clock")
    assert clock.to_json(screen(("vi",)), PORTAL)["timezone"] == "Asia/Ho_Chi_Minh"
    html = next(item for item in items if item.kind == "html")
    (entry,) = html.to_json(screen(("vi", "en")), PORTAL)["content"]
    assert entry["html"].startswith("<h2>Giờ làm việc</h2>")


def test_ticker_json(examples: Path) -> None:
    items = load(examples).playlists["bluezone"].items
    ticker = next(item for item in items if item.kind == "ticker")
    data = ticker.to_json(screen(("vi", "en")), PORTAL)
    assert [entry["lang"] for entry in data["content"]] == ["vi", "en"]
    assert "bluezone.gov.vn/taiapp" in data["content"][1]["text"]


def test_a_deleted_playlist_is_gone_even_with_a_previous_version(examples: Path) -> None:
    good = load(examples)
    screens = examples / "screens.yaml"
    screens.write_text(
        screens.read_text("utf-8").replace("playlist: so-tttt-lobby", "playlist: bluezone"),
        "utf-8",
    )
    (examples / "so-tttt-lobby.yaml").unlink()
    result = load_catalog(examples, good)
    assert result.problems == []
    assert result.catalog is not None
    assert "so-tttt-lobby" not in result.catalog.playlists
    assert "so-tttt-lobby.yaml" not in result.catalog.files
