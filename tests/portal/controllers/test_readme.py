"""README's "Connect your Wi-Fi controller" documents every setting of every controller client."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from portal.controllers.omada import OmadaSettings
from portal.controllers.unifi import UnifiSettings

README = Path(__file__).parents[3] / "README.md"


def subsection(heading: str) -> str:
    """The text of ``### heading`` inside ``## Connect your Wi-Fi controller``."""
    text = README.read_text()
    section = text.split("\n## Connect your Wi-Fi controller\n", 1)[1].split("\n## ", 1)[0]
    return section.split(f"\n### {heading}\n", 1)[1].split("\n### ", 1)[0]


@pytest.mark.parametrize(
    ("heading", "settings"), [("UniFi", UnifiSettings), ("TP-Link Omada", OmadaSettings)]
)
def test_every_setting_has_a_row(heading: str, settings: type) -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \|", subsection(heading), flags=re.MULTILINE)
    assert rows == [f.name for f in dataclasses.fields(settings)]


def test_section_comes_just_before_development() -> None:
    headings = re.findall(r"^## (.+)$", README.read_text(), flags=re.MULTILINE)
    assert headings.index("Development") - headings.index("Connect your Wi-Fi controller") == 1
