"""Printed materials: poster, leaflet, table card and vehicle sticker, as print-ready PDF.

The core is pure (no Flask): :func:`render` takes a campaign, a venue, a material, one or two
languages and the portal's address, and returns the PDF bytes; :func:`png_pages` turns a PDF
into one PNG per page for previews. A console page or the CLI is a thin layer over these.

Print conventions (what a print shop expects):

- every page is the trim size plus a 3 mm bleed on each side (an A4 poster's PDF page is
  216 x 303 mm); backgrounds run into the bleed and crop marks sit in it. The PDF's TrimBox and
  BleedBox say where to cut, so a shop can also impose the trim size directly;
- text and the QR code keep at least 8 mm inside the trim edge (the safe area);
- text is real text in embedded fonts (Be Vietnam Pro for Latin and Vietnamese, Noto Sans CJK
  for Chinese, Japanese and Korean, DejaVu Sans for Cyrillic), so it is searchable and copyable.

Each sheet's QR code and printed short link carry ``<portal_url>/go/<campaign>?src=<material>:
<venue>``: the portal counts every scan by material and venue.
"""

from __future__ import annotations

import base64
import functools
import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2
from babel.support import NullTranslations, Translations
from fontTools.merge import Merger
from fontTools.ttLib import TTFont
from PIL import ImageFile

from bluezone import qr

from .content import Campaign

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "materials"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# Be Vietnam Pro (Latin + Vietnamese subsets), vendored once for both services.
FONTS = Path(__file__).resolve().parent.parent.parent / "signage" / "static" / "fonts"

# Material name -> (trim width mm, trim height mm, pages). The sizes are the print products:
# the poster is A4; the leaflet is A5, two sides; the table card is an A5 sheet folded across
# into a tent that stands on a table and shows one A6-landscape panel to each side (no stand
# needed, read from both sides of the table); the sticker is 100 x 100 mm, which fits a bus or
# car window and a motorbike's front shield.
MATERIALS: dict[str, tuple[float, float, int]] = {
    "poster": (210, 297, 1),
    "leaflet": (148, 210, 2),
    "table-card": (148, 210, 1),
    "sticker": (100, 100, 1),
}
BLEED_MM = 3
# How many languages one sheet carries (more would shrink the text below reading size).
MAX_LANGUAGES = 2
# HTML lang tags for the campaign's language keys (CJK fonts pick their glyph forms by lang).
_HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}


class MaterialError(ValueError):
    """An unknown material or language, or too many languages; the message names the allowed."""


@dataclass(frozen=True)
class Venue:
    """Where the sheet hangs: ``id`` goes into the counted link, ``name`` is printed."""

    id: str
    name: str


def normalise_language(code: str) -> str:
    """The campaign file's key for a language tag: ``zh-Hans`` and ``zh_Hans`` are the same."""
    return code.strip().replace("-", "_")


def check_request(campaign: Campaign, material: str, languages: Sequence[str]) -> list[str]:
    """The languages as campaign keys, after checking the material and languages exist.

    Raises :class:`MaterialError` naming what is allowed.
    """
    if material not in MATERIALS:
        raise MaterialError(f"unknown material {material!r}; choose one of {sorted(MATERIALS)}")
    langs = [normalise_language(code) for code in languages if code.strip()]
    if not 1 <= len(langs) <= MAX_LANGUAGES or len(set(langs)) != len(langs):
        raise MaterialError(f"give one or two different languages, got {list(languages)}")
    unknown = [lang for lang in langs if lang not in campaign.texts]
    if unknown:
        raise MaterialError(
            f"no campaign texts for {unknown}; the campaign has {sorted(campaign.texts)}"
        )
    return langs


def counted_link(portal_url: str, campaign: Campaign, material: str, venue: Venue) -> str:
    """The smart install link that counts scans of ``material`` at ``venue``."""
    return f"{portal_url.rstrip('/')}/go/{campaign.id}?src={material}:{venue.id}"


def _weasyprint() -> ModuleType:
    """WeasyPrint, imported when the first sheet is made (Pango loads only then).

    Importing it turns on Pillow's process-wide ``LOAD_TRUNCATED_IMAGES``, after which Pillow
    silently accepts damaged pictures. The sheets hold no picture that could be damaged, and
    anything else in the process that checks pictures relies on Pillow's default, so the
    setting is put back as it was.
    """
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint

    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    module: ModuleType = weasyprint
    return module


def prepare() -> None:
    """Load WeasyPrint now. Loading finds Pango's libraries by running helper programs, which
    gevent can only wait for in its main thread: a server that renders in a worker thread calls
    this first, in its own thread."""
    _weasyprint()


def render(
    campaign: Campaign,
    venue: Venue,
    material: str,
    languages: Sequence[str],
    portal_url: str,
) -> bytes:
    """The print-ready PDF of ``material`` for ``venue`` in ``languages`` (one or two; the
    first leads). Raises :class:`MaterialError` for an unknown material or language."""
    weasyprint = _weasyprint()
    langs = check_request(campaign, material, languages)
    link = counted_link(portal_url, campaign, material, venue)
    width, height, _ = MATERIALS[material]
    html = (
        _environment(langs[0])
        .get_template(f"{material}.html")
        .render(
            campaign=campaign,
            venue=venue,
            link=link,
            # Printed without the scheme (phones add it), broken only before the query so that
            # nobody types a hyphen the line break made.
            link_lines=link.split("://", 1)[-1].replace("?", "\n?", 1).split("\n"),
            qr_svg=qr.svg_element(link, qr.DOCUMENT_BORDER, 'class="qr"'),
            sides=[_side(campaign, lang) for lang in langs],
            official=campaign.official_url.split("://", 1)[-1].removeprefix("www.").rstrip("/"),
            width=width,
            height=height,
            bleed=BLEED_MM,
            fonts=_fonts(),
        )
    )
    pdf: bytes = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf


def png_pages(pdf: bytes, dpi: int = 150) -> list[bytes]:
    """One PNG per page of ``pdf`` at ``dpi``, rendered by Poppler's ``pdftoppm`` (the same
    renderer the tests decode the QR code from). Raises ``FileNotFoundError`` without it."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise FileNotFoundError("pdftoppm is not installed (Debian package poppler-utils)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sheet.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [tool, "-r", str(dpi), "-png", str(source), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
        )
        return [page.read_bytes() for page in sorted(Path(tmp).glob("page*.png"))]


def _side(campaign: Campaign, lang: str) -> dict[str, Any]:
    """One language's texts and labels for the templates."""
    translations = _translations(lang)
    return {
        "lang": _HTML_LANG.get(lang, lang),
        "text": campaign.text(lang),
        "scan": translations.gettext("Scan to install %(app)s") % {"app": campaign.app_name},
        "how": translations.gettext("How to install it"),
        "what": translations.gettext("What %(app)s does") % {"app": campaign.app_name},
        "official": translations.gettext("Official website:"),
    }


@functools.cache
def _fonts() -> dict[int, str]:
    """Be Vietnam Pro per weight as a data: URI, its Latin and Vietnamese subsets merged into
    one font. Two same-named subset files in one PDF confuse the glyph mapping of the
    embedded subsets (copied text comes out with the wrong letters), one merged font does not."""
    fonts: dict[int, str] = {}
    for weight in (400, 700, 800):
        parts = []
        for subset in ("latin", "vietnamese"):
            font = TTFont(FONTS / f"be-vietnam-pro-{subset}-{weight}-normal.woff2")
            font.flavor = None
            buffer = io.BytesIO()
            font.save(buffer)
            buffer.seek(0)
            parts.append(buffer)
        merged = io.BytesIO()
        Merger().merge(parts).save(merged)
        fonts[weight] = "data:font/ttf;base64," + base64.b64encode(merged.getvalue()).decode()
    return fonts


def _translations(lang: str) -> NullTranslations:
    found: NullTranslations = Translations.load(str(TRANSLATIONS), [lang])
    return found


def _environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(_translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env
