"""QR codes for QR slides, drawn as SVG on the server so that screens need no QR library."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg

MAX_DATA = 500


class QrError(ValueError):
    """The text to encode is empty or too long for a code readable across a hall."""


def svg_for(data: str) -> bytes:
    """An SVG QR code for `data` with error correction M and a four-module quiet zone."""
    if not data:
        raise QrError("the query parameter data (the text to encode) is missing")
    if len(data) > MAX_DATA:
        raise QrError(f"data is {len(data)} characters; at most {MAX_DATA} fit a readable code")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
