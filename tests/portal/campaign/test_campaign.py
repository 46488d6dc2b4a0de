"""The campaign file: the Bluezone default, replaceable, checked with file and line."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from portal.campaign.content import DEFAULT_FILE, CampaignError, load_campaign
from portal.config import LANGUAGES


def test_shipped_default_is_bluezone_in_every_language() -> None:
    campaign = load_campaign(None, LANGUAGES)
    assert campaign.id == "bluezone"
    assert campaign.app_store_url.endswith("/id1508062685")
    assert campaign.google_play_url.endswith("?id=com.mic.bluezone")
    assert campaign.official_url == "https://www.bluezone.gov.vn"
    assert set(campaign.texts) == set(LANGUAGES)


def test_shipped_texts_are_nfc() -> None:
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)


def test_a_replacement_campaign_needs_no_code(tmp_path: Path) -> None:
    source = DEFAULT_FILE.read_text(encoding="utf-8")
    replaced = source.replace("id: bluezone", "id: pc-covid").replace(
        "app_name: Bluezone", "app_name: PC-Covid"
    )
    path = tmp_path / "campaign.yaml"
    path.write_text(replaced, encoding="utf-8")
    campaign = load_campaign(path, LANGUAGES)
    assert (campaign.id, campaign.app_name) == ("pc-covid", "PC-Covid")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("id: bluezone", "id: Blue Zone"), ":5: id: use 1-40 lower-case"),
        (("app_name: Bluezone", "app_nam: Bluezone"), ":6: app_nam: unknown key"),
        (
            ("install_url: https://", "install_url: http://"),
            ":10: install_url: expected an https://",
        ),
        (("texts:\n  vi:", "texts:\n  xx:"), "texts: no texts for ['vi']"),
        (("id: bluezone", "id: [1, 2]"), ":5: id: expected text"),
    ],
)
def test_bad_campaign_files_name_the_line(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    source = DEFAULT_FILE.read_text(encoding="utf-8")
    assert change[0] in source
    path = tmp_path / "campaign.yaml"
    path.write_text(source.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_campaign(path, LANGUAGES)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_invalid_yaml(tmp_path: Path) -> None:
    path = tmp_path / "campaign.yaml"
    path.write_text("id: [unclosed\n")
    with pytest.raises(CampaignError, match="not valid YAML"):
        load_campaign(path)
