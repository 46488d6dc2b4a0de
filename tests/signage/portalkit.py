"""The real portal app served on a loopback port in a thread, for the console's results tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from portal import create_app
from tests.conftest import free_port
from tests.portal.conftest import make_config


@contextmanager
def serving(directory: Path, **settings: Any) -> Iterator[tuple[str, Flask]]:
    """The portal with `settings` (its files in `directory`), as (base URL, app)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    directory.mkdir(parents=True, exist_ok=True)
    app = create_app(make_config(directory, **{"portal_url": url, **settings}))
    server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url, app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
