"""QR codes drawn as SVG: inline in the portal's pages, and as documents for the screens.

One matrix (error correction M, which survives a scuffed print or a glare on a screen) and one
drawing: the dark modules of each row are merged into one rectangle per run, which keeps the
markup small (about two kilobytes for an install link) and crisp at any size. The portal inlines
the `<svg>` element (no image request on a slow link) with a label for screen readers; the
signage server serves a whole SVG document with the four-module quiet zone the standard asks
for, so screens need no QR library. This module does not import Flask.
"""

from __future__ import annotations

import functools
from html import escape

import qrcode
import qrcode.constants

# The longest text a screen's code may carry and still be read across a hall.
MAX_DATA = 500
# The quiet zone in modules: the standard's four for the screens; two in the portal's page,
# where the white card around the code adds the rest.
DOCUMENT_BORDER = 4
INLINE_BORDER = 2


class QrError(ValueError):
    """The text to encode is empty or too long for a code readable across a hall."""


def matrix(data: str, border: int) -> list[list[bool]]:
    """The modules of the smallest code for `data` (True: dark), quiet zone of `border`
    modules included."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    found: list[list[bool]] = code.get_matrix()
    return found


def svg_element(data: str, border: int, attributes: str = "") -> str:
    """An `<svg>` element encoding `data`, sized by its viewBox (one unit per module);
    `attributes` (already escaped) come first in the element."""
    modules = matrix(data, border)
    size = len(modules)
    path = "".join(
        f"M{x} {y}h{length}v1h-{length}z"
        for y, row in enumerate(modules)
        for x, length in _runs(row)
    )
    extra = f" {attributes}" if attributes else ""
    return (
        f'<svg{extra} xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{path}"/></svg>'
    )


@functools.lru_cache(maxsize=64)
def inline_svg(data: str, label: str) -> str:
    """The portal's code: an `<svg class="qr">` for an HTML page, labelled `label` for screen
    readers (cached: the same few install links are drawn on every page)."""
    return svg_element(data, INLINE_BORDER, f'class="qr" role="img" aria-label="{escape(label)}"')


def svg_document(data: str) -> bytes:
    """The screens' code: a standalone SVG document (UTF-8) for `data`, with a four-module
    quiet zone. Raises `QrError` when `data` is empty or longer than `MAX_DATA`."""
    if not data:
        raise QrError("the query parameter data (the text to encode) is missing")
    if len(data) > MAX_DATA:
        raise QrError(f"data is {len(data)} characters; at most {MAX_DATA} fit a readable code")
    size = len(matrix(data, DOCUMENT_BORDER))
    # A millimetre per module gives the document a natural size; the player scales it.
    element = svg_element(data, DOCUMENT_BORDER, f'width="{size}mm" height="{size}mm"')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + element).encode("utf-8")


def _runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    runs: list[tuple[int, int]] = []
    start = -1
    for x, dark in enumerate([*row, False]):
        if dark and start < 0:
            start = x
        elif not dark and start >= 0:
            runs.append((start, x - start))
            start = -1
    return runs
