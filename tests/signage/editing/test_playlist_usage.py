"""Who uses a playlist, who may change it, and what the preview of a draft shows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signage.catalog.loader import load_catalog
from signage.editing import preview, usage
from signage.editing.usage import Usage, may_edit
from tests.conftest import ROOT
from tests.signage.serverkit import make_playlists, playlist_yaml

SHIPPED = load_catalog(ROOT / "playlists").catalog


@pytest.mark.parametrize(
    ("playlist_id", "groups", "screens", "included_by"),
    [
        (
            "bluezone",
            ("tuy-hoa-airport", "tuy-hoa-bus-station", "so-tttt-lobby", "phu-yen-all"),
            (
                "tuy-hoa-airport-arrivals",
                "tuy-hoa-airport-check-in",
                "tuy-hoa-bus-station-waiting-room",
                "tuy-hoa-bus-station-gate",
                "so-tttt-lobby",
            ),
            ("so-tttt-lobby", "tuy-hoa-airport", "tuy-hoa-bus-station"),
        ),
        (
            "tuy-hoa-airport",
            ("tuy-hoa-airport",),
            ("tuy-hoa-airport-arrivals", "tuy-hoa-airport-check-in"),
            (),
        ),
        ("unused", (), (), ()),
    ],
)
def test_usage(
    playlist_id: str,
    groups: tuple[str, ...],
    screens: tuple[str, ...],
    included_by: tuple[str, ...],
) -> None:
    assert usage.usage(SHIPPED, playlist_id) == Usage(groups, screens, included_by)


OWN = {"tuy-hoa-airport"}
AIRPORT = Usage(("tuy-hoa-airport",))
SHARED = Usage(("tuy-hoa-airport", "tuy-hoa-bus-station"))


@pytest.mark.parametrize(
    ("role", "used", "allowed"),
    [
        ("viewer", Usage(), False),
        ("viewer", AIRPORT, False),
        ("editor", Usage(), True),
        ("editor", AIRPORT, True),
        ("editor", SHARED, False),
        ("editor", Usage(("tuy-hoa-bus-station",)), False),
        ("admin", SHARED, True),
        ("admin", Usage(), True),
        ("someone", Usage(), False),
    ],
)
def test_who_may_edit(role: str, used: Usage, allowed: bool) -> None:
    assert may_edit(role, lambda group: group in OWN, used) is allowed


def test_preview_of_a_draft_at_a_chosen_moment(tmp_path: Path) -> None:
    directory = make_playlists(tmp_path / "playlists")
    draft = playlist_yaml(["Sáng"]) + (
        "  - text:\n      vi: {title: Tối}\n    duration: 5\n"
        "    schedule: {times: ['18:00-24:00']}\n    priority: 5\n"
    )
    zone = ZoneInfo("Asia/Ho_Chi_Minh")

    def titles(hour: int) -> list[str]:
        at = datetime(2026, 12, 1, hour, tzinfo=zone)
        shown = preview.preview(
            directory, "lobby", draft, None, at, "portrait", ("vi", "en"), "http://p"
        )
        assert shown.state is not None
        assert shown.state["screen"]["orientation"] == "portrait"
        reasons[hour] = [(e.label, e.why) for e in shown.entries]
        return [item["content"][0]["title"] for item in shown.state["items"]]

    reasons: dict[int, list[tuple[str, str]]] = {}

    assert titles(9) == ["Sáng"]
    assert titles(19) == ["Tối"]
    # Why an item is missing at a moment: its schedule, or a higher priority then.
    assert reasons[9] == [("Sáng", ""), ("Tối", "schedule")]
    assert reasons[19] == [("Sáng", "priority"), ("Tối", "")]
    # The draft is not on disk.
    assert "Sáng" not in (directory / "lobby.yaml").read_text(encoding="utf-8")
    broken = preview.preview(
        directory, "lobby", "items: 3\n", None, datetime.now(zone), "landscape", ("vi",), ""
    )
    assert broken.state is None and broken.problems[0].file == "lobby.yaml"


def test_preview_languages() -> None:
    assert preview.languages_of(SHIPPED) == ("vi", "en", "ru")
    assert preview.languages_of(None) == ("vi", "en")
    assert preview.languages_of(SHIPPED, ("so-tttt-lobby",)) == ("vi",)
    assert preview.languages_of(SHIPPED, ("unknown",)) == ("vi", "en", "ru")
