"""QR codes: the SVG draws exactly the code's modules, with each caller's quiet zone and label."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import qrcode
import qrcode.constants

from bluezone.qr import MAX_DATA, QrError, inline_svg, svg_document, svg_element

URL = "http://portal.local/go/bluezone?src=gate-1"
SVG = "{http://www.w3.org/2000/svg}"


def drawn(svg: str) -> list[list[bool]]:
    """The modules an SVG from `svg_element` paints dark, read back from its path."""
    root = ET.fromstring(svg)
    size = int(root.attrib["viewBox"].split()[2])
    modules = [[False] * size for _ in range(size)]
    path = root.find(f"{SVG}path")
    assert path is not None
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", path.attrib["d"])
    assert "".join(f"M{x} {y}h{n}v1h-{m}z" for x, y, n, m in runs) == path.attrib["d"]
    for x, y, length, back in runs:
        assert length == back
        for column in range(int(x), int(x) + int(length)):
            assert not modules[int(y)][column], "runs overlap"
            modules[int(y)][column] = True
    return modules


def reference(data: str, border: int) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    found: list[list[bool]] = code.get_matrix()
    return found


@pytest.mark.parametrize("data", ["a", URL, "https://bluezone.gov.vn/" + "x" * 300])
@pytest.mark.parametrize("border", [2, 4])
def test_the_drawing_is_the_code(data: str, border: int) -> None:
    modules = drawn(svg_element(data, border))
    assert modules == reference(data, border)
    size = len(modules)
    assert (size - 2 * border - 21) % 4 == 0  # a real QR version: 21 + 4k modules
    quiet = [row[:border] + row[size - border :] for row in modules]
    assert not any(any(r) for r in quiet) and not any(any(r) for r in modules[:border])


def test_the_portal_inlines_a_labelled_element() -> None:
    svg = inline_svg(URL, 'Cài "Bluezone" <ngay>')
    assert svg.startswith('<svg class="qr" role="img" aria-label="Cài &quot;Bluezone&quot; ')
    assert "&lt;ngay&gt;" in svg and "<?xml" not in svg
    assert drawn(svg) == reference(URL, 2)


def test_the_screens_get_a_document_with_a_four_module_quiet_zone() -> None:
    document = svg_document(URL)
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    svg = document.decode("utf-8").split("\n", 1)[1]
    modules = drawn(svg)
    assert modules == reference(URL, 4)
    root = ET.fromstring(svg)
    assert root.attrib["width"] == f"{len(modules)}mm"


@pytest.mark.parametrize(("data", "message"), [("", "missing"), ("x" * (MAX_DATA + 1), "501")])
def test_the_screens_code_refuses_what_cannot_be_read(data: str, message: str) -> None:
    with pytest.raises(QrError, match=message):
        svg_document(data)
    assert svg_document("x" * MAX_DATA)
