"""Printed materials: real PDFs checked with Poppler (sizes, texts, embedded fonts) and their
QR codes decoded with zbar, so a sheet that prints wrong or scans to the wrong link fails."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.campaign.content import Campaign, load_campaign
from portal.campaign.materials import (
    MATERIALS,
    MaterialError,
    Venue,
    counted_link,
    png_pages,
    render,
)
from portal.cli import main
from tests.conftest import ROOT, require_tool

PORTAL_URL = "https://wifi.phuyen.example"
VENUE = Venue("ben-xe", "Bến xe Tuy Hòa")
MM = 72 / 25.4
# Trim size in points plus 3 mm bleed on each side.
EXPECTED_POINTS = {
    "poster": ((210 + 6) * MM, (297 + 6) * MM),
    "leaflet": ((148 + 6) * MM, (210 + 6) * MM),
    "table-card": ((148 + 6) * MM, (210 + 6) * MM),
    "sticker": ((100 + 6) * MM, (100 + 6) * MM),
}


@functools.cache
def campaign() -> Campaign:
    return load_campaign()


@functools.cache
def sheet(material: str, languages: tuple[str, ...]) -> bytes:
    return render(campaign(), VENUE, material, languages, PORTAL_URL)


def tool(name: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    found = subprocess.run(
        [require_tool(name), *args, str(path), *(["-"] if name == "pdftotext" else [])],
        check=True,
        capture_output=True,
        text=True,
    )
    return found.stdout


def page_sizes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    info = tool("pdfinfo", pdf, tmp_path, "-f", "1", "-l", "99")
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    ]


def test_the_poster_is_a4_plus_bleed_with_a_trim_box(tmp_path: Path) -> None:
    pdf = sheet("poster", ("vi",))
    assert page_sizes(pdf, tmp_path) == [pytest.approx(EXPECTED_POINTS["poster"], abs=0.05)]
    boxes = tool("pdfinfo", pdf, tmp_path, "-box")
    media, trim = (
        [float(v) for v in re.search(rf"{box}:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", boxes).groups()]  # type: ignore[union-attr]
        for box in ("MediaBox", "TrimBox")
    )
    # The print shop cuts at the TrimBox: A4 exactly, 3 mm inside the page on every side.
    assert (trim[2] - trim[0], trim[3] - trim[1]) == pytest.approx((595.28, 841.89), abs=0.05)
    insets = [trim[0] - media[0], trim[1] - media[1], media[2] - trim[2], media[3] - trim[3]]
    assert insets == pytest.approx([3 * MM] * 4, abs=0.05)


@pytest.mark.parametrize(("material", "pages"), [(m, spec[2]) for m, spec in MATERIALS.items()])
def test_each_material_has_its_size_and_page_count(
    material: str, pages: int, tmp_path: Path
) -> None:
    sizes = page_sizes(sheet(material, ("vi", "en")), tmp_path)
    assert sizes == [pytest.approx(EXPECTED_POINTS[material], abs=0.05)] * pages


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (("vi", "en"), ["khẩu trang điện tử", "Quét mã để cài Bluezone", "Scan to install"]),
        (("vi", "ru"), ["Luôn bật Bluetooth khi ra khỏi nhà", "Не выключайте Bluetooth"]),  # noqa: RUF001
        (("zh_Hans",), ["外出时请始终开启蓝牙", "扫码安装 Bluezone"]),
        (("ja", "ko"), ["常にBluetoothをオンに", "외출할 때는 항상 블루투스를 켜 두세요"]),
    ],
)
def test_texts_are_real_text_in_embedded_fonts(
    languages: tuple[str, ...], expected: list[str], tmp_path: Path
) -> None:
    pdf = sheet("poster", languages)
    text = re.sub(r"\s+", " ", tool("pdftotext", pdf, tmp_path))
    for words in expected:
        # CJK lines break anywhere: compare without spaces for those.
        assert words in text or words.replace(" ", "") in text.replace(" ", "")
    fonts = tool("pdffonts", pdf, tmp_path).splitlines()[2:]
    assert fonts
    for line in fonts:
        assert re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line), line
        assert line.split()[-5] == "yes", f"not embedded: {line}"


def test_the_leaflet_tells_why_then_how(tmp_path: Path) -> None:
    pdf = sheet("leaflet", ("vi",))
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(pdf)
    first, second = (
        subprocess.run(
            [require_tool("pdftotext"), "-f", str(n), "-l", str(n), str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for n in (1, 2)
    )
    assert "Bluezone có tác dụng gì" in first and "Lịch sử tiếp xúc" in first
    assert "Cách cài đặt" in second and "Tải Bluezone miễn phí" in second
    assert "src=leaflet:ben-xe" in second.replace("\n", "")


@pytest.mark.parametrize("material", list(MATERIALS))
def test_the_qr_code_decodes_to_the_counted_link(material: str, tmp_path: Path) -> None:
    require_tool("pdftoppm")
    zbarimg = require_tool("zbarimg")
    pdf = sheet(material, ("vi", "en"))
    link = counted_link(PORTAL_URL, campaign(), material, VENUE)
    assert link == f"{PORTAL_URL}/go/bluezone?src={material}:ben-xe"
    last = png_pages(pdf, dpi=150)[-1]
    image = tmp_path / "page.png"
    image.write_bytes(last)
    found = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(image)], check=True, capture_output=True, text=True
    )
    # The table card shows the code twice (one per side of the fold): both must be the link.
    decoded = found.stdout.split()
    assert decoded and set(decoded) == {link}
    # The short link is printed beside the code, readable (the scheme left out).
    text = tool("pdftotext", pdf, tmp_path).replace("\n", "")
    assert link.split("://", 1)[1] in text


@pytest.mark.parametrize(
    ("material", "languages", "message"),
    [
        ("flyer", ("vi",), "unknown material 'flyer'; choose one of ['leaflet', 'poster'"),
        ("poster", ("de",), "no campaign texts for ['de']; the campaign has ['en', 'ja'"),
        ("poster", ("vi", "en", "ko"), "give one or two different languages"),
        ("poster", ("vi", "vi"), "give one or two different languages"),
    ],
)
def test_bad_requests_name_what_is_allowed(
    material: str, languages: tuple[str, ...], message: str
) -> None:
    with pytest.raises(MaterialError, match=re.escape(message)):
        render(campaign(), VENUE, material, languages, PORTAL_URL)


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "portal.yaml"
    path.write_text(
        f"portal_url: {PORTAL_URL}\nsecret_key: test-secret-key-that-is-long-enough\n"
        f"database: {tmp_path / 'portal.sqlite3'}\n"
        "venue_name: Tuy Hòa\nvenues:\n  ben-xe:\n    name: Bến xe Tuy Hòa\n"
        "    controller: meraki\n",
        encoding="utf-8",
    )
    return path


def test_the_cli_writes_every_material_with_previews(tmp_path: Path) -> None:
    require_tool("pdftoppm")
    out = tmp_path / "print"
    result = CliRunner().invoke(
        main,
        [
            "materials",
            "--config",
            str(_config(tmp_path)),
            "--venue",
            "ben-xe",
            "--lang",
            "vi,zh-Hant",
            "--out",
            str(out),
            "--png",
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "leaflet-ben-xe-vi-zh_Hant.pdf",
            "leaflet-ben-xe-vi-zh_Hant-1.png",
            "leaflet-ben-xe-vi-zh_Hant-2.png",
            "poster-ben-xe-vi-zh_Hant.pdf",
            "poster-ben-xe-vi-zh_Hant-1.png",
            "sticker-ben-xe-vi-zh_Hant.pdf",
            "sticker-ben-xe-vi-zh_Hant-1.png",
            "table-card-ben-xe-vi-zh_Hant.pdf",
            "table-card-ben-xe-vi-zh_Hant-1.png",
        ]
    )
    assert (out / "poster-ben-xe-vi-zh_Hant.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--venue", "cafe"], "unknown venue 'cafe'; venues: ben-xe"),
        (["--venue", "ben-xe", "--lang", "fr"], "no campaign texts for ['fr']"),
        (["--venue", "ben-xe", "--material", "flyer"], "'flyer' is not one of"),
    ],
)
def test_the_cli_names_what_is_allowed(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["materials", "--config", str(_config(tmp_path)), "--out", str(tmp_path / "o"), *args],
    )
    assert result.exit_code != 0
    assert message in result.output


@pytest.mark.parametrize("second", ["en", "ko", "zh_Hans", "zh_Hant", "ja", "ru"])
@pytest.mark.parametrize("material", list(MATERIALS))
def test_every_language_pair_fits_its_sheet(material: str, second: str, tmp_path: Path) -> None:
    """The longest texts (Vietnamese with Russian, say) fit: the sheet keeps its page count
    and every word lies inside the safe area, at least 4 mm within the trim edge (the page
    clips what overflows a fixed layout, so the words' positions are what tell)."""
    pdf = sheet(material, ("vi", second))
    sizes = page_sizes(pdf, tmp_path)
    assert len(sizes) == MATERIALS[material][2]
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<',
        tool("pdftotext", pdf, tmp_path, "-bbox"),
    )
    assert len(words) > 8
    width, height = sizes[0]
    inset = (3 + 4) * MM
    for x0, y0, x1, y1, word in words:
        assert inset <= float(x0) and float(x1) <= width - inset, word
        assert inset <= float(y0) and float(y1) <= height - inset, word


def test_making_a_sheet_leaves_pillow_refusing_damaged_pictures() -> None:
    # WeasyPrint turns Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it is imported,
    # after which the signage media library would take a cut PNG for a picture. A fresh
    # process, so that the first import is the one the sheet makes.
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from PIL import ImageFile
        from portal.campaign.content import load_campaign
        from portal.campaign.materials import Venue, render
        render(load_campaign(), Venue("x", "X"), "sticker", ("vi",), "https://w.example")
        print(ImageFile.LOAD_TRUNCATED_IMAGES)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False"
