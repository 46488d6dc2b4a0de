"""The reference for bench/portal.py: a bare Flask app under the portal's gunicorn settings.

It answers the portal benchmark's two requests with the same bytes and headers as the portal
and nginx, and does nothing else: ``GET /`` sends the file named by ``BENCH_SPLASH_FILE`` (the
portal's rendered splash page) as ``text/html``, ``GET /generate_204`` an empty 204. Issue 2
quotes the rate of such an app as about 8% of nginx's on this machine, so measuring it in the
same run shows how the run compares with that figure.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)
_SPLASH = Path(os.environ.get("BENCH_SPLASH_FILE", os.devnull)).read_bytes()


@app.get("/")
def splash() -> Response:
    """The portal's splash page, as bytes."""
    return Response(_SPLASH, content_type="text/html; charset=utf-8")


@app.get("/generate_204")
def probe() -> tuple[str, int, dict[str, str]]:
    """An empty 204, like the portal's answer to a granted Android probe."""
    return "", 204, {"Cache-Control": "no-store"}
